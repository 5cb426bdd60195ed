"""Every shuttle route × every role. The timetable and the GTFS feed are public;
administration is for the logistics center (and the system administrator)."""

from __future__ import annotations

from sqlalchemy import select

from portal.blueprints.shuttle.models import (
    ServiceException,
    ShuttleNotice,
    ShuttleRoute,
    ShuttleStop,
    ShuttleTrip,
    ShuttleVehicle,
)
from portal.db import db
from tests.access import ROLES, Access

ADMINS = ("logistics_admin", "sysadmin")


def _first(model) -> int:
    return db.session.scalar(select(model.id).order_by(model.id))


def _manage(path: str, model=None):
    if model is None:
        return Access(f"/shuttle/manage/{path}", allowed=ADMINS)
    return Access(lambda: f"/shuttle/manage/{path}/{_first(model)}", allowed=ADMINS)


def _post(path) -> Access:
    return Access(path, post_only=True, post_roles=ADMINS)


ACCESS = {
    "shuttle.index": Access("/shuttle/"),
    "shuttle.gtfs_feed": Access("/shuttle/gtfs.zip"),
    "shuttle.manage": _manage(""),
    "shuttle.stops": _manage("stops/"),
    "shuttle.edit_stop": [_manage("stops/new"), _manage("stops", ShuttleStop)],
    "shuttle.delete_stop": _post(lambda: f"/shuttle/manage/stops/{_first(ShuttleStop)}/delete"),
    "shuttle.edit_route": [_manage("routes/new"), _manage("routes", ShuttleRoute)],
    "shuttle.delete_route": _post(lambda: f"/shuttle/manage/routes/{_first(ShuttleRoute)}/delete"),
    "shuttle.edit_pattern": Access(lambda: f"/shuttle/manage/routes/{_first(ShuttleRoute)}/stops/outbound", allowed=ADMINS),
    "shuttle.vehicles": _manage("vehicles/"),
    "shuttle.edit_vehicle": [_manage("vehicles/new"), _manage("vehicles", ShuttleVehicle)],
    "shuttle.delete_vehicle": _post(lambda: f"/shuttle/manage/vehicles/{_first(ShuttleVehicle)}/delete"),
    "shuttle.trips": _manage("trips/"),
    "shuttle.edit_trip": [_manage("trips/new"), _manage("trips", ShuttleTrip)],
    "shuttle.delete_trip": _post(lambda: f"/shuttle/manage/trips/{_first(ShuttleTrip)}/delete"),
    "shuttle.exceptions": _manage("exceptions/"),
    "shuttle.edit_exception": [_manage("exceptions/new"), _manage("exceptions", ServiceException)],
    "shuttle.delete_exception": _post(lambda: f"/shuttle/manage/exceptions/{_first(ServiceException)}/delete"),
    "shuttle.notices": _manage("notices/"),
    "shuttle.edit_notice": [_manage("notices/new"), _manage("notices", ShuttleNotice)],
    "shuttle.delete_notice": _post(lambda: f"/shuttle/manage/notices/{_first(ShuttleNotice)}/delete"),
    "shuttle.calendar_moved": Access("/shuttle/calendar", expect={role: 301 for role in ROLES}),
}
