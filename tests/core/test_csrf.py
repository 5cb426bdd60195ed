"""Every state-changing route refuses a request without a valid CSRF token."""

import re

import pytest
from werkzeug.routing import Rule

from portal import create_app
from tests.conftest import make_test_config


def _example_url(rule: Rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)


def _state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            yield rule, method


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_every_state_changing_route_requires_the_token(app, client, login_as_role):
    login_as_role("sysadmin")
    checked = 0
    for rule, method in _state_changing_rules(app):
        response = client.open(_example_url(rule), method=method, data={"x": "1"})
        assert response.status_code == 400, f"{method} {rule.rule} accepted a request without CSRF token"
        checked += 1
    assert checked >= 3


def test_htmx_header_token_is_accepted(app, client):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    response = client.post(
        "/language", data={"lang": "en"}, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/"


def test_missing_token_message_is_clear(client):
    response = client.post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_production_config_keeps_csrf_on(database_url):
    app = create_app(make_test_config(database_url, WTF_CSRF_ENABLED=True))
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert "csrf" in app.extensions
