"""A person's own calendar feed (issue 18): a secret link of the meetings they
booked, renewable, built on the configured base URL, read without a session."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import BookingStatus, CalendarFeed
from portal.db import db
from portal.models import AuditLog, Role
from tests.rooms.conftest import at


@pytest.fixture
def staff(make_user):
    return make_user(roles=[Role.EMPLOYEE], username="zhang", display_name="张科员")


def feed_path(url: str) -> str:
    return url.removeprefix("https://portal.example.gov.cn")


def test_the_link_is_made_on_the_base_url_and_reads_the_meetings_booked(app, client, auth, staff, make_user,
                                                                       create_room, create_booking):
    app.config["BASE_URL"] = "https://portal.example.gov.cn"
    room = create_room(name="第二会议室")
    day = timeutil.today() + timedelta(days=2)
    mine = create_booking(room, at(day, "09:00"), title="内部审计碰头会", is_public=False, requester_id=staff.id)
    create_booking(room, at(day, "11:00"), title="已取消的会", requester_id=staff.id, status=BookingStatus.CANCELLED)
    create_booking(room, at(day, "14:00"), title="别人的会", requester_id=make_user().id)
    auth.login_as(staff)
    assert "calendar-feed" in client.get("/rooms/mine").get_data(as_text=True)
    made = client.post("/rooms/mine/feed", data={})
    assert made.status_code == 303
    feed = db.session.get(CalendarFeed, staff.id)
    page = client.get("/rooms/mine").get_data(as_text=True)  # asked of http://localhost/
    url = f"https://portal.example.gov.cn/rooms/feeds/{feed.token}.ics"
    assert f'value="{url}"' in page and f"http://localhost/rooms/feeds/{feed.token}" not in page
    assert feed.token not in (db.session.scalar(select(AuditLog.summary).where(AuditLog.action == "calendar_feed.create")))

    anonymous = app.test_client()  # a calendar app: no session, no cookie
    response = anonymous.get(feed_path(url))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "Set-Cookie" not in response.headers and "no-store" in response.headers["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert [(str(e["SUMMARY"]), e["DTSTART"].dt) for e in events] == [("内部审计碰头会", mine.start_at)]
    assert "第二会议室" in str(events[0]["LOCATION"])


def test_a_wrong_token_is_a_404_and_renewing_ends_the_old_link(app, client, auth, staff):
    auth.login_as(staff)
    client.post("/rooms/mine/feed", data={})
    old = db.session.get(CalendarFeed, staff.id).token
    anonymous = app.test_client()
    assert anonymous.get(f"/rooms/feeds/{old}.ics").status_code == 200
    for wrong in (old[:-1] + ("A" if old[-1] != "A" else "B"), "x" * 43, "short", old + "x"):
        assert anonymous.get(f"/rooms/feeds/{wrong}.ics").status_code == 404
    client.post("/rooms/mine/feed", data={})
    db.session.expire_all()
    new = db.session.get(CalendarFeed, staff.id).token
    assert new != old and len(new) == services.FEED_TOKEN_LENGTH
    assert anonymous.get(f"/rooms/feeds/{old}.ics").status_code == 404
    assert anonymous.get(f"/rooms/feeds/{new}.ics").status_code == 200
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "calendar_feed.renew")) is not None
    # A deactivated account's link stops working.
    staff.active = False
    db.session.commit()
    assert anonymous.get(f"/rooms/feeds/{new}.ics").status_code == 404
    # Making a link is a POST with CSRF for the logged-in user only.
    assert client.get("/rooms/mine/feed").status_code == 405
