"""Calendar files of a series (issue 18): one recurring event whose rule
expands, in a standard iCalendar library, to the dates the portal shows, with
the meetings that do not take place as planned excluded and a moved one as an
event of its own; SEQUENCE rises with every change."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import icalendar
import pytest
import recurring_ical_events

from portal import timeutil
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import Recurrence
from portal.blueprints.workdays.days import set_override
from portal.db import db
from portal.models import Role
from portal.timeutil import LOCAL_TZ
from tests.rooms.conftest import at


@pytest.fixture
def staff(make_user, create_unit):
    return make_user(roles=[Role.EMPLOYEE], username="zhang", display_name="张科员",
                     unit=create_unit(name="县人社局", short_name="人社局"))


def series_of(staff, room, first, rule, count):
    draft = services.BookingDraft(room=room, day=first, start=time(9), end=time(10), title="局务会", attendees=5,
                                  unit_id=staff.unit_id, recurrence=rule, count=count)
    for day in services.expand_recurrence(first, rule, count=count):
        set_override(day, True, "test")  # whatever the real calendar says, these are workdays here
    db.session.commit()
    outcome = services.book_room(draft, actor=staff, now=timeutil.now())
    assert outcome.ok
    db.session.commit()
    return outcome.bookings


def parse(client, booking) -> tuple[icalendar.Calendar, icalendar.Event]:
    response = client.get(f"/rooms/bookings/{booking.id}/series.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    [recurring] = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("series-")]
    return calendar, recurring


def starts(calendar) -> list[datetime]:
    window = (datetime(2000, 1, 1, tzinfo=LOCAL_TZ), datetime(2100, 1, 1, tzinfo=LOCAL_TZ))
    return sorted(e["DTSTART"].dt.astimezone(LOCAL_TZ) for e in recurring_ical_events.of(calendar).between(*window))


def shown(bookings) -> list[datetime]:
    """The meetings the portal shows as taking place."""
    for booking in bookings:
        db.session.refresh(booking)
    return sorted(b.start_at.astimezone(LOCAL_TZ) for b in bookings if b.holds_room)


def test_a_weekly_series_is_one_event_whose_rule_expands_to_the_portals_dates(client, auth, staff, create_room):
    room = create_room()
    first = timeutil.today() + timedelta(days=3)
    bookings = series_of(staff, room, first, Recurrence.WEEKLY, 5)
    auth.login_as(staff)
    calendar, event = parse(client, bookings[0])
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["COUNT"] == [5]
    assert "EXDATE" not in event and event["SEQUENCE"] == 0
    assert starts(calendar) == shown(bookings) and len(shown(bookings)) == 5

    # One meeting cancelled, one moved to the afternoon: excluded from the rule; the moved one is its own event.
    services.cancel(bookings[1], actor=staff, now=timeutil.now())
    moved = bookings[3]
    day = moved.start_at.astimezone(LOCAL_TZ).date()
    change = services.BookingChange(room=room, day=day, start=time(14), end=time(15), attendees=5)
    assert services.change_booking(moved, change, actor=staff, now=timeutil.now()).ok
    db.session.commit()
    calendar, event = parse(client, bookings[0])
    excluded = sorted(d.dt.astimezone(LOCAL_TZ) for exdate in
                      (event["EXDATE"] if isinstance(event["EXDATE"], list) else [event["EXDATE"]]) for d in exdate.dts)
    assert excluded == [at(first + timedelta(weeks=1), "09:00"), at(day, "09:00")]
    assert event["SEQUENCE"] == 2  # two changes: clients replace the event they have
    assert starts(calendar) == shown(bookings) and at(day, "14:00") in starts(calendar)
    [own] = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(f"booking-{moved.id}@")]
    assert own["SEQUENCE"] == 1


@pytest.mark.parametrize("rule", [Recurrence.BIWEEKLY, Recurrence.MONTHLY_NTH])
def test_every_rule_expands_to_the_same_dates(client, auth, staff, create_room, rule):
    room = create_room()
    first = timeutil.today() + timedelta(days=2)
    bookings = series_of(staff, room, first, rule, 2)
    auth.login_as(staff)
    calendar, event = parse(client, bookings[0])
    assert starts(calendar) == shown(bookings)
    if rule is Recurrence.MONTHLY_NTH:
        assert event["RRULE"]["FREQ"] == ["MONTHLY"]


def test_a_booking_outside_a_series_has_no_series_file(client, auth, staff, create_room, create_booking):
    room = create_room()
    single = create_booking(room, at(timeutil.today() + timedelta(days=3), "09:00"), requester_id=staff.id)
    auth.login_as(staff)
    assert client.get(f"/rooms/bookings/{single.id}/series.ics").status_code == 404
    event = icalendar.Calendar.from_ical(client.get(f"/rooms/bookings/{single.id}.ics").data).walk("VEVENT")[0]
    assert event["SEQUENCE"] == 0
