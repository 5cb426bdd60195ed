"""The pages, per role: an inspection on a phone form, the rectification flow, the evaluation."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.supervision.models import Area, CheckItem, Inspection, Rectification, RectificationStatus
from portal.blueprints.supervision.services import RectificationDraft, request_rectification
from portal.db import db
from portal.files import StoredFile
from portal.models import Role
from portal.timeutil import LOCAL_TZ


def _inspection_data(items, failed=None, note=""):
    data = {"place": "主楼1楼便民服务大厅", "note": ""}
    for item in items:
        data[f"item_{item.id}"] = "fail" if item.id == failed else "pass"
        data[f"note_{item.id}"] = note if item.id == failed else ""
    return data


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_logistics_records_an_inspection_with_a_failed_item_and_requests_a_rectification(client, auth, logistics,
                                                                                         property_user, cleaning_items):
    auth.login_as(logistics)
    page = client.get("/supervision/inspect?area=cleaning")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "大厅地面干净" in html and f'name="item_{cleaning_items[0].id}"' in html

    failed = cleaning_items[1].id
    response = client.post("/supervision/inspect?area=cleaning", data=_inspection_data(cleaning_items, failed, "有异味"))
    assert response.status_code == 303
    inspection = db.session.scalar(select(Inspection))
    assert (inspection.points, inspection.possible) == (7, 10)
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "有异味" in detail and "70.0" in detail

    form = client.get(f"/supervision/rectifications/new?inspection={inspection.id}").get_data(as_text=True)
    assert "卫生间无异味：有异味" in form  # the failed item is the draft's text
    deadline = (timeutil.today() + timedelta(days=2)).isoformat()
    response = client.post(f"/supervision/rectifications/new?inspection={inspection.id}",
                           data={"area": "cleaning", "description": "卫生间有异味，请加强通风和清洁。", "deadline": deadline})
    assert response.status_code == 303
    item = db.session.scalar(select(Rectification))
    assert item.inspection_id == inspection.id and item.status is RectificationStatus.OPEN


def test_a_failed_item_without_a_note_is_refused_and_nothing_is_saved(client, auth, logistics, cleaning_items):
    auth.login_as(logistics)
    response = client.post("/supervision/inspect?area=cleaning", data=_inspection_data(cleaning_items, cleaning_items[0].id))
    assert response.status_code == 422
    assert "请说明存在的问题" in response.get_data(as_text=True)
    assert _count(Inspection) == 0


def test_an_unmarked_item_is_refused(client, auth, logistics, cleaning_items):
    auth.login_as(logistics)
    data = _inspection_data(cleaning_items)
    del data[f"item_{cleaning_items[2].id}"]
    response = client.post("/supervision/inspect?area=cleaning", data=data)
    assert response.status_code == 422
    assert "请逐项标明合格或不合格" in response.get_data(as_text=True)
    assert _count(Inspection) == 0


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_photo_of_a_failed_item_is_shown_to_whoever_sees_the_inspection(client, auth, logistics, property_user,
                                                                           make_user, cleaning_items):
    auth.login_as(logistics)
    form = client.get("/supervision/inspect?area=cleaning").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    assert f'name="photo_{cleaning_items[1].id}"' in form and 'accept="image/*" capture="environment"' in form
    failed = cleaning_items[1]
    data = _inspection_data(cleaning_items, failed.id, "有异味") | {f"photo_{failed.id}": (BytesIO(PNG), "异味.png")}
    response = client.post("/supervision/inspect?area=cleaning", data=data)
    assert response.status_code == 303
    inspection = db.session.scalar(select(Inspection))
    result = inspection.failed[0]
    assert result.photo.name == "异味.png" and _count(StoredFile) == 1
    assert all(r.photo is None for r in inspection.results if r is not result)
    photo_url = f"/supervision/inspections/results/{result.id}/photo"
    assert photo_url in client.get(response.headers["Location"]).get_data(as_text=True)

    deadline = (timeutil.today() + timedelta(days=2)).isoformat()
    response = client.post(f"/supervision/rectifications/new?inspection={inspection.id}",
                           data={"area": "cleaning", "description": "卫生间有异味", "deadline": deadline})
    assert photo_url in client.get(response.headers["Location"]).get_data(as_text=True)

    auth.login_as(property_user)
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"
    assert client.get(f"/supervision/inspections/results/{inspection.results[0].id}/photo").status_code == 404
    auth.login_as(make_user([Role.EMPLOYEE]))
    assert client.get(photo_url).status_code == 403


@pytest.mark.parametrize("upload, status, message", [
    ((BytesIO(b"%PDF-1.4\n%%EOF\n"), "照片.pdf"), 422, "只能保存这些类型的文件：JPG, PNG。"),
    ((BytesIO(PNG), "照片.jpg"), 422, "文件内容与文件名（.jpg）不符"),
    ((BytesIO(PNG + b"0" * 256 * 1024), "大.png"), 413, "文件太大（最大 0.25 MB）"),
])
def test_a_bad_photo_is_refused_on_the_form_and_nothing_is_saved(client, auth, app, logistics, cleaning_items, upload,
                                                                 status, message):
    app.config["FILE_MAX_BYTES"] = 256 * 1024
    auth.login_as(logistics)
    first, second = cleaning_items[0], cleaning_items[1]
    data = _inspection_data(cleaning_items) | {f"photo_{first.id}": (BytesIO(PNG), "好.png"), f"photo_{second.id}": upload}
    response = client.post("/supervision/inspect?area=cleaning", data=data)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and f'aria-describedby="photo_{second.id}-errors"' in html
    assert "请重新选择照片" in html
    assert _count(Inspection) == 0 and _count(StoredFile) == 0


def test_a_rectification_deadline_in_the_past_is_refused(client, auth, logistics):
    auth.login_as(logistics)
    yesterday = (timeutil.today() - timedelta(days=1)).isoformat()
    response = client.post("/supervision/rectifications/new",
                           data={"area": "greening", "description": "草坪枯黄", "deadline": yesterday})
    assert response.status_code == 422
    assert "整改期限不能早于今天" in response.get_data(as_text=True)
    assert _count(Rectification) == 0


def test_the_property_company_reports_done_and_logistics_verifies(client, auth, logistics, property_user):
    item = request_rectification(RectificationDraft(Area.SECURITY, "南门岗夜间无人值守", timeutil.today()),
                                 actor=logistics, now=timeutil.now())
    db.session.commit()
    auth.login_as(property_user)
    page = client.get(f"/supervision/rectifications/{item.id}").get_data(as_text=True)
    assert "报告整改完成" in page and "复查整改" not in page
    assert client.post(f"/supervision/rectifications/{item.id}/report", data={"reply": ""}).status_code == 422
    response = client.post(f"/supervision/rectifications/{item.id}/report", data={"reply": "已安排夜班双岗值守。"})
    assert response.status_code == 303
    # Twice: the second is refused (it is no longer with the property company)
    again = client.post(f"/supervision/rectifications/{item.id}/report", data={"reply": "再次报告"})
    assert again.status_code == 409

    auth.login_as(logistics)
    page = client.get(f"/supervision/rectifications/{item.id}").get_data(as_text=True)
    assert "复查整改" in page and "已安排夜班双岗值守" in page
    assert client.post(f"/supervision/rectifications/{item.id}/review", data={"verdict": "return", "note": ""}).status_code == 422
    response = client.post(f"/supervision/rectifications/{item.id}/review", data={"verdict": "accept", "note": "复查合格"})
    assert response.status_code == 303
    db.session.refresh(item)
    assert item.status is RectificationStatus.CLOSED


def test_the_property_company_sees_its_tasks_and_scores_on_the_home_page(client, auth, logistics, property_user):
    request_rectification(RectificationDraft(Area.CLEANING, "卫生间纸巾未补充", timeutil.today()),
                          actor=logistics, now=timeutil.now())
    db.session.commit()
    auth.login_as(property_user)
    home = client.get("/").get_data(as_text=True)
    assert "1 项整改待落实" in home and "/supervision/scores" in home
    assert client.get("/supervision/scores").status_code == 200
    assert client.get("/supervision/inspect").status_code == 403
    assert client.get("/supervision/items").status_code == 403


def test_logistics_sees_what_waits_for_verification_on_the_home_page(client, auth, logistics, property_user):
    item = request_rectification(RectificationDraft(Area.CLEANING, "卫生间纸巾未补充", timeutil.today()),
                                 actor=logistics, now=timeutil.now())
    item.status, item.reply, item.reported_at = RectificationStatus.REPORTED, "已补充", timeutil.now()
    db.session.commit()
    auth.login_as(logistics)
    assert "1 项整改已报完成，待复查" in client.get("/").get_data(as_text=True)


def test_the_evaluation_page_shows_a_month_and_refuses_a_bad_one(client, auth, logistics):
    auth.login_as(logistics)
    page = client.get("/supervision/scores?month=2026-10")
    assert page.status_code == 200 and "2026年10月" in page.get_data(as_text=True)
    for bad in ("2026-13", "abcd", "99999-01", "2026-00"):
        response = client.get(f"/supervision/scores?month={bad}")
        assert response.status_code == 400, bad
        assert "月份格式为 YYYY-MM" in response.get_data(as_text=True)


def test_checklist_items_are_added_and_stopped(client, auth, logistics):
    auth.login_as(logistics)
    response = client.post("/supervision/items", data={"area": "greening", "text": "草坪修剪整齐", "weight": "2"})
    assert response.status_code == 303
    item = db.session.scalar(select(CheckItem))
    assert (item.area, item.weight, item.active) == (Area.GREENING, 2, True)
    for weight in ("0", "11", "两", ""):
        response = client.post("/supervision/items", data={"area": "greening", "text": "绿篱修剪", "weight": weight})
        assert response.status_code == 422, weight
    assert _count(CheckItem) == 1
    assert client.post(f"/supervision/items/{item.id}/toggle").status_code == 303
    db.session.refresh(item)
    assert item.active is False


def test_demo_data_fills_every_page(client, auth, demo):
    from portal.blueprints.supervision.demo import seed_demo

    counts = (_count(CheckItem), _count(Inspection), _count(Rectification))
    assert all(counts)
    seed_demo()  # idempotent
    assert (_count(CheckItem), _count(Inspection), _count(Rectification)) == counts
    statuses = set(db.session.scalars(select(Rectification.status)))
    assert statuses == set(RectificationStatus)
    auth.login_as(demo["property"])
    page = client.get("/supervision/").get_data(as_text=True)
    assert "遂宁富航" in page


def test_the_evaluation_workbook_for_the_payment_discussion(client, auth, logistics, property_user, cleaning_items):
    from io import BytesIO

    from openpyxl import load_workbook

    from portal.blueprints.supervision.services import InspectionDraft, Mark, record_inspection

    now = timeutil.now()
    record_inspection(InspectionDraft(Area.CLEANING, "", "", {i.id: Mark(i.id != cleaning_items[0].id, "积水")
                                                              for i in cleaning_items}), actor=logistics, now=now)
    db.session.commit()
    auth.login_as(property_user)
    response = client.get(f"/supervision/scores.xlsx?month={now:%Y-%m}")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    month = book.worksheets[0]
    values = [[c.value for c in row] for row in month.iter_rows()]
    inspections = next(row for row in values if row[0] == "检查记录")
    assert float(inspections[1]) == 70.0 and inspections[3] == 1
    total = next(row for row in values if row[0] == "月度得分")
    assert float(total[1]) == 70.0 and total[2] == "基本合格（70 至 80 分以下）"
    assert client.get("/supervision/scores.xlsx?month=2026-13").status_code == 400


def test_the_supervision_page_is_kept_for_the_session_until_a_rectification_changes(
        client, auth, clock, make_user, logistics, count_queries, areas_on_record):
    clock(2026, 11, 10, 9, 0)
    areas_on_record("supervision", "repairs", "building")
    auth.login_as(logistics)
    client.get("/supervision/")  # the session's CSRF token
    first = client.get("/supervision/").get_data()
    with count_queries() as counted:
        again = client.get("/supervision/").get_data()
    assert again == first and counted.count == 1  # the data versions: no account loaded
    request_rectification(RectificationDraft(Area.CLEANING, "卫生间纸巾未补充", timeutil.today()),
                          actor=logistics, now=timeutil.now())
    db.session.commit()
    assert client.get("/supervision/").get_data() != first

    other = make_user(roles=[Role.LOGISTICS_ADMIN, Role.EMPLOYEE], username="houqin2", display_name="后勤中心 王科长")
    auth.login_as(other)
    client.get("/supervision/")
    theirs = client.get("/supervision/").get_data(as_text=True)
    assert "后勤中心 王科长" in theirs and "后勤中心 李主任" not in theirs



def test_the_supervision_page_drawn_afresh_counts_this_month_alone_in_a_fixed_number_of_queries(
        client, auth, clock, logistics, night_route, count_queries, areas_on_record):
    from portal import cache

    clock(2026, 12, 2, 9, 0)  # November is not settled yet (its repairs' allowances still run)
    areas_on_record("supervision", "repairs", "building")
    auth.login_as(logistics)
    client.get("/supervision/")

    def drawn_afresh():
        cache.forget_drawings()
        with count_queries() as counted:
            page = client.get("/supervision/")
        assert page.status_code == 200
        # the patrol rounds beside the score are not shown here, so neither routes nor rounds are read
        assert not any("supervision_patrol" in statement for statement in counted.statements)
        return counted.count, page.get_data(as_text=True)

    quiet, _page = drawn_afresh()
    for day in (5, 20, 28):
        db.session.add(Inspection(area=Area.CLEANING, place="大厅", inspector=logistics, note="", points=7, possible=10,
                                  inspected_at=datetime(2026, 11, day, 10, tzinfo=LOCAL_TZ)))
        request_rectification(RectificationDraft(Area.CLEANING, f"整改{day}", timeutil.today()), actor=logistics,
                              now=timeutil.now())
    db.session.commit()
    busy, page = drawn_afresh()
    assert "2026-11-28 10:00 · 清洁卫生 · 大厅</a> — 70.0" in page and "3 项在物业公司处理中" in page
    # The data versions, the account, this month's facts (inspections, rectifications, repairs, survey
    # answers), the rectification counts, the latest inspections and the header's count; not the time a
    # month takes to settle, as no month asked for has ended.
    assert busy == quiet == 9
