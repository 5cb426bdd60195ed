"""Regression tests for the defects reported against the visitor desk (issues 13, 15 and 16)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.visitors.models import (
    VisitorEntry,
    VisitorPreregistration,
)
from portal.db import db
from portal.models import AuditLog, Building, Floor, Role, Room
from tests.visitors.conftest import make_resident_id

NUMBER = make_resident_id()


def text(response) -> str:
    return response.get_data(as_text=True)


def entries() -> list[VisitorEntry]:
    return db.session.scalars(select(VisitorEntry).order_by(VisitorEntry.id)).all()


# ---------------------------------------------------------------- 13.2 full-width badge numbers


def test_a_full_width_badge_is_badge_55(client, guard, units, check_in_form):
    assert client.post("/visitors/check-in", data=check_in_form(badge="５５", phone="１３８１２３４５６７８")).status_code == 303
    [entry] = entries()
    assert entry.badge == "55" and entry.phone == "13812345678"
    # Nobody else gets badge 55 while it is out, however it is typed.
    refused = client.post("/visitors/check-in", data=check_in_form(name="李娜", badge="55"))
    assert refused.status_code == 422 and "访客证 55 号仍在 张伟 手中" in text(refused)
    # And it comes back as "55".
    assert client.post("/visitors/check-out", data={"out-badge": "55"}).status_code == 303
    db.session.refresh(entry)
    assert entry.checked_out_at is not None


def test_a_full_width_badge_stored_before_the_fix_is_compared_normalised(client, guard, make_entry, check_in_form):
    legacy = make_entry(badge="５５")
    refused = client.post("/visitors/check-in", data=check_in_form(name="李娜", badge="55"))
    assert refused.status_code == 422 and len(entries()) == 1
    found = text(client.get("/visitors/history?badge=55"))
    assert f"/visitors/entries/{legacy.id}" in found
    assert client.post("/visitors/check-out", data={"out-badge": " 55 "}).status_code == 303
    db.session.refresh(legacy)
    assert legacy.checked_out_at is not None


# ---------------------------------------------------------------- 13.3 a refused form at a URL a GET can show


def test_a_refused_check_in_keeps_the_right_number_and_the_page_can_be_shown_again(client, guard, units, check_in_form):
    data = check_in_form(id_number=NUMBER, unit="qwerty")
    response = client.post("/visitors/check-in", data=data)
    html = text(response)
    assert response.status_code == 422
    assert f'value="{NUMBER}"' in html and 'value="张伟"' in html and 'value="qwerty"' in html
    # The language switch (and a reload) asks for this URL again with GET: it shows the desk.
    assert re.search(r'name="next" value="/visitors/check-in"', html)
    switched = client.post("/language", data={"lang": "en", "next": "/visitors/check-in"})
    assert switched.status_code == 303
    again = client.get(switched.headers["Location"])
    assert again.status_code == 200 and "Check visitor in" in text(again)
    out = client.post("/visitors/check-out", data={"out-badge": "99"})
    assert out.status_code == 422
    assert client.get("/visitors/check-out").status_code == 200
    assert entries() == []


# ---------------------------------------------------------------- 13.4 / 15.10 dates out of range


@pytest.mark.parametrize(
    "url",
    [
        "/visitors/statistics?end=9999-12-31",
        "/visitors/statistics?start=0001-01-01",
        "/visitors/history?start=0001-01-01",
        "/visitors/history?end=9999-12-31",
    ],
)
def test_dates_out_of_range_get_a_clear_message(client, auth, make_user, url):
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN]))
    response = client.get(url)
    assert response.status_code in (400, 422)
    assert "超出了门户可处理的日期范围" in text(response) or "1900-01-01" in text(response)


def test_an_export_with_a_date_out_of_range_is_sent_back_to_the_search(client, auth, make_user):
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN]))
    for response in (client.get("/visitors/history.xlsx?start=0001-01-01"),
                     client.post("/visitors/history.xlsx", data={"start": "0001-01-01"})):
        assert response.status_code == 303
        assert "1900-01-01" in text(client.get(response.headers["Location"]))


# ---------------------------------------------------------------- 13.5 evacuation list, desk defaults


def test_the_evacuation_list_says_where_to_look_and_offers_a_print_button(client, guard, units, make_entry):
    building = Building(code="A", name="主楼")
    floor = Floor(building=building, level=3)
    db.session.add_all([building, floor, Room(floor=floor, number="305", unit_id=units["rsj"].id),
                        Room(floor=floor, number="306", unit_id=units["rsj"].id)])
    db.session.commit()
    make_entry(name="王五")
    html = text(client.get("/visitors/on-site/evacuation"))
    assert "所在位置" in html and "主楼 3F 305、306" in html
    # The print button needs JavaScript: hidden until app.js shows it; the hint covers the rest.
    assert re.search(r'<button type="button" class="js-print[^"]*" hidden>打印名单</button>', html)
    assert "Ctrl+P" in html


def test_the_document_is_ticked_as_sighted_by_default(client, guard, units):
    html = text(client.get("/visitors/"))
    assert re.search(r'<input checked id="id_checked"', html)


def test_the_guard_lands_on_the_desk_after_logging_in(client, make_user, auth):
    make_user(roles=[Role.SECURITY], username="gatehouse")
    response = auth.login("gatehouse")
    assert response.status_code == 303 and response.headers["Location"] == "/visitors/"
    make_user(roles=[Role.EMPLOYEE], username="clerk")
    client.post("/logout", data={})
    auth.logout()
    assert auth.login("clerk").headers["Location"] == "/"


# ---------------------------------------------------------------- 15.14 the purge covers the audit log


def test_the_purge_anonymises_audit_snapshots_older_than_the_retention(client, auth, make_user, units, runner):
    now = timeutil.now()
    admin = make_user(roles=[Role.LOGISTICS_ADMIN, Role.EMPLOYEE])
    auth.login_as(admin)
    timeutil.set_clock(now - timedelta(days=200))
    try:
        client.post("/visitors/watchlist/", data={"name": "赵六", "id_type": "resident_id", "id_number": "",
                                                  "plate": "川JA1234", "reason": "曾冒用他人证件", "action": "refuse"})
        day = (now - timedelta(days=200)).date()
        client.post("/visitors/expected/new", data={
            "visitor_name": "钱七", "id_type": "resident_id", "phone": "13900001111", "organization": "某公司",
            "unit": "rsj", "host_name": "王科长", "purpose": "办事", "companions": "0", "plate": "",
            "visit_date": day.isoformat(), "window_start": "16:00", "window_end": "17:00"})
    finally:
        timeutil.set_clock(now, runs=True)
    client.post("/visitors/watchlist/", data={"name": "孙八", "id_type": "resident_id", "id_number": "",
                                              "plate": "", "reason": "近期纠纷", "action": "escalate"})
    records = db.session.scalars(select(AuditLog).where(AuditLog.object_type.like("visitor%"))).all()
    assert {r.action for r in records} >= {"visitor.watch_add", "visitor.preregister"}

    result = runner.invoke(args=["purge-visitors"])
    assert result.exit_code == 0 and "2 audit record(s)" in result.output
    db.session.expire_all()
    old_watch = db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.watch_add",
                                                         AuditLog.at < now - timedelta(days=180)))
    assert old_watch.after["name"] == "" and old_watch.after["plate"] == "" and old_watch.after["reason"] == ""
    assert old_watch.after["action"] == "refuse"  # what happened stays, who it was goes
    prereg = db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.preregister"))
    assert prereg.after["visitor_name"] == "" and prereg.after["phone"] == "" and prereg.after["visit_date"]
    recent = db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.watch_add",
                                                      AuditLog.at >= now - timedelta(days=1)))
    assert recent.after["name"] == "孙八"
    assert db.session.scalar(select(VisitorPreregistration)).visitor_name == ""
    again = runner.invoke(args=["purge-visitors"])
    assert "0 audit record(s)" in again.output
