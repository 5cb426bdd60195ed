import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "portal" / "static" / "vendor" / "htmx"


def test_vendored_htmx_is_the_published_file_with_its_licence():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    expected = re.search(r"sha256: ([0-9a-f]{64})", readme).group(1)
    assert hashlib.sha256((VENDOR / "htmx.min.js").read_bytes()).hexdigest() == expected
    assert "1.9.12" in readme
    assert "Zero-Clause BSD" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert b'version:"1.9.12"' in (VENDOR / "htmx.min.js").read_bytes()


def test_static_files_are_served_with_long_cache(app, client):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "max-age=3600" in response.headers["Cache-Control"]
    response.close()


def test_templates_have_no_inline_script_or_handlers():
    templates = Path(__file__).resolve().parents[2] / "portal" / "templates"
    offenders = []
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=", text) or re.search(r"\sstyle=", text):
            offenders.append(str(path.relative_to(templates)))
    assert offenders == []


def _stylesheet_rules(css: str) -> list[tuple[str, str]]:
    """(at-rule context, selector) of every rule; fails on unbalanced braces."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules, context, prelude = [], [], ""
    for char in css:
        if char == "{":
            head = " ".join(prelude.split())
            if head.startswith("@"):
                context.append(head)
            else:
                rules.append((" ".join(context), head))
                context.append(None)
            prelude = ""
        elif char == "}":
            assert context, "a } closes nothing"
            context.pop()
            prelude = ""
        elif char == ";" and not context:
            prelude = ""
        else:
            prelude += char
    assert not context, f"unclosed block(s): {[c for c in context if c]}"
    return rules


def test_stylesheet_is_balanced_and_declares_each_rule_once():
    # A missing } after an @media print block silently turns the rest of the
    # sheet into print-only rules; two rules for one selector drift apart.
    css = (Path(__file__).resolve().parents[2] / "portal" / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    rules = _stylesheet_rules(css)
    screen = [selector for context, selector in rules if not context]
    assert "button.js-print[hidden]" in screen and ".search-results" in screen
    seen: set[tuple[str, str]] = set()
    repeated = [rule for rule in rules if rule in seen or seen.add(rule)]
    assert repeated == []


def test_stylesheet_parser_sees_an_unclosed_media_block():
    try:
        _stylesheet_rules("@media print { .a { color: red; }\n.b { color: blue; }")
    except AssertionError as error:
        assert "@media print" in str(error)
    else:
        raise AssertionError("an unclosed @media block went unnoticed")


def test_templates_keep_the_addresses_of_routes_asked_for_by_name_per_script_root(app):
    from flask import render_template_string, url_for

    source = ("{{ url_for('main.home') }}|{{ url_for('static', filename='css/portal.css') }}|"
              "{{ url_for('auth.login', next='/x') }}")
    for root in ("", "/portal", ""):  # a deployment under a prefix gets its own addresses
        with app.test_request_context("/", base_url=f"http://localhost{root}"):
            expected = "|".join([url_for("main.home"), url_for("static", filename="css/portal.css"),
                                 url_for("auth.login", next="/x")])
            assert render_template_string(source) == expected
            assert expected.startswith(f"{root}/|{root}/static/css/portal.css?v=")
    kept = app.jinja_env.globals["url_for"]._kept
    assert ("/portal", "main.home", "") in kept and ("", "main.home", "") in kept
    assert not any(endpoint == "auth.login" for _root, endpoint, _file in kept)  # asked with values: not kept
