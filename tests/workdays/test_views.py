"""The workday calendar pages: listing, local entries, filling an unknown
year (with confirmation), tidying, the signal to other capabilities, and the
home-page warning for logistics when days that matter are unknown."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.blueprints.workdays import services as calendar
from portal.blueprints.workdays.days import DayInfo, DaySource, is_workday
from portal.blueprints.workdays.models import CalendarDay
from portal.db import db
from portal.models import AuditLog
from portal.signals import calendar_changed


def audit_actions(prefix: str) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like(f"{prefix}%")).order_by(AuditLog.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_calendar_lists_the_year_and_marks_local_entries(client, login_as_role, clock):
    clock(2026, 11, 25, 9, 0)
    login_as_role("logistics_admin")
    html = client.get("/workdays/?year=2026").get_data(as_text=True)
    assert "2026-10-10" in html and "调休" in html and "国庆节" in html
    assert "官方日历尚未包含" not in html
    unknown = client.get("/workdays/?year=2027").get_data(as_text=True)
    assert "官方日历尚未包含 2027 年" in unknown and "按正常周填充" in unknown
    # Deliberate change: a year that is not a number is a clear 400, not a silent "this year".
    assert client.get("/workdays/?year=abc").status_code == 400
    assert client.get("/workdays/?year=1990").status_code == 400
    assert client.get("/workdays/?day=2026-02-30").status_code == 400


def test_calendar_add_override_and_remove_are_audited(client, login_as_role, clock):
    clock(2026, 11, 25, 9, 0)
    login_as_role("logistics_admin")
    assert client.post("/workdays/", data={"day": "2026-12-04", "is_workday": "0",
                                           "note": "县城运动会停止办公"}).status_code == 303
    assert is_workday(date(2026, 12, 4)) is False
    html = client.get("/workdays/?year=2026").get_data(as_text=True)
    assert "县城运动会停止办公" in html and "覆盖官方" in html
    form = client.get("/workdays/?day=2026-12-04").get_data(as_text=True)
    assert 'value="县城运动会停止办公"' in form
    assert client.post("/workdays/", data={"day": "2026-12-04", "is_workday": "1", "note": ""}).status_code == 303
    assert is_workday(date(2026, 12, 4)) is True
    assert client.post("/workdays/", data={"day": "1990-01-01", "is_workday": "1"}).status_code == 422
    assert client.post("/workdays/", data={"day": "not a day", "is_workday": "1"}).status_code == 422
    assert client.post("/workdays/2026-12-04/delete").status_code == 303
    assert db.session.get(CalendarDay, date(2026, 12, 4)) is None
    assert client.post("/workdays/2026-99-04/delete").status_code == 404
    assert audit_actions("calendar_day") == ["calendar_day.create", "calendar_day.update", "calendar_day.delete"]


def test_filling_a_year_asks_first_and_tidying_after_the_package_learns_it(client, login_as_role, clock, monkeypatch):
    clock(2026, 11, 25, 9, 0)
    login_as_role("logistics_admin")
    client.post("/workdays/", data={"day": "2027-01-01", "is_workday": "0", "note": "元旦"})
    assert is_workday(date(2027, 1, 4)) is None
    # The first post only asks (works without JavaScript: a page with a form posting again).
    asked = client.post("/workdays/2027/fill")
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    assert count(CalendarDay) == 1
    assert client.post("/workdays/2027/fill", data={"confirmed": "1"}).status_code == 303
    assert count(CalendarDay) == 365
    assert is_workday(date(2027, 1, 4)) is True and is_workday(date(2027, 1, 1)) is False
    assert client.post("/workdays/2026/fill", data={"confirmed": "1"}, follow_redirects=True).status_code == 200
    assert count(CalendarDay) == 365  # the package knows 2026: nothing filled
    assert client.post("/workdays/1900/fill").status_code == 404

    # Later the package learns 2027: entries that only repeat it can go, notes stay.
    def official(day):
        return DayInfo(day, day.weekday() < 5 and day != date(2027, 1, 1), DaySource.OFFICIAL)

    monkeypatch.setattr(calendar, "official_day", official)
    assert client.post("/workdays/2027/tidy").status_code == 303
    assert [row.day for row in db.session.scalars(select(CalendarDay))] == [date(2027, 1, 1)]
    assert audit_actions("calendar_day") == ["calendar_day.create", "calendar_day.fill_year",
                                             "calendar_day.remove_redundant"]


def test_changes_tell_other_capabilities_which_days_changed(app, client, login_as_role, clock):
    clock(2026, 11, 25, 9, 0)
    login_as_role("logistics_admin")
    heard = []

    def listener(sender, days, actor, now):
        heard.append((sorted(days), actor.username, now))

    with calendar_changed.connected_to(listener):
        client.post("/workdays/", data={"day": "2026-12-04", "is_workday": "0", "note": "停止办公"})
        client.post("/workdays/", data={"day": "2026-12-04", "is_workday": "0", "note": "改了备注"})  # same answer
        client.post("/workdays/2026-12-04/delete")
        client.post("/workdays/2027/fill", data={"confirmed": "1"})
    assert [days[:1] for days, _, _ in heard] == [[date(2026, 12, 4)], [date(2026, 12, 4)], [date(2027, 1, 1)]]
    assert len(heard[2][0]) == 365


def test_logistics_are_warned_from_november_when_next_year_is_unknown(client, login_as_role, clock):
    """13.8: until logistics filled 2027, January bookings went to approval and
    the shuttle said "unknown", and nobody was told."""
    admin = login_as_role("logistics_admin")
    clock(2026, 10, 31, 9, 0)
    assert "工作日日历尚未包含" not in client.get("/").get_data(as_text=True)
    clock(2026, 11, 1, 9, 0)
    html = client.get("/").get_data(as_text=True)
    assert "工作日日历尚未包含 2027 年的 365 天" in html and "/workdays/?year=2027" in html
    clock(2026, 12, 2, 9, 0)
    assert calendar.fill_year(2027, actor=admin, now=clock(2026, 12, 2, 9, 0)) == 365
    db.session.commit()
    assert "工作日日历尚未包含" not in client.get("/").get_data(as_text=True)


def test_other_people_are_not_warned(client, login_as_role, clock):
    clock(2026, 12, 2, 9, 0)
    login_as_role("employee")
    assert "工作日日历尚未包含" not in client.get("/").get_data(as_text=True)
