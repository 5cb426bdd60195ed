"""The service guide: public pages, the printable sheet, administration scoped by unit, demo data."""

import re
from pathlib import Path
from decimal import Decimal

from sqlalchemy import func, select

from portal.blueprints.guide.demo import ITEMS
from portal.blueprints.guide.models import GuideItem
from portal.blueprints.guide.services import pack_categories, split_lines
from portal.db import db
from portal.models import AuditLog, Role, Unit


def html(response):
    return response.get_data(as_text=True)


def test_split_lines_drops_numbering_and_blank_lines():
    assert split_lines("1. 身份证\r\n\n2、户口簿\n（3）照片\n 四、 申请表 ") == ["身份证", "户口簿", "照片", "申请表"]
    assert split_lines("") == [] and split_lines(None) == []


def test_demo_guide_is_realistic_and_fills_every_page(client, demo):
    services = db.session.scalars(select(GuideItem)).all()
    assert len(services) == len(ITEMS) >= 40
    assert len({s.unit_id for s in services}) >= 15
    assert all(s.materials and s.steps and s.category for s in services)
    names = {s.name for s in services}
    assert {"社会保障卡申领", "失业登记", "结婚登记", "医疗费用手工报销"} <= names
    assert any(s.name.startswith("不动产") and s.fee == Decimal("80.00") for s in services)
    page = html(client.get("/services/"))
    for category in {s.category for s in services}:
        assert category in page
    assert 'rel="next"' in page  # more than one page


def test_index_filters_by_category_and_by_unit(client, demo):
    page = html(client.get("/services/", query_string={"category": "不动产登记"}))
    assert "不动产转移登记（二手房买卖）" in page and "结婚登记" not in page
    minzheng = db.session.scalar(select(Unit).where(Unit.short_name == "民政局"))
    page = html(client.get("/services/", query_string={"unit": minzheng.id}))
    assert "结婚登记" in page and "失业登记" not in page and "县民政局" in page
    fragment = html(client.get("/services/", query_string={"unit": minzheng.id}, headers={"HX-Request": "true"}))
    assert "<html" not in fragment and "结婚登记" in fragment
    assert client.get("/services/?category=没有这个分类&unit=abc&page=x").status_code == 200


def test_service_sheet_shows_everything_a_visitor_needs(client, small_building, create_item):
    sb = small_building
    service = create_item(
        sb.renshe, "社保卡申领", room=sb.hall, window="5号窗口", materials=["居民身份证原件", "1 寸照片"],
        steps=["取号", "采集照片", "当场制卡"], fee=Decimal("0"), legal_days=20, promised_days=0, notes="即时制卡。",
    )
    page = html(client.get(f"/services/{service.id}"))
    for text in ("社保卡申领", "县人力资源和社会保障局", "主楼 104 便民服务大厅 5号窗口", "工作日 8:30–17:30", "不收费",
                 "20 个工作日", "即办（当场办结）", "0825-5400001", "<li>居民身份证原件</li>", "<li>当场制卡</li>",
                 "即时制卡。", "最后更新："):
        assert text in page, text


def test_fee_and_phone_variants(client, small_building, create_item):
    sb = small_building
    paid = create_item(sb.renshe, "不动产登记", fee=Decimal("80"), fee_note="住宅", phone="0825-5401234", promised_days=5)
    varies = create_item(sb.renshe, "复印", fee=None, fee_note="按页收取", promised_days=None)
    page = html(client.get(f"/services/{paid.id}"))
    assert "¥80.00（住宅）" in page and "0825-5401234" in page and "5 个工作日" in page
    page = html(client.get(f"/services/{varies.id}"))
    assert "按页收取" in page
    assert client.get("/services/999999").status_code == 404


def test_service_sheet_prints_as_a_clean_page(app, client, small_building, create_item):
    service = create_item(small_building.renshe)
    page = html(client.get(f"/services/{service.id}"))
    assert 'class="guide-sheet-page"' in page and "print-only" in page
    assert 'class="breadcrumbs no-print"' in page and 'class="js-print" hidden' in page
    assert not re.search(r"\sstyle=", page)
    css = (Path(app.static_folder) / "css" / "portal.css").read_text(encoding="utf-8")
    # the guide's own print block (other capabilities have theirs further down)
    print_blocks = css.split("@media print")[1:]
    assert any("@page" in block and ".guide-sheet-page" in block and "break-inside: avoid-page" in block
               for block in print_blocks)


def unit_admin(make_user, auth, unit):
    user = make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="ua", unit=unit)
    auth.login_as(user)
    return user


def form_data(unit, **overrides):
    data = {"name": "异地就医备案", "category": "医疗保障", "unit_id": str(unit.id), "room_id": "0", "window": "8号窗口",
            "materials": "1. 社保卡\n2. 承诺书", "steps": "申请\n审核", "hours": "", "fee": "0", "fee_note": "",
            "legal_days": "2", "promised_days": "0", "phone": "", "notes": "", "keywords": "异地 转诊"}
    data.update(overrides)
    return data


