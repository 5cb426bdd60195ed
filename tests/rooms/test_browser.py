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

    page.click(f"table.grid button[name='{room_id}l']")  # 13:30, slot 11 (issue 21: a button of the grid's GET form)
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


# ---------------------------------------------------------------- issue 18: move, plan a series, book at the door


def test_moving_a_booking_on_its_change_page(live_server, page, make_user, create_unit, create_room, create_booking,
                                             workday):
    from tests.conftest import log_in

    mover = make_user(roles=[Role.EMPLOYEE], username="mover", unit=create_unit(name="县统计局", short_name="统计局"))
    room = create_room(name="原会议室", capacity=20)
    other = create_room(name="新会议室", capacity=20)
    mine = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), title="月度例会", requester_id=mover.id,
                          unit_id=mover.unit_id)
    create_booking(other, at(workday, "14:00"), at(workday, "15:00"), title="挡路的会")
    booking_id, other_id = mine.id, other.id
    db.session.commit()

    log_in(page, live_server.url, "mover")
    page.goto(f"{live_server.url}/rooms/bookings/{booking_id}")
    page.click(f"a[href='/rooms/bookings/{booking_id}/change']")
    page.select_option("select[name=room_id]", str(other_id))
    page.select_option("select[name=start]", "14:30")
    page.select_option("select[name=end]", "15:30")
    page.click("form.booking-form button.primary")
    page.wait_for_selector("text=已被预订")
    assert "挡路的会" in page.content()
    page.select_option("select[name=start]", "15:00")
    page.select_option("select[name=end]", "16:00")
    page.click("form.booking-form button.primary")
    page.wait_for_url(f"{live_server.url}/rooms/bookings/{booking_id}")
    assert "新会议室" in page.content()

    db.session.expire_all()
    moved = db.session.get(Booking, booking_id)
    assert (moved.room_id, moved.start_at, moved.end_at) == (other_id, at(workday, "15:00"), at(workday, "16:00"))


def test_planning_a_series_with_a_holiday_and_a_conflict(live_server, page, make_user, create_unit, create_room,
                                                          create_booking):
    from datetime import timedelta

    from portal import timeutil
    from portal.blueprints.workdays.days import set_override
    from tests.conftest import log_in

    planner = make_user(roles=[Role.EMPLOYEE], username="planner", unit=create_unit(name="县人社局", short_name="人社局"))
    room = create_room(name="第三会议室", capacity=20)
    first = timeutil.today() + timedelta(days=3)
    days = [first + timedelta(weeks=n) for n in range(3)]
    for n, day in enumerate(days):
        set_override(day, n != 2, "test")  # the third date is a holiday
    create_booking(room, at(days[1], "09:30"), at(days[1], "11:00"), title="财政局预算会")
    room_id, isos = room.id, [day.isoformat() for day in days]
    db.session.commit()

    log_in(page, live_server.url, "planner")
    page.goto(f"{live_server.url}/rooms/new?room={room_id}&date={isos[0]}&start=09:00")
    page.select_option("select[name=end]", "10:00")
    page.fill("input[name=title]", "局务会")
    page.fill("input[name=attendees]", "5")
    page.fill("input[name=contact_phone]", "5100")
    page.select_option("select[name=repeat]", "weekly")
    page.fill("input[name=repeat_count]", "3")
    page.click("button[name=check_dates]")
    page.wait_for_selector(".series-plan")
    plan = page.inner_text(".series-plan")
    assert "财政局预算会" in plan  # the conflict, and with what
    assert page.is_checked(f"#date-{isos[0]}")
    assert page.locator(f"#date-{isos[1]}").count() == 0  # taken: nothing to tick
    assert not page.is_checked(f"#date-{isos[2]}")  # the holiday is offered, not ticked
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 1  # nothing saved yet

    page.check(f"#date-{isos[2]}")  # keep the holiday too: it waits for approval
    page.click("form#booking button.primary")  # book the ticked dates
    page.wait_for_selector("h1 .badge")
    db.session.rollback()  # leave the read transaction of the count above: see what the server saved
    booked = db.session.scalars(db.select(Booking).where(Booking.title == "局务会").order_by(Booking.start_at)).all()
    assert [(b.start_at, b.status) for b in booked] == [(at(days[0], "09:00"), BookingStatus.APPROVED),
                                                         (at(days[2], "09:00"), BookingStatus.PENDING)]


def test_booking_a_free_room_from_its_door_sign(live_server, page, make_user, create_unit, create_room, clock,
                                                workday):
    from tests.conftest import log_in

    make_user(roles=[Role.EMPLOYEE], username="walker", unit=create_unit())
    room = create_room(name="小会议室", capacity=8)
    room_id = room.id
    db.session.commit()
    clock(workday.year, workday.month, workday.day, 10, 0, 20)

    log_in(page, live_server.url, "walker")
    page.goto(f"{live_server.url}/rooms/{room_id}/sign")
    page.select_option("#book-now-minutes", "30")
    page.fill("#book-now-attendees", "3")
    page.fill("#book-now-title", "临时碰头会")
    page.click(".sign__book-now button.primary")
    page.wait_for_selector("text=10:01–10:31")
    assert page.locator(".sign__book-now").count() == 0

    db.session.expire_all()
    booking = db.session.scalar(db.select(Booking).where(Booking.room_id == room_id))
    assert booking.title == "临时碰头会" and booking.checked_in_at is not None
    assert (booking.start_at, booking.end_at) == (at(workday, "10:01"), at(workday, "10:31"))


def test_the_day_grid_on_a_phone_scrolls_sideways_from_the_keyboard(live_server, browser, make_user, create_unit,
                                                                      create_room, workday):
    """The grid is wider than a phone: its scroll box takes the focus (tabindex) once the
    page has loaded, and again after htmx has brought in the next day."""
    from playwright.sync_api import expect

    from tests.conftest import log_in

    make_user(roles=[Role.EMPLOYEE], username="phone_user", unit=create_unit())
    create_room(name="窄屏会议室", capacity=10)
    db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, live_server.url, "phone_user")
        page.goto(f"{live_server.url}/rooms/day?date={workday.isoformat()}")  # waits for "load"
        scroller = page.locator("#day-grid .grid-scroll")
        assert scroller.evaluate("box => box.scrollWidth > box.clientWidth")
        assert scroller.get_attribute("tabindex") == "0"

        page.click("#day-grid a[rel=next]")  # htmx swaps the grid in place
        page.wait_for_selector(f"#grid-date:not([value='{workday.isoformat()}'])", state="attached")
        expect(page.locator("#day-grid .grid-scroll")).to_have_attribute("tabindex", "0")  # after htmx settles
    finally:
        context.close()
