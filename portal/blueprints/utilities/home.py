"""The utilities' part of the home-page workbench (issue 17) for a unit
administrator: the unit's new bills, waiting for them to check and pass on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.blueprints.utilities.models import BillingMonth, UnitBill
from portal.blueprints.utilities.services import latest_bills
from portal.db import db

# A bill is new for a month after it is issued (the month is closed once a month).
NEW_FOR = timedelta(days=31)


@dataclass(frozen=True)
class UnitBillsPanel:
    new: int  # the unit's bills issued in the last month, waiting for its administrator
    new_month: str | None  # the month of the newest of them ("2025-01"), for the link
    latest: UnitBill | None


def unit_bills_panel(unit_id: int, *, now: datetime) -> UnitBillsPanel:
    row = db.session.execute(
        select(func.count(), func.max(BillingMonth.period))
        .select_from(UnitBill)
        .join(BillingMonth, BillingMonth.id == UnitBill.month_id)
        .where(UnitBill.unit_id == unit_id, UnitBill.created_at > now - NEW_FOR)
    ).one()
    latest = next(iter(latest_bills(unit_id, 1)), None)
    return UnitBillsPanel(new=row[0], new_month=f"{row[1]:%Y-%m}" if row[0] == 1 and row[1] else None, latest=latest)