def test_unit_admin_adds_a_service_for_their_unit_and_it_is_audited(client, small_building, make_user, auth):
    sb = small_building
    admin = unit_admin(make_user, auth, sb.renshe)
    response = client.post("/services/admin/new", data=form_data(sb.renshe, room_id=str(sb.hall.id)))
    assert response.status_code == 303
    service = db.session.scalar(select(GuideItem).where(GuideItem.name == "异地就医备案"))
    assert service.unit_id == sb.renshe.id and service.room_id == sb.hall.id
    assert service.materials == ["社保卡", "承诺书"] and service.fee == Decimal("0.00") and service.promised_days == 0
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "guide_item.create"))
    assert entry.actor_id == admin.id and entry.after["materials"] == ["社保卡", "承诺书"]
    assert response.headers["Location"] == f"/services/{service.id}"


def test_unit_admin_cannot_use_or_edit_another_units_services(client, small_building, make_user, auth, create_item):
    sb = small_building
    theirs = create_item(sb.minzheng, "结婚登记")
    unit_admin(make_user, auth, sb.renshe)
    response = client.post("/services/admin/new", data=form_data(sb.minzheng))
    assert response.status_code == 422  # not a unit they may choose
    other_room = db.session.get(type(sb.room_305), sb.room_305.id)
    other_room.unit = sb.minzheng
    db.session.commit()
    response = client.post("/services/admin/new", data=form_data(sb.renshe, room_id=str(other_room.id)))
    assert response.status_code == 422  # nor another unit's office
    assert client.get(f"/services/admin/{theirs.id}").status_code == 403
    assert client.post(f"/services/admin/{theirs.id}", data=form_data(sb.renshe, name="改")).status_code == 403
    assert client.post(f"/services/admin/{theirs.id}/delete").status_code == 403
    db.session.refresh(theirs)
    assert theirs.name == "结婚登记" and theirs.unit_id == sb.minzheng.id
    assert db.session.scalar(select(func.count()).select_from(GuideItem)) == 1
    page = html(client.get("/services/admin/"))
    assert "结婚登记" not in page


def test_logistics_edits_and_deletes_any_service(client, small_building, login_as_role, create_item):
    sb = small_building
    service = create_item(sb.minzheng, "结婚登记")
    login_as_role("logistics_admin")
    response = client.post(f"/services/admin/{service.id}", data=form_data(sb.minzheng, name="结婚登记（预约）", category="婚姻家庭"))
    assert response.status_code == 303
    db.session.refresh(service)
    assert service.name == "结婚登记（预约）"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "guide_item.update"))
    assert entry.before["name"] == "结婚登记" and entry.after["name"] == "结婚登记（预约）"
    item_id = service.id
    # Deleting asks first (a page that works without JavaScript), then deletes.
    response = client.post(f"/services/admin/{item_id}/delete")
    assert response.status_code == 200 and 'name="confirmed" value="1"' in html(response)
    assert db.session.get(GuideItem, item_id) is not None
    assert client.post(f"/services/admin/{item_id}/delete", data={"confirmed": "1"}).status_code == 303
    assert db.session.get(GuideItem, item_id) is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "guide_item.delete")).before["name"] == "结婚登记（预约）"


def test_bad_service_input_rerenders_with_422_and_saves_nothing(client, small_building, login_as_role, create_item):
    sb = small_building
    create_item(sb.renshe, "异地就医备案")
    login_as_role("logistics_admin")
    cases = [
        (form_data(sb.renshe), "该单位已有同名事项"),
        (form_data(sb.renshe, name="x", legal_days="5", promised_days="10"), "承诺时限不能超过法定时限"),
        (form_data(sb.renshe, name="x", fee="NaN"), "收费金额请填数字"),
        (form_data(sb.renshe, name="x", fee="Infinity"), "收费金额请填数字"),
        (form_data(sb.renshe, name="x", fee="1.234"), "最多保留两位小数"),
        (form_data(sb.renshe, name="x", fee="-1"), "field--error"),
        (form_data(sb.renshe, name="x", fee="9" * 40), "field--error"),  # beyond Decimal's precision
        (form_data(sb.renshe, name="x", promised_days="1e3"), "field--error"),
        (form_data(sb.renshe, name="", category=""), "field--error"),
        (form_data(sb.renshe, name="x", unit_id="abc"), "field--error"),
    ]
    for data, message in cases:
        response = client.post("/services/admin/new", data=data)
        assert response.status_code == 422, data
        assert message in html(response), (data, message)
    assert db.session.scalar(select(func.count()).select_from(GuideItem)) == 1


