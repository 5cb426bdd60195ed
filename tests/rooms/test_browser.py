"""Booking a room in a real browser, with JavaScript on and with it off."""

import pytest

from portal.blueprints.rooms.models import Booking, BookingStatus
from portal.db import db
from portal.models import Role
from tests.conftest import DEMO_PASSWORD
from tests.rooms.conftest import at

pytestmark = pytest.mark.browser


def test_book_a_room_from_the_day_grid(live_server, page, make_user, create_unit, create_room, create_booking, workday):
    make_user(roles=[Role.EMPLOYEE], username="booker", display_name="订房人", unit=create_unit(name="县统计局", short_name="统计局"))
    room = create_room(name="浏览器会议室", capacity=20)
    create_room(name="备用会议室", capacity=30)
    create_booking(room, at(workday, "14:00"), at(workday, "15:00"), title="已有会议")
    room_id, day = room.id, workday.isoformat()
    db.session.commit()

    page.goto(f"{live_server.url}/login?next=/rooms/day?date={day}")
    page.fill("input[name=username]", "booker")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_selector("table.grid")
    assert "已有会议" in page.content()

    page.click(f"table.grid button[name='{room_id}.11']")  # 13:30 (issue 21: a button of the grid's GET form)
    page.wait_for_selector("form#booking")
    page.fill("input[name=title]", "统计数据质量会")
    page.fill("input[name=attendees]", "12")
    page.fill("input[name=contact_phone]", "5123")
    page.click("form#booking button.primary")
    # The slot is taken: the form comes back with the conflict and a free room.
    page.wait_for_selector(".booking-problems")
    problems = page.inner_text(".booking-problems")
    assert "已被预订" in problems and "已有会议" in problems and "备用会议室" in problems
    assert page.input_value("input[name=title]") == "统计数据质量会"

    page.select_option("select[name=start]", "10:00")
    page.select_option("select[name=end]", "11:30")
    page.click("form#booking button.primary")
    page.wait_for_selector("h1 .badge")
    assert "会议室已预订" in page.content() and "统计数据质量会" in page.content()

    db.session.expire_all()
    booking = db.session.scalar(db.select(Booking).where(Booking.title == "统计数据质量会"))
    assert booking.status is BookingStatus.APPROVED and booking.start_at == at(workday, "10:00")
    assert page.url.endswith(f"/rooms/bookings/{booking.id}")

    page.goto(f"{live_server.url}/rooms/day?date={day}")
    assert "统计数据质量会" in page.inner_text("table.grid")


def test_cancelling_a_series_and_reopening_a_closure_ask_first(live_server, page, make_user, create_unit, create_room, create_booking, workday):
    from datetime import timedelta

    from portal.blueprints.rooms.models import BookingSeries, Recurrence, RoomClosure
    from tests.conftest import log_in

    booker = make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="seriesowner", unit=create_unit(name="县审计局"))
    room = create_room(name="系列会议室")
    series = BookingSeries(rule=Recurrence.WEEKLY, count=3, created_by_id=booker.id)
    db.session.add(series)
    db.session.flush()
    meetings = [create_booking(room, at(workday + timedelta(weeks=i), "09:00"), title="审计例会", requester_id=booker.id,
                               series_id=series.id) for i in range(3)]
    closure = RoomClosure(room_id=room.id, start_at=at(workday, "14:00"), end_at=at(workday, "18:00"), reason="线路检修")
    db.session.add(closure)
    db.session.commit()
    first_id = meetings[0].id

    log_in(page, live_server.url, "seriesowner")
    page.goto(f"{live_server.url}/rooms/bookings/{first_id}")
    page.select_option("select[name=scope]", "rest")
    page.click("form.cancel-form button")
    page.wait_for_selector("section.confirm")
    assert "取消该系列的 3 次会议" in page.inner_text("h1")
    db.session.rollback()  # a fresh read of what the server wrote
    assert db.session.get(Booking, first_id).status is BookingStatus.APPROVED  # nothing yet
    page.click("section.confirm button")
    page.wait_for_selector("h1 .badge")
    db.session.rollback()  # a fresh read of what the server wrote
    assert [db.session.get(Booking, m.id).status for m in meetings] == [BookingStatus.CANCELLED] * 3

    page.goto(f"{live_server.url}/rooms/closures")
    page.click("table form.inline-form button")
    page.wait_for_selector("section.confirm")
    assert "线路检修" in page.content()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(RoomClosure)) == 1
    page.click("section.confirm button")
    page.wait_for_selector(".message--success")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(RoomClosure)) == 0


def test_approving_the_ticked_requests_of_the_queue(live_server, page, make_user, create_room, create_booking, workday):
    from tests.conftest import log_in

    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="queueadmin")
    room = create_room(name="审批会议室")
    ticked = [create_booking(room, at(workday, hhmm), title=f"待批{hhmm}", status=BookingStatus.PENDING) for hhmm in ("09:00", "11:00")]
    left = create_booking(room, at(workday, "15:00"), title="不勾选", status=BookingStatus.PENDING)
    ids = [b.id for b in ticked]
    db.session.commit()

    log_in(page, live_server.url, "queueadmin")
    page.goto(f"{live_server.url}/rooms/approvals")
    for booking_id in ids:
        page.check(f"#choose-{booking_id}")
    page.click("#decide-many button[value=approve]")
    page.wait_for_selector(".message--success")
    assert "已批准2项申请" in page.inner_text(".message--success")
    db.session.rollback()  # a fresh read of what the server wrote
    assert [db.session.get(Booking, i).status for i in ids] == [BookingStatus.APPROVED] * 2
    assert db.session.get(Booking, left.id).status is BookingStatus.PENDING
    assert "不勾选" in page.content() and "待批09:00" not in page.content()
