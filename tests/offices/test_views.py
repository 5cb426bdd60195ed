"""The pages, per role: logistics keeps the ledger, every member of staff sees the publication."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.blueprints.offices.models import (
    OfficeException,
    OfficePublication,
    OfficeRoomEntry,
    OfficeSeat,
)
from portal.db import db
from portal.models import Role


def room_area(place, number) -> Decimal:
    db.session.expire_all()
    return place["rooms"][number].area_m2


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_ledger_lists_units_and_offices_over_the_standard(client, auth, seated, logistics):
    auth.login_as(logistics)
    page = client.get("/offices/ledger?date=2026-01-01").get_data(as_text=True)
    assert "县人力资源和社会保障局" in page and "县财政局" in page
    assert "主楼 301" in page  # 36 m² for one person at 12
    unit = client.get(f"/offices/ledger/unit/{seated['units']['hr'].id}?date=2026-01-01").get_data(as_text=True)
    assert "王一" in unit and "王二" in unit and "12.00" in unit
    assert client.get("/offices/ledger?date=2026-13-01").status_code == 400


def test_a_bad_area_is_refused_with_a_message_and_nothing_saved(client, auth, seated, logistics):
    auth.login_as(logistics)
    room = seated["rooms"]["302"]
    before = count(OfficeRoomEntry)
    response = client.post(f"/offices/rooms/{room.id}/entry", data={
        "entry-unit_id": seated["units"]["hr"].id, "entry-use": "office", "entry-area_m2": "-3",
        "entry-valid_from": "2026-01-01"})
    assert response.status_code == 422 and "面积必须大于零。" in response.get_data(as_text=True)
    assert count(OfficeRoomEntry) == before
    ok = client.post(f"/offices/rooms/{room.id}/entry", data={
        "entry-unit_id": seated["units"]["hr"].id, "entry-use": "office", "entry-area_m2": "１８.５",
        "entry-valid_from": "2026-01-01"})
    assert ok.status_code == 303  # full-width digits are read as digits
    assert room_area(seated, "302") == Decimal("18.50")


def test_seating_moving_and_handing_back_through_the_pages(client, auth, seated, logistics, ranks):
    auth.login_as(logistics)
    deputy = seated["people"]["deputy"]
    room302 = seated["rooms"]["302"]
    response = client.post(f"/offices/rooms/{room302.id}/seat", data={
        "seat-user_id": deputy.id, "seat-standard_id": ranks["乡科级"].id, "seat-start_date": "2021-01-01"})
    assert response.status_code == 303
    # a second office for the same person: refused, nothing saved
    seats = count(OfficeSeat)
    twice = client.post(f"/offices/rooms/{seated['rooms']['303'].id}/seat", data={
        "seat-user_id": deputy.id, "seat-standard_id": ranks["乡科级"].id, "seat-start_date": "2022-01-01"})
    assert twice.status_code == 422 and "主楼 302" in twice.get_data(as_text=True)
    assert count(OfficeSeat) == seats
    seat = db.session.scalar(select(OfficeSeat).where(OfficeSeat.user_id == deputy.id))
    moved = client.post(f"/offices/seats/{seat.id}/move", data={
        f"move-{seat.id}-room_id": seated["rooms"]["301"].id, f"move-{seat.id}-standard_id": ranks["乡科级"].id,
        f"move-{seat.id}-on": "2023-01-01"})
    assert moved.status_code == 303
    new = db.session.scalar(select(OfficeSeat).where(OfficeSeat.user_id == deputy.id, OfficeSeat.end_date.is_(None)))
    assert new.room_id == seated["rooms"]["301"].id and new.start_date == date(2023, 1, 1)
    early = client.post(f"/offices/seats/{new.id}/hand-back", data={
        f"back-{new.id}-on": "2022-12-31", f"back-{new.id}-reason": "退休"})
    assert early.status_code == 422
    back = client.post(f"/offices/seats/{new.id}/hand-back", data={
        f"back-{new.id}-on": "2026-01-01", f"back-{new.id}-reason": "退休"})
    assert back.status_code == 303
    db.session.expire_all()
    assert db.session.get(OfficeSeat, new.id).end_date == date(2026, 1, 1)
    page = client.get(f"/offices/rooms/{seated['rooms']['301'].id}").get_data(as_text=True)
    assert "李副局长" in page and "退休" in page


def test_an_exception_needs_a_reason_and_an_approval(client, auth, seated, logistics):
    auth.login_as(logistics)
    room = seated["rooms"]["301"]
    refused = client.post(f"/offices/rooms/{room.id}/exception", data={"exc-reason": "兼作接待室", "exc-valid_from": "2025-01-01"})
    assert refused.status_code == 422 and count(OfficeException) == 0
    ok = client.post(f"/offices/rooms/{room.id}/exception", data={
        "exc-reason": "兼作接待室", "exc-approved_by": "县机关事务管理局 〔2025〕3号", "exc-valid_from": "2025-01-01"})
    assert ok.status_code == 303 and count(OfficeException) == 1


def test_publishing_asks_first_then_freezes_the_year(client, auth, seated, logistics, make_user):
    auth.login_as(logistics)
    data = {"year": "2026", "as_of": "2026-06-30"}
    asked = client.post("/offices/publish", data=data)
    assert asked.status_code == 200 and 'name="confirmed"' in asked.get_data(as_text=True)
    assert count(OfficePublication) == 0
    done = client.post("/offices/publish", data=data | {"confirmed": "1"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/offices/published/2026")
    again = client.post("/offices/publish", data=data | {"confirmed": "1"})
    assert again.status_code == 422 and count(OfficePublication) == 1
    wrong_year = client.post("/offices/publish", data={"year": "2025", "as_of": "2026-06-30", "confirmed": "1"})
    assert wrong_year.status_code == 422
    # later changes do not touch what is published
    publication = db.session.scalar(select(OfficePublication))
    rows = list(publication.rows)
    client.post(f"/offices/rooms/{seated['rooms']['302'].id}/entry", data={
        "entry-unit_id": seated["units"]["fin"].id, "entry-use": "office", "entry-area_m2": "20",
        "entry-valid_from": "2026-07-01"})
    db.session.expire_all()
    assert db.session.scalar(select(OfficePublication)).rows == rows
    # every member of staff reads it: names and positions, no extension numbers
    staff = make_user(roles=[Role.EMPLOYEE], username="reader")
    auth.login_as(staff)
    page = client.get("/offices/published/2026").get_data(as_text=True)
    assert "王一（科员）" in page and "5123" not in page and "主楼 302" in page
    assert client.get("/offices/published/2026.xlsx").status_code == 403
    assert client.get("/offices/ledger").status_code == 403
    assert client.get("/offices/published/2024").status_code == 404


def test_the_published_workbook_holds_what_the_page_shows(client, auth, seated, logistics):
    auth.login_as(logistics)
    client.post("/offices/publish", data={"year": "2026", "as_of": "2026-06-30", "confirmed": "1"})
    response = client.get("/offices/published/2026.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "单位" or r[0] == "Unit")
    body = [r for r in rows[header + 1:] if r[1]]
    by_room = {r[1]: r for r in body}
    assert set(by_room) == {"主楼 301", "主楼 302", "主楼 303", "主楼 304", "主楼 401"}
    shared = by_room["主楼 303"]
    assert Decimal(str(shared[4])) == Decimal("24") and shared[6] == 2 and Decimal(str(shared[7])) == Decimal("12")
    assert "王一" in shared[5] and "王二" in shared[5]
    only_fin = client.get(f"/offices/published/2026.xlsx?unit={seated['units']['fin'].id}")
    fin_rows = [r for r in load_workbook(BytesIO(only_fin.data)).active.iter_rows(values_only=True) if r[1]]
    assert [r[1] for r in fin_rows if r[1] and r[1].startswith("主楼")] == ["主楼 401"]


def test_the_standard_is_edited_by_logistics(client, auth, ranks, logistics):
    auth.login_as(logistics)
    row = ranks["乡科级以下"]
    bad = client.post(f"/offices/standards/{row.id}", data={"name": "乡科级以下", "area_m2": "0", "sort_order": "30"})
    assert bad.status_code == 422
    ok = client.post(f"/offices/standards/{row.id}", data={"name": "乡科级以下", "area_m2": "10.5", "sort_order": "30"})
    assert ok.status_code == 303
    db.session.expire_all()
    assert row.area_m2 == Decimal("10.50")
    added = client.post("/offices/standards/new", data={"name": "县级正职（兼）", "area_m2": "30", "sort_order": "1"})
    assert added.status_code == 303


def test_the_floor_plan_colours_rooms_by_their_standing(client, auth, seated, logistics):
    auth.login_as(logistics)
    building = seated["rooms"]["301"].floor.building_id
    page = client.get(f"/offices/plan?building={building}&date=2026-01-01").get_data(as_text=True)
    assert "office-plan__room--over" in page and "office-plan__room--vacant" in page  # 301 over, 302 empty
    assert "office-plan__room--service" in page  # 304, the archives
    assert page.count("office-plan__room--") == 5
    assert client.get("/offices/plan?building=999").status_code == 404


def test_the_ledger_is_kept_for_the_session_until_the_ledger_changes(client, app, auth, seated, logistics, ranks,
                                                                     make_user, count_queries, areas_on_record):
    from portal.blueprints.offices.services import SeatDraft, seat_person
    from tests.conftest import AuthActions
    from tests.offices.conftest import NOW

    areas_on_record("offices", "building")
    auth.login_as(logistics)
    url = "/offices/ledger?date=2026-01-01"
    client.get(url)  # the session's CSRF token
    first = client.get(url).get_data()
    with count_queries() as counted:
        again = client.get(url).get_data()
    assert again == first and counted.count == 1  # the data versions: no account loaded
    assert "主楼 401" not in again.decode()
    # 赵财 (乡科级以下, 9 m²) alone in 401's 24 m²: over the standard, shown at once
    seat_person(seated["rooms"]["401"], SeatDraft(seated["people"]["fin1"].id, ranks["乡科级以下"].id, START_2021),
                actor=logistics, now=NOW)
    db.session.commit()
    assert "主楼 401" in client.get(url).get_data(as_text=True)
    other = app.test_client()
    AuthActions(other).login_as(make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], display_name="后勤 另一位"))
    other.get(url)
    html = other.get(url).get_data(as_text=True)
    assert "后勤 另一位" in html and "后勤 陈主任" not in html


START_2021 = date(2021, 1, 1)


def test_the_published_years_are_kept_until_a_year_is_published_and_never_read_the_frozen_rows(
        client, auth, seated, logistics, make_user, count_queries, areas_on_record):
    from portal.blueprints.offices.services import PublishDraft, publish
    from tests.offices.conftest import NOW

    areas_on_record("offices")
    auth.login_as(make_user())
    client.get("/offices/")
    assert "2025" not in client.get("/offices/").get_data(as_text=True)
    publish(PublishDraft(2025, date(2025, 12, 1)), actor=logistics, now=NOW)
    db.session.commit()
    with count_queries() as counted:
        html = client.get("/offices/").get_data(as_text=True)
    assert "2025" in html and "/offices/published/2025" in html
    assert not any("rows" in statement for statement in counted.statements)  # the frozen ledger stays on disk
    with count_queries() as counted:
        assert client.get("/offices/").get_data(as_text=True) == html
    assert counted.count == 1


def test_the_ledger_costs_the_same_few_queries_however_many_rooms_and_people(client, auth, seated, logistics, ranks,
                                                                           count_queries):
    from portal.blueprints.offices.services import SeatDraft, seat_person
    from tests.offices.conftest import NOW

    auth.login_as(logistics)
    client.get("/offices/ledger?date=2026-01-01")  # the session's CSRF token

    def queries() -> int:
        with count_queries() as counted:
            assert client.get("/offices/ledger?date=2026-01-01").status_code == 200
        return counted.count

    # The ledger's facts are read again after a change (the seats below are one): count that read each time.
    from portal.cache import bump

    bump(db.session.connection(), ["offices"])
    db.session.commit()
    few = queries()
    people = seated["people"]
    for who, number in (("deputy", "302"), ("fin1", "401")):
        seat_person(seated["rooms"][number], SeatDraft(people[who].id, ranks["乡科级"].id, START_2021), actor=logistics,
                    now=NOW)
    db.session.commit()
    assert queries() == few
