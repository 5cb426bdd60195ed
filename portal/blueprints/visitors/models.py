"""The visitor log: who came in, to see whom, and when they left.

Personal fields are emptied by ``flask purge-visitors`` after the retention
period (``anonymized_at`` is then set); times, unit, companions and badge stay,
so counts and per-unit statistics survive.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.blueprints.visitors.validation import IdType
from portal.cache import watch
from portal.db import AwareDateTime, db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Unit, User


def _enum(kind: type[enum.Enum], length: int = 20):
    return db.Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class WatchAction(LabelledEnum):
    REFUSE = "refuse", _l("Refuse entry"), "danger"  # do not let in
    ESCALATE = "escalate", _l("Call the duty supervisor"), "warn"  # call the duty supervisor before letting in


class WatchMatchKind(LabelledEnum):
    """What a watchlist entry and a visitor have in common."""

    NAME = "name", _l("same name")
    DOCUMENT = "document", _l("same document")
    PLATE = "plate", _l("same plate")


class PreregistrationStatus(LabelledEnum):
    EXPECTED = "expected", _l("expected"), "warn"
    ARRIVED = "arrived", _l("arrived"), "ok"
    CANCELLED = "cancelled", _l("cancelled"), "neutral"


class VisitorEntry(db.Model):
    """One visit: checked in at the desk, and (later) checked out."""

    __tablename__ = "visitor_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One per check-in form shown: a repeated or retried submission finds its entry.
    submission_token: Mapped[str] = mapped_column(String(64), unique=True)

    name: Mapped[str] = mapped_column(String(50))
    id_type: Mapped[IdType] = mapped_column(_enum(IdType))
    id_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    id_masked: Mapped[str] = mapped_column(String(40), default="")  # "" in storage mode none
    id_encrypted: Mapped[str | None] = mapped_column(Text)  # Fernet token, storage mode full only
    phone: Mapped[str] = mapped_column(String(30), default="")
    organization: Mapped[str] = mapped_column(String(80), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    host_name: Mapped[str] = mapped_column(String(50), default="")
    purpose: Mapped[str] = mapped_column(String(100), default="")
    companions: Mapped[int] = mapped_column(Integer, default=0)
    plate: Mapped[str] = mapped_column(String(10), default="")
    badge: Mapped[str | None] = mapped_column(String(10))

    checked_in_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    checked_out_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    checked_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    refused: Mapped[bool] = mapped_column(Boolean, default=False)  # turned away after a watchlist warning
    watchlist_hit: Mapped[bool] = mapped_column(Boolean, default=False)  # matched the watchlist at check-in
    watchlist_note: Mapped[str] = mapped_column(String(200), default="")  # the warning shown (purged with the rest)
    preregistration_id: Mapped[int | None] = mapped_column(
        ForeignKey("visitor_preregistration.id", ondelete="SET NULL"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("visitor_invitation.id", ondelete="SET NULL"),
                                                      index=True)
    anonymized_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    unit: Mapped[Unit | None] = relationship()
    checked_in_by: Mapped[User | None] = relationship(foreign_keys=[checked_in_by_id])
    checked_out_by: Mapped[User | None] = relationship(foreign_keys=[checked_out_by_id])
    preregistration: Mapped[VisitorPreregistration | None] = relationship()
    invitation: Mapped[VisitorInvitation | None] = relationship()

    @property
    def on_site(self) -> bool:
        return self.checked_out_at is None

    def __repr__(self) -> str:
        return f"<VisitorEntry {self.id}>"


# The on-site list, its counts and the check-out by badge read only the rows
# still open, a few dozen among millions: partial indexes keep those reads
# independent of the size of the history. (checked_in_at, id) is the list's
# order; companions and checked_out_at (always NULL here) let SQLite answer the
# head counts from the index alone.
STILL_ON_SITE = VisitorEntry.checked_out_at.is_(None)
Index(
    "ix_visitor_entry_on_site",
    VisitorEntry.checked_in_at,
    VisitorEntry.id,
    VisitorEntry.companions,
    VisitorEntry.checked_out_at,
    sqlite_where=STILL_ON_SITE,
    postgresql_where=STILL_ON_SITE,
)
# Watchlist warnings still open at the desk (almost always none): an equality
# lookup, so the planner picks it even without statistics for an empty index.
Index(
    "ix_visitor_entry_open_warnings",
    VisitorEntry.watchlist_hit,
    VisitorEntry.checked_in_at,
    sqlite_where=STILL_ON_SITE,
    postgresql_where=STILL_ON_SITE,
)
# The guard's plate lookup: a plate's latest visits, newest first.
Index("ix_visitor_entry_plate_checked_in", VisitorEntry.plate, VisitorEntry.checked_in_at)
# A badge is handed to one visitor at a time.
Index(
    "uq_visitor_entry_badge_on_site",
    VisitorEntry.badge,
    unique=True,
    sqlite_where=STILL_ON_SITE,
    postgresql_where=STILL_ON_SITE,
)


class VisitorPreregistration(db.Model):
    """A visitor an employee expects, for a date and a time window."""

    __tablename__ = "visitor_preregistration"
    __table_args__ = (Index("ix_visitor_preregistration_day_status", "visit_date", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    host_name: Mapped[str] = mapped_column(String(50), default="")
    visit_date: Mapped[date] = mapped_column(Date)
    window_start: Mapped[time] = mapped_column(Time)
    window_end: Mapped[time] = mapped_column(Time)
    visitor_name: Mapped[str] = mapped_column(String(50))
    id_type: Mapped[IdType] = mapped_column(_enum(IdType), default=IdType.RESIDENT_ID)
    phone: Mapped[str] = mapped_column(String(30), default="")
    organization: Mapped[str] = mapped_column(String(80), default="")
    purpose: Mapped[str] = mapped_column(String(100), default="")
    companions: Mapped[int] = mapped_column(Integer, default=0)
    plate: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[PreregistrationStatus] = mapped_column(
        _enum(PreregistrationStatus), default=PreregistrationStatus.EXPECTED
    )
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    no_show_told_at: Mapped[datetime | None] = mapped_column(AwareDateTime)  # host told they did not come
    anonymized_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    created_by: Mapped[User | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    def __repr__(self) -> str:
        return f"<VisitorPreregistration {self.id}>"


class WatchlistEntry(db.Model):
    """A person (or vehicle) to refuse or to escalate; kept short by logistics admins."""

    __tablename__ = "visitor_watchlist"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), default="")
    name_key: Mapped[str] = mapped_column(String(50), default="", index=True)  # normalize_name(name)
    id_type: Mapped[IdType | None] = mapped_column(_enum(IdType))
    id_masked: Mapped[str] = mapped_column(String(40), default="")
    id_digest: Mapped[str | None] = mapped_column(String(64), index=True)  # keyed hash, never the number
    plate: Mapped[str] = mapped_column(String(10), default="", index=True)
    reason: Mapped[str] = mapped_column(String(200))
    action: Mapped[WatchAction] = mapped_column(_enum(WatchAction), default=WatchAction.ESCALATE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<WatchlistEntry {self.id}>"


class VisitorInvitation(db.Model):
    """A link a host sends a visitor (one day or several, one person and a few
    companions): the visitor registers themselves, then shows a pass code at
    the desk. The token is the link's secret; the pass code, read aloud or
    scanned, is valid only once the visitor has registered."""

    __tablename__ = "visitor_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    pass_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    host_name: Mapped[str] = mapped_column(String(50), default="")
    room: Mapped[str] = mapped_column(String(30), default="")
    purpose: Mapped[str] = mapped_column(String(100), default="")
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    window_start: Mapped[time] = mapped_column(Time)
    window_end: Mapped[time] = mapped_column(Time)
    max_companions: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    # What the visitor filled in (stored by the desk's minimisation rule).
    registered_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    visitor_name: Mapped[str] = mapped_column(String(50), default="")
    id_type: Mapped[IdType | None] = mapped_column(_enum(IdType))
    id_masked: Mapped[str] = mapped_column(String(40), default="")
    id_encrypted: Mapped[str | None] = mapped_column(Text)
    id_digest: Mapped[str | None] = mapped_column(String(64))  # keyed hash for the watch-list check, never the number
    phone: Mapped[str] = mapped_column(String(30), default="")
    plate: Mapped[str] = mapped_column(String(10), default="")
    companions: Mapped[int] = mapped_column(Integer, default=0)
    no_show_told_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    anonymized_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    created_by: Mapped[User | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    def __repr__(self) -> str:
        return f"<VisitorInvitation {self.id}>"


# Pages cached by portal.cache show these models' data.
watch("visitors", VisitorEntry, VisitorPreregistration, WatchlistEntry, VisitorInvitation)
