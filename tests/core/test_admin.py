from sqlalchemy import func, select

from portal.db import db
from portal.models import AuditLog, Role, User
from tests.pages import without_tokens


def test_sysadmin_creates_an_account_and_it_is_audited(client, login_as_role, auth):
    admin = login_as_role("sysadmin")
    response = client.post(
        "/admin/users/new",
        data={"username": "newbie", "display_name": "新同事", "unit_id": "0", "roles": ["employee"],
              "active": "y", "password": "a-long-password"},
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert user.roles == {Role.EMPLOYEE} and user.password_hash.startswith("pbkdf2:")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
    assert entry.actor_id == admin.id and "password_hash" not in (entry.after or {})

    auth.logout()
    assert auth.login("newbie", "a-long-password").status_code == 303


def test_bad_account_form_rerenders_and_saves_nothing(client, login_as_role, make_user):
    login_as_role("sysadmin")
    make_user(username="taken")
    before = db.session.scalar(select(func.count()).select_from(User))
    for data, message in [
        ({"username": "taken", "display_name": "x", "unit_id": "0", "password": "a-long-password"}, "已被使用"),
        ({"username": "bad name!", "display_name": "x", "unit_id": "0", "password": "a-long-password"}, "只能使用"),
        ({"username": "nopass", "display_name": "x", "unit_id": "0"}, "必须设置密码"),
        ({"username": "short", "display_name": "x", "unit_id": "0", "password": "short"}, "10"),
        ({"username": "badunit", "display_name": "x", "unit_id": "999999", "password": "a-long-password"}, "field--error"),
    ]:
        response = client.post("/admin/users/new", data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_admin_cannot_lock_themselves_out(client, login_as_role):
    admin = login_as_role("sysadmin")
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"username": admin.username, "display_name": "x", "unit_id": "0", "roles": ["employee"], "active": "y"},
    )
    assert response.status_code == 422
    db.session.refresh(admin)
    assert admin.has_role(Role.SYSADMIN)


def test_user_list_search_and_partial(client, login_as_role, make_user):
    login_as_role("sysadmin")
    make_user(username="zhangsan", display_name="张三")
    make_user(username="lisi", display_name="李四")
    page = client.get("/admin/users/?q=张")
    assert "zhangsan" in page.get_data(as_text=True) and "lisi" not in page.get_data(as_text=True)
    partial = client.get("/admin/users/?q=li", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True) and "lisi" in partial.get_data(as_text=True)


def test_every_navigation_and_admin_link_names_a_real_page(app):
    # /admin/ leaves out links whose page is not installed, so a misspelt
    # endpoint would silently hide a page from the people who need it.
    from portal.blueprints import admin_links, navigation_items

    missing = [item.endpoint for item in (*navigation_items(), *admin_links()) if item.endpoint not in app.view_functions]
    assert missing == []


def test_the_admin_page_links_each_role_to_its_pages(client, login_as_role):
    login_as_role("logistics_admin")
    page = client.get("/admin/").get_data(as_text=True)
    for path in ("/repairs/reports", "/rooms/services", "/rooms/approvals", "/utilities/meters/", "/visitors/history"):
        assert f'href="{path}' in page, path


def test_user_search_takes_wildcards_literally_and_pages(client, login_as_role, make_user):
    login_as_role("sysadmin")
    make_user(username="a_b")
    make_user(username="axb")
    html = without_tokens(client.get("/admin/users/?q=_").get_data(as_text=True))
    assert "a_b" in html and "axb" not in html
    for n in range(30):
        make_user(username=f"bulk{n:02d}")
    first = client.get("/admin/users/?q=bulk").get_data(as_text=True)
    assert 'rel="next"' in first and "q=bulk" in first
    assert "bulk29" in client.get("/admin/users/?q=bulk&page=2").get_data(as_text=True)
    assert client.get("/admin/users/?page=0").status_code == 400


def test_role_labels_come_from_the_enum(client, login_as_role, make_user):
    login_as_role("sysadmin")
    make_user(roles=[Role.SECURITY], username="guardx")
    assert "安保人员" in client.get("/admin/users/?q=guardx").get_data(as_text=True)
    assert Role("security") is Role.SECURITY and Role.SECURITY.badge_style == "neutral"
