"""Regression tests for the meeting-room issues 12, 13 and 15 (each fails on the code before its fix)."""

from datetime import date, timedelta

import pytest
from portal.blueprints.workdays.days import set_override

from portal import timeutil
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import (
    Booking,
    BookingStatus,
    Reason,
    RoomClosure,
    RoomPolicy,
)
from portal.db import db
from portal.models import AuditLog, Role, RoomKind
from portal.signals import calendar_changed
from tests.rooms.conftest import at

HX = {"HX-Request": "true"}


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def staff(make_user, create_unit):
    return make_user(roles=[Role.EMPLOYEE], username="zhang", display_name="张科员", unit=create_unit(name="县人社局", short_name="人社局"))


@pytest.fixture
def logistics(make_user):
    return make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin", display_name="后勤陈主任")


def form_data(room, the_day, **overrides):
    data = {
        "room_id": room.id, "day": the_day.isoformat(), "start": "09:00", "end": "10:30", "title": "社保扩面推进会",
        "contact_name": "张科员", "contact_phone": "5301", "attendees": "12", "is_public": "y",
    }
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


# ---------------------------------------------------------------- 12.6 the workday calendar changed


def test_calendar_changed_re_evaluates_pending_requests_on_those_days(create_room, create_booking, logistics):
    room, vip = create_room(), create_room(kind=RoomKind.VIP_RECEPTION, name="贵宾接待室")
    unknown = date(2031, 3, 4)  # beyond the calendar package
    waiting = create_booking(room, at(unknown, "09:00"), status=BookingStatus.PENDING,
                             approval_codes=[Reason.CALENDAR_UNKNOWN.value])
    vip_waiting = create_booking(vip, at(unknown, "09:00"), status=BookingStatus.PENDING,
                                 approval_codes=[Reason.VIP_ROOM.value, Reason.CALENDAR_UNKNOWN.value])
    other_day = create_booking(room, at(unknown + timedelta(days=1), "09:00"), status=BookingStatus.PENDING,
                               approval_codes=[Reason.CALENDAR_UNKNOWN.value])
    set_override(unknown, True, "补录")
    calendar_changed.send(None, days=[unknown], actor=logistics, now=timeutil.now())
    db.session.commit()
    assert waiting.status is BookingStatus.APPROVED and waiting.approval_codes == []
    assert vip_waiting.status is BookingStatus.PENDING and vip_waiting.approval_codes == [Reason.VIP_ROOM.value]
    assert other_day.approval_codes == [Reason.CALENDAR_UNKNOWN.value]  # not among the changed days
    assert {e.action for e in db.session.scalars(db.select(AuditLog))} == {"booking.approve", "booking.reevaluate"}

    set_override(unknown, False, "改为休息")
    calendar_changed.send(None, days=[unknown], actor=logistics, now=timeutil.now())
    assert vip_waiting.approval_codes == [Reason.VIP_ROOM.value, Reason.NON_WORKDAY.value]


# ---------------------------------------------------------------- 12.5 one public-title rule


def test_one_public_title_rule_for_signs_feeds_and_the_display(client, create_room, create_booking, workday):
    room = create_room(name="第八会议室")
    create_booking(room, at(workday, "09:00"), title="待批的公开会", status=BookingStatus.PENDING)
    create_booking(room, at(workday, "11:00"), title="已批的公开会")
    feed = html(client.get(f"/rooms/{room.id}/calendar.ics"))
    assert "待批的公开会" not in feed and "已批的公开会" in feed
    shown = {d.public_title for d in services.bookings_for_day(workday)}
    assert shown == {None, "已批的公开会"}


# ---------------------------------------------------------------- 13.6 the property company finds its sheet


