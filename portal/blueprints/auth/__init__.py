from flask import Blueprint, Flask

from portal import audit
from portal.capabilities import Capability
from portal.i18n import lazy_gettext as _l

bp = Blueprint("auth", __name__)


def _init_app(app: Flask) -> None:
    # The hash a login for an unknown username verifies is made now, not by the
    # first such login (which would otherwise take longer than the rest).
    from portal.blueprints.auth.services import dummy_hash

    dummy_hash(app.config["PASSWORD_HASH_METHOD"])
    from portal.blueprints.auth.cli import create_user_command

    app.cli.add_command(create_user_command)


CAPABILITY = Capability(
    "auth",
    init_app=_init_app,
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

from portal.blueprints.auth import views  # noqa: F401
