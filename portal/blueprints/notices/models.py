"""Notices (公告): what the building announces to its staff and visitors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, db, enum_column
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Unit, User

TITLE_MAX = 120
BODY_MAX = 5000


class Audience(LabelledEnum):
    PUBLIC = "public", _l("Everyone, visitors included")  # the lobby display included
    STAFF = "staff", _l("Staff only"), "warn"  # logged-in staff of the building's units only


class Notice(db.Model):
    """One notice. It is shown from ``publish_at`` until ``expires_at`` unless
    withdrawn; a withdrawn notice is kept (and audited), never deleted."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_window", "publish_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[Audience] = mapped_column(
        enum_column(Audience, length=10),
        default=Audience.PUBLIC,
    )
    publish_at: Mapped[datetime] = mapped_column(AwareDateTime)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    def __repr__(self) -> str:
        return f"<Notice {self.id} {self.title[:20]!r}>"


# Pages cached by portal.cache show these models' data.
watch("notices", Notice)
