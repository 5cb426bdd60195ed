from sqlalchemy import select

from portal.db import db
from portal.models import User
from tests.access import LOGGED_IN, Access


def _some_user() -> str:
    return f"/admin/users/{db.session.scalar(select(User.id).order_by(User.id))}"


ACCESS = {
    "main.home": Access("/"),
    "main.healthz": Access("/healthz"),
    "main.set_language": Access("/language", post_only=True, form_page="/"),
    "auth.login": Access("/login", expect={role: 303 for role in LOGGED_IN}),
    "auth.logout": Access("/logout", allowed=LOGGED_IN),
    "auth.change_password": Access("/password", allowed=LOGGED_IN),
    "favicon": Access("/favicon.ico"),
    "admin.throttles": Access("/admin/throttles", allowed=("sysadmin",)),
    "admin.index": Access("/admin/", allowed=("unit_admin", "logistics_admin", "sysadmin")),
    "admin.users": Access("/admin/users/", allowed=("sysadmin",)),
    "admin.edit_user": [
        Access("/admin/users/new", allowed=("sysadmin",)),
        Access(_some_user, allowed=("sysadmin",)),
    ],
    "admin.audit_log": Access("/admin/audit/", allowed=("logistics_admin", "sysadmin")),
}