def test_categories_follow_the_guides_order_and_unknown_ones_come_last(client, small_building, create_item):
    sb = small_building
    create_item(sb.renshe, "甲", category="信访")
    create_item(sb.renshe, "乙", category="自定义分类")
    create_item(sb.renshe, "丙", category="社会保障")
    create_item(sb.minzheng, "丁", category="婚姻家庭")
    page = html(client.get("/services/"))
    sidebar = page[page.index("filter-list"):]
    positions = [sidebar.index(f">{name}</a>") for name in ("社会保障", "婚姻家庭", "信访", "自定义分类")]
    assert positions == sorted(positions)
    listing = page[page.index('id="service-list"'):]
    assert listing.index("<h2>社会保障</h2>") < listing.index("<h2>婚姻家庭</h2>") < listing.index("<h2>自定义分类</h2>")


def test_pages_hold_small_categories_whole_and_split_a_large_one():
    counts = [("社会保障", 3), ("婚姻家庭", 2), ("不动产登记", 12), ("信访", 1)]
    pages = pack_categories(counts, 5)
    assert [[(s.category, s.start, s.count) for s in page] for page in pages] == [
        [("社会保障", 0, 3), ("婚姻家庭", 0, 2)],
        [("不动产登记", 0, 5)],
        [("不动产登记", 5, 5)],
        [("不动产登记", 10, 2)],
        [("信访", 0, 1)],
    ]
    assert all(sum(s.count for s in page) <= 5 for page in pages)
    assert pack_categories([], 5) == []


def test_a_category_larger_than_a_page_is_paged_through(app, client, small_building, create_item):
    app.config["PAGE_SIZE"] = 4
    names = [f"事项{n:02d}" for n in range(10)]
    for name in names:
        create_item(small_building.renshe, name, category="社会保障")
    create_item(small_building.renshe, "结婚登记", category="婚姻家庭")
    shown = []
    for number in (1, 2, 3, 4):
        page = html(client.get("/services/", query_string={"page": number}))
        listing = page[page.index('id="service-list"'):]
        shown.append(re.findall(r">(事项\d\d|结婚登记)</a>", listing))
        assert f"第 {number} 页，共 4 页" in page
    assert shown == [names[0:4], names[4:8], names[8:10], ["结婚登记"]]


def test_the_list_reads_a_fixed_number_of_queries_and_links_each_item(client, small_building, create_item,
                                                                         count_queries):
    sb = small_building
    first = create_item(sb.renshe, "社会保障卡申领", room=sb.hall, window="3号窗口")
    with count_queries() as few:
        page = html(client.get("/services/"))
    assert f'<a href="/services/{first.id}">社会保障卡申领</a>' in page
    for n, (unit, room, category) in enumerate([(sb.renshe, sb.room_305, "就业创业"), (sb.minzheng, sb.annex_305, "婚姻家庭"),
                                                (sb.minzheng, None, "社会救助"), (sb.renshe, sb.hall, "社会保障")]):
        create_item(unit, f"事项{n}", category=category, room=room)
    with count_queries() as more:
        page = html(client.get("/services/"))
    assert more.count == few.count, more.statements  # nothing per item, unit, room or category
    assert "主楼 305" in page and "县委附楼 305" in page
    for href in re.findall(r'href="(/services/\d+)"', page):
        assert client.get(href).status_code == 200
    with count_queries() as filtered:
        page = html(client.get("/services/", query_string={"category": "婚姻家庭"}))
    assert filtered.count == 1, filtered.statements  # the data's tokens: a filter is drawn from the kept guide
    assert 'href="/services/?category=婚姻家庭" aria-current="page"' in page


def test_every_filter_and_page_is_drawn_from_the_kept_guide_and_a_change_shows_at_once(
        app, client, small_building, create_item, count_queries):
    from portal import cache

    sb = small_building
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        create_item(sb.renshe, f"社保事项{n}", category="社会保障", room=sb.hall, window=f"{n}号窗口")
    create_item(sb.minzheng, "结婚登记", category="婚姻家庭", room=sb.annex_305)
    with count_queries() as first:
        client.get("/services/")
    assert first.count == 3, first.statements  # tokens; the units; every item with its room, in the list's order
    for query in ({"page": 2}, {"unit": sb.minzheng.id}, {"category": "社会保障", "page": 2}, {"unit": 999}):
        cache.forget_drawings()
        with count_queries() as other:
            assert client.get("/services/", query_string=query).status_code == 200
        assert other.count == 1, (query, other.statements)
    page = html(client.get("/services/", query_string={"unit": sb.minzheng.id}))
    assert "结婚登记" in page and "社保事项" not in page and "县委附楼 305" in page
    create_item(sb.minzheng, "离婚登记", category="婚姻家庭")
    sb.annex_305.number = "306"
    db.session.commit()
    page = html(client.get("/services/", query_string={"unit": sb.minzheng.id}))
    assert "离婚登记" in page and "县委附楼 306" in page
