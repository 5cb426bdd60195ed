"""Meeting services as tasks (issue 18): each item of a meeting's arrangements
has a state for the property company, an assignee and a "changed after
printing" mark; assignees hear of their tasks and of changes to them."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.notifications.models import Notification
from portal.blueprints.rooms import services, tasks
from portal.blueprints.rooms.models import ArrangementItem, ArrangementTask, BookingStatus, TaskState
from portal.db import db
from portal.models import AuditLog, Role
from portal.rules import RuleViolation
from tests.rooms.conftest import at
from tests.rooms.test_changes import change_of


@pytest.fixture
def people(make_user, create_unit):
    unit = create_unit(name="县人社局", short_name="人社局")
    return {
        "staff": make_user(roles=[Role.EMPLOYEE], username="zhang", display_name="张科员", unit=unit),
        "wuye": make_user(roles=[Role.PROPERTY], username="wuye", display_name="物业王"),
        "wuye2": make_user(roles=[Role.PROPERTY], username="wuye2", display_name="物业李"),
    }


@pytest.fixture
def meeting(people, create_room, create_booking, workday):
    return create_booking(create_room(), at(workday, "09:00"), at(workday, "10:30"), requester_id=people["staff"].id,
                          tea_count=30, needs_projector=True, banner_text="业务培训班", created_at=timeutil.now())


def day_of(booking):
    return booking.start_at.astimezone(timeutil.LOCAL_TZ).date()


def lines_of(booking, **kwargs):
    [entry] = [m for m in tasks.task_list(day_of(booking), **kwargs).meetings if m.booking.id == booking.id]
    return entry, {line.item: line for line in entry.lines}


def test_every_item_of_the_arrangements_is_a_task_to_prepare_until_someone_moves_it_on(people, meeting):
    entry, lines = lines_of(meeting)
    assert set(lines) == {ArrangementItem.TEA, ArrangementItem.PROJECTOR, ArrangementItem.BANNER}
    assert lines[ArrangementItem.TEA].detail == "30" and lines[ArrangementItem.BANNER].detail == "业务培训班"
    assert all(line.state is TaskState.TO_PREPARE and line.assignee is None for line in lines.values())
    assert not entry.changed_after_print

    now = timeutil.now()
    tasks.update_task(meeting, ArrangementItem.TEA, tasks.TaskUpdate(TaskState.READY, people["wuye2"].id),
                      actor=people["wuye"], now=now)
    db.session.commit()
    _entry, lines = lines_of(meeting)
    assert lines[ArrangementItem.TEA].state is TaskState.READY and lines[ArrangementItem.TEA].assignee == people["wuye2"]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "arrangement_task.update")) is not None
    [told] = db.session.scalars(select(Notification).where(Notification.kind == "rooms.task_assigned")).all()
    assert told.recipient_id == people["wuye2"].id
    # Only mine: the assignee's view.
    mine = tasks.task_list(day_of(meeting), assignee=people["wuye2"])
    assert [line.item for m in mine.meetings for line in m.lines] == [ArrangementItem.TEA]
    # Taking a task oneself tells nobody.
    tasks.update_task(meeting, ArrangementItem.BANNER, tasks.TaskUpdate(TaskState.DONE, people["wuye"].id),
                      actor=people["wuye"], now=now)
    db.session.commit()
    assert len(db.session.scalars(select(Notification).where(Notification.kind == "rooms.task_assigned")).all()) == 1
    assert tasks.task_list(day_of(meeting)).counts[TaskState.DONE] == 1


def test_tasks_are_refused_for_items_not_asked_for_outsiders_and_cancelled_meetings(people, meeting):
    now = timeutil.now()
    with pytest.raises(RuleViolation):
        tasks.update_task(meeting, ArrangementItem.AUDIO, tasks.TaskUpdate(TaskState.READY, None), actor=people["wuye"], now=now)
    with pytest.raises(RuleViolation) as refused:
        tasks.update_task(meeting, ArrangementItem.TEA, tasks.TaskUpdate(TaskState.READY, None), actor=people["staff"], now=now)
    assert refused.value.status == 403
    with pytest.raises(RuleViolation):  # only the property company's staff can be assigned
        tasks.update_task(meeting, ArrangementItem.TEA, tasks.TaskUpdate(TaskState.READY, people["staff"].id),
                          actor=people["wuye"], now=now)
    meeting.status = BookingStatus.CANCELLED
    with pytest.raises(RuleViolation):
        tasks.update_task(meeting, ArrangementItem.TEA, tasks.TaskUpdate(TaskState.READY, None), actor=people["wuye"], now=now)
    assert db.session.scalars(select(ArrangementTask)).all() == []


def test_a_change_after_printing_marks_the_meeting_and_sends_changed_items_back_to_prepare(people, meeting):
    now = timeutil.now()
    for item in (ArrangementItem.TEA, ArrangementItem.PROJECTOR, ArrangementItem.BANNER):
        tasks.update_task(meeting, item, tasks.TaskUpdate(TaskState.READY, people["wuye2"].id), actor=people["wuye"], now=now)
    tasks.mark_printed(day_of(meeting), actor=people["wuye"], now=now)
    db.session.commit()
    assert not lines_of(meeting)[0].changed_after_print

    later = now + timedelta(minutes=5)
    outcome = services.change_booking(meeting, change_of(meeting, tea_count=40, banner_text=""),
                                      actor=people["staff"], now=later)
    assert outcome.ok
    db.session.commit()
    entry, lines = lines_of(meeting)
    assert entry.changed_after_print
    assert lines[ArrangementItem.TEA].state is TaskState.TO_PREPARE and lines[ArrangementItem.TEA].detail == "40"
    assert lines[ArrangementItem.PROJECTOR].state is TaskState.READY  # unchanged item keeps its state
    assert ArrangementItem.BANNER not in lines
    assert db.session.scalar(select(ArrangementTask).where(ArrangementTask.item == ArrangementItem.BANNER)) is None
    [told] = db.session.scalars(select(Notification).where(Notification.kind == "rooms.task_changed")).all()
    assert told.recipient_id == people["wuye2"].id

    # Printing again clears the mark.
    tasks.mark_printed(day_of(meeting), actor=people["wuye"], now=later + timedelta(minutes=1))
    db.session.commit()
    assert not lines_of(meeting)[0].changed_after_print


def test_moving_the_meeting_sends_every_item_back_and_a_new_booking_after_printing_is_marked(
        people, meeting, create_booking):
    now = timeutil.now()
    tasks.update_task(meeting, ArrangementItem.PROJECTOR, tasks.TaskUpdate(TaskState.DONE, None), actor=people["wuye"], now=now)
    tasks.mark_printed(day_of(meeting), actor=people["wuye"], now=now)
    db.session.commit()
    outcome = services.change_booking(meeting, change_of(meeting, start=time(14), end=time(15)), actor=people["staff"],
                                      now=now + timedelta(minutes=1))
    assert outcome.ok
    db.session.commit()
    entry, lines = lines_of(meeting)
    assert entry.changed_after_print and lines[ArrangementItem.PROJECTOR].state is TaskState.TO_PREPARE
    late = create_booking(meeting.room, at(day_of(meeting), "16:00"), tea_count=5, created_at=now + timedelta(minutes=2))
    assert lines_of(late)[0].changed_after_print


def test_the_task_list_page_and_its_forms_for_the_property_company(client, auth, demo):
    from portal.blueprints.rooms.models import Booking

    auth.login_as(demo["property"])
    page = client.get("/rooms/services/tasks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "就业困难人员帮扶专题会" in html and "茶水" in html
    booking = db.session.scalar(select(Booking).where(Booking.title == "就业困难人员帮扶专题会"))
    prefix = f"t{booking.id}-tea-"
    assert f'name="{prefix}state"' in html
    response = client.post(f"/rooms/services/tasks/{booking.id}/tea",
                           data={f"{prefix}state": "ready", f"{prefix}assignee_id": str(demo["property"].id)})
    assert response.status_code == 303
    tea = db.session.scalar(select(ArrangementTask).where(ArrangementTask.booking_id == booking.id))
    assert tea.state is TaskState.READY and tea.assignee_id == demo["property"].id
    mine = client.get("/rooms/services/tasks?mine=1").get_data(as_text=True)
    assert "就业困难人员帮扶专题会" in mine and "已备好" in mine
    # An item the meeting did not ask for, a state that is none: no 500, nothing saved.
    assert client.post(f"/rooms/services/tasks/{booking.id}/audio",
                       data={f"t{booking.id}-audio-state": "ready"}).status_code == 303
    assert client.post(f"/rooms/services/tasks/{booking.id}/nothing", data={}).status_code == 404
    assert client.post(f"/rooms/services/tasks/{booking.id}/tea", data={f"{prefix}state": "burnt"}).status_code == 303
    assert db.session.scalars(select(ArrangementTask)).all() == [tea] and tea.state is TaskState.READY
    printed = client.post("/rooms/services/printed", data={"day": timeutil.today().isoformat()})
    assert printed.status_code == 303
    assert "打印于" in client.get("/rooms/services/tasks").get_data(as_text=True)
    auth.login_as(demo["employee"])
    assert client.get("/rooms/services/tasks").status_code == 403