def test_the_property_company_has_a_home_panel_and_a_link_to_the_arrangements_sheet(client, login_as_role, create_room, create_booking):
    room = create_room(name="第一会议室")
    now = timeutil.now()
    create_booking(room, now + timedelta(hours=1), title="茶歇会议", tea_count=30, needs_audio=True, attendees=30)
    create_booking(room, now + timedelta(days=1), title="明天的会", tea_count=9)
    login_as_role("property")
    home = html(client.get("/"))
    assert "今日会务服务" in home and "第一会议室" in home and "30" in home and "/rooms/services" in home
    assert "明天的会" not in home
    assert 'href="/rooms/services"' in html(client.get("/rooms/"))
    assert client.get("/rooms/services").status_code == 200


# ---------------------------------------------------------------- 13.7 reasons in the reader's language


def test_reasons_are_stored_as_codes_and_read_in_the_readers_language(client, auth, staff, logistics, create_room, create_booking, workday):
    vip = create_room(name="贵宾接待室", kind=RoomKind.VIP_RECEPTION)
    plain = create_room(name="第九会议室")
    auth.login_as(staff)
    client.set_cookie("portal_lang", "en")
    assert client.post("/rooms/new", data=form_data(vip, workday)).status_code == 303
    booking = db.session.scalar(db.select(Booking))
    assert booking.approval_codes == [Reason.VIP_ROOM.value]
    auth.login_as(logistics)
    client.set_cookie("portal_lang", "zh_CN")
    queue = html(client.get("/rooms/approvals"))
    assert "贵宾接待室须经后勤管理中心审批" in queue and "The VIP reception room" not in queue

    victim = create_booking(plain, at(workday, "14:00"), requester_id=staff.id, title="被停用的会")
    client.set_cookie("portal_lang", "en")
    data = {"room_id": plain.id, "start_day": workday.isoformat(), "start": "08:00", "end_day": workday.isoformat(),
            "end": "21:00", "reason": "音响改造"}
    assert client.post("/rooms/closures", data=data).status_code == 303
    db.session.expire_all()
    assert victim.decision_code == Reason.ROOM_CLOSED.value and victim.decision_args == {"reason": "音响改造"}
    auth.login_as(staff)
    client.set_cookie("portal_lang", "zh_CN")
    page = html(client.get(f"/rooms/bookings/{victim.id}"))
    assert "会议室停用：音响改造" in page and "Room closed" not in page
    client.set_cookie("portal_lang", "en")
    assert "Room closed: 音响改造" in html(client.get(f"/rooms/bookings/{victim.id}"))


def test_the_migration_reads_old_reason_text_as_codes():
    from importlib import import_module

    migration = import_module("migrations.versions.6b62b640d8f7_rooms_reason_codes")
    assert migration._codes("贵宾接待室须经后勤管理中心审批。；非工作日的预订须审批。") == ["vip_room", "non_workday"]
    assert migration._codes("This room needs approval.；The workday calendar does not know this date yet.") == [
        "room_setting", "calendar_unknown"]
    assert migration._codes("该会议室须审批") == ["room_setting"]  # the demo's wording


# ---------------------------------------------------------------- 13.9 the door sign states its own room's rule


def test_the_door_sign_states_its_rooms_no_show_rule(client, create_room, create_booking):
    kept, lenient = create_room(name="不释放的会议室"), create_room(name="宽限的会议室")
    db.session.add_all([RoomPolicy(room_id=kept.id, no_show_grace_minutes=None), RoomPolicy(room_id=lenient.id, no_show_grace_minutes=30)])
    now = timeutil.now().replace(second=0, microsecond=0)
    for room in (kept, lenient):
        create_booking(room, now + timedelta(minutes=5), now + timedelta(minutes=65))
    kept_sign = html(client.get(f"/rooms/{kept.id}/sign"))
    assert "本会议室不因未签到而释放" in kept_sign and "即释放" not in kept_sign
    assert "会议开始 30 分钟内未签到即释放会议室" in html(client.get(f"/rooms/{lenient.id}/sign"))


# ---------------------------------------------------------------- 13.10 room pages


