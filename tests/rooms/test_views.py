"""Meeting-room pages for each role: finding rooms, the grid, requesting,
approving, cancelling, arrangements, closures, settings, signs and calendars."""

import re
from datetime import time, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal import timeutil
from portal.blueprints.rooms.models import (
    Booking,
    BookingStatus,
    RoomClosure,
    RoomPolicy,
)
from portal.db import db
from portal.models import AuditLog, Role, RoomKind
from tests.conftest import sql_statements
from tests.rooms.conftest import at

HX = {"HX-Request": "true"}


@pytest.fixture
def staff(make_user, create_unit):
    return make_user(roles=[Role.EMPLOYEE], username="zhang", display_name="张科员", unit=create_unit(name="县人社局", short_name="人社局"))


@pytest.fixture
def logistics(make_user):
    return make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin", display_name="后勤陈主任")


def form_data(room, the_day, **overrides):
    data = {
        "room_id": room.id, "day": the_day.isoformat(), "start": "09:00", "end": "10:30", "title": "社保扩面推进会",
        "contact_name": "张科员", "contact_phone": "5301", "attendees": "12", "is_public": "y", "tea_count": "12",
    }
    data.update(overrides)
    return data


def html(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- list and filter


def test_room_list_filters_free_rooms_full_page_and_partial(client, create_room, create_booking, workday):
    small = create_room(name="小会议室", capacity=8)
    video = create_room(name="视频室", capacity=40, equipment=["projector", "video_conference"])
    busy = create_room(name="忙碌室", capacity=40, equipment=["projector", "video_conference"])
    create_booking(busy, at(workday, "09:00"), at(workday, "12:00"))
    page = html(client.get("/rooms/"))
    assert all(name in page for name in ("小会议室", "视频室", "忙碌室")) and "<html" in page

    query = f"/rooms/?date={workday.isoformat()}&start=10:00&end=11:00&attendees=10&equipment=video_conference"
    full = client.get(query)
    assert "视频室" in html(full) and "忙碌室" not in html(full) and "小会议室" not in html(full)
    assert "<html" in html(full)
    partial = client.get(query, headers=HX)
    assert "<html" not in html(partial) and "视频室" in html(partial) and "忙碌室" not in html(partial)
    assert "HX-Request" in partial.headers["Vary"]
    assert small.id  # the small room is left out by the attendee filter only


def test_room_list_survives_nonsense_filters(client, create_room):
    create_room(name="会议室甲")
    for query in ("date=2026-02-30", "attendees=-5", "start=25:00", "date=9999-01-01&start=09:00", "equipment=x"):
        response = client.get(f"/rooms/?{query}")
        assert response.status_code == 200, query


# ---------------------------------------------------------------- grid and week


def test_day_grid_hides_non_public_titles_from_those_who_may_not_see_them(
    client, auth, create_room, create_booking, staff, make_user, logistics, workday
):
    room = create_room(name="第二会议室")
    create_booking(room, at(workday, "09:00"), at(workday, "10:30"), title="公开的推进会")
    secret = create_booking(room, at(workday, "14:00"), title="内部人事会议", is_public=False, unit_id=staff.unit_id, requester_id=staff.id)
    url = f"/rooms/day?date={workday.isoformat()}"

    anonymous = html(client.get(url))
    assert "公开的推进会" in anonymous and "内部人事会议" not in anonymous and "已预订" in anonymous
    assert f"/rooms/bookings/{secret.id}" not in anonymous

    other = make_user(roles=[Role.EMPLOYEE], username="other")
    auth.login_as(other)
    assert "内部人事会议" not in html(client.get(url))
    auth.login_as(staff)
    mine = html(client.get(url))
    assert "内部人事会议" in mine and f"/rooms/bookings/{secret.id}" in mine
    # Free slots are "+" buttons of a GET form to the request form (issue 21: short markup).
    assert 'action="/rooms/new"' in mine and re.search(rf"<button name={room.id}[a-zA-Z]>\+</button>", mine)
    auth.login_as(logistics)
    assert "内部人事会议" in html(client.get(url))
    # The grid is cached per process: what one viewer saw never reaches another.
    auth.login_as(make_user(roles=[Role.EMPLOYEE], username="colleague", unit=staff.unit))
    assert "内部人事会议" in html(client.get(url))
    auth.login_as(other)
    assert "内部人事会议" not in html(client.get(url))
    auth.logout()
    assert "内部人事会议" not in html(client.get(url))


def test_day_grid_shows_changes_at_once(client, auth, staff, create_room, create_booking, workday):
    room = create_room(name="第三会议室")
    url = f"/rooms/day?date={workday.isoformat()}"
    auth.login_as(staff)
    assert "防汛调度会" not in html(client.get(url))
    booking = create_booking(room, at(workday, "09:00"), title="防汛调度会")
    assert "防汛调度会" in html(client.get(url))
    assert "防汛调度会" in html(client.get(url, headers=HX))
    booking.title = "防汛值班会"
    db.session.commit()
    assert "防汛值班会" in html(client.get(url))
    room.name = "三楼小会议室"  # the building's data are drawn too
    db.session.commit()
    assert "三楼小会议室" in html(client.get(url))


def test_day_grid_previous_and_next_day_swap_a_partial(client, create_room, create_booking, workday):
    room = create_room()
    tomorrow = workday + timedelta(days=1)
    create_booking(room, at(tomorrow, "10:00"), title="明天的会")
    page = html(client.get(f"/rooms/day?date={workday.isoformat()}"))
    assert f'hx-get="/rooms/day?date={tomorrow.isoformat()}"' in page and 'hx-target="#day-grid"' in page
    assert f'href="/rooms/day?date={tomorrow.isoformat()}"' in page  # the same link without JavaScript
    partial = html(client.get(f"/rooms/day?date={tomorrow.isoformat()}", headers=HX))
    assert "明天的会" in partial and "<html" not in partial and 'class="grid"' in partial
    assert f'name="date" value="{tomorrow.isoformat()}"' in partial  # the date box follows the swap


def test_week_view_shows_the_rooms_week(client, create_room, create_booking, workday):
    room = create_room(name="第三会议室")
    other = create_room()
    monday = workday - timedelta(days=workday.weekday())
    create_booking(room, at(monday, "09:00"), title="周一例会")
    create_booking(room, at(monday + timedelta(days=4), "15:00"), title="周五培训")
    create_booking(other, at(monday, "09:00"), title="别的房间")
    create_booking(room, at(monday + timedelta(days=7), "09:00"), title="下周的会")
    page = html(client.get(f"/rooms/{room.id}/week?date={workday.isoformat()}"))
    assert "周一例会" in page and "周五培训" in page and "别的房间" not in page and "下周的会" not in page
    assert client.get("/rooms/999999/week").status_code == 404
    office = create_room(kind=RoomKind.OFFICE)
    assert client.get(f"/rooms/{office.id}/week").status_code == 404


# ---------------------------------------------------------------- requests


@pytest.mark.parametrize(("name", "chosen"), [
    ("3a", (3, 0)), ("12z", (12, 25)), ("7B", (7, 27)),
    ("3.4", None), ("3", None), ("a", None), ("date", None), ("²a", None), ("１a", None), ("1234567890a", None), ("", None),
])
def test_a_grid_button_name_is_a_room_and_a_slot_letter(name, chosen):
    from portal.blueprints.rooms.grid import parse_slot_button, slot_button_name

    assert parse_slot_button(name) == chosen
    if chosen:
        assert slot_button_name(*chosen) == name


def test_the_request_form_takes_the_pressed_grid_button_and_ignores_odd_names(client, auth, staff, create_room, workday):
    room = create_room(capacity=20)
    auth.login_as(staff)
    day = workday.isoformat()
    form = html(client.get(f"/rooms/new?date={day}&{room.id}m="))  # slot 12: 14:00
    assert re.search(rf'<option selected value="{room.id}"', form) and 'selected value="14:00"' in form
    for odd in ("²m", f"{room.id}Z", f"{room.id}.12", "99999999999m"):  # not a number, past the last slot, the old form
        page = client.get(f"/rooms/new?date={day}&{odd}=")
        assert page.status_code == 200 and 'selected value="14:00"' not in html(page)


def test_staff_books_a_room_and_sees_it(client, auth, staff, create_room, workday):
    room = create_room(capacity=20)
    auth.login_as(staff)
    form = html(client.get(f"/rooms/new?room={room.id}&date={workday.isoformat()}&start=14:00"))
    assert 'selected value="14:00"' in form and 'selected value="15:00"' in form and "张科员" in form
    response = client.post("/rooms/new", data=form_data(room, workday, banner_text="社保扩面推进会", name_cards="局长\n副局长"))
    assert response.status_code == 303
    booking = db.session.scalar(db.select(Booking))
    assert response.headers["Location"] == f"/rooms/bookings/{booking.id}"
    assert booking.status is BookingStatus.APPROVED and booking.requester_id == staff.id
    assert booking.name_card_list == ["局长", "副局长"] and booking.tea_count == 12 and booking.is_public
    detail = html(client.get(response.headers["Location"]))
    assert "社保扩面推进会" in detail and "已批准" in detail and "局长、副局长" in detail
    assert "社保扩面推进会" in html(client.get("/"))  # "my bookings" on the home page
    assert "社保扩面推进会" in html(client.get("/rooms/mine"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": "11:00", "end": "10:00"}, "会议结束时间必须晚于开始时间"),
        ({"attendees": "30"}, "容纳 20 人"),
        ({"title": ""}, "title"),
        ({"contact_phone": "<script>"}, "电话"),
        ({"day": "2026-02-30"}, "day"),
        ({"repeat": "weekly"}, "最后日期或次数"),
    ],
)
def test_bad_requests_re_render_with_a_clear_message_and_save_nothing(client, auth, staff, create_room, workday, overrides, message):
    room = create_room(capacity=20)
    auth.login_as(staff)
    response = client.post("/rooms/new", data=form_data(room, workday, **overrides))
    assert response.status_code == 422
    body = html(response)
    if message in ("title", "day"):
        assert f'id="{message}-errors"' in body
    else:
        assert message in body
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 0


def test_past_and_far_future_are_refused(client, auth, staff, create_room, app):
    room = create_room()
    auth.login_as(staff)
    yesterday = timeutil.today() - timedelta(days=1)
    assert "该时间已经过去" in html(client.post("/rooms/new", data=form_data(room, yesterday)))
    far = timeutil.today() + timedelta(days=61)
    assert "最多可提前 60 天预订" in html(client.post("/rooms/new", data=form_data(room, far)))


@pytest.mark.parametrize("app_config", [{"ROOMS_ADVANCE_DAYS": 2}])
def test_the_advance_window_comes_from_the_config(client, auth, staff, create_room, app_config):
    room = create_room()
    auth.login_as(staff)
    day = timeutil.today() + timedelta(days=5)
    assert "最多可提前 2 天预订" in html(client.post("/rooms/new", data=form_data(room, day)))


def test_a_conflict_shows_the_booking_and_free_rooms(client, auth, staff, create_room, create_booking, workday):
    room = create_room(name="第二会议室", capacity=20)
    create_room(name="备选大会议室", capacity=40)
    create_room(name="太小的房间", capacity=5)
    create_booking(room, at(workday, "10:00"), at(workday, "11:00"), title="先订的会", is_public=False)
    auth.login_as(staff)
    response = client.post("/rooms/new", data=form_data(room, workday), headers=HX)
    assert response.status_code == 422
    body = html(response).split("<form")[0]
    assert "<html" not in body  # htmx swaps the form only
    assert "已预订" in body and "10:00–11:00" in body and "先订的会" not in body  # not their meeting
    assert "备选大会议室" in body and "太小的房间" not in body


def test_a_recurring_request_lists_every_conflict_and_saves_nothing(client, auth, staff, create_room, create_booking, workday):
    room = create_room()
    second, fourth = workday + timedelta(weeks=1), workday + timedelta(weeks=3)
    create_booking(room, at(second, "09:00"), title="冲突一")
    create_booking(room, at(fourth, "10:00"), title="冲突二")
    auth.login_as(staff)
    body = html(client.post("/rooms/new", data=form_data(room, workday, repeat="weekly", repeat_count="5")))
    assert "其中 2 次会议无法预订，所有会议均未保存" in body
    assert second.isoformat() in body and fourth.isoformat() in body
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 2

    ok = client.post("/rooms/new", data=form_data(room, workday, start="14:00", end="15:00", repeat="biweekly", repeat_count="3"))
    assert ok.status_code == 303
    series = db.session.scalars(db.select(Booking).where(Booking.series_id.is_not(None)).order_by(Booking.start_at)).all()
    assert [b.start_at.date() for b in series] == [workday, workday + timedelta(weeks=2), workday + timedelta(weeks=4)]


def test_a_series_lists_time_problems_and_conflicts_together_and_suggests_rooms_free_for_all(
    client, auth, staff, create_room, create_booking, workday
):
    room, other = create_room(capacity=20), create_room(name="备用会议室", capacity=20)
    busy_elsewhere = create_room(name="也被占的会议室", capacity=20)
    second = workday + timedelta(weeks=1)
    create_booking(room, at(second, "09:00"), title="冲突的会")
    create_booking(busy_elsewhere, at(workday + timedelta(weeks=2), "09:00"), title="别处的会")
    auth.login_as(staff)
    # Weekly for 12 weeks: the last ones lie beyond the 60-day advance window, the second one conflicts.
    body = html(client.post("/rooms/new", data=form_data(room, workday, repeat="weekly", repeat_count="12")))
    assert "冲突的会" in body  # listed although other meetings already break a time rule
    problems = body[body.index("booking-problems"):body.index("</ul>", body.index("booking-problems"))]
    assert second.isoformat() in problems and (workday + timedelta(weeks=11)).isoformat() in problems
    suggestions = body[body.index('class="suggestions"'):]
    assert "备用会议室" in suggestions and "也被占的会议室" not in suggestions.split("</ul>")[0]
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 2


def test_non_staff_cannot_request(client, login_as_role):
    for role in ("security", "property"):
        login_as_role(role)
        assert client.get("/rooms/new").status_code == 403
        assert client.post("/rooms/new", data={}).status_code == 403


# ---------------------------------------------------------------- approval


def test_vip_request_waits_for_logistics_and_the_requester_sees_the_decision(client, auth, staff, logistics, create_room, workday):
    vip = create_room(name="贵宾接待室", kind=RoomKind.VIP_RECEPTION, capacity=12)
    auth.login_as(staff)
    client.post("/rooms/new", data=form_data(vip, workday, title="市领导调研"))
    first = db.session.scalar(db.select(Booking))
    assert first.status is BookingStatus.PENDING
    client.post("/rooms/new", data=form_data(vip, workday, title="省厅座谈", start="14:00", end="15:00"))
    second = db.session.scalar(db.select(Booking).where(Booking.title == "省厅座谈"))
    assert client.get("/rooms/approvals").status_code == 403

    auth.login_as(logistics)
    queue = html(client.get("/rooms/approvals"))
    assert "市领导调研" in queue and "省厅座谈" in queue
    assert "2 项会议室申请待审批" in html(client.get("/"))
    assert client.post(f"/rooms/bookings/{first.id}/approve").status_code == 303
    refused = client.post(f"/rooms/bookings/{second.id}/reject", data={"reason": ""})
    assert refused.status_code == 422 and "reason-errors" in html(refused)
    assert client.post(f"/rooms/bookings/{second.id}/reject", data={"reason": "当天有省级接待"}).status_code == 303
    db.session.expire_all()
    assert first.status is BookingStatus.APPROVED and first.decided_by_id == logistics.id
    assert second.status is BookingStatus.REJECTED
    assert "市领导调研" not in html(client.get("/rooms/approvals"))

    auth.login_as(staff)
    home = html(client.get("/"))
    assert "当天有省级接待" in home and "已驳回" in home and "已批准" in home
    actions = set(db.session.scalars(db.select(AuditLog.action)))
    assert {"booking.request", "booking.approve", "booking.reject"} <= actions


def test_room_setting_turns_on_approval(client, auth, staff, logistics, create_room, workday):
    room = create_room()
    auth.login_as(logistics)
    assert client.post(f"/rooms/{room.id}/settings", data={"requires_approval": "y", "release_no_shows": "y", "no_show_grace_minutes": "20"}).status_code == 303
    policy = db.session.get(RoomPolicy, room.id)
    assert policy.requires_approval and policy.no_show_grace_minutes == 20
    assert client.post(f"/rooms/{room.id}/settings", data={"no_show_grace_minutes": "20"}).status_code == 303
    db.session.expire_all()
    assert not policy.requires_approval and policy.no_show_grace_minutes is None
    assert client.post(f"/rooms/{room.id}/settings", data={"release_no_shows": "y", "no_show_grace_minutes": "999"}).status_code == 422
    client.post(f"/rooms/{room.id}/settings", data={"requires_approval": "y", "release_no_shows": "y", "no_show_grace_minutes": "15"})
    auth.login_as(staff)
    client.post("/rooms/new", data=form_data(room, workday))
    assert db.session.scalar(db.select(Booking)).status is BookingStatus.PENDING


# ---------------------------------------------------------------- cancel


def test_cancel_by_requester_or_admin_only(client, auth, staff, logistics, make_user, create_room, create_booking, workday):
    room = create_room()
    mine = create_booking(room, at(workday, "09:00"), requester_id=staff.id, unit_id=staff.unit_id)
    theirs = create_booking(room, at(workday, "11:00"), requester_id=staff.id, unit_id=staff.unit_id)
    auth.login_as(make_user(roles=[Role.EMPLOYEE], username="stranger"))
    assert client.post(f"/rooms/bookings/{mine.id}/cancel", data={"scope": "one"}).status_code == 403
    auth.login_as(make_user(roles=[Role.EMPLOYEE], username="colleague", unit=staff.unit))
    assert client.get(f"/rooms/bookings/{mine.id}").status_code == 200  # the unit may look
    assert client.post(f"/rooms/bookings/{mine.id}/cancel", data={"scope": "one"}).status_code == 403  # but not cancel
    auth.login_as(staff)
    assert client.post(f"/rooms/bookings/{mine.id}/cancel", data={"scope": "one"}).status_code == 303
    auth.login_as(logistics)
    assert client.post(f"/rooms/bookings/{theirs.id}/cancel", data={"scope": "one"}).status_code == 303
    db.session.expire_all()
    assert mine.status is theirs.status is BookingStatus.CANCELLED


def test_cancel_the_rest_of_a_series(client, auth, staff, create_room, workday):
    room = create_room()
    auth.login_as(staff)
    client.post("/rooms/new", data=form_data(room, workday, repeat="weekly", repeat_count="4"))
    series = db.session.scalars(db.select(Booking).order_by(Booking.start_at)).all()
    page = html(client.get(f"/rooms/bookings/{series[1].id}"))
    assert "本次及以后的全部会议" in page
    client.post(f"/rooms/bookings/{series[0].id}/cancel", data={"scope": "one"})
    client.post(f"/rooms/bookings/{series[2].id}/cancel", data={"scope": "rest", "confirmed": "1"})
    db.session.expire_all()
    assert [b.status.value for b in series] == ["cancelled", "approved", "cancelled", "cancelled"]


# ---------------------------------------------------------------- arrangements sheet


def test_arrangements_sheet_for_the_property_company_with_excel_export(client, login_as_role, create_room, create_booking, workday):
    room = create_room(name="第一会议室")
    create_booking(room, at(workday, "09:00"), title="安全工作会", tea_count=50, banner_text="全县安全工作会议",
                   name_cards="县长\n副县长", welcome_text="欢迎各位领导", needs_audio=True, is_public=False,
                   notes="主席台摆放鲜花")
    create_booking(room, at(workday, "14:00"), title="取消的会", status=BookingStatus.CANCELLED, tea_count=9)
    login_as_role("property")
    page = html(client.get(f"/rooms/services?date={workday.isoformat()}"))
    assert "全县安全工作会议" in page and "县长、副县长" in page and "欢迎各位领导" in page and "安全工作会" in page
    assert "主席台摆放鲜花" in page  # the printed sheet carries the notes too
    assert "取消的会" not in page
    export = client.get(f"/rooms/services.xlsx?date={workday.isoformat()}")
    assert export.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(export.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[2][0] == "09:00–10:00" and rows[2][5] == 50 and rows[2][8] == "全县安全工作会议" and rows[2][9] == "县长、副县长"
    assert len(rows) == 3


def test_the_arrangements_export_keeps_text_that_looks_like_a_formula(client, login_as_role, create_room, create_booking, workday):
    create_booking(create_room(), at(workday, "09:00"), title='=HYPERLINK("http://example.invalid","看")', banner_text="=1+1")
    login_as_role("property")
    export = client.get(f"/rooms/services.xlsx?date={workday.isoformat()}")
    row = list(load_workbook(BytesIO(export.data)).active.iter_rows(min_row=3))[0]
    assert (row[2].value, row[2].data_type) == ('=HYPERLINK("http://example.invalid","看")', "s")
    assert (row[8].value, row[8].data_type) == ("=1+1", "s")


# ---------------------------------------------------------------- closures


def test_logistics_closes_a_room_and_bookings_are_cancelled(client, auth, staff, logistics, create_room, create_booking, workday):
    room = create_room(name="第九会议室")
    booked = create_booking(room, at(workday, "10:00"), requester_id=staff.id, title="被取消的会")
    auth.login_as(staff)
    assert client.get("/rooms/closures").status_code == 403
    auth.login_as(logistics)
    data = {"room_id": room.id, "start_day": workday.isoformat(), "start": "08:00", "end_day": (workday + timedelta(days=2)).isoformat(), "end": "21:00", "reason": "音响改造"}
    assert client.post("/rooms/closures", data={**data, "reason": ""}).status_code == 422
    assert client.post("/rooms/closures", data={**data, "end_day": (workday - timedelta(days=1)).isoformat()}).status_code == 422
    assert client.post("/rooms/closures", data=data).status_code == 303
    db.session.expire_all()
    assert booked.status is BookingStatus.CANCELLED
    grid = html(client.get(f"/rooms/day?date={workday.isoformat()}"))
    assert "音响改造" in grid
    auth.login_as(staff)
    refused = client.post("/rooms/new", data=form_data(room, workday))
    assert refused.status_code == 422 and "音响改造" in html(refused)
    assert "音响改造" in html(client.get("/"))  # why it was cancelled
    auth.login_as(logistics)
    closure = db.session.scalar(db.select(RoomClosure))
    assert client.post(f"/rooms/closures/{closure.id}/delete", data={"confirmed": "1"}).status_code == 303
    assert db.session.scalar(db.select(db.func.count()).select_from(RoomClosure)) == 0


# ---------------------------------------------------------------- door sign, check-in, no-shows


def test_door_sign_is_public_hides_non_public_titles_and_refreshes_itself(client, create_room, create_booking):
    room = create_room(name="第五会议室")
    now = timeutil.now().replace(second=0, microsecond=0)
    create_booking(room, now - timedelta(minutes=10), now + timedelta(minutes=50), title="保密会议", is_public=False,
                   checked_in_at=now - timedelta(minutes=9))
    create_booking(room, now + timedelta(minutes=70), now + timedelta(minutes=100), title="公开培训")
    response = client.get(f"/rooms/{room.id}/sign")
    body = html(response)
    assert response.status_code == 200
    assert "保密会议" not in body and "已预订" in body and "使用中" in body
    if (now + timedelta(minutes=70)).date() == now.date():
        assert "公开培训" in body
    assert 'http-equiv="refresh"' in body and 'hx-trigger="every 30s"' in body
    partial = html(client.get(f"/rooms/{room.id}/sign", headers=HX))
    assert partial.startswith('<div id="sign"') and "<html" not in partial


def test_door_signs_announce_approved_public_meetings_only(client, create_room, create_booking):
    room, vip = create_room(name="第六会议室"), create_room(name="贵宾接待室", kind=RoomKind.VIP_RECEPTION)
    now = timeutil.now().replace(second=0, microsecond=0)
    create_booking(room, now - timedelta(minutes=10), now + timedelta(minutes=20), title="待批的公开会", status=BookingStatus.PENDING)
    create_booking(room, now + timedelta(minutes=30), now + timedelta(minutes=40), title="已批的公开会")
    create_booking(vip, now - timedelta(minutes=10), now + timedelta(minutes=20), title="贵宾接待")
    sign = html(client.get(f"/rooms/{room.id}/sign"))
    assert "待批的公开会" not in sign and "已预订" in sign
    if (now + timedelta(minutes=30)).date() == now.date():
        assert "已批的公开会" in sign
    vip_sign = html(client.get(f"/rooms/{vip.id}/sign"))
    assert "贵宾接待" not in vip_sign.replace("贵宾接待室", "") and "已预订" in vip_sign


def test_check_in_from_the_door_sign_without_javascript(client, auth, staff, make_user, create_room, create_booking):
    room = create_room()
    now = timeutil.now().replace(second=0, microsecond=0)
    booking = create_booking(room, now + timedelta(minutes=5), now + timedelta(minutes=65), requester_id=staff.id, unit_id=staff.unit_id)
    sign = html(client.get(f"/rooms/{room.id}/sign"))
    assert f"/login?next=/rooms/{room.id}/sign" in sign  # visitors are asked to log in
    assert client.post(f"/rooms/bookings/{booking.id}/check-in", data={"next": f"/rooms/{room.id}/sign"}).status_code == 303
    assert booking.checked_in_at is None

    auth.login_as(make_user(roles=[Role.SECURITY], username="guard1"))
    assert client.post(f"/rooms/bookings/{booking.id}/check-in").status_code == 403
    auth.login_as(staff)
    sign = html(client.get(f"/rooms/{room.id}/sign"))
    assert f'action="/rooms/bookings/{booking.id}/check-in"' in sign
    response = client.post(f"/rooms/bookings/{booking.id}/check-in", data={"next": f"/rooms/{room.id}/sign"})
    assert response.status_code == 303 and response.headers["Location"] == f"/rooms/{room.id}/sign"
    db.session.expire_all()
    assert booking.checked_in_at is not None
    evil = client.post(f"/rooms/bookings/{booking.id}/check-in", data={"next": "https://evil.example/"})
    assert evil.headers["Location"] == f"/rooms/bookings/{booking.id}"


def test_the_sign_and_grids_show_a_due_no_show_as_released_without_writing(client, create_room, create_booking):
    # Changed deliberately (issue 12.4): GET pages no longer write; they read a due no-show as released.
    room = create_room()
    now = timeutil.now()
    no_show = create_booking(room, now - timedelta(minutes=20), now + timedelta(minutes=40), title="没人来的会")
    body = html(client.get(f"/rooms/{room.id}/sign"))
    assert "没人来的会" not in body and "空闲" in body
    today = now.date().isoformat()
    assert "没人来的会" not in html(client.get(f"/rooms/day?date={today}"))
    assert "没人来的会" not in html(client.get(f"/rooms/{room.id}/week?date={today}"))
    db.session.expire_all()
    assert no_show.status is BookingStatus.APPROVED  # nothing written on GET
    assert not db.session.scalar(db.select(db.func.count()).select_from(AuditLog))


def test_the_cached_grids_free_a_no_show_when_its_grace_time_passes(client, clock, create_room, create_booking, workday):
    # The grids are drawn from cached data; the clock alone (no write) turns a meeting nobody checked in to free.
    room = create_room()
    db.session.add(RoomPolicy(room_id=room.id, requires_approval=False, no_show_grace_minutes=15))
    db.session.commit()
    no_show = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), title="没人来的会")
    checked_in = create_booking(room, at(workday, "10:00"), at(workday, "11:00"), title="来了的会",
                                checked_in_at=at(workday, "09:55"))
    pending = create_booking(room, at(workday, "11:00"), at(workday, "12:00"), title="待批的会",
                             status=BookingStatus.PENDING)
    urls = (f"/rooms/day?date={workday.isoformat()}", f"/rooms/{room.id}/week?date={workday.isoformat()}")

    def shown(hour: int, minute: int) -> list[set[str]]:
        clock(workday.year, workday.month, workday.day, hour, minute)
        return [{title for title in ("没人来的会", "来了的会", "待批的会") if title in html(client.get(url))} for url in urls]

    assert shown(9, 14) == [{"没人来的会", "来了的会", "待批的会"}] * 2
    assert shown(9, 15) == [{"来了的会", "待批的会"}] * 2  # the grace time has passed: free at once
    assert shown(9, 59) == [{"来了的会", "待批的会"}] * 2
    assert all({"来了的会", "待批的会"} <= titles for titles in shown(10, 20))  # checked in: kept
    assert all("待批的会" in titles for titles in shown(11, 20))  # a pending request is never released
    db.session.expire_all()
    assert no_show.status is checked_in.status is BookingStatus.APPROVED and pending.status is BookingStatus.PENDING
    assert not db.session.scalar(db.select(db.func.count()).select_from(AuditLog))  # nothing written on GET


