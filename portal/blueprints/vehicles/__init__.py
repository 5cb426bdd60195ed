"""公务用车 and 机关车辆停放: official cars (request → approval → dispatch → trip
record, the per-vehicle register, reminders and holiday sealing) and the parking
the building manages (spaces, staff vehicles, the guard's plate lookup and rounds).

Settings (read from the environment):

- ``PORTAL_VEHICLE_APPROVAL``: ``unit`` (default: the requester's unit
  administrator approves, the logistics center may too) or ``logistics`` (only
  the logistics center approves).
- ``PORTAL_PARKING_MAX_VEHICLES``: staff vehicles one person may register (2).

Race-proofing: dispatch runs under ``begin_serialized_write()`` (SQLite takes
the write lock before the clash check); on PostgreSQL the exclusion constraints
``vehicle_trip_vehicle_no_overlap`` and ``vehicle_trip_driver_no_overlap``
refuse a car or driver on two dispatched trips at once.

Energy statistics read fuel with ``services.monthly_fuel(start, end)``.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.capabilities import Capability, NavItem, Setting
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS, STAFF

bp = Blueprint("vehicles", __name__, url_prefix="/vehicles")

REQUESTERS = STAFF
DISPATCHERS = ADMINS  # the logistics center dispatches and keeps the fleet
GUARDS = (Role.SECURITY, Role.LOGISTICS_ADMIN)

ADMIN_LINKS = (
    NavItem("vehicles.dispatch_queue", _l("Car dispatch"), DISPATCHERS),
    NavItem("vehicles.fleet", _l("Fleet and drivers"), DISPATCHERS),
    NavItem("vehicles.register", _l("Vehicle register"), DISPATCHERS),
    NavItem("vehicles.parking_lookup", _l("Parking: plate lookup"), GUARDS),
)


def home_panel() -> str | None:
    """What waits for this user: requests to approve, cars to dispatch, registrations to approve."""
    if not current_user.is_authenticated:
        return None
    from portal.blueprints.vehicles.services import home_counts

    if not current_user.has_role(*STAFF, *GUARDS):
        return None
    guard_only = not current_user.has_role(*STAFF)
    counts = {} if guard_only else home_counts(current_user)
    return render_template("vehicles/_home_panel.html", counts=counts, guard_only=guard_only)


CAPABILITY = Capability(
    "vehicles",
    # No header item (the task adds none): staff reach car requests from their home panel.
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    settings=(
        Setting("VEHICLE_APPROVAL", "unit", parse=str),
        Setting("PARKING_MAX_VEHICLES", 2),
    ),
)

from portal.blueprints.vehicles import views  # noqa: F401
