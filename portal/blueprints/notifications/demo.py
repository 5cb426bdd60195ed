"""Demo: the property company's duty group robot (switched off: its address is
an example) and e-mail addresses for the demo accounts."""

from __future__ import annotations

from sqlalchemy import select

from portal.blueprints.notifications.models import NotificationProfile, WebhookTarget
from portal.db import db
from portal.models import Role, User

DEMO_ROBOT = "物业公司值班群"


def seed_demo() -> None:
    if db.session.scalar(select(WebhookTarget.id).where(WebhookTarget.name == DEMO_ROBOT)) is None:
        db.session.add(WebhookTarget(
            name=DEMO_ROBOT, url="https://oapi.dingtalk.com/robot/send?access_token=demo-example",
            role=Role.PROPERTY, kinds=[], locale="zh_CN", active=False,
        ))
    for user in db.session.scalars(select(User).where(User.username.in_(("staff", "logistics", "property")))):
        if db.session.get(NotificationProfile, user.id) is None:
            db.session.add(NotificationProfile(user_id=user.id, email=f"{user.username}@example.gov.cn",
                                               locale="zh_CN", email_kinds=None))
    db.session.flush()