def test_a_no_shows_slot_is_free_for_the_next_request(client, auth, staff, create_room, create_booking):
    room = create_room()
    now = timeutil.now().replace(second=0, microsecond=0)
    start = now.replace(minute=0) + timedelta(minutes=30 if now.minute < 30 else 60)  # the next half hour
    end = start + timedelta(minutes=30)
    if start.date() != now.date() or not (time(8) <= start.time() and end.time() <= time(21)):
        pytest.skip("the next half hour is outside the rooms' opening hours")
    no_show = create_booking(room, now - timedelta(minutes=20), end + timedelta(minutes=30), title="没人来的会")
    auth.login_as(staff)
    response = client.post("/rooms/new", data=form_data(room, start.date(), start=f"{start:%H:%M}", end=f"{end:%H:%M}"))
    assert response.status_code == 303, html(response)
    db.session.expire_all()
    assert no_show.status is BookingStatus.RELEASED


def test_release_no_shows_command(runner, create_room, create_booking):
    room = create_room()
    now = timeutil.now()
    no_show = create_booking(room, now - timedelta(minutes=16), now + timedelta(minutes=44))
    result = runner.invoke(args=["release-no-shows"])
    assert result.exit_code == 0 and "released 1 booking(s)" in result.output
    assert runner.invoke(args=["release-no-shows"]).output.strip() == "released 0 booking(s)"
    db.session.expire_all()
    assert no_show.status is BookingStatus.RELEASED


