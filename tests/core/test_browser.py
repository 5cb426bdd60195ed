"""The login flow and the language switch in a real browser, with JavaScript on and off."""

import pytest

pytestmark = pytest.mark.browser


def test_log_in_switch_language_and_log_out(live_server, page, make_user):
    make_user(username="browser_user", display_name="浏览器用户")
    page.goto(f"{live_server.url}/admin/")
    assert "/login" in page.url  # sent to the login page, with next=

    page.fill("input[name=username]", "browser_user")
    page.fill("input[name=password]", "wrong-password")
    page.click("button.primary")
    assert "用户名或密码错误" in page.content()

    page.fill("input[name=password]", "demo-password-123")
    page.click("button.primary")
    page.wait_for_load_state()
    assert "无权访问" in page.content()  # next=/admin/ is not for employees: a clear 403
    page.goto(live_server.url + "/")
    assert "浏览器用户" in page.content()

    page.click("form.lang-switch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Log out" in page.content()

    page.click("header .link-button")
    page.wait_for_selector("a[href^='/login']")
    assert "浏览器用户" not in page.content()


def test_change_own_password_from_the_header(live_server, page, make_user):
    from tests.conftest import log_in, log_out

    make_user(username="pw_user", display_name="改密用户")
    log_in(page, live_server.url, "pw_user")
    page.click("header a.account-name")
    page.fill("input[name=current]", "demo-password-123")
    page.fill("input[name=password]", "password12")
    page.fill("input[name=confirm]", "password12")
    page.click("button.primary")
    assert "太容易被猜到" in page.content()
    page.fill("input[name=current]", "demo-password-123")
    page.fill("input[name=password]", "violet-harbour-kettle-9")
    page.fill("input[name=confirm]", "violet-harbour-kettle-9")
    page.click("button.primary")
    page.wait_for_selector("text=密码已修改")
    log_out(page)
    log_in(page, live_server.url, "pw_user", "violet-harbour-kettle-9")
    assert "改密用户" in page.content()
