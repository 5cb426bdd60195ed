"""Planning a series before saving it (issue 18): every date with its status,
and only the dates the requester ticks are booked."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import Booking, BookingStatus, DateStatus, Recurrence
from portal.blueprints.workdays.days import set_override
from portal.db import db
from portal.models import Role
from tests.rooms.conftest import at

ADVANCE_DAYS = 26


@pytest.fixture
def staff(make_user, create_unit):
    return make_user(roles=[Role.EMPLOYEE], username="zhang", display_name="张科员",
                     unit=create_unit(name="县人社局", short_name="人社局"))


@pytest.fixture
def week(app, staff, make_user, create_room, create_booking):
    """Five Tuesdays-or-whatever a week apart from three days on: the 2nd taken by another meeting,
    the 3rd a non-workday, the 4th in a closure, the 5th beyond a 26-day advance window."""
    room = create_room(name="第三会议室")
    first = timeutil.today() + timedelta(days=3)
    days = [first + timedelta(weeks=n) for n in range(5)]
    for n, day in enumerate(days):
        set_override(day, n != 2, "test")
    db.session.commit()
    other = create_booking(room, at(days[1], "09:30"), at(days[1], "11:00"), title="财政局预算会",
                           requester_id=make_user().id)
    services.close_rooms(room, at(days[3], "08:00"), at(days[3], "21:00"), "地毯更换", actor=staff, now=timeutil.now())
    db.session.commit()
    draft = services.BookingDraft(room=room, day=first, start=time(9), end=time(10), title="局务会", attendees=5,
                                  unit_id=staff.unit_id, contact_name="张科员", contact_phone="5100",
                                  recurrence=Recurrence.WEEKLY, count=5)
    return room, days, other, draft


def test_planning_lists_every_date_with_its_status_and_saves_nothing(app, staff, week):
    room, days, other, draft = week
    outcome, plan = services.plan_series(draft, now=timeutil.now(), advance_days=ADVANCE_DAYS)
    assert not outcome.problems
    assert [p.occurrence.day for p in plan] == days
    assert [p.status for p in plan] == [DateStatus.FREE, DateStatus.CONFLICT, DateStatus.NON_WORKDAY,
                                        DateStatus.CLOSED, DateStatus.UNAVAILABLE]
    assert plan[1].occurrence.conflicts == [other] and plan[3].occurrence.closures[0].reason == "地毯更换"
    assert [p.proposed for p in plan] == [True, False, False, False, False]
    assert [p.bookable for p in plan] == [True, False, True, False, False]
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1  # only the other meeting


def test_only_the_ticked_dates_are_booked(app, staff, week):
    room, days, other, draft = week
    chosen = services.BookingDraft(**{**draft.__dict__, "days": frozenset({days[0], days[2]})})
    outcome = services.book_room(chosen, actor=staff, now=timeutil.now(), advance_days=ADVANCE_DAYS)
    assert outcome.ok
    db.session.commit()
    assert [(b.start_at, b.status) for b in outcome.bookings] == [
        (at(days[0], "09:00"), BookingStatus.APPROVED), (at(days[2], "09:00"), BookingStatus.PENDING)]
    assert outcome.bookings[0].series is outcome.bookings[1].series
    # Nothing ticked: a clear message, nothing saved.
    none = services.BookingDraft(**{**draft.__dict__, "days": frozenset()})
    refused = services.book_room(none, actor=staff, now=timeutil.now(), advance_days=ADVANCE_DAYS)
    assert not refused.ok and refused.problems


def form_data(room, days, **extra):
    return {"room_id": room.id, "day": days[0].isoformat(), "start": "09:00", "end": "10:00", "title": "局务会",
            "contact_name": "张科员", "contact_phone": "5100", "attendees": "5", "repeat": "weekly",
            "repeat_count": "5", "unit_id": "0", **extra}


def test_the_form_checks_the_dates_then_books_the_ticked_ones_without_javascript(app, client, auth, staff, week):
    room, days, other, draft = week
    app.config["ROOMS_ADVANCE_DAYS"] = ADVANCE_DAYS
    auth.login_as(staff)
    data = form_data(room, days, unit_id=str(staff.unit_id))
    checked = client.post("/rooms/new", data={**data, "check_dates": "y"})
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert f'name="dates" value="{days[0].isoformat()}" id="date-{days[0].isoformat()}" checked' in page
    assert f'value="{days[2].isoformat()}" id="date-{days[2].isoformat()}">' in page  # offered, not ticked
    assert f'name="dates" value="{days[1].isoformat()}"' not in page and "财政局预算会" in page  # taken, by what
    assert "地毯更换" in page and "空闲" in page and 'name="planned" type="hidden" value="1"' in page
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    bad = client.post("/rooms/new", data={**data, "planned": "1", "dates": ["2026-02-31"]})
    assert bad.status_code == 422 and db.session.scalar(select(func.count()).select_from(Booking)) == 1
    done = client.post("/rooms/new", data={**data, "planned": "1", "dates": [days[0].isoformat(), days[2].isoformat()]})
    assert done.status_code == 303
    booked = db.session.scalars(select(Booking).where(Booking.title == "局务会").order_by(Booking.start_at)).all()
    assert [b.start_at for b in booked] == [at(days[0], "09:00"), at(days[2], "09:00")]
