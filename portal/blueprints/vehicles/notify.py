"""What official cars and parking tell people: the event kinds (registered at
import) and the helpers the services call inside their transaction.

- A new car request is a to-do for its approvers (the unit administrator, or
  the logistics center); an approved one is a to-do for the dispatchers.
- The requester hears of the approval, the refusal and the car assigned.
- Reminders (``flask --app portal notify remind``): inspection, insurance and
  servicing due within 30 days (or 500 km), and the sealing checklist before a
  public holiday, each once.
- A staff vehicle registration is a to-do for the owner's unit administrators.
"""

from __future__ import annotations

from datetime import datetime


from portal import events
from portal.blueprints.vehicles.models import StaffVehicle, Trip
from portal.i18n import lazy_gettext as _l
from portal.timeutil import LOCAL_TZ

REQUESTED = "vehicles.requested"
APPROVED = "vehicles.approved"
TO_DISPATCH = "vehicles.to_dispatch"
REFUSED = "vehicles.refused"
DISPATCHED = "vehicles.dispatched"
CANCELLED = "vehicles.cancelled"
DUE = "vehicles.due"
SEALING = "vehicles.sealing"
REGISTRATION = "vehicles.parking_registration"
REGISTRATION_DECIDED = "vehicles.parking_decided"

events.register(
    events.EventKind(code=REQUESTED, todo=True, label=_l("Car requests to approve"),
                     subject=_l("Car request to approve: %(destination)s, %(when)s"),
                     body=_l("Purpose: %(purpose)s")),
    events.EventKind(code=APPROVED, label=_l("My car requests approved"),
                     subject=_l("Your car request is approved: %(destination)s, %(when)s"),
                     body=_l("The logistics center will assign a car.")),
    events.EventKind(code=TO_DISPATCH, todo=True, label=_l("Approved car requests to dispatch"),
                     subject=_l("Assign a car: %(destination)s, %(when)s"),
                     body=_l("Purpose: %(purpose)s")),
    events.EventKind(code=REFUSED, label=_l("My car requests refused"),
                     subject=_l("Your car request is refused: %(destination)s, %(when)s"),
                     body=_l("%(note)s")),
    events.EventKind(code=DISPATCHED, label=_l("A car assigned to my request"),
                     subject=_l("Car %(plate)s assigned: %(destination)s, %(when)s"),
                     body=_l("Driver: %(driver)s")),
    events.EventKind(code=CANCELLED, label=_l("Dispatched trips cancelled"),
                     subject=_l("Trip cancelled: %(plate)s, %(when)s"),
                     body=_l("The car and the driver are free again.")),
    events.EventKind(code=DUE, todo=True, label=_l("Vehicle inspection, insurance and servicing due"),
                     subject=_l("%(plate)s: %(what)s due %(due)s"),
                     body=_l("Arrange it before the date, or the car cannot be dispatched.")),
    events.EventKind(code=SEALING, todo=True, label=_l("Holiday sealing of pool cars"),
                     subject=_l("Seal the pool cars before %(holiday)s"),
                     body=_l("Park and seal every pool car and sign the checklist.")),
    events.EventKind(code=REGISTRATION, todo=True, label=_l("Staff vehicles to approve for parking"),
                     subject=_l("Staff vehicle to approve: %(owner)s"),
                     body=_l("Approve or refuse the registration for the building's car park.")),
    events.EventKind(code=REGISTRATION_DECIDED, label=_l("My vehicle registrations decided"),
                     subject=_l("Your vehicle registration is decided: %(plate)s"),
                     body=_l("See “My vehicles” for the decision.")),
)


def _args(trip: Trip) -> dict:
    return {
        "destination": trip.destination,
        "purpose": trip.purpose,
        "when": trip.depart_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
        "plate": trip.vehicle.plate if trip.vehicle else "",
        "driver": trip.driver.name if trip.driver else "",
        "note": trip.decision_note,
    }


def _link(trip: Trip) -> dict:
    return {"endpoint": "vehicles.trip_detail", "values": {"trip_id": trip.id}}


def approve_key(trip: Trip) -> str:
    return f"vehicles.trip:{trip.id}:approve"


def dispatch_key(trip: Trip) -> str:
    return f"vehicles.trip:{trip.id}:dispatch"


def requested(trip: Trip, approvers: list[int], *, now: datetime) -> None:
    events.emit(REQUESTED, recipients=approvers, now=now, todo_key=approve_key(trip), args=_args(trip), **_link(trip))


def approved(trip: Trip, dispatchers: list[int], *, now: datetime) -> None:
    events.resolve(approve_key(trip), now=now)
    events.emit(APPROVED, recipients=[trip.requester_id], now=now, args=_args(trip), **_link(trip))
    events.emit(TO_DISPATCH, recipients=dispatchers, now=now, todo_key=dispatch_key(trip), args=_args(trip), **_link(trip))


def refused(trip: Trip, *, now: datetime) -> None:
    events.resolve(approve_key(trip), now=now)
    events.resolve(dispatch_key(trip), now=now)
    events.emit(REFUSED, recipients=[trip.requester_id], now=now, args=_args(trip), **_link(trip))


def dispatched(trip: Trip, *, now: datetime) -> None:
    events.resolve(dispatch_key(trip), now=now)
    events.emit(DISPATCHED, recipients=[trip.requester_id], now=now, args=_args(trip), **_link(trip))


def cancelled(trip: Trip, dispatchers: list[int], *, was_dispatched: bool, now: datetime) -> None:
    events.resolve(approve_key(trip), now=now)
    events.resolve(dispatch_key(trip), now=now)
    if was_dispatched:
        events.emit(CANCELLED, recipients=dispatchers, now=now, args=_args(trip), **_link(trip))


def due(vehicle_id: int, plate: str, what_code: str, what: str, due_on, recipients: list[int], *, now: datetime) -> bool:
    key = f"vehicles.vehicle:{vehicle_id}:{what_code}:{due_on}"
    return events.emit(DUE, recipients=recipients, now=now, todo_key=key, once=True,
                       args={"plate": plate, "what": what, "due": str(due_on)},
                       endpoint="vehicles.vehicle_edit", values={"vehicle_id": vehicle_id}) is not None


def sealing_key(holiday) -> str:
    return f"vehicles.sealing:{holiday}"


def sealing_due(holiday, name: str, recipients: list[int], *, now: datetime) -> bool:
    return events.emit(SEALING, recipients=recipients, now=now, todo_key=sealing_key(holiday), once=True,
                       args={"holiday": f"{name} {holiday}"}, endpoint="vehicles.sealing") is not None


def sealing_signed(holiday, *, now: datetime) -> None:
    events.resolve(sealing_key(holiday), now=now)


def registration_key(registration: StaffVehicle) -> str:
    return f"vehicles.parking:{registration.id}:approve"


def registration_submitted(registration: StaffVehicle, approvers: list[int], *, now: datetime) -> None:
    events.emit(REGISTRATION, recipients=approvers, now=now, todo_key=registration_key(registration),
                args={"owner": registration.owner.display_name}, endpoint="vehicles.parking_approvals")


def registration_decided(registration: StaffVehicle, *, now: datetime) -> None:
    events.resolve(registration_key(registration), now=now)
    events.emit(REGISTRATION_DECIDED, recipients=[registration.owner_id], now=now,
                args={"plate": registration.plate},
                endpoint="vehicles.my_parking")
