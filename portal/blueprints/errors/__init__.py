"""Error pages: full pages normally, fragments for htmx requests."""

from flask import Blueprint

from portal.capabilities import Capability

bp = Blueprint("errors", __name__)


CAPABILITY = Capability(
    "errors",
)

from portal.blueprints.errors import handlers  # noqa: E402,F401
