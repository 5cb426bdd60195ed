"""The directory and the guide keep the portal's layering: views call services,
services never read the request, and the guide does not depend on the directory."""

import re
from pathlib import Path

import portal

BLUEPRINTS = Path(portal.__file__).parent / "blueprints"
MODULES = sorted((BLUEPRINTS / "directory").glob("*.py")) + sorted((BLUEPRINTS / "guide").glob("*.py"))


def test_views_leave_state_changes_to_services():
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        if "@bp.route" in source:
            assert not re.search(r"db\.session\.(add|add_all|delete)\(|audit\.record\(", source), path.name


def test_services_never_read_the_request():
    for name in ("directory/services.py", "directory/exchange.py", "guide/services.py"):
        source = (BLUEPRINTS / name).read_text(encoding="utf-8")
        assert not re.search(r"from flask import|flask_login|current_user|flask\.request", source), name


def test_the_guide_does_not_import_the_directory():
    for path in sorted((BLUEPRINTS / "guide").glob("*.py")):
        assert "blueprints.directory" not in path.read_text(encoding="utf-8"), path.name
