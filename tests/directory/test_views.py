"""Public directory pages, the search page and partial, and the staff directory."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from portal.db import db
from portal.models import Building, Unit, User
from tests.conftest import sql_statements


@contextmanager
def count_queries():
    """The statements sent inside the block, BEGIN/COMMIT/ROLLBACK left out (read after it)."""
    statements: list[str] = []
    with sql_statements() as sent:
        yield statements
    statements.extend(s for s in sent if s.split(None, 1)[0].upper() not in {"BEGIN", "COMMIT", "ROLLBACK"})


def html(response):
    return response.get_data(as_text=True)


def unit_named(short_name):
    return db.session.scalar(select(Unit).where(Unit.short_name == short_name))


def test_index_lists_units_by_building_and_floor(client, demo):
    page = html(client.get("/directory/"))
    main = page.index("<h2>主楼")
    third_floor = page.index(">3楼</h3>", main)
    assert page.index("县人力资源和社会保障局", third_floor) < page.index(">4楼</h3>", third_floor)
    renshe = unit_named("人社局")
    assert renshe.phone in page and "工作日 8:30–12:00" in page
    assert "311、312、313、314" in page  # the rooms on that floor


def test_unit_page_shows_rooms_duties_services_and_the_public_phone(client, demo):
    renshe = unit_named("人社局")
    page = html(client.get(f"/directory/units/{renshe.id}"))
    assert renshe.phone in page and renshe.duties in page
    assert "主楼 311" in page and "社会保障卡申领" in page and "失业登记" in page
    assert "通讯录" not in page  # staff are for logged-in users


def test_unit_page_links_the_staff_directory_for_logged_in_users(client, demo, auth):
    auth.login_as(demo["employee"])
    renshe = unit_named("人社局")
    page = html(client.get(f"/directory/units/{renshe.id}"))
    assert f"/directory/staff/?unit={renshe.id}" in page


def test_missing_objects_are_404(client, demo):
    assert client.get("/directory/units/999999").status_code == 404
    assert client.get("/directory/buildings/999999").status_code == 404


def test_floor_guide_has_a_table_and_a_schematic_for_every_floor(client, demo):
    main = db.session.scalar(select(Building).where(Building.code == "ZL"))
    page = html(client.get(f"/directory/buildings/{main.id}"))
    for level in range(1, 7):
        assert f'id="floor-{level}"' in page
    svg = page[page.index("<svg"): page.index("</svg>")]
    assert svg.count("<rect") == sum(len(f.rooms) for f in main.floors)
    assert "plan-room--service-hall" in svg and "plan-room--meeting" in svg and "人社局" in svg
    assert "便民服务大厅" in page


@pytest.mark.parametrize(
    "path",
    ["/", "/directory/", "/directory/search?q=rsj", "/directory/search?q=3楼", "/services/"],
)
def test_pages_have_no_inline_styles_or_scripts(client, demo, path):
    page = html(client.get(path))
    assert not re.search(r"\sstyle=", page) and "<script>" not in page and not re.search(r"\son[a-z]+=", page)


def test_floor_guide_has_no_inline_styles(client, demo):
    main = db.session.scalar(select(Building).where(Building.code == "ZL"))
    assert not re.search(r"\sstyle=", html(client.get(f"/directory/buildings/{main.id}")))


def test_search_without_javascript_is_a_full_page(client, demo):
    response = client.get("/directory/search?q=rsj")
    page = html(response)
    assert response.status_code == 200 and "<html" in page
    assert 'value="rsj"' in page and "县人力资源和社会保障局" in page
    assert "HX-Request" in response.headers["Vary"]


def test_search_with_htmx_is_the_results_fragment(client, demo):
    response = client.get("/directory/search?q=shebao", headers={"HX-Request": "true"})
    page = html(response)
    assert "<html" not in page and "<form" not in page
    assert "社会保障卡申领" in page and "办事事项" in page


def test_search_form_is_an_active_search_with_a_plain_fallback(client, demo):
    page = html(client.get("/directory/search"))
    form = page[page.index('<form class="search-form"'): page.index("</form>", page.index('<form class="search-form"'))]
    assert 'method="get"' in form and 'action="/directory/search"' in form
    assert 'hx-get="/directory/search"' in form and 'hx-push-url="true"' in form and "delay:" in form
    assert "人社局" in page  # examples for an empty query


def test_home_page_has_the_search_panel(client, demo):
    page = html(client.get("/"))
    assert 'id="home-q"' in page and 'hx-target="#home-search-results"' in page


def test_visitors_never_see_staff(client, demo):
    clerk = db.session.scalar(
        select(User).where(User.unit_id == unit_named("人社局").id, User.password_hash == "").order_by(User.id)
    )
    page = html(client.get(f"/directory/search?q={clerk.display_name}"))
    assert "search-group--staff" not in page and clerk.phone_ext not in page
    page = html(client.get(f"/directory/search?q={clerk.display_name}&kind=staff"))
    assert "search-group--staff" not in page


def test_logged_in_users_find_staff_with_their_extension(client, demo, auth):
    auth.login_as(demo["security"])  # the gate needs to find people for visitors
    clerk = db.session.scalar(
        select(User).where(User.unit_id == unit_named("人社局").id, User.password_hash == "").order_by(User.id)
    )
    page = html(client.get(f"/directory/search?q={clerk.display_name}"))
    assert "search-group--staff" in page and clerk.phone_ext in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "例如"),
        ("%", "符号会被忽略"),
        ("!!!", "符号会被忽略"),
        ("局", "search-group--unit"),  # one Chinese character is a real query
        ("z", "search-group"),  # one letter: prefix matches only
        ("中" * 200, "没有找到"),
        ("<b>x</b>", "没有找到"),
    ],
)
def test_search_edge_queries(client, demo, query, expected):
    response = client.get("/directory/search", query_string={"q": query})
    assert response.status_code == 200
    assert expected in html(response)
    assert "<b>x</b>" not in html(response)


def test_show_all_of_one_kind_pages_through_the_ranked_list(client, demo):
    first = html(client.get("/directory/search?q=z&kind=room"))
    assert 'rel="next"' in first and "search-group--room" in first and "search-group--unit" not in first
    second = client.get("/directory/search?q=z&kind=room&page=2")
    assert second.status_code == 200 and "search-group--room" in html(second)
    assert client.get("/directory/search?q=z&kind=room&page=99999").status_code == 200
    assert client.get("/directory/search?q=z&kind=nonsense").status_code == 200


def test_search_partial_runs_a_handful_of_queries(client, demo, auth):
    auth.login_as(demo["employee"])
    client.get("/directory/search?q=y", headers={"HX-Request": "true"})  # loads the key index
    with count_queries() as statements:
        response = client.get("/directory/search?q=z", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "search-group--staff" in html(response)
    # the user and roles, the version token, then per kind of hit one or two queries
    assert len(statements) <= 10, "\n".join(s[:100].replace("\n", " ") for s in statements)
    with count_queries() as statements:
        again = client.get("/directory/search?q=z", headers={"HX-Request": "true"})
    assert again.get_data() == response.get_data()
    assert len(statements) <= 3, "\n".join(s[:100].replace("\n", " ") for s in statements)


def test_a_visitors_search_page_is_kept_until_the_directory_changes(client, demo):
    first = client.get("/directory/search?q=rsj", headers={"HX-Request": "true"})
    assert "人社局" in html(first)
    with count_queries() as statements:
        again = client.get("/directory/search?q=rsj", headers={"HX-Request": "true"})
    assert again.get_data() == first.get_data()
    assert len(statements) == 1, statements  # every area's token, the search index's among them
    unit = unit_named("人社局")
    unit.name = "县人力资源和社会保障局（新址）"
    db.session.commit()
    assert "（新址）" in html(client.get("/directory/search?q=rsj", headers={"HX-Request": "true"}))


def test_index_and_floor_guide_do_not_query_per_unit(client, demo):
    main = db.session.scalar(select(Building).where(Building.code == "ZL"))
    with count_queries() as statements:
        client.get("/directory/")
    assert len(statements) <= 5, [s[:90] for s in statements]
    with count_queries() as statements:
        client.get(f"/directory/buildings/{main.id}")
    assert len(statements) <= 5, [s[:90] for s in statements]


def test_staff_directory_is_for_logged_in_users_only(client, demo, auth):
    response = client.get("/directory/staff/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    auth.login_as(demo["employee"])
    page = html(client.get("/directory/staff/"))
    assert "分机号" in page and "职务" in page and 'rel="next"' in page


def test_staff_directory_filters_by_unit_and_pinyin(client, demo, auth):
    auth.login_as(demo["employee"])
    renshe = unit_named("人社局")
    clerk = db.session.scalar(select(User).where(User.unit_id == renshe.id, User.password_hash == "").order_by(User.id))
    from portal.pinyin import initials

    page = html(client.get("/directory/staff/", query_string={"unit": renshe.id, "q": initials(clerk.display_name)}))
    assert clerk.display_name in page and clerk.phone_ext in page
    fragment = html(client.get("/directory/staff/", query_string={"q": clerk.display_name}, headers={"HX-Request": "true"}))
    assert "<html" not in fragment and clerk.display_name in fragment
    other = html(client.get("/directory/staff/", query_string={"unit": unit_named("财政局").id, "q": clerk.display_name}))
    assert clerk.phone_ext not in other


def hx_search(client, q, **headers):
    return html(client.get("/directory/search", query_string={"q": q}, headers={"HX-Request": "true", **headers}))


def test_cached_results_follow_edits_at_once(client, small_building):
    assert "0825-5400001" in hx_search(client, "人社局")
    assert "0825-5400001" in hx_search(client, "人社局")  # from the cache
    small_building.renshe.phone = "0825-5409999"  # not a search key, but shown in the results
    db.session.commit()
    fragment = hx_search(client, "人社局")
    assert "0825-5409999" in fragment and "0825-5400001" not in fragment


def test_cached_results_are_not_shared_between_visitors_staff_and_languages(client, small_building, make_user, auth):
    assert "5123" not in hx_search(client, "张伟")
    user = make_user()
    auth.login_as(user)
    assert "5123" in hx_search(client, "张伟")  # the extension, for logged-in users
    auth.logout()
    assert "5123" not in hx_search(client, "张伟")
    # 人社局 now leads with the unit (no "Units" heading): the phone's label tells the language
    assert "电话" in hx_search(client, "人社局")
    client.set_cookie("portal_lang", "en")
    fragment = hx_search(client, "人社局")
    assert "Tel." in fragment and "电话" not in fragment


def test_a_login_does_not_invalidate_the_directory(client, small_building, make_user):
    from portal.blueprints.directory.models import SearchKeyVersion
    from portal.timeutil import now

    user = make_user(unit=small_building.renshe)
    token = db.session.get(SearchKeyVersion, 1).token
    user.last_login_at = now()
    db.session.commit()
    assert db.session.get(SearchKeyVersion, 1).token == token
    user.phone_ext = "5999"
    db.session.commit()
    assert db.session.get(SearchKeyVersion, 1).token != token


def test_a_unit_lead_lists_its_services_from_the_kept_guide(client, small_building, create_item, count_queries):
    from portal import cache

    renshe = small_building.renshe
    for name in ("社保卡申领", "失业登记", "养老保险转移"):
        create_item(renshe, name)
    hx_search(client, "人社局")  # the guide is read once and kept
    cache.forget_drawings()
    with count_queries() as counted:
        fragment = hx_search(client, "人社局")
    assert all(name in fragment for name in ("社保卡申领", "失业登记", "养老保险转移"))
    assert not [s for s in counted.statements if "FROM guide_item" in s], counted.statements
    # Tokens; the search keys' version; the unit's rooms; the unit.
    assert counted.count == 4, counted.statements
    create_item(renshe, "就业困难认定")  # a new service shows at once
    assert "就业困难认定" in hx_search(client, "人社局")
