from flask import Blueprint

from portal.capabilities import Capability

bp = Blueprint("auth", __name__)


CAPABILITY = Capability(
    "auth",
)

from portal.blueprints.auth import views  # noqa: E402,F401
