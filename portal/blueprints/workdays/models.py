"""The local entries of the portal's workday calendar (the table the core
migration created as ``calendar_day``; moved here unchanged)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, db


class CalendarDay(db.Model):
    """A local decision about one date that overrides the official calendar:
    a holiday or make-up workday the package does not know yet, or a local
    closure. See ``portal.blueprints.workdays.days``."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now, onupdate=timeutil.now)


# Pages cached by portal.cache show these models' data.
watch("calendar", CalendarDay)
