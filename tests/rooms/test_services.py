"""Booking services against the database, without HTTP: conflicts, approval
rules, all-or-nothing series, closures, cancellation, check-in, no-shows."""

from datetime import date, time, timedelta

import pytest

from portal import timeutil
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import (
    Booking,
    BookingStatus,
    Recurrence,
    RoomPolicy,
)
from portal.blueprints.rooms.services import BookingDraft, book_room
from portal.blueprints.workdays.days import set_override
from portal.db import db
from portal.models import AuditLog, Role, RoomKind
from portal.rules import RuleViolation
from tests.rooms.conftest import at, non_workday_after


@pytest.fixture
def app(app):
    with app.test_request_context(headers={"Cookie": "portal_lang=en"}):
        yield app


@pytest.fixture
def requester(make_user):
    return make_user(roles=[Role.EMPLOYEE], username="requester")


def request_for(room, day, start="09:00", end="10:00", **overrides) -> BookingDraft:
    values = dict(room=room, day=day, start=time.fromisoformat(start), end=time.fromisoformat(end), title="局务会", attendees=10)
    values.update(overrides)
    return BookingDraft(**values)


def book(req, user, **kwargs):
    outcome = book_room(req, actor=user, now=kwargs.pop("now", timeutil.now()), **kwargs)
    if outcome.ok:
        db.session.commit()
    return outcome


def test_conflicts_are_holding_bookings_that_overlap(create_room, create_booking, workday):
    room, other = create_room(), create_room()
    approved = create_booking(room, at(workday, "09:00"), at(workday, "10:00"))
    pending = create_booking(room, at(workday, "10:30"), at(workday, "11:00"), status=BookingStatus.PENDING)
    create_booking(room, at(workday, "11:00"), at(workday, "12:00"), status=BookingStatus.CANCELLED)
    create_booking(room, at(workday, "12:00"), at(workday, "13:00"), status=BookingStatus.REJECTED)
    create_booking(other, at(workday, "09:00"), at(workday, "13:00"))

    assert services.find_conflicts(room.id, at(workday, "09:30"), at(workday, "10:45")) == [approved, pending]
    assert services.find_conflicts(room.id, at(workday, "10:00"), at(workday, "10:30")) == []  # touching is fine
    assert services.find_conflicts(room.id, at(workday, "11:00"), at(workday, "13:00")) == []
    assert services.find_conflicts(room.id, at(workday, "08:00"), at(workday, "21:00"), exclude_id=approved.id) == [pending]


def test_an_ordinary_room_on_a_workday_is_approved_at_once_and_audited(create_room, requester, workday):
    room = create_room()
    outcome = book(request_for(room, workday, tea_count=10, banner_text="欢迎"), requester)
    assert outcome.ok and outcome.problems == [] and outcome.blocked == []
    booking = outcome.bookings[0]
    assert booking.status is BookingStatus.APPROVED and booking.approval_codes == [] and booking.approval_reason == ""
    assert booking.start_at == at(workday, "09:00") and booking.has_arrangements
    entry = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "booking.request"))
    assert entry.object_id == str(booking.id) and entry.actor_id == requester.id


def test_vip_room_room_policy_and_non_workdays_need_approval(create_room, requester, workday):
    vip = create_room(kind=RoomKind.VIP_RECEPTION, name="贵宾接待室", capacity=12)
    strict = create_room()
    db.session.add(RoomPolicy(room_id=strict.id, requires_approval=True, no_show_grace_minutes=15))
    plain = create_room()
    db.session.commit()
    weekend = non_workday_after(3)

    vip_booking = book(request_for(vip, workday), requester).bookings[0]
    assert vip_booking.status is BookingStatus.PENDING and "VIP" in vip_booking.approval_reason
    assert book(request_for(strict, workday), requester).bookings[0].status is BookingStatus.PENDING
    weekend_booking = book(request_for(plain, weekend), requester).bookings[0]
    assert weekend_booking.status is BookingStatus.PENDING and "non-workdays" in weekend_booking.approval_reason


def test_a_day_the_calendar_does_not_know_needs_approval(create_room, requester):
    room = create_room()
    now = timeutil.local(date(2031, 3, 1), time(9))
    unknown = date(2031, 3, 4)  # beyond the calendar package; no local entry
    booking = book(request_for(room, unknown), requester, now=now).bookings[0]
    assert booking.status is BookingStatus.PENDING and "does not know" in booking.approval_reason
    set_override(date(2031, 3, 5), True)
    db.session.commit()
    assert book(request_for(room, date(2031, 3, 5)), requester, now=now).bookings[0].status is BookingStatus.APPROVED


