"""Editing units, room assignment and staff entries: who may edit what, and the audit trail."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.blueprints.directory.search import search
from portal.db import db
from portal.models import AuditLog, Role, Room, RoomKind, Unit, User


def audit_entries(action):
    return db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def unit_admin_of(make_user, auth, unit):
    user = make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="ua", unit=unit)
    auth.login_as(user)
    return user


def test_unit_admin_edits_their_own_unit_and_it_is_audited(client, small_building, make_user, auth):
    sb = small_building
    admin = unit_admin_of(make_user, auth, sb.renshe)
    response = client.post(
        f"/directory/admin/units/{sb.renshe.id}",
        data={"phone": "0825-5409999", "office_hours": "工作日 9:00–17:00", "duties": "新的职责",
              "name": "改名局", "headcount": "999"},  # fields a unit admin does not get are ignored
    )
    assert response.status_code == 303
    db.session.refresh(sb.renshe)
    assert sb.renshe.phone == "0825-5409999" and sb.renshe.duties == "新的职责"
    assert sb.renshe.name == "县人力资源和社会保障局" and sb.renshe.headcount == 0
    [entry] = audit_entries("unit.update")
    assert entry.actor_id == admin.id and entry.before["phone"] == "0825-5400001" and entry.after["phone"] == "0825-5409999"


def test_unit_admin_cannot_touch_another_unit(client, small_building, make_user, auth):
    sb = small_building
    unit_admin_of(make_user, auth, sb.renshe)
    assert client.get(f"/directory/admin/units/{sb.minzheng.id}").status_code == 403
    assert client.post(f"/directory/admin/units/{sb.minzheng.id}", data={"phone": "110"}).status_code == 403
    assert client.get("/directory/admin/units/new").status_code == 403
    db.session.refresh(sb.minzheng)
    assert sb.minzheng.phone == "0825-5400002" and audit_entries("unit.update") == []
    page = client.get("/directory/admin/units/").get_data(as_text=True)
    assert "县人力资源和社会保障局" in page and "县民政局" not in page


def test_logistics_renames_a_unit_and_a_duplicate_name_is_refused(client, small_building, login_as_role):
    sb = small_building
    login_as_role("logistics_admin")
    data = {"name": "县民政局", "short_name": "人社局", "phone": "", "office_hours": "", "duties": "", "headcount": "20", "sort_order": "1"}
    response = client.post(f"/directory/admin/units/{sb.renshe.id}", data=data)
    assert response.status_code == 422 and "已有其他单位使用此名称" in response.get_data(as_text=True)
    response = client.post(f"/directory/admin/units/{sb.renshe.id}", data=data | {"name": "县人力资源社会保障局"})
    assert response.status_code == 303
    db.session.refresh(sb.renshe)
    assert sb.renshe.name == "县人力资源社会保障局" and sb.renshe.headcount == 20
    assert search("县人力资源社会保障局", include_staff=False).total == 1


def test_bad_unit_input_rerenders_with_422(client, small_building, login_as_role):
    login_as_role("logistics_admin")
    response = client.post("/directory/admin/units/new", data={"name": "", "phone": "abc", "headcount": "-1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "只能使用数字" in page and "field--error" in page
    assert db.session.scalar(select(Unit).where(Unit.phone == "abc")) is None


def test_logistics_assigns_a_room_and_it_is_audited(client, small_building, login_as_role):
    sb = small_building
    admin = login_as_role("logistics_admin")
    response = client.post(f"/directory/admin/rooms/{sb.annex_305.id}",
                           data={"name": "档案室", "kind": "office", "unit_id": str(sb.minzheng.id)})
    assert response.status_code == 303
    room = db.session.get(Room, sb.annex_305.id)
    assert room.unit_id == sb.minzheng.id and room.name == "档案室"
    [entry] = audit_entries("room.update")
    assert entry.actor_id == admin.id
    assert entry.before == {"name": "", "kind": "office", "capacity": None, "area_m2": None, "equipment": [], "unit_id": None}
    page = client.get(f"/directory/units/{sb.minzheng.id}").get_data(as_text=True)
    assert "县委附楼 305" in page


def test_unit_admins_do_not_assign_rooms(client, small_building, make_user, auth):
    unit_admin_of(make_user, auth, small_building.renshe)
    url = f"/directory/admin/rooms/{small_building.annex_305.id}"
    assert client.post(url, data={"unit_id": str(small_building.renshe.id)}).status_code == 403
    assert db.session.get(Room, small_building.annex_305.id).unit_id is None


def test_unit_admin_adds_a_staff_entry_to_their_unit_only(client, small_building, make_user, auth):
    sb = small_building
    unit_admin_of(make_user, auth, sb.renshe)
    response = client.post(
        "/directory/admin/staff/new",
        data={"display_name": "王芳", "unit_id": str(sb.renshe.id), "title": "科员", "office_room_id": str(sb.room_305.id),
              "phone_ext": "5188", "listed": "y"},
    )
    assert response.status_code == 303
    person = db.session.scalar(select(User).where(User.display_name == "王芳"))
    assert person.username == "wangfang" and person.password_hash == "" and person.unit_id == sb.renshe.id
    assert audit_entries("staff.create")[0].after["phone_ext"] == "5188"

    # Another unit, or another unit's room, is not a valid choice for a unit admin.
    response = client.post("/directory/admin/staff/new", data={"display_name": "李四", "unit_id": str(sb.minzheng.id)})
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.display_name == "李四")) is None


def test_unit_admin_cannot_edit_another_units_staff(client, small_building, make_user, auth):
    sb = small_building
    outsider = User(username="lisi", display_name="李四", unit=sb.minzheng, phone_ext="5200", password_hash="")
    db.session.add(outsider)
    db.session.commit()
    unit_admin_of(make_user, auth, sb.renshe)
    assert client.get(f"/directory/admin/staff/{outsider.id}").status_code == 403
    response = client.post(f"/directory/admin/staff/{outsider.id}", data={"display_name": "李四", "unit_id": str(sb.renshe.id)})
    assert response.status_code == 403
    db.session.refresh(outsider)
    assert outsider.unit_id == sb.minzheng.id
    page = client.get("/directory/admin/staff/").get_data(as_text=True)
    assert "张伟" in page and "李四" not in page


def test_unlisting_a_staff_entry_hides_it_from_the_directory(client, small_building, make_user, auth):
    sb = small_building
    unit_admin_of(make_user, auth, sb.renshe)
    assert "<td>张伟</td>" in client.get("/directory/staff/").get_data(as_text=True)
    response = client.post(
        f"/directory/admin/staff/{sb.clerk.id}",
        data={"display_name": "张伟", "unit_id": str(sb.renshe.id), "title": "科员", "phone_ext": "5123", "office_room_id": "0"},
    )  # "listed" unticked
    assert response.status_code == 303
    assert "<td>张伟</td>" not in client.get("/directory/staff/").get_data(as_text=True)
    assert search("张伟", include_staff=True).total == 0
    assert audit_entries("staff.update")[0].after["active"] is False


def test_accounts_with_a_login_cannot_be_unlisted_here(client, small_building, make_user, auth):
    sb = small_building
    colleague = make_user(username="colleague", display_name="赵敏", unit=sb.renshe)
    unit_admin_of(make_user, auth, sb.renshe)
    page = client.get(f"/directory/admin/staff/{colleague.id}").get_data(as_text=True)
    assert 'name="listed"' not in page and "系统管理员" in page
    response = client.post(
        f"/directory/admin/staff/{colleague.id}",
        data={"display_name": "赵敏", "unit_id": str(sb.renshe.id), "title": "副科长", "phone_ext": "", "office_room_id": "0"},
    )
    assert response.status_code == 303
    db.session.refresh(colleague)
    assert colleague.active and colleague.title == "副科长"


def test_admin_page_lists_the_directory_links_by_role(client, small_building, make_user, auth, login_as_role):
    unit_admin_of(make_user, auth, small_building.renshe)
    page = client.get("/admin/").get_data(as_text=True)
    assert "/directory/admin/units/" in page and "/directory/admin/exchange" in page and "/services/admin/" in page
    assert "/directory/admin/rooms/" not in page
    login_as_role("logistics_admin")
    assert "/directory/admin/rooms/" in client.get("/admin/").get_data(as_text=True)


def test_admin_lists_survive_odd_filters(client, small_building, login_as_role):
    login_as_role("logistics_admin")
    for path in ("/directory/admin/staff/?q=x&unit=x", "/directory/admin/staff/?q=%25_%5C", "/services/admin/?q=%25&unit=abc",
                 "/services/?category=%1b", "/directory/admin/rooms/?building=abc", "/directory/staff/?q=%27&unit=-1"):
        assert client.get(path).status_code == 200, path
    # A page number that is none is a clear 400 (portal.requestargs), never a 500.
    response = client.get("/directory/admin/rooms/?page=-3")
    assert response.status_code == 400 and "-3" in response.get_data(as_text=True)
    # NUL is refused for the whole portal before any view runs (PostgreSQL cannot store it).
    for path in ("/directory/admin/staff/?q=%00&unit=x", "/services/admin/?q=%00%25", "/services/?category=%00", "/directory/staff/?q=%00"):
        assert client.get(path).status_code == 400, path


def test_logistics_keeps_a_meeting_rooms_details(client, small_building, login_as_role):
    room = small_building.annex_305
    login_as_role("logistics_admin")
    form = client.get(f"/directory/admin/rooms/{room.id}").get_data(as_text=True)
    assert 'name="kind"' in form and 'name="capacity"' in form and 'value="video_conference"' in form
    response = client.post(f"/directory/admin/rooms/{room.id}", data={
        "name": "县委第三会议室", "kind": "meeting", "capacity": "24", "area_m2": "56.5",
        "equipment": ["screen", "projector"], "unit_id": "0",
    })
    assert response.status_code == 303
    db.session.refresh(room)
    assert (room.kind, room.capacity, room.area_m2) == (RoomKind.MEETING, 24, Decimal("56.50"))
    assert room.equipment == ["projector", "screen"]  # in the catalogue's order
    [entry] = audit_entries("room.update")
    assert entry.after["kind"] == "meeting" and entry.after["capacity"] == 24


@pytest.mark.parametrize("bad", [
    {"kind": "castle"}, {"capacity": "0"}, {"capacity": "abc"}, {"area_m2": "NaN"}, {"area_m2": "-3"},
    {"area_m2": "9" * 40}, {"area_m2": "56.555"}, {"equipment": ["jukebox"]},
])
def test_bad_room_details_are_refused_and_nothing_is_saved(client, small_building, login_as_role, bad):
    room = small_building.annex_305
    login_as_role("logistics_admin")
    data = {"name": "新名字", "kind": "meeting", "capacity": "20", "area_m2": "40", "unit_id": "0", **bad}
    response = client.post(f"/directory/admin/rooms/{room.id}", data=data)
    assert response.status_code == 422 and "field--error" in response.get_data(as_text=True)
    db.session.refresh(room)
    assert room.name == "" and room.kind is RoomKind.OFFICE


def test_a_meeting_room_with_meetings_to_come_stays_a_meeting_room(client, small_building, login_as_role):
    from datetime import timedelta

    from portal import timeutil
    from portal.blueprints.rooms.models import Booking, BookingStatus

    room = small_building.annex_305
    room.kind, room.capacity = RoomKind.MEETING, 20
    start = timeutil.now() + timedelta(days=2)
    db.session.add(Booking(room_id=room.id, start_at=start, end_at=start + timedelta(hours=1), title="周例会", attendees=5,
                           status=BookingStatus.APPROVED, contact_name="张三", contact_phone="5100"))
    db.session.commit()
    login_as_role("logistics_admin")
    response = client.post(f"/directory/admin/rooms/{room.id}", data={"kind": "office", "unit_id": "0"})
    assert response.status_code == 422 and "今后还有 1 场会议" in response.get_data(as_text=True)
    db.session.refresh(room)
    assert room.kind is RoomKind.MEETING
