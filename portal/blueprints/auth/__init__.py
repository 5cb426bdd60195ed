from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.capabilities import Capability

bp = Blueprint("auth", __name__)


CAPABILITY = Capability(
    "auth",
)

audit.register_labels(
    actions={
        "login": _l("Logged in"),
        "logout": _l("Logged out"),
        "user.password": _l("Changed own password"),
        "login.throttle_clear": _l("Cleared a login throttle"),
    },
    object_types={"user": _l("Account"), "login_failure": _l("Failed logins")},
)

from portal.blueprints.auth import views  # noqa: E402,F401