def test_a_conflict_names_the_booking_and_suggests_free_rooms_that_fit(create_room, create_booking, requester, workday):
    room = create_room(capacity=20)
    big_free = create_room(capacity=30)
    create_room(capacity=8)  # too small
    busy = create_room(capacity=40)
    create_booking(busy, at(workday, "09:30"), at(workday, "11:00"))
    taken = create_booking(room, at(workday, "09:30"), at(workday, "10:30"), title="已有会议")

    outcome = book(request_for(room, workday, attendees=15), requester)
    assert not outcome.ok
    assert [o.conflicts for o in outcome.blocked] == [[taken]]
    assert outcome.suggestions == [big_free]
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 2


def test_capacity_and_time_problems_save_nothing(create_room, requester, workday):
    room = create_room(capacity=10)
    outcome = book(request_for(room, workday, attendees=11), requester)
    assert [str(p) for p in outcome.problems] == [f"{room.name} seats 10; 11 attendees do not fit."]
    outcome = book(request_for(room, workday, start="07:00", end="08:30"), requester)
    assert not outcome.ok and [str(p) for p in outcome.blocked[0].problems] == ["Meeting rooms can be booked between 08:00 and 21:00."]
    far = timeutil.today() + timedelta(days=61)
    assert not book(request_for(room, far), requester, advance_days=60).ok
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 0


def test_closures_block_one_room_or_all(create_room, requester, make_user, workday):
    room, other = create_room(), create_room()
    admin = make_user(roles=[Role.LOGISTICS_ADMIN])
    now = timeutil.now()
    services.close_rooms(room, at(workday, "08:00"), at(workday, "12:00"), "装修", actor=admin, now=now)
    db.session.commit()
    outcome = book(request_for(room, workday), requester)
    assert not outcome.ok and outcome.blocked[0].closures[0].reason == "装修"
    assert outcome.suggestions == [other]
    assert book(request_for(other, workday), requester).ok

    services.close_rooms(None, at(workday, "14:00"), at(workday, "18:00"), "县级重大活动", actor=admin, now=now)
    db.session.commit()
    assert not book(request_for(other, workday, start="15:00", end="16:00"), requester).ok
    assert services.free_rooms(at(workday, "15:00"), at(workday, "16:00")) == []


def test_closing_a_room_cancels_the_bookings_in_the_period(create_room, create_booking, make_user, workday):
    room = create_room()
    admin = make_user(roles=[Role.LOGISTICS_ADMIN])
    inside = create_booking(room, at(workday, "09:00"))
    outside = create_booking(room, at(workday, "15:00"))
    _closure, affected = services.close_rooms(room, at(workday, "08:00"), at(workday, "12:00"), "停电检修", actor=admin, now=timeutil.now())
    db.session.commit()
    assert affected == [inside]
    assert inside.status is BookingStatus.CANCELLED and "停电检修" in inside.decision_text
    assert outside.status is BookingStatus.APPROVED
    with pytest.raises(RuleViolation):
        services.close_rooms(room, at(workday, "12:00"), at(workday, "11:00"), "x", actor=admin, now=timeutil.now())


def test_a_series_is_checked_whole_and_saved_all_or_nothing(create_room, create_booking, requester, workday):
    room = create_room()
    third = workday + timedelta(weeks=2)
    blocker = create_booking(room, at(third, "09:30"), at(third, "10:30"))
    req = request_for(room, workday, recurrence=Recurrence.WEEKLY, count=4)
    outcome = book(req, requester)
    assert not outcome.ok
    assert [(o.day, o.conflicts) for o in outcome.blocked] == [(third, [blocker])]
    assert len(outcome.occurrences) == 4
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 1

    blocker.status = BookingStatus.CANCELLED
    db.session.commit()
    outcome = book(req, requester)
    assert outcome.ok and [b.start_at.date() for b in outcome.bookings] == [workday + timedelta(weeks=i) for i in range(4)]
    assert len({b.series_id for b in outcome.bookings}) == 1


def test_a_series_that_runs_past_the_advance_window_is_refused(create_room, requester, workday):
    room = create_room()
    outcome = book(request_for(room, workday, recurrence=Recurrence.WEEKLY, count=12), requester, advance_days=30)
    assert not outcome.ok
    assert all("days ahead" in str(o.problems[0]) for o in outcome.blocked)
    assert len(outcome.blocked) >= 12 - 5