def test_qr_code_is_an_svg_linking_to_the_sign(client, auth, logistics, create_room):
    room = create_room(name="第七会议室")
    response = client.get(f"/rooms/{room.id}/qr.svg")
    assert response.mimetype == "image/svg+xml" and response.data.lstrip().startswith((b"<?xml", b"<svg"))
    auth.login_as(logistics)
    page = html(client.get(f"/rooms/{room.id}/qr"))
    assert f"/rooms/{room.id}/qr.svg" in page and f"http://localhost:5000/rooms/{room.id}/sign" in page


# ---------------------------------------------------------------- iCalendar


def test_booking_ics_and_room_feed(client, auth, staff, create_room, create_booking, workday):
    room = create_room(name="第八会议室")
    public = create_booking(room, at(workday, "09:00"), at(workday, "10:30"), title="公开会议, 第一场", requester_id=staff.id)
    create_booking(room, at(workday, "14:00"), title="内部会议", is_public=False, status=BookingStatus.PENDING)
    create_booking(room, at(workday, "16:00"), title="取消了", status=BookingStatus.CANCELLED)

    feed = client.get(f"/rooms/{room.id}/calendar.ics")
    assert feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai" in text
    assert f"DTSTART;TZID=Asia/Shanghai:{workday:%Y%m%d}T090000" in text and "SUMMARY:公开会议\\, 第一场" in text
    assert "内部会议" not in text and "SUMMARY:已预订" in text and "STATUS:TENTATIVE" in text
    assert "取消了" not in text
    assert text.count("BEGIN:VEVENT") == 2

    assert client.get(f"/rooms/bookings/{public.id}.ics").status_code == 303  # login first
    auth.login_as(staff)
    one = client.get(f"/rooms/bookings/{public.id}.ics").get_data(as_text=True)
    assert one.count("BEGIN:VEVENT") == 1 and f"UID:booking-{public.id}@portal.invalid" in one and "STATUS:CONFIRMED" in one


