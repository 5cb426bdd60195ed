"""The demo data makes every page worth looking at, and tells the story of the reform."""

from decimal import Decimal

from sqlalchemy import func, select

from portal.blueprints.utilities import demo as utilities_demo
from portal.blueprints.utilities import services
from portal.blueprints.utilities.models import (
    BillAdjustment,
    BillingMonth,
    Invoice,
    Meter,
    MeterKind,
    MonthStatus,
    UnitBill,
    UnitBillLine,
)
from portal.blueprints.utilities.readings import AnomalyKind, add_months
from portal.db import db
from portal.models import Unit


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_meters_months_and_bills(demo):
    units = count(Unit)
    kinds = dict(db.session.execute(select(Meter.kind, func.count()).group_by(Meter.kind)).all())
    assert kinds[MeterKind.MAIN] == 2 and kinds[MeterKind.UNIT] == 2 * units + 1 and kinds[MeterKind.COMMON] == 7
    replaced = db.session.scalars(select(Meter).where(Meter.removed_on.is_not(None))).all()
    assert len(replaced) == 1 and replaced[0].replaced_by is not None
    statuses = [m.status for m in db.session.scalars(select(BillingMonth).order_by(BillingMonth.period))]
    assert statuses == [MonthStatus.CLOSED] * 13 + [MonthStatus.OPEN]
    assert count(UnitBill) == 13 * units and count(BillAdjustment) == 2


def test_every_closed_month_bills_exactly_what_was_invoiced(demo):
    invoiced = dict(
        db.session.execute(
            select(BillingMonth.id, func.sum(Invoice.amount))
            .join(Invoice, Invoice.month_id == BillingMonth.id)
            .where(BillingMonth.status == MonthStatus.CLOSED)
            .group_by(BillingMonth.id)
        ).all()
    )
    billed = dict(
        db.session.execute(
            select(UnitBill.month_id, func.sum(UnitBillLine.total)).join(UnitBillLine).group_by(UnitBill.month_id)
        ).all()
    )
    old = dict(
        db.session.execute(
            select(UnitBill.month_id, func.sum(UnitBillLine.old_ratio_amount)).join(UnitBillLine).group_by(UnitBill.month_id)
        ).all()
    )
    assert len(invoiced) == 13 and billed == invoiced and old == invoiced


def test_the_open_month_has_one_flagged_reading_and_history_shows_a_rollover_and_a_replacement(demo):
    periods = db.session.scalars(select(BillingMonth.period).order_by(BillingMonth.period)).all()
    review = services.review_month(periods[-1])
    assert [a.kind for a in review.anomalies] == [AnomalyKind.JUMP]
    assert review.readings_entered() == review.readings_needed()
    rolled = replaced = 0
    for period in periods[:-1]:
        month = services.review_month(period)
        assert not month.anomalies
        rolled += sum(1 for row in month.rows if row.usage.rolled_over)
        replaced += sum(1 for line in month.lines.values() if len(line.rows) == 2)
    assert rolled == 1 and replaced == 1


def test_the_comparison_shows_winners_and_losers(demo):
    last = db.session.scalar(select(func.max(BillingMonth.period)).where(BillingMonth.status == MonthStatus.CLOSED))
    ranked, rows_for = services.comparison_rows(add_months(last, -11), last)
    rows = rows_for(db.session.scalars(ranked).all())
    assert rows[0].difference > Decimal(1000) and rows[-1].difference < Decimal(-1000)
    assert sum(r.difference for r in rows) == 0


def test_seeding_again_changes_nothing(demo):
    before = {model.__name__: count(model) for model in (Meter, BillingMonth, UnitBill, Invoice)}
    utilities_demo.seed_demo()
    db.session.commit()
    assert {model.__name__: count(model) for model in (Meter, BillingMonth, UnitBill, Invoice)} == before


def test_demo_pages_are_not_empty(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    assert "草拟账单" in client.get("/utilities/months/" + _open_label()).get_data(as_text=True)
    assert "原比例下多付" in client.get("/utilities/comparison/").get_data(as_text=True)
    assert "暂无" not in client.get("/utilities/bills/").get_data(as_text=True)
    auth.login_as(demo["unit_admin"])
    assert "最近账单" in client.get("/").get_data(as_text=True)
    auth.login_as(demo["property"])
    assert "录入" in client.get("/").get_data(as_text=True)


def _open_label() -> str:
    return db.session.scalar(select(BillingMonth).where(BillingMonth.status == MonthStatus.OPEN)).label