def test_cancel_one_occurrence_or_the_rest_of_the_series(create_room, requester, make_user, workday):
    room = create_room()
    bookings = book(request_for(room, workday, recurrence=Recurrence.WEEKLY, count=5), requester).bookings
    now = timeutil.now()
    assert services.cancel(bookings[1], actor=requester, now=now) == [bookings[1]]
    cancelled = services.cancel(bookings[3], actor=requester, now=now, rest_of_series=True)
    db.session.commit()
    assert cancelled == [bookings[3], bookings[4]]
    assert [b.status.value for b in bookings] == ["approved", "cancelled", "approved", "cancelled", "cancelled"]
    with pytest.raises(RuleViolation):
        services.cancel(bookings[1], actor=requester, now=now)
    other = make_user(roles=[Role.EMPLOYEE])
    admin = make_user(roles=[Role.LOGISTICS_ADMIN])
    assert not services.may_cancel(other, bookings[0])
    assert services.may_cancel(requester, bookings[0]) and services.may_cancel(admin, bookings[0])


def test_approve_and_reject_only_pending_requests(create_room, create_booking, make_user, workday):
    room = create_room()
    admin = make_user(roles=[Role.LOGISTICS_ADMIN])
    first = create_booking(room, at(workday, "09:00"), status=BookingStatus.PENDING)
    second = create_booking(room, at(workday, "11:00"), status=BookingStatus.PENDING)
    now = timeutil.now()
    services.approve(first, actor=admin, now=now)
    assert first.status is BookingStatus.APPROVED and first.decided_by_id == admin.id
    with pytest.raises(RuleViolation):
        services.approve(first, actor=admin, now=now)
    with pytest.raises(RuleViolation, match="reason"):
        services.reject(second, "   ", actor=admin, now=now)
    services.reject(second, "与县级会议冲突", actor=admin, now=now)
    db.session.commit()
    assert second.status is BookingStatus.REJECTED and second.decision_reason == "与县级会议冲突"
    assert {e.action for e in db.session.scalars(db.select(AuditLog))} == {"booking.approve", "booking.reject"}


def test_check_in_window(create_room, create_booking, workday):
    room = create_room()
    booking = create_booking(room, at(workday, "09:00"), at(workday, "10:00"))
    assert not services.can_check_in(booking, now=at(workday, "08:44"))
    assert services.can_check_in(booking, now=at(workday, "08:45"))
    assert services.can_check_in(booking, now=at(workday, "09:59"))
    assert not services.can_check_in(booking, now=at(workday, "10:00"))
    with pytest.raises(RuleViolation):
        services.check_in(booking, actor=None, now=at(workday, "08:00"))
    services.check_in(booking, actor=None, now=at(workday, "09:05"))
    assert booking.checked_in_at == at(workday, "09:05")
    booking.status = BookingStatus.PENDING
    booking.checked_in_at = None
    assert not services.can_check_in(booking, now=at(workday, "09:05"))


def test_no_shows_are_released_after_the_grace_time(create_room, create_booking, workday):
    room, lenient, no_release = create_room(), create_room(), create_room()
    db.session.add_all([
        RoomPolicy(room_id=lenient.id, requires_approval=False, no_show_grace_minutes=30),
        RoomPolicy(room_id=no_release.id, requires_approval=False, no_show_grace_minutes=None),
    ])
    plain = create_booking(room, at(workday, "09:00"), at(workday, "11:00"))
    checked = create_booking(room, at(workday, "11:00"), at(workday, "12:00"))
    late = create_booking(lenient, at(workday, "09:00"), at(workday, "11:00"))
    kept = create_booking(no_release, at(workday, "09:00"), at(workday, "11:00"))
    pending = create_booking(room, at(workday, "14:00"), status=BookingStatus.PENDING)

    assert services.release_no_shows(at(workday, "09:14")) == []
    assert not services.no_shows_due(at(workday, "09:14"))
    assert services.no_shows_due(at(workday, "09:15"))
    assert services.release_no_shows(at(workday, "09:15")) == [plain]
    db.session.commit()
    assert services.release_no_shows(at(workday, "09:20")) == []  # idempotent
    services.check_in(checked, actor=None, now=at(workday, "11:05"))
    db.session.commit()
    assert services.release_no_shows(at(workday, "11:30")) == []
    assert services.release_no_shows(at(workday, "09:31")) == [late]
    db.session.commit()
    assert services.release_no_shows(at(workday, "14:30")) == []
    db.session.commit()
    assert plain.status is late.status is BookingStatus.RELEASED
    assert kept.status is checked.status is BookingStatus.APPROVED and pending.status is BookingStatus.PENDING
    # The released slot is free again.
    assert services.find_conflicts(room.id, at(workday, "10:00"), at(workday, "11:00")) == []


