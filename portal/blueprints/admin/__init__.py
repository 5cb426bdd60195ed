from flask import Blueprint

from portal import audit
from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMIN_LINKS = (
    NavItem("admin.users", _l("Accounts"), (Role.SYSADMIN,)),
    NavItem("admin.throttles", _l("Login throttles"), (Role.SYSADMIN,)),
    NavItem("admin.audit_log", _l("Audit log"), ADMINS),
)


CAPABILITY = Capability(
    "admin",
    nav=NavItem("admin.index", _l("Admin"), ADMINS + (Role.UNIT_ADMIN,)),
    nav_order=100,
    admin_links=ADMIN_LINKS,
)

audit.register_labels(
    actions={"user.create": _l("Created an account"), "user.update": _l("Changed an account")},
)

from portal.blueprints.admin import views  # noqa: E402,F401
