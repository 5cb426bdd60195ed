from sqlalchemy import select

from portal.blueprints.vehicles.models import (
    Driver,
    StaffVehicle,
    Trip,
    TripStatus,
    Vehicle,
)
from portal.db import db
from portal.models import User
from tests.access import Access

STAFF = ("employee", "unit_admin", "logistics_admin", "sysadmin")
APPROVERS = ("unit_admin", "logistics_admin", "sysadmin")
DISPATCHERS = ("logistics_admin", "sysadmin")
GUARDS = ("security", "logistics_admin")
PARKING_APPROVERS = ("unit_admin", "logistics_admin")


def _trip(status: TripStatus) -> int:
    return db.session.scalar(select(Trip.id).where(Trip.status == status).order_by(Trip.id))


def _vehicle() -> int:
    return db.session.scalar(select(Vehicle.id).order_by(Vehicle.id))


def _driver() -> int:
    return db.session.scalar(select(Driver.id).order_by(Driver.id))


def _registration(username: str) -> int:
    return db.session.scalar(select(StaffVehicle.id).join(User, StaffVehicle.owner_id == User.id)
                             .where(User.username == username).order_by(StaffVehicle.id))


def _pending_registration() -> int:
    return db.session.scalar(select(StaffVehicle.id).where(StaffVehicle.status == "pending").order_by(StaffVehicle.id))


# The demo's trips are requested by "staff" (人社局), whose unit administrator is "unitadmin".
TRIP_VIEWERS = ("employee", "unit_admin", "logistics_admin", "sysadmin")

ACCESS = {
    "vehicles.index": Access("/vehicles/", allowed=STAFF),
    "vehicles.new": Access("/vehicles/new", allowed=STAFF),
    "vehicles.trip_detail": Access(lambda: f"/vehicles/trips/{_trip(TripStatus.PENDING)}", allowed=TRIP_VIEWERS),
    "vehicles.approve": Access(lambda: f"/vehicles/trips/{_trip(TripStatus.PENDING)}/approve", post_only=True,
                               post_roles=APPROVERS, form_page=lambda: f"/vehicles/trips/{_trip(TripStatus.PENDING)}"),
    "vehicles.refuse": Access(lambda: f"/vehicles/trips/{_trip(TripStatus.PENDING)}/refuse", post_only=True,
                              post_roles=APPROVERS, form_page=lambda: f"/vehicles/trips/{_trip(TripStatus.PENDING)}"),
    "vehicles.cancel": Access(lambda: f"/vehicles/trips/{_trip(TripStatus.PENDING)}/cancel", post_only=True,
                              post_roles=("employee", "logistics_admin", "sysadmin"),
                              form_page=lambda: f"/vehicles/trips/{_trip(TripStatus.PENDING)}"),
    "vehicles.approvals": Access("/vehicles/approvals", allowed=APPROVERS),
    "vehicles.dispatch_queue": Access("/vehicles/dispatch", allowed=DISPATCHERS),
    "vehicles.dispatch": Access(lambda: f"/vehicles/trips/{_trip(TripStatus.APPROVED)}/dispatch", post_only=True,
                                post_roles=DISPATCHERS, form_page=lambda: f"/vehicles/trips/{_trip(TripStatus.APPROVED)}"),
    "vehicles.record": Access(lambda: f"/vehicles/trips/{_trip(TripStatus.DISPATCHED)}/record", post_only=True,
                              post_roles=DISPATCHERS, form_page=lambda: f"/vehicles/trips/{_trip(TripStatus.DISPATCHED)}"),
    "vehicles.register": Access("/vehicles/register", allowed=DISPATCHERS),
    "vehicles.register_xlsx": Access("/vehicles/register.xlsx", allowed=DISPATCHERS),
    "vehicles.fleet": Access("/vehicles/fleet", allowed=DISPATCHERS),
    "vehicles.vehicle_new": Access("/vehicles/fleet/new", allowed=DISPATCHERS),
    "vehicles.vehicle_edit": Access(lambda: f"/vehicles/fleet/{_vehicle()}", allowed=DISPATCHERS),
    "vehicles.drivers": Access("/vehicles/drivers", allowed=DISPATCHERS),
    "vehicles.driver_new": Access("/vehicles/drivers/new", allowed=DISPATCHERS),
    "vehicles.driver_edit": Access(lambda: f"/vehicles/drivers/{_driver()}", allowed=DISPATCHERS),
    "vehicles.sealing": Access("/vehicles/sealing", allowed=DISPATCHERS),
    "vehicles.seal": Access(lambda: f"/vehicles/sealing/{_vehicle()}", post_only=True, post_roles=DISPATCHERS,
                            form_page="/vehicles/sealing"),
    "vehicles.sealing_sign": Access("/vehicles/sealing/sign", post_only=True, post_roles=DISPATCHERS,
                                    form_page="/vehicles/sealing"),
    "vehicles.my_parking": Access("/vehicles/parking", allowed=STAFF),
    "vehicles.parking_withdraw": Access(lambda: f"/vehicles/parking/{_registration('staff')}/withdraw", post_only=True,
                                        post_roles=("employee",), form_page="/vehicles/parking"),
    "vehicles.parking_approvals": Access("/vehicles/parking/approvals", allowed=PARKING_APPROVERS),
    "vehicles.parking_decide": Access(lambda: f"/vehicles/parking/{_pending_registration()}/decide", post_only=True,
                                      post_roles=PARKING_APPROVERS, form_page="/vehicles/parking/approvals"),
    "vehicles.parking_lookup": Access("/vehicles/parking/lookup?plate=川J5K728", allowed=GUARDS),
    "vehicles.parking_round": Access("/vehicles/parking/round", allowed=GUARDS),
    "vehicles.parking_offenders": Access("/vehicles/parking/offenders", allowed=GUARDS),
}