# ---------------------------------------------------------------- demo


def test_demo_fills_every_page(client, demo, auth):
    from portal.blueprints.rooms.demo import seed_demo

    count = db.session.scalar(db.select(db.func.count()).select_from(Booking))
    assert count >= 15
    seed_demo()
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == count  # idempotent
    assert "全县教育系统安全工作会议" in html(client.get("/rooms/day"))
    auth.login_as(demo["logistics_admin"])
    assert "市领导调研座谈" in html(client.get("/rooms/approvals"))
    assert "全县干部大会" in html(client.get(f"/rooms/services?date={(timeutil.today() + timedelta(days=2)).isoformat()}"))
    auth.login_as(demo["employee"])
    home = html(client.get("/"))
    assert "就业困难人员帮扶专题会" in home or "医保基金监管培训" in home


# ---------------------------------------------------------------- query counts


def count_queries(client, url: str) -> int:
    """Statements sent while ``url`` is drawn (BEGIN and ROLLBACK among them, as before)."""
    with sql_statements() as sent:
        assert client.get(url).status_code == 200
    return len(sent)


@pytest.mark.parametrize("as_staff", [False, True])
def test_the_day_grid_and_sign_do_not_query_per_booking(client, auth, demo, create_booking, workday, as_staff):
    from portal.blueprints.rooms.services import meeting_rooms

    if as_staff:
        auth.login_as(demo["employee"])
    url = f"/rooms/day?date={workday.isoformat()}"
    client.get(url)  # warm up (login, calendar)
    rooms = meeting_rooms()
    create_booking(rooms[0], at(workday, "12:00"), at(workday, "12:30"), title="午间会")  # the cached grid is redrawn
    before = count_queries(client, url)
    for i, room in enumerate(rooms):
        create_booking(room, at(workday, "08:00"), at(workday, "08:30"), title=f"加会{i}", is_public=i % 2 == 0)
        create_booking(room, at(workday, "20:30"), at(workday, "21:00"), title=f"晚会{i}")
    after = count_queries(client, url)
    # (SQLite's BEGIN,) the data versions, (the account,) the day's bookings, closures and calendar (the meeting
    # rooms are kept as facts), (the header's count)
    assert after == before and after <= (7 if as_staff else 5), (before, after)
    assert count_queries(client, url) <= after - 3  # drawn once, then served from the cache
    sign = f"/rooms/{rooms[0].id}/sign"
    assert count_queries(client, sign) <= 12