def test_the_default_grace_time_is_configurable(create_room, create_booking, workday):
    room = create_room()
    booking = create_booking(room, at(workday, "09:00"), at(workday, "11:00"))
    assert services.release_no_shows(at(workday, "09:20"), default_grace=30) == []
    assert services.release_no_shows(at(workday, "09:20"), default_grace=None) == []
    assert services.release_no_shows(at(workday, "09:30"), default_grace=30) == [booking]


def test_the_grids_data_reads_the_same_due_no_shows_as_the_release(create_room, create_booking, workday):
    room, lenient, no_release = create_room(), create_room(), create_room()
    db.session.add_all([
        RoomPolicy(room_id=lenient.id, requires_approval=False, no_show_grace_minutes=30),
        RoomPolicy(room_id=no_release.id, requires_approval=False, no_show_grace_minutes=None),
    ])
    plain = create_booking(room, at(workday, "09:00"), at(workday, "11:00"))
    late = create_booking(lenient, at(workday, "09:00"), at(workday, "11:00"))
    create_booking(no_release, at(workday, "09:00"), at(workday, "11:00"))
    create_booking(room, at(workday, "11:00"), at(workday, "12:00"), checked_in_at=at(workday, "10:55"))
    create_booking(lenient, at(workday, "11:00"), at(workday, "12:00"), status=BookingStatus.PENDING)
    data = services.day_grid_data(workday)
    week = services.week_grid_data(room.id, services.week_monday(workday))
    for moment, due in [("08:59", set()), ("09:14", set()), ("09:15", {plain.id}), ("09:30", {plain.id, late.id}),
                        ("11:00", set()), ("11:45", set())]:
        now = at(workday, moment)
        assert data.released(now) == services.due_no_shows(now) == due, moment
        assert week.released(now) == due & {plain.id}, moment
    assert services.day_grid_data(workday, default_grace=None).released(at(workday, "09:30")) == {late.id}
    assert [b.hours for b in data.bookings][:2] == ["09:00–11:00", "09:00–11:00"]


def test_bookings_for_day_say_which_titles_are_public(create_room, create_booking, workday):
    room = create_room()
    vip = create_room(kind=RoomKind.VIP_RECEPTION, name="贵宾接待室")
    create_booking(room, at(workday, "09:00"), title="公开会议")
    create_booking(room, at(workday, "10:00"), title="内部会议", is_public=False)
    create_booking(vip, at(workday, "09:00"), title="接待", is_public=True)
    create_booking(room, at(workday, "14:00"), title="已取消", status=BookingStatus.CANCELLED)
    create_booking(room, at(workday + timedelta(days=1), "09:00"), title="明天")
    day = services.bookings_for_day(workday)
    assert [(d.public_title, d.title_public) for d in day] == [("公开会议", True), (None, False), (None, False)]
    assert all(d.room_label.startswith("测试楼") for d in day)


def test_free_rooms_filter_by_capacity_and_equipment(create_room, create_booking, workday):
    small = create_room(capacity=10, equipment=["screen"])
    video = create_room(capacity=50, equipment=["projector", "screen", "video_conference"])
    busy = create_room(capacity=50, equipment=["projector", "video_conference"])
    create_booking(busy, at(workday, "09:00"), at(workday, "12:00"))
    start, end = at(workday, "10:00"), at(workday, "11:00")
    assert services.free_rooms(start, end) == [small, video]
    assert services.free_rooms(start, end, attendees=11) == [video]
    assert services.free_rooms(start, end, equipment=["video_conference"]) == [video]
    assert services.free_rooms(start, end, equipment=["welcome_screen"]) == []


def test_rooms_free_for_every_meeting_of_a_series(create_room, create_booking, workday):
    first, second = create_room(), create_room()
    third = create_room()
    next_week = workday + timedelta(weeks=1)
    create_booking(first, at(next_week, "09:30"), at(next_week, "10:30"))  # only the second meeting clashes
    create_booking(third, at(workday, "08:00"), at(workday, "09:00"))  # just before: no clash
    periods = [(at(day, "09:00"), at(day, "10:00")) for day in (workday, next_week)]
    assert services.free_rooms_during(periods) == [second, third]
    assert services.free_rooms_during(periods, exclude_room_id=second.id) == [third]
    assert services.free_rooms_during([]) == []


def test_the_approval_queue_leaves_out_requests_whose_meeting_is_over(create_room, create_booking):
    room = create_room()
    now = timeutil.now()
    waiting = create_booking(room, now + timedelta(hours=2), status=BookingStatus.PENDING, title="待批")
    create_booking(room, now - timedelta(hours=3), now - timedelta(hours=2), status=BookingStatus.PENDING, title="过时未批")
    create_booking(room, now + timedelta(hours=4), title="已批")
    assert db.session.scalars(services.pending_query(now)).unique().all() == [waiting]
