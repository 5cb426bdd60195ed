from sqlalchemy import select

from portal.blueprints.repairs.models import RepairRequest, Status
from portal.db import db
from portal.models import User
from tests.access import Access

REPORTERS = ("employee", "unit_admin", "security", "property", "logistics_admin", "sysadmin")
WORKERS = ("property", "logistics_admin", "sysadmin")
ADMINS = ("logistics_admin", "sysadmin")


def _repair_of(username: str) -> int:
    return db.session.scalar(
        select(RepairRequest.id).join(User, RepairRequest.reporter_id == User.id)
        .where(User.username == username).order_by(RepairRequest.id)
    )


def _repair_in(status: Status) -> int:
    return db.session.scalar(select(RepairRequest.id).where(RepairRequest.status == status).order_by(RepairRequest.id))


ACCESS = {
    "repairs.index": Access("/repairs/", allowed=REPORTERS),
    "repairs.new": Access("/repairs/new", allowed=REPORTERS),
    # The reporter, the property company and the logistics center see a request; no one else.
    "repairs.detail": [
        Access(lambda: f"/repairs/{_repair_of('staff')}", allowed=("employee", "property", "logistics_admin", "sysadmin")),
        Access(lambda: f"/repairs/{_repair_of('unitadmin')}", allowed=("unit_admin", "property", "logistics_admin", "sysadmin")),
    ],
    "repairs.step": Access(lambda: f"/repairs/{_repair_in(Status.SUBMITTED)}/step", post_only=True,
                           post_roles=("property", "employee", "logistics_admin", "sysadmin"),  # the reporter too
                           form_page=lambda: f"/repairs/{_repair_in(Status.SUBMITTED)}"),
    "repairs.finish": Access(lambda: f"/repairs/{_repair_in(Status.IN_PROGRESS)}/finish", post_only=True, post_roles=("property",),
                             form_page=lambda: f"/repairs/{_repair_in(Status.IN_PROGRESS)}"),
    "repairs.hold": Access(lambda: f"/repairs/{_repair_in(Status.IN_PROGRESS)}/hold", post_only=True, post_roles=("property",),
                           form_page=lambda: f"/repairs/{_repair_in(Status.IN_PROGRESS)}"),
    "repairs.correct": Access(lambda: f"/repairs/{_repair_in(Status.DONE)}/cost", post_only=True, post_roles=("property",),
                              form_page=lambda: f"/repairs/{_repair_in(Status.DONE)}"),
    "repairs.queue": Access("/repairs/queue", allowed=WORKERS),
    "repairs.browse": Access("/repairs/all", allowed=WORKERS),
    "repairs.reports_page": Access("/repairs/reports", allowed=ADMINS),
    "repairs.export": Access("/repairs/reports.xlsx", allowed=ADMINS),
}