def test_the_week_view_does_not_query_per_booking(client, auth, demo, create_booking, workday):
    from portal.blueprints.rooms.services import meeting_rooms

    auth.login_as(demo["employee"])
    room = meeting_rooms()[0]
    url = f"/rooms/{room.id}/week?date={workday.isoformat()}"
    client.get(url)  # warm up (login, calendar)
    create_booking(room, at(workday, "12:00"), at(workday, "12:30"), title="午间会")  # the cached week is redrawn
    before = count_queries(client, url)
    monday = workday - timedelta(days=workday.weekday())
    for i in range(5):
        create_booking(room, at(monday + timedelta(days=i), "08:00"), at(monday + timedelta(days=i), "08:30"), title=f"早会{i}")
    after = count_queries(client, url)
    assert after == before and after <= 7, (before, after)  # as the day grid's; the room is a kept fact
    assert count_queries(client, url) <= after - 3  # drawn once, then served from the cache


def test_a_signed_in_users_grids_are_kept_for_their_session_until_a_booking_changes(
        client, auth, demo, create_booking, workday, areas_on_record):
    from portal.blueprints.rooms.services import meeting_rooms

    areas_on_record()
    auth.login_as(demo["employee"])
    room = meeting_rooms()[0]
    for url in (f"/rooms/day?date={workday.isoformat()}", f"/rooms/{room.id}/week?date={workday.isoformat()}"):
        client.get(url)  # the session's CSRF token
        first = client.get(url).get_data()
        assert count_queries(client, url) <= 3  # (SQLite's BEGIN,) the account and the data versions
        assert client.get(url).get_data() == first
    create_booking(room, at(workday, "12:00"), at(workday, "12:30"), title="午间会")
    assert "午间会" in client.get(f"/rooms/day?date={workday.isoformat()}").get_data(as_text=True)
    assert "午间会" in client.get(f"/rooms/{room.id}/week?date={workday.isoformat()}").get_data(as_text=True)