@pytest.mark.parametrize("query", ["date=9999-12-31", "date=abc", "date=2026-02-30"])
def test_impossible_dates_get_a_clear_message_not_today(client, create_room, query):
    room = create_room()
    for url in (f"/rooms/day?{query}", f"/rooms/{room.id}/week?{query}", f"/rooms/day?{query}"):
        response = client.get(url)
        assert response.status_code == 400, url
        body = html(response)
        assert query.split("=")[1] in body and ("不是日期" in body or "超出" in body or "not a date" in body), body[:500]


def test_the_grid_does_not_offer_a_slot_that_has_begun(client, auth, staff, create_room, clock):
    moment = clock(2026, 12, 2, 10, 10)  # a Wednesday
    room = create_room()
    auth.login_as(staff)
    grid = html(client.get(f"/rooms/day?date={moment.date().isoformat()}"))
    # Issue 21: the day grid's "+" is a button named <room><slot letter> (10:00 is slot 4, "e") of a GET form.
    assert f"<button name={room.id}e>+</button>" not in grid
    assert f"<button name={room.id}f>+</button>" in grid


def test_the_week_view_marks_holidays_make_up_workdays_and_weekends(client, create_room):
    room = create_room()
    week = html(client.get(f"/rooms/{room.id}/week?date=2026-10-05"))  # Mon 5 Oct: the end of the National Day holiday
    rows = {line.split("</a>")[0].rsplit(">", 1)[-1]: line for line in week.split("<tr")[1:]}
    monday = next(v for k, v in rows.items() if "10/5" in k)
    saturday = next(v for k, v in rows.items() if "10/10" in k)
    sunday = next(v for k, v in rows.items() if "10/11" in k)
    thursday = next(v for k, v in rows.items() if "10/8" in k)
    assert "国庆节" in monday and "g-day-off" in monday
    assert "调休上班" in saturday and "g-day-makeup" in saturday
    assert "周末" in sunday and "g-day-off" in sunday
    assert "badge" not in thursday


def test_a_room_too_small_suggests_free_rooms_that_fit_but_not_the_vip_room(client, auth, staff, create_room, create_booking, workday):
    small = create_room(name="小会议室", capacity=10)
    create_room(name="大会议室", capacity=40)
    busy = create_room(name="被占的大会议室", capacity=40)
    create_room(name="贵宾接待室", capacity=50, kind=RoomKind.VIP_RECEPTION)
    create_booking(busy, at(workday, "09:00"), at(workday, "12:00"))
    auth.login_as(staff)
    body = html(client.post("/rooms/new", data=form_data(small, workday, attendees="30")))
    assert "容纳 10 人" in body
    suggestions = body[body.index('class="suggestions"'):].split("</ul>")[0]
    assert "大会议室" in suggestions and "被占的大会议室" not in suggestions and "贵宾接待室" not in suggestions


def test_conflict_suggestions_leave_out_the_vip_room_for_ordinary_meetings(create_room, create_booking, staff, workday):
    room = create_room(capacity=20)
    vip = create_room(kind=RoomKind.VIP_RECEPTION, capacity=20, name="贵宾接待室")
    spare = create_room(capacity=20)
    create_booking(room, at(workday, "09:00"))
    draft = services.BookingDraft(room=room, day=workday, start=at(workday, "09:00").time(), end=at(workday, "10:00").time(),
                                  title="局务会", attendees=10, unit_id=staff.unit_id)
    outcome = services.book_room(draft, actor=staff, now=timeutil.now())
    assert outcome.suggestions == [spare]
    create_booking(vip, at(workday, "14:00"))
    vip_draft = services.BookingDraft(room=vip, day=workday, start=at(workday, "14:00").time(), end=at(workday, "15:00").time(),
                                      title="接待", attendees=10)
    assert vip_draft.room.kind is RoomKind.VIP_RECEPTION
    assert services.book_room(vip_draft, actor=staff, now=timeutil.now()).suggestions == [room, spare]


