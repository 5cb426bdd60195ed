from __future__ import annotations

from sqlalchemy import func, select

from portal.blueprints.equipment.models import Asset, InspectionRound
from portal.db import db


def test_demo_register_is_realistic_and_idempotent(app, demo):
    from portal.blueprints.equipment.demo import seed_demo

    count = db.session.scalar(select(func.count()).select_from(Asset))
    assert 60 <= count <= 120
    seed_demo()
    assert db.session.scalar(select(func.count()).select_from(Asset)) == count
    assert db.session.scalar(select(func.count()).select_from(InspectionRound)) == 1


def test_demo_has_documents_a_stopped_plan_and_generator_hours(app, demo):
    from portal.blueprints.equipment.models import AssetDocument, IntervalUnit, MaintenancePlan
    from portal.blueprints.equipment.services import DueState, due_state
    from portal.timeutil import now

    assert db.session.scalar(select(func.count()).select_from(AssetDocument)) == 3
    stopped = db.session.scalar(select(MaintenancePlan).where(MaintenancePlan.stopped_on.is_not(None)))
    assert stopped.asset.code == "AV-ZL101-TY" and stopped.active is False
    by_hours = db.session.scalar(select(MaintenancePlan).where(MaintenancePlan.unit == IntervalUnit.HOURS))
    assert by_hours.asset.code == "FDJ-01" and due_state(by_hours, now().date()) is DueState.DUE_SOON


def test_pages_render_for_logistics(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    asset = db.session.scalar(select(Asset).where(Asset.code == "DT-ZL-01"))
    for url in ("/equipment/", "/equipment/?category=lift&q=客梯", f"/equipment/{asset.id}", "/equipment/due",
                "/equipment/rounds", "/equipment/budget", "/equipment/new", f"/equipment/{asset.id}/edit",
                "/equipment/due?days=365", "/equipment/budget/lines?page=2",
                "/equipment/budget/lines?year=2027"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "1号客梯" in client.get("/equipment/?category=lift").get_data(as_text=True)


# --- forms through HTTP -----------------------------------------------------------------------

from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402
from io import BytesIO  # noqa: E402

import pytest  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from portal.blueprints.equipment.models import AssetRepair, MaintenancePlan, MaintenanceRecord, PlanKind  # noqa: E402
from portal.blueprints.equipment.services import PlanDraft, create_plan  # noqa: E402
from portal.blueprints.repairs.models import RepairRequest  # noqa: E402
from portal.models import AuditLog  # noqa: E402


def _form(place, **changes):
    data = {"code": "ＤＴ－０９", "name": "9号客梯", "category": "lift", "floor_id": str(place["f1"].id), "room_id": "",
            "zone": "东侧", "install_date": "2010-05-01", "expected_life_years": "15", "replacement_cost": "380000.00",
            "supplier": "某电梯公司", "maintainer": "", "contract_end": "", "warranty_end": "", "condition": "fair",
            "condition_date": "2026-11-01", "notes": ""}
    data.update(changes)
    return data


def test_logistics_adds_an_item_with_a_normalised_code(client, auth, place, logistics):
    auth.login_as(logistics)
    response = client.post("/equipment/new", data=_form(place))
    assert response.status_code == 303
    asset = db.session.scalar(select(Asset))
    assert asset.code == "DT-09" and asset.replacement_cost == Decimal("380000.00")
    assert response.headers["Location"].endswith(f"/equipment/{asset.id}")
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_type == "equipment_asset")) == "equipment.create"


