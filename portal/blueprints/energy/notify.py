"""What the energy statistics tell: a unit whose use runs ahead of its quota
(an even share of the year's quota for the months closed so far). Sent to the
logistics center and the unit's administrators once per unit, source and
month; the message names the unit and the source, not the figures."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import events
from portal.models import Role, User, UserRole

AHEAD_OF_QUOTA = "energy.ahead_of_quota"

events.register(
    events.EventKind(
        code=AHEAD_OF_QUOTA, todo=False,
        label=_l("A unit's energy use runs ahead of its quota"),
        subject=_l("%(unit)s: %(source)s use runs ahead of the %(year)s quota"),
        body=_l("The months closed so far used more than their share of the year's quota. Art. 17 of the regulation asks the unit to explain an overrun."),
    ),
)


def _unit_admins(unit_id: int) -> list[int]:
    from portal.db import db

    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.UNIT_ADMIN, User.unit_id == unit_id, User.active.is_(True))
    ))


@events.reminder
def check_quotas(*, now: datetime) -> int:
    from portal.blueprints.energy.services import quota_warnings

    year = now.year
    sent = 0
    admins = None
    for unit, status in quota_warnings(year):
        if admins is None:
            admins = events.holders_of(Role.LOGISTICS_ADMIN)
        key = f"energy.quota:{year}:{unit.id}:{status.source.code}:{status.months}"
        event = events.emit(
            AHEAD_OF_QUOTA, recipients=[*admins, *_unit_admins(unit.id)], now=now, once=True, todo_key=key,
            args={"unit": unit.short_name or unit.name, "source": str(status.source.label), "year": year},
            endpoint="energy.index", values={"year": year, "unit": unit.id},
        )
        sent += event is not None
    return sent
