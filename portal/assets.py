"""One script file for the browser: the vendored htmx (unmodified on disk) and
the portal's app.js, joined at start-up into ``static/js/bundle.js``. A first visit
then costs three requests (page, CSS, script) instead of four; the bundle's URL
carries its content hash like every static file, so a repeat visit costs none.

The file is (re)written only when its content would change, atomically, so
several server processes starting together do not trip over each other. Where
the package folder is read-only, pages name the two files as before.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from flask import Flask

SOURCES = ("vendor/htmx/htmx.min.js", "js/app.js")
BUNDLE = "js/bundle.js"

log = logging.getLogger(__name__)


def bundle_text(static: Path) -> bytes:
    parts = [(static / name).read_bytes().rstrip() for name in SOURCES]
    return b"\n;\n".join(parts) + b"\n"


def build_bundle(static: Path) -> bool:
    """Write the bundle if it is missing or stale; False if it cannot be written."""
    target = static / BUNDLE
    content = bundle_text(static)
    try:
        if target.exists() and target.read_bytes() == content:
            return True
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".bundle-", suffix=".js")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
        return True
    except OSError as error:
        log.warning("cannot write %s (%s): pages load htmx and app.js separately", target, error)
        return False


def init_app(app: Flask) -> None:
    app.config["SCRIPT_BUNDLE"] = build_bundle(Path(app.static_folder or ""))
