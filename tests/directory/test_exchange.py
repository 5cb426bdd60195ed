"""Excel export and import: row-level problems in Chinese, all rows or none, unit scope."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.blueprints.directory.exchange import (
    ROOMS,
    ITEMS,
    STAFF,
    UNITS,
    apply_import,
    export_workbook,
    plan_import,
)
from portal.blueprints.guide.models import GuideItem
from portal import timeutil
from portal.db import db
from portal.rules import RuleViolation
from portal.models import AuditLog, Role, Room, RoomKind, Unit, User

SERVICE_HEADER = [c.header for c in ITEMS.columns]
STAFF_HEADER = [c.header for c in STAFF.columns]
UNIT_HEADER = [c.header for c in UNITS.columns]


def workbook(**sheets) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def service_row(name, unit="县人力资源和社会保障局", **values):
    row = dict.fromkeys(SERVICE_HEADER, "")
    row.update({"事项名称": name, "办理单位": unit, "分类": "社会保障", "申请材料": "1. 居民身份证\n2、户口簿",
                "办理流程": "提交材料\n当场办结", "收费金额（元）": 0, "承诺时限（工作日）": 0})
    row.update(values)
    return [row[h] for h in SERVICE_HEADER]


def messages(plan, app):
    with app.test_request_context():
        return [str(problem) for problem in plan.problems]


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in (Unit, Room, GuideItem, User, AuditLog)}


def test_a_broken_row_means_nothing_is_imported(app, small_building):
    data = workbook(事项=[
        SERVICE_HEADER,
        service_row("社保卡申领"),
        service_row("失业登记", 办理地点="主楼 104", 窗口="6号窗口"),
        service_row("结婚登记", unit="县民政局局"),  # row 4: no such unit
        service_row("医保报销", **{"收费金额（元）": "八十"}),  # row 5: not a number
        service_row("工伤认定", **{"法定时限（工作日）": 30, "承诺时限（工作日）": 60}),  # row 6
    ])
    before = counts()
    plan = plan_import(data, None, timeutil.now())
    assert not plan.ok
    assert messages(plan, app) == [
        "工作表“事项”第 4 行，“办理单位”列：找不到单位“县民政局局”。",
        "工作表“事项”第 5 行，“收费金额（元）”列：收费金额请填数字（元），如 80；不收费填 0。",
        "工作表“事项”第 6 行，“承诺时限（工作日）”列：承诺时限不能超过法定时限。",
    ]
    with pytest.raises(RuleViolation):
        apply_import(plan, actor=None, now=timeutil.now())
    assert counts() == before


def test_a_clean_workbook_is_applied_in_full_and_audited(app, small_building, make_user):
    actor = make_user(roles=[Role.LOGISTICS_ADMIN])
    data = workbook(
        单位=[UNIT_HEADER, ["县档案馆", "档案馆", "0825-5400009", "工作日 9:00–17:00", "档案保管和查阅。", 6, 40]],
        房间=[["楼栋", "楼层", "房间号", "房间名称", "使用单位"], ["县委附楼", 3, "305", "查档室", "档案馆"], ["主楼", "3楼", "308室", "", "县档案馆"]],
        事项=[SERVICE_HEADER, service_row("档案查阅", unit="档案馆", 办理地点="县委305", **{"收费金额（元）": "", "收费说明": "复印 0.5 元/页"})],
        人员=[STAFF_HEADER, ["", "周明", "县档案馆", "馆长", "主楼 308", "5301", "是"]],
    )
    plan = plan_import(data, None, timeutil.now())
    assert plan.ok, messages(plan, app)
    summary = apply_import(plan, actor=actor, now=timeutil.now())
    db.session.commit()
    archive = db.session.scalar(select(Unit).where(Unit.name == "县档案馆"))
    assert archive.headcount == 6 and archive.sort_order == 40
    annex_room = db.session.get(Room, small_building.annex_305.id)
    assert annex_room.unit_id == archive.id and annex_room.name == "查档室"
    new_room = db.session.scalar(select(Room).where(Room.number == "308"))
    assert new_room.unit_id == archive.id and new_room.floor.level == 3
    service = db.session.scalar(select(GuideItem).where(GuideItem.name == "档案查阅"))
    assert service.room_id == annex_room.id and service.fee is None and service.fee_note == "复印 0.5 元/页"
    assert service.materials == ["居民身份证", "户口簿"]  # numbering stripped
    person = db.session.scalar(select(User).where(User.display_name == "周明"))
    assert person.username == "zhouming" and person.office_room_id == new_room.id and person.password_hash == ""
    assert summary.created == {"单位": 1, "房间": 1, "事项": 1, "人员": 1} and summary.updated == {"房间": 1}
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.actor_id == actor.id)).all()
    assert sorted(actions) == ["guide_item.import", "room.import", "room.import", "staff.import", "unit.import"]


def test_export_then_import_changes_nothing(app, demo):
    data = export_workbook(None)
    book = load_workbook(BytesIO(data))
    assert book.sheetnames == ["说明", "单位", "房间", "事项", "人员"]
    assert book["事项"].max_row - 1 == db.session.scalar(select(func.count()).select_from(GuideItem))
    before = counts()
    plan = plan_import(data, None, timeutil.now())
    assert plan.ok, messages(plan, app)[:5]
    summary = apply_import(plan, actor=demo["logistics_admin"], now=timeutil.now())
    db.session.commit()
    assert summary.created == {} and summary.updated == {}
    assert counts() == before  # not even an audit entry


def test_edited_export_updates_a_service(app, demo):
    book = load_workbook(BytesIO(export_workbook(None)))
    sheet = book["事项"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "不动产抵押登记")
    row[header.index("收费金额（元）")].value = 550
    row[header.index("承诺时限（工作日）")].value = "即办"
    buffer = BytesIO()
    book.save(buffer)
    plan = plan_import(buffer.getvalue(), None, timeutil.now())
    assert plan.ok, messages(plan, app)
    summary = apply_import(plan, actor=demo["logistics_admin"], now=timeutil.now())
    db.session.commit()
    assert summary.updated == {"事项": 1}
    service = db.session.scalar(select(GuideItem).where(GuideItem.name == "不动产抵押登记"))
    assert service.fee == Decimal("550.00") and service.promised_days == 0
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "guide_item.import"))
    assert entry.before["fee"] == "80.00" and entry.after["fee"] == "550.00"


def test_unit_admins_import_only_their_own_units_services_and_staff(app, small_building):
    sb = small_building
    scope = frozenset({sb.renshe.id})
    data = workbook(
        单位=[UNIT_HEADER, ["县人力资源和社会保障局", "人社局", "", "", "", 1, 1]],
        事项=[SERVICE_HEADER, service_row("社保卡申领", unit="人社局"), service_row("结婚登记", unit="民政局")],
        人员=[STAFF_HEADER, ["zhangwei", "张伟", "人社局", "科长", "主楼305", "5123", "是"]],
    )
    plan = plan_import(data, scope, timeutil.now())
    assert messages(plan, app) == [
        "工作表“单位”第 2 行：只能导入本单位的办事事项和人员。",
        "工作表“事项”第 3 行，“办理单位”列：只能导入本单位的数据。",
    ]
    outsider = User(username="lisi", display_name="李四", unit=sb.minzheng, password_hash="")
    db.session.add(outsider)
    db.session.commit()
    plan = plan_import(workbook(人员=[STAFF_HEADER, ["lisi", "李四", "人社局", "", "", "", "是"]]), scope, timeutil.now())
    assert messages(plan, app) == ["工作表“人员”第 2 行，“用户名”列：此人属于其他单位。"]
    plan = plan_import(workbook(人员=[STAFF_HEADER, ["zhangwei", "张伟", "人社局", "科长", "主楼305", "5123", "是"]]), scope, timeutil.now())
    assert plan.ok


def test_an_export_for_a_unit_admin_holds_only_their_unit(app, demo):
    renshe = demo["unit_admin"].unit
    book = load_workbook(BytesIO(export_workbook(frozenset({renshe.id}))))
    assert book.sheetnames == ["说明", "事项", "人员"]
    units = {row[1] for row in book["事项"].iter_rows(min_row=2, values_only=True)}
    assert units == {renshe.name}
    assert {row[2] for row in book["人员"].iter_rows(min_row=2, values_only=True)} == {renshe.name}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["事项名称", "分类"], ["x", "y"]], "工作表“事项”第 1 行，“办理单位”列：缺少此列。"),
        ([SERVICE_HEADER, service_row("")], "工作表“事项”第 2 行，“事项名称”列：此列必须填写。"),
        ([SERVICE_HEADER, service_row("a" * 121)], "工作表“事项”第 2 行，“事项名称”列：最多 120 个字。"),
        ([SERVICE_HEADER, service_row("a"), service_row("a")], "工作表“事项”第 3 行，“事项名称”列：同一单位的“a”重复出现。"),
        ([SERVICE_HEADER, service_row("a", **{"收费金额（元）": "1.234"})], "收费金额最多保留两位小数（分）。"),
        ([SERVICE_HEADER, service_row("a", **{"收费金额（元）": -5})], "收费金额请填数字"),
        ([SERVICE_HEADER, service_row("a", **{"承诺时限（工作日）": "两天"})], "“两天”不是整数。"),
        ([SERVICE_HEADER, service_row("a", 办理地点="主楼 999")], "找不到房间“主楼 999”"),
        ([SERVICE_HEADER, [None] * len(SERVICE_HEADER)], "没有可导入的数据行。"),
    ],
)
def test_row_problems_name_the_row_and_column(app, small_building, rows, expected):
    plan = plan_import(workbook(事项=rows), None, timeutil.now())
    assert any(expected in message for message in messages(plan, app)), messages(plan, app)


def test_staff_rows_are_checked(app, small_building):
    rows = [
        STAFF_HEADER,
        ["bad name!", "甲", "人社局", "", "", "", "是"],
        ["dup", "乙", "人社局", "", "", "", "是"],
        ["dup", "丙", "人社局", "", "", "", "也许"],
    ]
    result = messages(plan_import(workbook(人员=rows), None, timeutil.now()), app)
    assert result == [
        "工作表“人员”第 2 行，“用户名”列：只能使用字母、数字、点、连字符或下划线。",
        "工作表“人员”第 4 行，“用户名”列：“dup”在本表中重复出现。",
        "工作表“人员”第 4 行，“在册”列：请填“是”或“否”。",
    ]


@pytest.mark.parametrize("data", [b"", b"not a spreadsheet", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_a_workbook_is_refused(app, small_building, data):
    with pytest.raises(RuleViolation):
        plan_import(data, None, timeutil.now())


def test_a_workbook_without_known_sheets_is_refused(app, small_building):
    with pytest.raises(RuleViolation):
        plan_import(workbook(Sheet1=[["a"], ["b"]]), None, timeutil.now())


# ---------------------------------------------------------------- over HTTP


def upload(client, data, filename="directory.xlsx"):
    return client.post(
        "/directory/admin/exchange",
        data={"workbook": (BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_upload_with_a_broken_row_lists_problems_and_saves_nothing(client, small_building, login_as_role):
    login_as_role("logistics_admin")
    before = counts()
    data = workbook(事项=[SERVICE_HEADER, service_row("社保卡申领"), service_row("结婚登记", unit="不存在的单位")])
    response = upload(client, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "发现 1 处问题，未导入任何数据。" in page and "第 3 行" in page and "找不到单位“不存在的单位”" in page
    assert counts() == before


def test_upload_of_a_clean_workbook_imports_and_reports(client, small_building, login_as_role):
    login_as_role("logistics_admin")
    response = upload(client, workbook(事项=[SERVICE_HEADER, service_row("社保卡申领"), service_row("失业登记")]))
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(GuideItem)) == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "导入完成。" in page and "事项：新增 2，更新 0，未变 0" in page


def test_upload_of_something_else_is_a_clear_422(client, small_building, login_as_role):
    login_as_role("logistics_admin")
    response = upload(client, b"hello", "notes.txt")
    assert response.status_code == 422 and "不是 Excel 工作簿" in response.get_data(as_text=True)
    response = client.post("/directory/admin/exchange", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择要导入的 .xlsx 文件" in response.get_data(as_text=True)


def test_export_download(client, demo, auth):
    auth.login_as(demo["unit_admin"])
    response = client.get("/directory/admin/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["Content-Disposition"]
    assert load_workbook(BytesIO(response.data)).sheetnames == ["说明", "事项", "人员"]


def test_a_clash_while_applying_rolls_everything_back(client, small_building, login_as_role, monkeypatch):
    from portal.blueprints.directory import views

    login_as_role("logistics_admin")
    real_apply = views.import_workbook

    def apply_then_clash(data, *, actor, now):
        summary = real_apply(data, actor=actor, now=now)
        db.session.add(Unit(name="县民政局"))  # as if another admin had just saved this name
        db.session.flush()
        return summary

    monkeypatch.setattr(views, "import_workbook", apply_then_clash)
    before = counts()
    response = upload(client, workbook(事项=[SERVICE_HEADER, service_row("社保卡申领")]))
    assert response.status_code == 422 and "未导入任何数据" in response.get_data(as_text=True)
    assert counts() == before


ROOM_HEADER = [c.header for c in ROOMS.columns]


def test_rooms_carry_their_kind_seats_area_and_equipment(app, small_building):
    data = workbook(房间=[
        ROOM_HEADER,
        ["主楼", 3, "310", "第七会议室", "", "会议室", "24人", "56.5", "投影、幕布，话筒"],
        ["县委附楼", 3, "305", "", "", "办公室", "", "", ""],
    ])
    plan = plan_import(data, None, timeutil.now())
    assert plan.ok, messages(plan, app)
    apply_import(plan, actor=None, now=timeutil.now())
    db.session.commit()
    room = db.session.scalar(select(Room).where(Room.number == "310"))
    assert (room.kind, room.capacity, room.area_m2) == (RoomKind.MEETING, 24, Decimal("56.50"))
    assert room.equipment == ["projector", "screen", "microphones"]
    exported = load_workbook(BytesIO(export_workbook(None)))["房间"]
    row = next(r for r in exported.iter_rows(values_only=True) if r[2] == "310")
    assert row[5:] == ("会议室", 24, 56.5, "投影、幕布、话筒")


def test_an_older_room_sheet_without_the_detail_columns_keeps_the_details(app, small_building):
    hall = small_building.hall  # a service hall
    hall.capacity, hall.equipment = 80, ["screen"]
    db.session.commit()
    data = workbook(房间=[ROOM_HEADER[:5], ["主楼", 1, "104", "便民服务大厅（一楼）", ""]])
    plan = plan_import(data, None, timeutil.now())
    assert plan.ok, messages(plan, app)
    apply_import(plan, actor=None, now=timeutil.now())
    db.session.commit()
    db.session.refresh(hall)
    assert hall.name == "便民服务大厅（一楼）"
    assert (hall.kind, hall.capacity, hall.equipment) == (RoomKind.SERVICE_HALL, 80, ["screen"])


def test_bad_room_details_are_reported_by_row_and_column(app, small_building):
    data = workbook(房间=[
        ROOM_HEADER,
        ["主楼", 3, "311", "", "", "城堡", "", "", ""],
        ["主楼", 3, "312", "", "", "会议室", "0", "-5", "点歌机"],
    ])
    plan = plan_import(data, None, timeutil.now())
    found = messages(plan, app)
    assert not plan.ok
    assert any("第 2 行" in m and "类型" in m and "会议室" in m for m in found), found
    assert any("第 3 行" in m and "座位数" in m for m in found), found
    assert any("第 3 行" in m and "面积" in m for m in found), found
    assert any("第 3 行" in m and "点歌机" in m for m in found), found


def test_a_meeting_room_with_meetings_to_come_is_not_imported_as_an_office(app, small_building):
    from datetime import timedelta

    from portal import timeutil
    from portal.blueprints.rooms.models import Booking, BookingStatus

    room = small_building.annex_305
    room.kind = RoomKind.MEETING
    start = timeutil.now() + timedelta(days=3)
    db.session.add(Booking(room_id=room.id, start_at=start, end_at=start + timedelta(hours=1), title="例会", attendees=5,
                           status=BookingStatus.PENDING, contact_name="张三", contact_phone="5100"))
    db.session.commit()
    plan = plan_import(workbook(房间=[ROOM_HEADER, ["县委附楼", 3, "305", "", "", "办公室", "", "", ""]]), None, timeutil.now())
    assert not plan.ok and any("今后还有 1 场会议" in m for m in messages(plan, app))
