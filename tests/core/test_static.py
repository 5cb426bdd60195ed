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