# ---------------------------------------------------------------- the grids' facts (cold drawings)


def _reads(counter, table: str) -> list[str]:
    return [s for s in counter.statements if f"FROM {table} " in s or s.rstrip().endswith(f"FROM {table}")]


def test_another_date_is_drawn_from_the_kept_rooms(client, auth, demo, create_booking, workday, count_queries,
                                                    areas_on_record):
    from portal import cache
    from portal.blueprints.rooms.services import meeting_rooms

    areas_on_record("building", "rooms", "calendar")
    auth.login_as(demo["employee"])
    room = meeting_rooms()[0]
    create_booking(room, at(workday, "09:00"), at(workday, "10:00"), title="明日例会")
    client.get(f"/rooms/day?date={workday.isoformat()}")  # keeps the meeting rooms as facts
    for url in (f"/rooms/day?date={(workday + timedelta(days=1)).isoformat()}",
                f"/rooms/{room.id}/week?date={(workday + timedelta(days=14)).isoformat()}",
                f"/rooms/day?date={workday.isoformat()}"):
        cache.forget_drawings()  # what a request for another date finds: no drawing, the facts
        with count_queries() as cold:
            page = client.get(url)
        assert page.status_code == 200
        assert not _reads(cold, "room") and not _reads(cold, "floor"), cold.statements
        # The data versions, the account, the day's bookings, closures and calendar, the header's count.
        assert cold.count == 6, cold.statements
    assert "明日例会" in html(page)


