from sqlalchemy import select

from portal.blueprints.utilities.models import (
    BillingMonth,
    Meter,
    MeterKind,
    MonthStatus,
    UnitBill,
)
from portal.db import db
from portal.models import User
from tests.access import Access

UTILITIES_USERS = ("unit_admin", "property", "logistics_admin", "sysadmin")
METER_READERS = ("property", "logistics_admin", "sysadmin")
MANAGERS = ("logistics_admin", "sysadmin")
BILL_VIEWERS = ("unit_admin", "logistics_admin", "sysadmin")


def _month(status: MonthStatus) -> str:
    month = db.session.scalar(
        select(BillingMonth).where(BillingMonth.status == status).order_by(BillingMonth.period.desc()).limit(1)
    )
    return month.label


def open_month() -> str:
    return _month(MonthStatus.OPEN)


def closed_month() -> str:
    return _month(MonthStatus.CLOSED)


def some_meter() -> int:
    return db.session.scalar(
        select(Meter.id).where(Meter.kind == MeterKind.UNIT, Meter.removed_on.is_(None)).order_by(Meter.code).limit(1)
    )


def replaced_meter() -> int:
    return db.session.scalar(select(Meter.id).where(Meter.removed_on.is_not(None)).order_by(Meter.id).limit(1))


def unit_admins_bill() -> int:
    """A bill of the demo unit administrator's own unit, which every bill reader may see."""
    unit_id = db.session.scalar(select(User.unit_id).where(User.username == "unitadmin"))
    return db.session.scalar(select(UnitBill.id).where(UnitBill.unit_id == unit_id).order_by(UnitBill.id.desc()).limit(1))


ACCESS = {
    "utilities.index": Access("/utilities/", allowed=UTILITIES_USERS),
    "utilities.month": [
        Access(lambda: f"/utilities/months/{open_month()}", allowed=METER_READERS),
        Access(lambda: f"/utilities/months/{closed_month()}", allowed=METER_READERS),
    ],
    "utilities.close_month": Access(
        lambda: f"/utilities/months/{open_month()}/close", post_only=True, post_roles=MANAGERS,
        form_page=lambda: f"/utilities/months/{open_month()}",
    ),
    "utilities.month_bills_xlsx": Access(lambda: f"/utilities/months/{closed_month()}/bills.xlsx", allowed=MANAGERS),
    "utilities.readings": [
        Access(lambda: f"/utilities/months/{open_month()}/readings", allowed=METER_READERS),
        Access(lambda: f"/utilities/months/{closed_month()}/readings", allowed=METER_READERS),
    ],
    "utilities.check_reading": Access(
        lambda: f"/utilities/months/{open_month()}/readings/{some_meter()}/check?m-{some_meter()}=1234.5", allowed=METER_READERS
    ),
    "utilities.readings_xlsx": Access(lambda: f"/utilities/months/{open_month()}/readings.xlsx", allowed=METER_READERS),
    "utilities.import_readings": Access(
        lambda: f"/utilities/months/{open_month()}/import", post_only=True, post_roles=METER_READERS,
        form_page=lambda: f"/utilities/months/{open_month()}/readings",
    ),
    "utilities.invoice": Access(lambda: f"/utilities/months/{open_month()}/invoices/electricity", allowed=MANAGERS),
    "utilities.meters": Access("/utilities/meters/", allowed=METER_READERS),
    "utilities.meter": Access(lambda: f"/utilities/meters/{some_meter()}", allowed=METER_READERS),
    "utilities.edit_meter": [
        Access("/utilities/meters/new", allowed=MANAGERS),
        Access(lambda: f"/utilities/meters/{some_meter()}/edit", allowed=MANAGERS),
    ],
    "utilities.replace_meter": Access(lambda: f"/utilities/meters/{some_meter()}/replace", allowed=METER_READERS),
    "utilities.correct_replacement": Access(lambda: f"/utilities/meters/{replaced_meter()}/replacement",
                                            allowed=METER_READERS),
    "utilities.bills": Access("/utilities/bills/", allowed=BILL_VIEWERS),
    "utilities.bill": Access(lambda: f"/utilities/bills/{unit_admins_bill()}", allowed=BILL_VIEWERS),
    "utilities.bill_xlsx": Access(lambda: f"/utilities/bills/{unit_admins_bill()}.xlsx", allowed=BILL_VIEWERS),
    "utilities.adjust_bill": Access(lambda: f"/utilities/bills/{unit_admins_bill()}/adjust", allowed=MANAGERS),
    "utilities.comparison": Access("/utilities/comparison/", allowed=BILL_VIEWERS),
    "utilities.comparison_xlsx": Access("/utilities/comparison.xlsx", allowed=BILL_VIEWERS),
    "utilities.ratios": Access("/utilities/ratios/", allowed=MANAGERS),
    "utilities.edit_ratios": Access("/utilities/ratios/water", allowed=MANAGERS),
}