@pytest.mark.parametrize(("changes", "message"), [
    ({"install_date": "2027-01-01"}, "安装日期不能晚于今天。"),
    ({"replacement_cost": "-1"}, "金额须在 0 至 99,999,999.99 元之间，精确到分。"),
    ({"install_date": "9999-99-99"}, ""),
    ({"floor_id": "abc"}, ""),
    ({"expected_life_years": "1000"}, ""),
])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, auth, place, logistics, changes, message):
    auth.login_as(logistics)
    response = client.post("/equipment/new", data=_form(place, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0


def test_a_duplicate_code_is_refused_on_edit(client, auth, place, logistics, make_asset):
    first, second = make_asset(code="DT-01"), make_asset(code="DT-02")
    auth.login_as(logistics)
    response = client.post(f"/equipment/{second.id}/edit", data=_form(place, code="dt-01"))
    assert response.status_code == 422
    assert "编号 DT-01 已被其他设备使用。" in response.get_data(as_text=True)
    response = client.post(f"/equipment/{second.id}/edit", data=_form(place, code="DT-02", name="二号"))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Asset, second.id).name == "二号" and first.code == "DT-01"


def test_plans_are_added_and_done_through_the_pages(client, auth, place, logistics, property_user, make_asset):
    asset = make_asset()
    auth.login_as(logistics)
    response = client.post(f"/equipment/{asset.id}/plans", data={
        "title": "月度保养", "kind": "routine", "every": "1", "unit": "months", "first_due": "2026-11-30",
        "remind_days": "7"})
    assert response.status_code == 303
    plan = db.session.scalar(select(MaintenancePlan))
    assert client.post(f"/equipment/{asset.id}/plans", data={"title": "", "kind": "routine", "every": "0",
                                                             "unit": "months", "first_due": ""}).status_code == 422
    auth.login_as(property_user)
    assert "逾期 2 天" in client.get("/equipment/due").get_data(as_text=True)
    response = client.post(f"/equipment/plans/{plan.id}/done", data={
        f"p{plan.id}-done_on": "2026-12-01", f"p{plan.id}-cost": "-3", f"p{plan.id}-note": ""})
    assert response.status_code == 422
    response = client.post(f"/equipment/plans/{plan.id}/done", data={
        f"p{plan.id}-done_on": "2026-12-01", f"p{plan.id}-cost": "420.00", f"p{plan.id}-note": "更换钢丝绳润滑"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MaintenancePlan, plan.id).next_due == date(2026, 12, 30)
    assert db.session.scalar(select(MaintenanceRecord.cost)) == Decimal("420.00")
    assert "¥420.00" in client.get(f"/equipment/{asset.id}").get_data(as_text=True)
    # the property company records work but does not change plans
    assert client.get(f"/equipment/plans/{plan.id}/edit").status_code == 403
    auth.login_as(logistics)
    response = client.post(f"/equipment/plans/{plan.id}/edit", data={
        "title": "季度保养", "kind": "statutory", "every": "3", "unit": "months", "first_due": "2027-01-15",
        "remind_days": "30"})
    assert response.status_code == 303
    db.session.expire_all()
    changed = db.session.get(MaintenancePlan, plan.id)
    assert (changed.every, changed.kind, changed.next_due) == (3, PlanKind.STATUTORY, date(2027, 1, 15))


def test_home_panel_shows_what_is_due(client, auth, property_user, make_asset, make_user):
    asset = make_asset()
    create_plan(asset, PlanDraft("保养", "routine", 1, "months", date(2026, 11, 1)), actor=None, now=NOW_)
    db.session.commit()
    auth.login_as(property_user)
    assert "1 项维保已逾期" in client.get("/").get_data(as_text=True)
    auth.login_as(make_user())
    assert "设备维保" not in client.get("/").get_data(as_text=True)


def test_an_inspection_round_through_the_pages_opens_a_repair(client, auth, place, property_user, make_asset):
    lift = make_asset()
    auth.login_as(property_user)
    response = client.post("/equipment/rounds", data={"category": "lift", "building": str(place["building"].id)})
    assert response.status_code == 303
    url = response.headers["Location"]
    assert "门关不严" not in client.get(url).get_data(as_text=True)
    response = client.post(url, data={f"result-{lift.id}": "fail", f"finding-{lift.id}": ""})
    assert response.status_code == 422 and "请说明 T-01 的问题" in response.get_data(as_text=True)
    assert client.post(url, data={f"result-{lift.id}": "fail", f"finding-{lift.id}": "门关不严"}).status_code == 303
    repair = db.session.scalar(select(RepairRequest))
    assert db.session.scalar(select(AssetRepair.asset_id).where(AssetRepair.repair_id == repair.id)) == lift.id
    page = client.get(url).get_data(as_text=True)
    assert f"/repairs/{repair.id}" in page and "门关不严" in page
    assert client.post("/equipment/rounds", data={"category": "av", "building": str(place["building"].id)}).status_code == 422


def test_a_repair_can_be_tied_to_an_item(client, auth, property_user, make_asset, make_user):
    from portal.blueprints.equipment.services import open_repair

    lift, other = make_asset(), make_asset()
    repair = open_repair(other, "异响", actor=make_user(), now=NOW_)
    db.session.execute(AssetRepair.__table__.delete())
    db.session.commit()
    auth.login_as(property_user)
    assert client.post(f"/equipment/{lift.id}/repairs", data={"repair_id": "99999"}).status_code == 422
    assert client.post(f"/equipment/{lift.id}/repairs", data={"repair_id": str(repair.id)}).status_code == 303
    assert client.post(f"/equipment/{other.id}/repairs", data={"repair_id": str(repair.id)}).status_code == 422
    assert "异响" in client.get(f"/equipment/{lift.id}").get_data(as_text=True)


def test_exports_open_in_excel(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    response = client.get("/equipment/register.xlsx?category=lift")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    rows = list(book.active.values)
    assert any(row and "DT-ZL-01" in row for row in rows)
    response = client.get("/equipment/budget.xlsx")
    book = load_workbook(BytesIO(response.data))
    assert len(book.sheetnames) == 5


def test_bad_query_arguments_are_400_not_500(client, auth, demo):
    auth.login_as(demo["property"])
    assert client.get("/equipment/?building=x").status_code == 400
    assert client.get("/equipment/due?days=9999").status_code == 400
    assert client.get("/equipment/?page=0").status_code in (200, 400)
    assert client.get("/equipment/99999").status_code == 404
    assert client.get("/equipment/rounds/99999").status_code == 404


from tests.equipment.conftest import NOW as NOW_  # noqa: E402


# --- documents --------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_logistics_keeps_documents_that_workers_download(client, auth, logistics, property_user, make_asset):
    from portal.blueprints.equipment.models import AssetDocument, DocumentKind
    from portal.files import StoredFile

    lift = make_asset()
    auth.login_as(logistics)
    response = client.post(f"/equipment/{lift.id}/documents", data={
        "doc-kind": "certificate", "doc-title": "2026年度定期检验报告",
        "doc-file": (BytesIO(PDF_BYTES), "..\\检验 报告.pdf")})
    assert response.status_code == 303
    document = db.session.scalar(select(AssetDocument))
    document_id = document.id
    assert (document.kind, document.file.name) == (DocumentKind.CERTIFICATE, "检验 报告.pdf")
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "equipment.document_add"))
    auth.login_as(property_user)
    page = client.get(f"/equipment/{lift.id}").get_data(as_text=True)
    assert "2026年度定期检验报告" in page and f"/equipment/documents/{document.id}/delete" not in page
    response = client.get(f"/equipment/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "%E6%A3%80%E9%AA%8C%20%E6%8A%A5%E5%91%8A.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post(f"/equipment/documents/{document.id}/delete", data={"confirmed": "1"}).status_code == 403
    auth.login_as(logistics)
    response = client.post(f"/equipment/documents/{document.id}/delete")
    assert response.status_code == 200 and db.session.get(AssetDocument, document.id) is not None  # asks first
    response = client.post(f"/equipment/documents/{document.id}/delete", data={"confirmed": "1"})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(AssetDocument)) == 0
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert client.get(f"/equipment/documents/{document_id}").status_code == 404


@pytest.mark.parametrize(("upload", "status", "message"), [
    ((BytesIO(b"MZ\x90\x00"), "说明书.pdf"), 422, "只能保存这些类型的文件"),
    ((BytesIO(b""), "空.pdf"), 422, "文件是空的"),
    ((BytesIO(PDF_BYTES), "说明书.exe"), 422, "文件内容与文件名（.exe）不符"),
    (None, 422, "请选择文件"),
])
def test_a_bad_document_is_refused_on_the_page_and_nothing_kept(client, auth, logistics, make_asset, upload, status,
                                                                  message):
    from portal.files import StoredFile

    lift = make_asset()
    auth.login_as(logistics)
    data = {"doc-kind": "manual", "doc-title": ""}
    if upload is not None:
        data["doc-file"] = upload
    response = client.post(f"/equipment/{lift.id}/documents", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_a_document_over_the_size_limit_is_413_with_the_limit(client, auth, app, logistics, make_asset):
    # (a body over 500 KB makes werkzeug's test client leave a temporary file open: the limit is lowered)
    app.config["FILE_MAX_BYTES"] = 256 * 1024
    lift = make_asset()
    auth.login_as(logistics)
    response = client.post(f"/equipment/{lift.id}/documents", data={
        "doc-kind": "manual", "doc-file": (BytesIO(PDF_BYTES + b"0" * 256 * 1024), "大.pdf")})
    assert response.status_code == 413 and "文件太大（最大 0.25 MB）" in response.get_data(as_text=True)


def test_logistics_stops_and_resumes_a_plan_through_the_pages(client, auth, logistics, property_user, make_asset):
    asset = make_asset()
    plan = create_plan(asset, PlanDraft("月度保养", "routine", 1, "months", date(2026, 12, 20)), actor=None, now=NOW_)
    db.session.commit()
    auth.login_as(property_user)
    assert client.post(f"/equipment/plans/{plan.id}/stop", data={"stopped_on": "2026-12-02", "reason": "x"}
                       ).status_code == 403
    auth.login_as(logistics)
    response = client.post(f"/equipment/plans/{plan.id}/stop", data={"stopped_on": "2026-12-02", "reason": ""})
    assert response.status_code == 422
    response = client.post(f"/equipment/plans/{plan.id}/stop", data={"stopped_on": "2026-12-02", "reason": "设备已更换"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MaintenancePlan, plan.id).active is False
    page = client.get(f"/equipment/{asset.id}").get_data(as_text=True)
    assert "已停止" in page and "设备已更换" in page and "登记完成" not in page
    assert "月度保养" not in client.get("/equipment/due?days=365").get_data(as_text=True)
    response = client.post(f"/equipment/plans/{plan.id}/resume", data={"next_due": "2027-01-05"})
    assert response.status_code == 303
    db.session.expire_all()
    resumed = db.session.get(MaintenancePlan, plan.id)
    assert (resumed.active, resumed.next_due, resumed.stopped_on) == (True, date(2027, 1, 5), None)


def test_readings_and_a_counter_plan_through_the_pages(client, auth, logistics, property_user, make_asset):
    from portal.blueprints.equipment.models import AssetCategory

    generator = make_asset(category=AssetCategory.GENERATOR)
    auth.login_as(logistics)
    response = client.post(f"/equipment/{generator.id}/plans", data={
        "title": "250小时保养", "kind": "routine", "every": "250", "unit": "hours", "first_due": ""})
    assert response.status_code == 303
    auth.login_as(property_user)
    assert client.post(f"/equipment/{generator.id}/readings", data={"read_on": "2026-11-01", "value": "240"}
                       ).status_code == 303
    response = client.post(f"/equipment/{generator.id}/readings", data={"read_on": "2026-12-01", "value": "200"})
    assert response.status_code == 422 and "计数器已更换" in response.get_data(as_text=True)
    assert client.post(f"/equipment/{generator.id}/readings", data={"read_on": "2026-12-01", "value": "20",
                                                                    "replaced": "y"}).status_code == 303
    page = client.get("/equipment/due").get_data(as_text=True)
    assert "250小时保养" in page and "2026-12-01" in page
    plan = db.session.scalar(select(MaintenancePlan))
    response = client.post(f"/equipment/plans/{plan.id}/done", data={
        f"p{plan.id}-done_on": "2026-12-02", f"p{plan.id}-cost": "800", f"p{plan.id}-note": ""})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MaintenancePlan, plan.id).due_reading == 510


# --- the register as a kept page ---------------------------------------------------------------


def test_the_register_is_kept_for_the_session_until_an_item_changes(
    client, auth, clock, property_user, make_asset, make_user, count_queries, areas_on_record
):
    from portal.models import Role

    clock(2026, 12, 2, 10, 0)
    areas_on_record("equipment", "building")
    make_asset(name="1号客梯")
    auth.login_as(property_user)
    client.get("/equipment/")  # the session's CSRF token
    first = client.get("/equipment/").get_data()
    with count_queries() as counted:
        again = client.get("/equipment/").get_data()
    assert again == first and "1号客梯" in first.decode()
    assert counted.count == 1  # the data versions: no account loaded
    make_asset(name="2号客梯")
    assert "2号客梯" in client.get("/equipment/").get_data(as_text=True)
    colleague = make_user(roles=[Role.PROPERTY], username="wuye2", display_name="物业 王师傅")
    auth.login_as(colleague)  # same browser, same CSRF token: another account is drawn its own page
    page = client.get("/equipment/").get_data(as_text=True)
    assert "物业 王师傅" in page and "物业 张师傅" not in page


def test_the_register_page_runs_a_fixed_number_of_queries(client, auth, place, property_user, make_asset,
                                                         count_queries, areas_on_record):
    from portal import cache

    areas_on_record("equipment", "building")
    make_asset(room_id=place["room"].id)
    auth.login_as(property_user)
    client.get("/equipment/")

    def drawn_afresh():
        cache.forget_drawings()
        with count_queries() as counted:
            assert client.get("/equipment/?page=1").status_code == 200
        return counted.count

    few = drawn_afresh()
    assert few == 5  # data versions, account, count, rows, messages: the buildings to choose from are kept facts
    for n in range(30):
        make_asset(code=f"X-{n:02d}", name=f"水泵{n}", floor_id=place["f2"].id)
    assert drawn_afresh() == few
    page = client.get("/equipment/?page=2").get_data(as_text=True)
    assert "主楼 2楼" in page and "¥100,000.00" in page
    from portal.models import Building

    db.session.add(Building(code="FL", name="附楼", sort_order=5))
    db.session.commit()
    assert ">附楼</option>" in client.get("/equipment/").get_data(as_text=True)  # a new building shows at once


# --- the plan as a kept page -------------------------------------------------------------------


def test_the_plan_is_kept_until_a_repair_cost_changes_and_drawn_with_a_fixed_number_of_queries(
    client, auth, clock, logistics, make_asset, make_user, count_queries, areas_on_record
):
    from datetime import date
    from decimal import Decimal

    from portal import cache
    from portal.blueprints.equipment.services import open_repair
    from portal.timeutil import now

    clock(2026, 12, 2, 10, 0)
    areas_on_record("equipment", "building", "repairs")
    lift = make_asset(install_date=date(2019, 8, 10), replacement_cost=Decimal("10000.00"))
    repair = open_repair(lift, "异响", actor=make_user(), now=now())
    db.session.commit()
    auth.login_as(logistics)
    client.get("/equipment/budget")  # the session's CSRF token
    first = client.get("/equipment/budget").get_data(as_text=True)
    with count_queries() as counted:
        assert client.get("/equipment/budget").get_data(as_text=True) == first
    assert counted.count == 1  # the data versions: no account loaded
    lines = client.get("/equipment/budget/lines").get_data(as_text=True)
    assert "2034" in lines and "¥4,000.00" not in lines
    repair.parts_cost, repair.labour_cost = Decimal("4000.00"), Decimal("0.00")
    db.session.commit()
    lines = client.get("/equipment/budget/lines").get_data(as_text=True)
    assert "¥4,000.00" in lines and "2033" in lines  # over 30% of its price: replaced a year earlier, and why
    assert client.get("/equipment/budget").get_data(as_text=True) != first

    def drawn_afresh(url):
        cache.forget_drawings()
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    # the facts are kept: a page drawn afresh reads the data versions, the account and its messages, no costs
    assert drawn_afresh("/equipment/budget") == drawn_afresh("/equipment/budget/lines?year=2033&page=1") == 3
    for n in range(20):
        make_asset(code=f"X-{n:02d}", name=f"水泵{n}")
    client.get("/equipment/budget")  # the facts again, once
    assert drawn_afresh("/equipment/budget") == drawn_afresh("/equipment/budget/lines?page=2") == 3


def _plan_statements(statements):
    return [s for s in statements if "equipment_" in s or "repair_request" in s]


def test_a_new_cost_shows_at_once_and_another_year_or_page_reads_the_kept_facts(
    client, auth, clock, logistics, make_asset, count_queries, areas_on_record
):
    """The facts (each item's age, life, price, condition and costs by year) are kept apart from the
    drawings: a plan for another year, language or page finds them, and any change of the data is in
    the next plan drawn."""
    from datetime import date
    from decimal import Decimal

    from portal import cache
    from portal.blueprints.equipment.budget import Assumptions, project
    from portal.blueprints.equipment.models import MaintenanceRecord

    clock(2026, 12, 2, 10, 0)
    areas_on_record("equipment", "building", "repairs")
    lift = make_asset(install_date=date(2019, 8, 10), replacement_cost=Decimal("10000.00"))
    make_asset(install_date=date(2015, 3, 9), expected_life_years=20, replacement_cost=Decimal("250000.00"))
    auth.login_as(logistics)
    with count_queries() as counted:
        page = client.get("/equipment/budget").get_data(as_text=True)
    assert len(_plan_statements(counted.statements)) == 3  # the items, their maintenance and repair costs
    total = project(Assumptions(first_year=2027), 2026).total()
    assert f"¥{total:,.2f}" in page
    db.session.add(MaintenanceRecord(asset_id=lift.id, done_on=date(2026, 5, 1), cost=Decimal("900.00")))
    db.session.commit()
    page = client.get("/equipment/budget").get_data(as_text=True)
    assert f"¥{total:,.2f}" not in page  # routine maintenance: ¥900.00 a year, no more 2% of its price
    total = project(Assumptions(first_year=2027), 2026).total()
    assert f"¥{total:,.2f}" in page

    for moment, first_year in (((2026, 12, 3, 9, 0), 2027), ((2027, 1, 4, 9, 0), 2028)):
        clock(*moment)
        cache.forget_drawings()
        with count_queries() as counted:
            page = client.get("/equipment/budget").get_data(as_text=True)
            assert client.get("/equipment/budget/lines?year=2030&page=2").status_code == 200
            client.post("/language", data={"lang": "en", "next": "/equipment/budget", "csrf_token": _csrf(page)})
            english = client.get("/equipment/budget").get_data(as_text=True)
            client.post("/language", data={"lang": "zh_CN", "next": "/", "csrf_token": _csrf(english)})
        assert _plan_statements(counted.statements) == []  # the kept facts
        total = project(Assumptions(first_year=first_year), first_year - 1).total()
        assert f"¥{total:,.2f}" in page and f"¥{total:,.2f}" in english
        assert f"{first_year}–{first_year + 9}" in page


def test_the_plan_is_worked_out_once_for_every_language_and_page_of_its_year(
    client, auth, clock, logistics, make_asset, areas_on_record, monkeypatch
):
    """The plan is the same in both languages and on each page of its lines (and every day of its year):
    a drawing missed in another language or for another page finds it with the facts."""
    from datetime import date
    from decimal import Decimal

    from portal import cache
    from portal.blueprints.equipment import budget as budgets

    clock(2026, 12, 2, 10, 0)
    areas_on_record("equipment", "building", "repairs")
    make_asset(install_date=date(2015, 3, 9), expected_life_years=20, replacement_cost=Decimal("250000.00"))
    auth.login_as(logistics)
    worked_out = []
    plan_for = budgets.plan_for
    monkeypatch.setattr(budgets, "plan_for", lambda facts, a, year: worked_out.append(year) or plan_for(facts, a, year))
    page = client.get("/equipment/budget").get_data(as_text=True)
    cache.forget_drawings()
    assert client.get("/equipment/budget/lines?page=1").status_code == 200
    client.post("/language", data={"lang": "en", "next": "/equipment/budget", "csrf_token": _csrf(page)})
    english = client.get("/equipment/budget").get_data(as_text=True)
    assert "Maintenance and replacement plan 2027–2036" in english
    assert worked_out == [2026]
    clock(2027, 1, 4, 9, 0)
    assert "2028–2037" in client.get("/equipment/budget").get_data(as_text=True)
    assert worked_out == [2026, 2027]
    make_asset(code="X-01", name="水泵", install_date=date(2020, 1, 1), replacement_cost=Decimal("8000.00"))
    client.get("/equipment/budget")
    assert worked_out == [2026, 2027, 2027]  # the register changed: the plan again


def _csrf(page: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
