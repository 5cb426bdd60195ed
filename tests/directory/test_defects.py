"""Regression tests for reported defects (issues 14.7, 15.2 and 16)."""

import re
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.directory.exchange import ITEMS, STAFF, import_workbook
from portal.blueprints.guide.models import GuideItem
from portal.db import db
from portal.models import Role, User

STAFF_HEADER = [c.header for c in STAFF.columns]
ITEM_HEADER = [c.header for c in ITEMS.columns]


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


def messages(result, app):
    with app.test_request_context():
        return [str(problem) for problem in result.problems]


def unit_admin(make_user, unit):
    return make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="ua", unit=unit)


# ---------------------------------------------------------------- 15.2 the import applies the form's rules


def test_an_import_cannot_switch_on_an_account_the_sysadmin_switched_off(app, client, small_building, make_user, auth):
    sb = small_building
    colleague = make_user(username="zhaomin", display_name="赵敏", unit=sb.renshe)  # has a portal login
    colleague.active = False  # switched off by the system administrator
    db.session.commit()
    admin = unit_admin(make_user, sb.renshe)
    data = workbook(人员=[STAFF_HEADER, ["zhaomin", "赵敏", "县人力资源和社会保障局", "", "", "", "是"]])
    result = import_workbook(data, actor=admin, now=timeutil.now())
    db.session.rollback()
    assert any("第 2 行" in m and "在册" in m and "系统管理员" in m for m in messages(result, app)), messages(result, app)
    assert db.session.get(User, colleague.id).active is False

    # The same over HTTP: refused, nothing saved.
    auth.login_as(admin)
    response = client.post("/directory/admin/exchange", data={"workbook": (BytesIO(data), "d.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "系统管理员" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, colleague.id).active is False


def test_an_import_checks_every_field_as_the_form_does(app, small_building, make_user):
    sb = small_building
    admin = unit_admin(make_user, sb.renshe)
    sb.room_305.unit = sb.minzheng  # now another unit's office
    db.session.commit()
    data = workbook(
        事项=[ITEM_HEADER, ["社保卡申领", "人社局", "社会保障", "主楼 305", "", "", "", "", 0, "", "", 0, "", "", ""]],
        人员=[STAFF_HEADER, ["", "王芳", "人社局", "", "", "分机五", "是"], ["", "李雷", "人社局", "", "主楼 305", "", "是"]],
    )
    result = import_workbook(data, actor=admin, now=timeutil.now())
    found = messages(result, app)
    db.session.rollback()
    assert any("“事项”第 2 行" in m and "办理地点" in m for m in found), found
    assert any("“人员”第 2 行" in m and "分机" in m for m in found), found
    assert any("“人员”第 3 行" in m and "办公室" in m for m in found), found
    assert db.session.scalar(select(User).where(User.display_name.in_(["王芳", "李雷"]))) is None
    assert db.session.scalar(select(GuideItem)) is None


# ---------------------------------------------------------------- 14.7 lists and search


def test_the_guide_never_splits_a_category_across_pages(app, client, small_building, create_item):
    app.config["PAGE_SIZE"] = 5
    for n in range(4):
        create_item(small_building.renshe, f"社保{n}", category="社会保障")
    for n in range(3):
        create_item(small_building.renshe, f"不动产{n}", category="不动产登记")
    create_item(small_building.minzheng, "结婚登记", category="婚姻家庭")
    pages = [client.get(f"/services/?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    for n in range(3):
        holding = [i for i, page in enumerate(pages) if f">不动产{n}</a>" in page]
        assert len(holding) == 1
    assert all(f">不动产{n}</a>" in pages[holding[0]] for n in range(3))  # the whole group on one page
    assert all(f">社保{n}</a>" in pages[0] for n in range(4)) and ">结婚登记</a>" in pages[0]
    assert 'rel="next"' in pages[0] and 'rel="next"' not in pages[1]


def test_the_staff_list_follows_rank_within_a_unit(client, small_building, make_user, auth):
    sb = small_building  # 张伟 (科员) is already there
    db.session.add_all([
        User(username="aiguo", display_name="艾国", unit=sb.renshe, title="副局长", password_hash=""),
        User(username="zouming", display_name="邹明", unit=sb.renshe, title="局长", password_hash=""),
        User(username="baiyun", display_name="白云", unit=sb.renshe, title="科长", password_hash=""),
    ])
    db.session.commit()
    auth.login_as(make_user(username="reader", unit=sb.minzheng))
    page = client.get(f"/directory/staff/?unit={sb.renshe.id}").get_data(as_text=True)
    order = [page.index(f"<td>{name}</td>") for name in ("邹明", "艾国", "白云", "张伟")]
    assert order == sorted(order)


def test_an_extension_number_finds_the_colleague_for_staff_only(client, small_building, make_user, auth, create_item):
    # 张伟 has extension 5123
    create_item(small_building.renshe, "工伤认定", phone="0825-5406789")
    assert "工伤认定" in client.get("/directory/search?q=5406789").get_data(as_text=True)
    assert "张伟" not in client.get("/directory/search?q=5123").get_data(as_text=True)
    auth.login_as(make_user(username="reader", unit=small_building.minzheng))
    assert "张伟" in client.get("/directory/search?q=5123").get_data(as_text=True)
    assert "<td>张伟</td>" in client.get("/directory/staff/?q=5123").get_data(as_text=True)
    # A unit's public phone finds the unit.
    assert "县人力资源和社会保障局" in client.get("/directory/search?q=5400001").get_data(as_text=True)


def test_the_demo_notice_and_the_guide_name_the_same_window():
    from portal.blueprints.guide.demo import ITEMS as GUIDE
    from portal.blueprints.notices.demo import DEMO_NOTICES

    text = next(body for title, body, *_ in DEMO_NOTICES if "社保卡" in title)
    notice_window = re.search(r"(\d+)\s*号窗口", text).group(1)
    card = next(item for item in GUIDE if item.name == "社会保障卡申领")
    assert card.window == f"{notice_window}号窗口"
    others = {item.window for item in GUIDE if item.unit != "人社局"}
    assert card.window not in others  # no other unit's window


# ---------------------------------------------------------------- 16 accessibility


def test_the_floor_plan_keeps_its_links_reachable(client, small_building):
    page = client.get(f"/directory/buildings/{small_building.main.id}").get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>")]
    opening = svg[: svg.index(">")]
    assert 'role="img"' not in opening  # an image role would hide the links inside
    links = re.findall(r"<a [^>]*>\s*(<[^>]*>[^<]*)", svg)
    assert links
    for first_child in links:  # a link's first child <title> is its name (an aria-label would have to repeat the visible text)
        name = re.fullmatch(r"<title>([^<]+)", first_child)
        assert name and name.group(1).strip(), first_child
    assert "<title>主楼 305 — 县人力资源和社会保障局</title>" in svg