def test_a_renamed_room_and_a_new_booking_show_at_once_on_the_day_grid_and_the_week(
        client, auth, demo, create_booking, workday, areas_on_record):
    from portal.blueprints.rooms.services import meeting_rooms

    areas_on_record("building", "rooms", "calendar")
    auth.login_as(demo["employee"])
    room = meeting_rooms()[0]
    day, week = f"/rooms/day?date={workday.isoformat()}", f"/rooms/{room.id}/week?date={workday.isoformat()}"
    assert "改名会议室" not in html(client.get(day)) + html(client.get(week))
    room.name = "改名会议室"
    db.session.commit()
    assert "改名会议室" in html(client.get(day)) and "改名会议室" in html(client.get(week))
    create_booking(room, at(workday, "15:00"), at(workday, "16:00"), title="新增协调会")
    assert "新增协调会" in html(client.get(day)) and "新增协调会" in html(client.get(week))
    assert client.get("/rooms/2147483647/week").status_code == 404


def test_grid_cells_escape_titles_and_say_what_a_cell_holds(app):
    from markupsafe import Markup

    from portal.blueprints.rooms.grid import Cell, CellWords, cells_markup
    from portal.blueprints.rooms.services import GridBooking, GridClosure

    start = at(timeutil.today(), "08:00")

    def booking(id_, status, title, public):
        return GridBooking(id_, 3, start, start + timedelta(hours=1), status, title, public, None, None, None,
                           "08:00–09:00")

    cells = [
        Cell(start, bookable=True, slot=0), Cell(start, past=True, slot=1), Cell(start, slot=2),
        Cell(start, 2, booking=booking(5, BookingStatus.PENDING, "<b>密</b>", False)),
        Cell(start, 2, booking=booking(6, BookingStatus.APPROVED, "公开<会>", True), past=True),
        Cell(start, 1, booking=booking(7, BookingStatus.APPROVED, "内部", False)),
        Cell(start, 4, closure=GridClosure(None, start, start, "装修<中>")),
    ]
    words = CellWords(frozenset({5}), Markup("已预订"), Markup("关闭"), Markup("待审批"), ("/rooms/bookings/", ""))
    assert str(cells_markup(cells, words, book_room=3)) == (
        '<td><button name=3a>+</button><td class="g-past"></td>\n<td></td>\n'
        '<td colspan="2" class="g-b g-pending"><a href="/rooms/bookings/5">&lt;b&gt;密&lt;/b&gt;</a>'
        "<small>08:00–09:00 · 待审批</small></td>\n"
        '<td colspan="2" class="g-b g-approved g-past">公开&lt;会&gt;<small>08:00–09:00</small></td>\n'
        '<td colspan="1" class="g-b g-approved">已预订<small>08:00–09:00</small></td>\n'
        '<td colspan="4" class="g-closed">关闭: 装修&lt;中&gt;</td>\n'
    )
    week = str(cells_markup(cells[:1], words, book_url="/rooms/new?room=3&date=2026-12-07"))
    assert week == '<td><a href="/rooms/new?room=3&amp;date=2026-12-07&amp;start=08:00" title="08:00">+</a></td>\n'