def test_no_add_to_calendar_for_a_rejected_booking(client, auth, staff, create_room, create_booking, workday):
    room = create_room()
    rejected = create_booking(room, at(workday, "09:00"), requester_id=staff.id, status=BookingStatus.REJECTED, decision_reason="不批")
    approved = create_booking(room, at(workday, "11:00"), requester_id=staff.id)
    auth.login_as(staff)
    assert ".ics" not in html(client.get(f"/rooms/bookings/{rejected.id}"))
    assert f"/rooms/bookings/{approved.id}.ics" in html(client.get(f"/rooms/bookings/{approved.id}"))


def test_the_reject_button_does_not_wrap():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "portal/static/css/portal.css").read_text()
    assert ".approvals .reject-form button" in css and "white-space: nowrap" in css.split(".approvals .reject-form button")[1].split("}")[0]


# ---------------------------------------------------------------- 13.13 absolute URLs from the base URL


@pytest.mark.parametrize("app_config", [{"BASE_URL": "https://portal.example.gov.cn"}])
def test_qr_codes_and_calendars_never_take_the_host_from_the_request(app, client, auth, staff, logistics, create_room, create_booking, workday, app_config):
    room = create_room()
    booking = create_booking(room, at(workday, "09:00"), requester_id=staff.id)
    evil = {"Host": "evil.example"}
    auth.login_as(logistics)
    session = app.config["SESSION_COOKIE_NAME"]
    client.set_cookie(session, client.get_cookie(session).value, domain="evil.example")  # the login, at the evil host
    page = html(client.get(f"/rooms/{room.id}/qr", headers=evil))
    assert f"https://portal.example.gov.cn/rooms/{room.id}/sign" in page and "evil" not in page
    one = html(client.get(f"/rooms/bookings/{booking.id}.ics", headers=evil))
    assert f"UID:booking-{booking.id}@portal.invalid" in one
    assert f"URL:https://portal.example.gov.cn/rooms/bookings/{booking.id}" in one and "evil" not in one
    feed = html(client.get(f"/rooms/{room.id}/calendar.ics", headers=evil))
    assert f"UID:booking-{booking.id}@portal.invalid" in feed and "evil" not in feed


def test_the_qr_code_encodes_the_base_url_not_the_request_host(client, create_room, monkeypatch):
    import segno

    room = create_room()
    encoded = []
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda content, **kw: encoded.append(content) or real_make(content, **kw))
    client.get(f"/rooms/{room.id}/qr.svg", headers={"Host": "evil.example"})
    assert encoded == [f"http://localhost:5000/rooms/{room.id}/sign"]


# ---------------------------------------------------------------- 13.14 confirmations


@pytest.mark.parametrize("headers", [{}, HX])
def test_cancelling_a_whole_series_asks_first(client, auth, staff, create_room, workday, headers):
    room = create_room()
    auth.login_as(staff)
    client.post("/rooms/new", data=form_data(room, workday, repeat="weekly", repeat_count="3"))
    series = db.session.scalars(db.select(Booking).order_by(Booking.start_at)).all()
    asked = client.post(f"/rooms/bookings/{series[0].id}/cancel", data={"scope": "rest"}, headers=headers)
    body = html(asked)
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in body and "取消该系列的 3 次会议" in body
    assert 'name="scope" value="rest"' in body  # the second step posts the same choice again
    db.session.expire_all()
    assert all(b.status is BookingStatus.APPROVED for b in series)
    one = client.post(f"/rooms/bookings/{series[0].id}/cancel", data={"scope": "one"}, headers=headers)
    assert one.status_code in (200, 303) and "confirmed" not in html(one)  # one meeting: no second step
    done = client.post(f"/rooms/bookings/{series[1].id}/cancel", data={"scope": "rest", "confirmed": "1"}, headers=headers)
    assert done.status_code in (200, 303)
    db.session.expire_all()
    assert [b.status for b in series] == [BookingStatus.CANCELLED] * 3


