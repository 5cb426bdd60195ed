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
from tests.utilities.conftest import count


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


def _number(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def test_the_readings_export_alone_reproduces_every_closed_months_bills(client, auth, demo):
    """Every figure a bill rests on is in the month's reading sheet (replaced meters' final
    readings, register maxima, invoices, keys): the bills recomputed from it agree to the fen."""
    from io import BytesIO

    from openpyxl import load_workbook

    from portal.blueprints.utilities.allocation import allocate_bill
    from portal.blueprints.utilities.readings import MeterSpan, span_usage

    auth.login_as(demo["logistics_admin"])
    months = db.session.scalars(
        select(BillingMonth).where(BillingMonth.status == MonthStatus.CLOSED).order_by(BillingMonth.period)
    ).all()
    replaced_rows = rolled_rows = 0
    for month in months:
        book = load_workbook(BytesIO(client.get(f"/utilities/months/{month.label}/readings.xlsx").data))
        readings, invoices, keys = book.worksheets
        header = [cell.value for cell in readings[1]]
        col = {name: header.index(name) for name in header}
        usage: dict[tuple[str, str], Decimal] = {}
        for row in readings.iter_rows(min_row=2, values_only=True):
            end = _number(row[col["本月读数"]])
            if end is None:
                end = _number(row[col["最终读数"]])
                replaced_rows += 1
            used = span_usage(MeterSpan(_number(row[col["上月读数"]]), end, int(row[col["倍率"]]),
                                        _number(row[col["表盘回零值"]]))).usage
            rolled_rows += used is not None and end < _number(row[col["上月读数"]])
            if row[col["类型"]] == "单位分表":
                key = (row[col["单位"]], row[col["种类"]])
                usage[key] = usage.get(key, Decimal(0)) + used
        invoice_rows = {row[0]: row for row in invoices.iter_rows(min_row=2, values_only=True)}
        weights: dict[str, dict[str, Decimal]] = {}
        for unit, supply, _key, weight in keys.iter_rows(min_row=2, values_only=True):
            weights.setdefault(supply, {})[unit] = _number(weight)
        recomputed = {}
        for supply, (_supply, _no, amount, consumption, _shared) in invoice_rows.items():
            units = {unit: used for (unit, s), used in usage.items() if s == supply}
            for unit, share in allocate_bill(_number(amount), _number(consumption), units, weights[supply]).items():
                recomputed[unit, supply] = share.total
        stored = {
            (line.bill.unit.name, {"electricity": "电", "water": "水"}[line.supply.value]): line.total
            for line in db.session.scalars(
                select(UnitBillLine).join(UnitBill).where(UnitBill.month_id == month.id)
            )
        }
        assert recomputed == stored, month.label
    assert replaced_rows == 1 and rolled_rows >= 1
