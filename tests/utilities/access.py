from sqlalchemy import select

from portal.blueprints.utilities.models import BillingMonth, Meter, MeterKind, MonthStatus, UnitBill
from portal.db import db
from portal.models import User
from tests.access import Access

EVERYONE_HERE = ("unit_admin", "property", "logistics_admin", "sysadmin")
READERS = ("property", "logistics_admin", "sysadmin")
MANAGERS = ("logistics_admin", "sysadmin")
BILL_READERS = ("unit_admin", "logistics_admin", "sysadmin")


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


def unit_admins_bill() -> int:
    """A bill of the demo unit administrator's own unit, which every bill reader may see."""
    unit_id = db.session.scalar(select(User.unit_id).where(User.username == "unitadmin"))
    return db.session.scalar(select(UnitBill.id).where(UnitBill.unit_id == unit_id).order_by(UnitBill.id.desc()).limit(1))


ACCESS = {
    "utilities.index": Access("/utilities/", allowed=EVERYONE_HERE),
    "utilities.month": [
        Access(lambda: f"/utilities/months/{open_month()}", allowed=READERS),
        Access(lambda: f"/utilities/months/{closed_month()}", allowed=READERS),
    ],
    "utilities.close_month": Access(
        lambda: f"/utilities/months/{open_month()}/close", post_only=True, post_roles=MANAGERS,
        form_page=lambda: f"/utilities/months/{open_month()}",
    ),
    "utilities.month_bills_xlsx": Access(lambda: f"/utilities/months/{closed_month()}/bills.xlsx", allowed=MANAGERS),
    "utilities.readings": [
        Access(lambda: f"/utilities/months/{open_month()}/readings", allowed=READERS),
        Access(lambda: f"/utilities/months/{closed_month()}/readings", allowed=READERS),
    ],
    "utilities.check_reading": Access(
        lambda: f"/utilities/months/{open_month()}/readings/{some_meter()}/check?m-{some_meter()}=1234.5", allowed=READERS
    ),
    "utilities.readings_xlsx": Access(lambda: f"/utilities/months/{open_month()}/readings.xlsx", allowed=READERS),
    "utilities.import_readings": Access(
        lambda: f"/utilities/months/{open_month()}/import", post_only=True, post_roles=READERS,
        form_page=lambda: f"/utilities/months/{open_month()}/readings",
    ),
    "utilities.invoice": Access(lambda: f"/utilities/months/{open_month()}/invoices/electricity", allowed=MANAGERS),
    "utilities.meters": Access("/utilities/meters/", allowed=READERS),
    "utilities.meter": Access(lambda: f"/utilities/meters/{some_meter()}", allowed=READERS),
    "utilities.edit_meter": [
        Access("/utilities/meters/new", allowed=MANAGERS),
        Access(lambda: f"/utilities/meters/{some_meter()}/edit", allowed=MANAGERS),
    ],
    "utilities.replace_meter": Access(lambda: f"/utilities/meters/{some_meter()}/replace", allowed=READERS),
    "utilities.bills": Access("/utilities/bills/", allowed=BILL_READERS),
    "utilities.bill": Access(lambda: f"/utilities/bills/{unit_admins_bill()}", allowed=BILL_READERS),
    "utilities.bill_xlsx": Access(lambda: f"/utilities/bills/{unit_admins_bill()}.xlsx", allowed=BILL_READERS),
    "utilities.adjust_bill": Access(lambda: f"/utilities/bills/{unit_admins_bill()}/adjust", allowed=MANAGERS),
    "utilities.comparison": Access("/utilities/comparison/", allowed=BILL_READERS),
    "utilities.comparison_xlsx": Access("/utilities/comparison.xlsx", allowed=BILL_READERS),
    "utilities.ratios": Access("/utilities/ratios/", allowed=MANAGERS),
    "utilities.edit_ratios": Access("/utilities/ratios/water", allowed=MANAGERS),
}
