"""The role decorator, page-vs-partial rendering, error pages and headers."""

import pytest
from flask import Blueprint
from markupsafe import Markup

from portal.blueprints import capabilities
from portal.htmx import render
from portal.models import Role
from portal.security import is_safe_next, roles_required


@pytest.fixture
def probe_app(app):
    """The app plus a few probe routes that exercise the shared helpers."""
    bp = Blueprint("probe", __name__, url_prefix="/probe")

    @bp.route("/guards")
    @roles_required(Role.SECURITY, Role.LOGISTICS_ADMIN)
    def guards_only():
        return "guard desk"

    @bp.route("/any-login")
    @roles_required()
    def any_login():
        return "hello"

    @bp.route("/page")
    def page():
        return render("errors/error.html", "errors/_error.html", code=200, title="T", message="M")

    @bp.route("/targets")
    def targets():
        return render(
            "errors/error.html",
            {"grid": "errors/_error.html"},
            code=200,
            title="T",
            message="M",
        )

    @bp.route("/drawn")
    def drawn():
        fragment = Markup("<p class='drawn'>{}</p>").format("<b>已绘制</b>")
        return render("errors/error.html", fragment, code=200, title="T", message=fragment)

    @bp.route("/fail")
    def fail():
        raise RuntimeError("secret-detail-xyz")

    app.register_blueprint(bp)
    return app


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 303),
        ("employee", 403),
        ("unit_admin", 403),
        ("property", 403),
        ("sysadmin", 403),
        ("security", 200),
        ("logistics_admin", 200),
    ],
)
def test_roles_required(probe_app, client, login_as_role, role, expected):
    login_as_role(role)
    response = client.get("/probe/guards")
    assert response.status_code == expected
    if expected == 303:
        assert response.headers["Location"].startswith("/login?next=/probe/guards")
    if expected == 403:
        assert "没有权限" in response.get_data(as_text=True)


def test_any_login_route(probe_app, client, login_as_role):
    assert client.get("/probe/any-login").status_code == 303
    login_as_role("property")
    assert client.get("/probe/any-login").status_code == 200


def test_htmx_anonymous_gets_hx_redirect_to_login(probe_app, client):
    response = client.get("/probe/guards", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_page_or_partial_by_hx_request(probe_app, client):
    full = client.get("/probe/page")
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]

    partial = client.get("/probe/page", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and 'class="message' in body
    assert "HX-Request" in partial.headers["Vary"]


def test_a_fragment_drawn_already_is_the_partial(probe_app, client):
    partial = client.get("/probe/drawn", headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True) == "<p class='drawn'>&lt;b&gt;已绘制&lt;/b&gt;</p>"
    assert "HX-Request" in partial.headers["Vary"]
    full = client.get("/probe/drawn").get_data(as_text=True)
    assert "<html" in full and "<p class='drawn'>&lt;b&gt;已绘制&lt;/b&gt;</p>" in full


@pytest.mark.parametrize("extra", [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}])
def test_boosted_and_history_restore_get_the_full_page(probe_app, client, extra):
    response = client.get("/probe/page", headers={"HX-Request": "true", **extra})
    assert "<html" in response.get_data(as_text=True)


def test_partial_chosen_by_hx_target(probe_app, client):
    grid = client.get("/probe/targets", headers={"HX-Request": "true", "HX-Target": "grid"})
    assert "<html" not in grid.get_data(as_text=True)
    assert "HX-Target" in grid.headers["Vary"]
    other = client.get("/probe/targets", headers={"HX-Request": "true", "HX-Target": "elsewhere"})
    assert "<html" in other.get_data(as_text=True)


def test_404_page_and_fragment(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "<html" in page.get_data(as_text=True) and "找不到" in page.get_data(as_text=True)
    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Retarget"] == "#messages"


def test_405_page(client):
    response = client.get("/language")
    assert response.status_code == 405
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"TESTING": False, "PROPAGATE_EXCEPTIONS": False}])
def test_500_page_explains_without_details(probe_app, client, app_config):
    response = client.get("/probe/fail")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "出错" in body and "RuntimeError" not in body and "secret-detail-xyz" not in body


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_of_logged_in_users_are_not_cached(client, login_as_role):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login_as_role("employee")
    assert "no-store" in client.get("/").headers["Cache-Control"]


def test_htmx_is_configured_for_a_strict_csp(client, login_as_role):
    html = client.get("/").get_data(as_text=True)
    assert '"includeIndicatorStyles":false' in html and '"allowEval":false' in html
    assert "<script>" not in html and "onclick" not in html
    # Issue 21: an anonymous visitor gets no session, so no CSRF token; signed-in users do.
    assert "X-CSRFToken" not in html
    login_as_role("employee")
    assert 'hx-headers=\'{"X-CSRFToken"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "safe"),
    [("/", True), ("/rooms/?a=1", True), ("//x.example", False), ("http://x.example/", False),
     ("/\\x", False), ("", False), (None, False), ("rooms", False), ("/a\nb", False)],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_static_urls_carry_a_content_hash(client):
    html = client.get("/").get_data(as_text=True)
    assert "/static/css/portal.css?v=" in html
    # Issue 21: htmx and app.js arrive as one bundle (the vendored file stays unmodified).
    assert "/static/js/bundle.js?v=" in html


def test_home_page_query_count_is_fixed(client, demo, count_queries, login_as_role):
    """The home page runs a fixed number of queries, whatever the building's size:
    four of its own (counts, buildings, the user and their roles), plus at most
    four per capability panel."""
    login_as_role("employee")
    client.get("/")
    panels = sum(declared.home_panel is not None for declared in capabilities())
    with count_queries() as queries:
        client.get("/")
    assert queries.count <= 4 + 4 * panels, "\n".join(queries.statements)


def test_fields_without_errors_carry_no_aria_error_attributes(client):
    html = client.get("/login").get_data(as_text=True)
    assert "aria-invalid" not in html and '"None"' not in html
    html = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'aria-describedby="username-errors"' in html
