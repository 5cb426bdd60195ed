from sqlalchemy import select

from portal.blueprints.notices.models import Notice
from portal.db import db
from tests.access import ROLES, STAFF, Access

MANAGERS = ("unit_admin", "logistics_admin", "sysadmin")
LOGISTICS = ("logistics_admin", "sysadmin")


def _notice(title: str, suffix: str = "") -> str:
    notice_id = db.session.scalar(select(Notice.id).where(Notice.title == title))
    return f"/notices/{notice_id}{suffix}"


def public_notice() -> str:
    return _notice("主楼电梯年度检验的通知")


def staff_notice() -> str:
    return _notice("机关食堂下周菜单及就餐时间")


def expired_notice() -> str:
    return _notice("国庆假期班车停运通知")


ACCESS = {
    "notices.index": Access("/notices/"),
    "notices.detail": [
        Access(public_notice),
        Access(staff_notice, allowed=STAFF),
        # Past notices are the managers' records; to everyone else they do not exist.
        Access(expired_notice, allowed=LOGISTICS, expect={r: 404 for r in ROLES if r not in LOGISTICS}),
    ],
    "notices.manage": Access("/notices/manage", allowed=MANAGERS),
    "notices.create": Access("/notices/new", allowed=MANAGERS),
    "notices.edit": [
        Access(lambda: _notice("主楼电梯年度检验的通知", "/edit"), allowed=LOGISTICS),
        Access(lambda: _notice("社保卡集中补换领服务时间调整", "/edit"), allowed=MANAGERS),
    ],
    "notices.withdraw": Access(lambda: _notice("社保卡集中补换领服务时间调整", "/withdraw"), post_only=True,
                               post_roles=MANAGERS),
}
