from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.models import Role
from portal.security import ADMINS
from portal.templating import NavItem

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMIN_LINKS = (
    NavItem("admin.users", _l("Accounts"), (Role.SYSADMIN,)),
    NavItem("admin.audit_log", _l("Audit log"), ADMINS),
)

from portal.blueprints.admin import views  # noqa: E402,F401