@pytest.mark.parametrize("headers", [{}, HX])
def test_reopening_a_closure_asks_first(client, auth, logistics, create_room, workday, headers):
    room = create_room(name="第九会议室")
    auth.login_as(logistics)
    client.post("/rooms/closures", data={"room_id": room.id, "start_day": workday.isoformat(), "start": "08:00",
                                         "end_day": workday.isoformat(), "end": "21:00", "reason": "音响改造"})
    closure = db.session.scalar(db.select(RoomClosure))
    asked = client.post(f"/rooms/closures/{closure.id}/delete", headers=headers)
    assert asked.status_code == 200 and "重新开放第九会议室" in html(asked) and 'name="confirmed" value="1"' in html(asked)
    assert count(RoomClosure) == 1
    assert client.post(f"/rooms/closures/{closure.id}/delete", data={"confirmed": "1"}, headers=headers).status_code in (200, 303)
    assert count(RoomClosure) == 0


# ---------------------------------------------------------------- 15.16 organizing for another unit


def test_staff_book_for_their_own_unit_only(client, auth, staff, logistics, make_user, create_unit, create_room, workday):
    room = create_room()
    other = create_unit(name="县财政局", short_name="财政局")
    auth.login_as(staff)
    form = html(client.get("/rooms/new"))
    assert "县人社局" in form and "县财政局" not in form
    refused = client.post("/rooms/new", data=form_data(room, workday, unit_id=str(other.id)))
    assert refused.status_code == 422 and count(Booking) == 0
    draft = services.BookingDraft(room=room, day=workday, start=at(workday, "09:00").time(), end=at(workday, "10:00").time(),
                                  title="冒名", attendees=5, unit_id=other.id)
    with pytest.raises(services.RuleViolation):
        services.book_room(draft, actor=staff, now=timeutil.now())
    assert client.post("/rooms/new", data=form_data(room, workday, unit_id=str(staff.unit_id))).status_code == 303

    unit_admin = make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="uadmin", unit=staff.unit)
    auth.login_as(unit_admin)
    assert client.post("/rooms/new", data=form_data(room, workday, start="14:00", end="15:00", unit_id=str(other.id))).status_code == 422

    auth.login_as(logistics)
    assert "县财政局" in html(client.get("/rooms/new"))
    assert client.post("/rooms/new", data=form_data(room, workday, start="16:00", end="17:00", unit_id=str(other.id))).status_code == 303
    assert db.session.scalar(db.select(Booking).where(Booking.unit_id == other.id)).requester_id == logistics.id


def test_every_demo_page_renders_for_each_kind_of_reader(client, demo, auth):
    rooms = services.meeting_rooms()
    bookings = db.session.scalars(db.select(Booking)).all()
    for role in ("employee", "logistics_admin", "property"):
        auth.login_as(demo[role])
        assert client.get("/").status_code == 200
        for room in rooms:
            assert client.get(f"/rooms/{room.id}/week").status_code == 200
            assert client.get(f"/rooms/{room.id}/sign").status_code == 200
        for url in ("/rooms/", "/rooms/day"):
            assert client.get(url).status_code == 200
    auth.login_as(demo["logistics_admin"])
    for booking in bookings:
        assert client.get(f"/rooms/bookings/{booking.id}").status_code == 200
    for url in ("/rooms/mine", "/rooms/approvals", "/rooms/closures", "/rooms/settings", "/rooms/services"):
        assert client.get(url).status_code == 200


def test_the_free_room_search_counts_a_due_no_show_as_free_without_writing(client, create_room, create_booking, clock):
    moment = clock(2026, 12, 2, 10, 20)  # a Wednesday
    room = create_room(name="没人来的会议室")
    no_show = create_booking(room, moment - timedelta(minutes=20), moment + timedelta(minutes=70), title="没人来的会")
    page = html(client.get("/rooms/?date=2026-12-02&start=10:30&end=11:00"))
    assert "没人来的会议室" in page.split('class="table room-table"')[1]
    db.session.expire_all()
    assert no_show.status is BookingStatus.APPROVED and count(AuditLog) == 0
