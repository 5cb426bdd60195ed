"""Messages for people (one row per recipient and event), their delivery by
e-mail, webhook deliveries to group robots, and each person's choices."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import AwareDateTime, db, enum_column
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Role, Unit, User


class DeliveryStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting to be sent"), "info"
    SENT = "sent", _l("Sent"), "ok"
    SKIPPED = "skipped", _l("Not sent (not wanted or no address)"), "muted"
    FAILED = "failed", _l("Failed"), "danger"


class Notification(db.Model):
    """What one person is told about one event: in the portal always, by e-mail
    if they want it. The text is rendered when read or sent, in their language."""

    __tablename__ = "notification"
    __table_args__ = (
        # The inbox, newest first; the unread notices and the open to-dos (the header's count, the inbox's version).
        Index("ix_notification_newest", "recipient_id", "created_at", "id"),
        Index("ix_notification_unread", "recipient_id", "read_at", "done_at", "todo"),
        Index("ix_notification_open_todo", "recipient_id", "todo", "done_at"),
        Index("ix_notification_email_due", "email_status", "next_attempt_at"),
        Index("ix_notification_webhook", "webhook_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    endpoint: Mapped[str | None] = mapped_column(String(80))
    endpoint_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    todo: Mapped[bool] = mapped_column(Boolean, default=False)
    todo_key: Mapped[str | None] = mapped_column(String(120), index=True)
    # One event addressed to several people shares this key (a group robot hears of it once).
    event_key: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    email_status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.PENDING)
    webhook_status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(32), index=True)  # a sender finds its claim by it
    claimed_until: Mapped[datetime | None] = mapped_column(AwareDateTime)
    last_error: Mapped[str] = mapped_column(String(255), default="")
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    recipient: Mapped[User] = relationship()


class WebhookTarget(db.Model):
    """A group robot (DingTalk/WeCom style) that hears of events addressed to a
    unit's staff or to holders of a role."""

    __tablename__ = "webhook_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    # DingTalk's signing secret (加签), when the robot has one.
    secret: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    role: Mapped[Role | None] = mapped_column(enum_column(Role))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every kind
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit | None] = relationship()


class WebhookDelivery(db.Model):
    """One event's message to one group robot, with its own retries."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        db.UniqueConstraint("event_key", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(ForeignKey("webhook_target.id", ondelete="CASCADE"))
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(32), index=True)  # a sender finds its claim by it
    claimed_until: Mapped[datetime | None] = mapped_column(AwareDateTime)
    last_error: Mapped[str] = mapped_column(String(255), default="")
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    target: Mapped[WebhookTarget] = relationship()
    notification: Mapped[Notification] = relationship()


class NotificationProfile(db.Model):
    """A person's delivery choices: e-mail address, language, quiet hours and
    the kinds they want by e-mail (in the portal they always see everything)."""

    __tablename__ = "notification_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    email_kinds: Mapped[list[str] | None] = mapped_column(JSON)  # None: every kind
    quiet_from: Mapped[time | None] = mapped_column(Time)
    quiet_until: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
