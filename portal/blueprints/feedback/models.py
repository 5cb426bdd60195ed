"""Staff feedback (意见建议)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.db import AwareDateTime, db, enum_column
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import User


class Kind(LabelledEnum):
    SUGGESTION = "suggestion", _l("Suggestion"), "info"
    COMPLAINT = "complaint", _l("Complaint"), "warn"
    PRAISE = "praise", _l("Praise"), "ok"


class Topic(LabelledEnum):
    CLEANING = "cleaning", _l("Cleaning")
    GREENING = "greening", _l("Greening")
    SECURITY = "security", _l("Security and entry")
    MEETING = "meeting", _l("Meeting service")
    REPAIRS = "repairs", _l("Repairs and maintenance")
    PARKING = "parking", _l("Parking and vehicles")
    UTILITIES = "utilities", _l("Water and power")
    OTHER = "other", _l("Other")


class Status(LabelledEnum):
    NEW = "new", _l("Received"), "danger"
    IN_HAND = "in_hand", _l("Being handled"), "warn"
    ANSWERED = "answered", _l("Answered"), "ok"


class Feedback(db.Model):
    """One piece of feedback.

    ``sender_id`` is empty for anonymous feedback: nothing links it to an
    account (the audit entry names no actor either). ``receipt_hash`` is the
    hash of the code the sender was shown, with which they follow it.
    """

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Kind] = mapped_column(enum_column(Kind))
    topic: Mapped[Topic] = mapped_column(enum_column(Topic))
    text: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.NEW)
    handling_note: Mapped[str] = mapped_column(String(500), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    sender: Mapped[User | None] = relationship(foreign_keys=[sender_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
