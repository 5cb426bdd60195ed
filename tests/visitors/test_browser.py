"""A guard checks a visitor in with the keyboard alone, with JavaScript on and off."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.blueprints.visitors.models import VisitorEntry, WatchlistEntry
from portal.db import db
from tests.conftest import DEMO_PASSWORD
from tests.visitors.conftest import make_resident_id

pytestmark = pytest.mark.browser

NUMBER = make_resident_id("510921", "19880808", "246")
MASKED = "510921********" + NUMBER[-4:]


def log_in_as_guard(page, live_server) -> None:
    """With the keyboard too: the login form has the focus."""
    page.goto(f"{live_server.url}/login?next=/visitors/")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type("guard")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/visitors/"


def test_check_in_with_the_keyboard_alone(live_server, page, demo):
    log_in_as_guard(page, live_server)

    expect(page.locator("#name")).to_be_focused()  # ready to type at once
    keys = [
        ("type", "键盘访客"),
        ("press", "Tab"),  # document type: resident ID card is the default
        ("press", "Tab"),
        ("type", NUMBER),
        ("press", "Tab"),  # 已核验证件 is ticked already (issue 13.5): nothing to press
        ("press", "Tab"),
        ("type", "13912345678"),
        ("press", "Tab"),
        ("type", "rsj"),  # the unit by its pinyin initials
        ("press", "Tab"),
        ("type", "王科长"),
        ("press", "Tab"),
        ("type", "办理社保"),
        ("press", "Tab"),
        ("press", "Tab"),  # organization: none
        ("press", "Tab"),  # companions: 0
        ("type", "川JD12345"),
        ("press", "Tab"),
        ("type", "88"),
    ]
    for action, value in keys:
        getattr(page.keyboard, action)(value)
    expect(page.locator("#badge")).to_be_focused()
    if page.js_enabled:  # htmx confirms the unit while typing; without JavaScript the server resolves it
        expect(page.locator("#unit-resolved")).to_contain_text("县人力资源和社会保障局")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".message--success")).to_contain_text("已登记：来访 人社局，访客证 88 号。")  # no name: 15.15
    row = page.locator("#on-site tr", has_text="键盘访客")
    expect(row).to_contain_text(MASKED)
    expect(row).to_contain_text("川JD12345")
    assert NUMBER not in page.content()
    expect(page.locator("#name")).to_be_focused()  # and ready for the next visitor

    db.session.rollback()
    [entry] = db.session.scalars(select(VisitorEntry).where(VisitorEntry.name == "键盘访客")).all()
    assert entry.id_checked and entry.unit.short_name == "人社局" and entry.badge == "88"
    assert entry.phone == "13912345678" and entry.id_masked == MASKED


def test_a_mistyped_number_is_explained_and_the_focus_returns_to_it(live_server, page, demo):
    log_in_as_guard(page, live_server)
    expect(page.locator("#name")).to_be_focused()
    page.keyboard.type("输错号码")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type(NUMBER[:15] + str((int(NUMBER[15]) + 1) % 10) + NUMBER[16:])  # one digit mistyped
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("rsj")
    page.keyboard.press("Tab")
    page.keyboard.type("王科长")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#id_number-errors")).to_contain_text("校验码")
    expect(page.locator("#id_number")).to_be_focused()
    expect(page.locator("#id_number")).to_have_value("")
    expect(page.locator("#name")).to_have_value("输错号码")


def test_check_out_from_the_on_site_list(live_server, page, demo):
    log_in_as_guard(page, live_server)
    rows = page.locator("#on-site tbody tr")
    before = rows.count()
    name = rows.last.locator("td").nth(1).inner_text().strip()
    if page.js_enabled:
        page.evaluate("window.stillTheSamePage = true")
    rows.last.get_by_role("button").click()
    # With htmx the message comes in the response itself; a flash (through the cookie) carries no name.
    expect(page.locator("#messages")).to_contain_text(f"{name} 已离开" if page.js_enabled else "访客已离开")
    expect(rows).to_have_count(before - 1)
    if page.js_enabled:  # htmx swapped the list in place: the page was not reloaded
        assert page.evaluate("window.stillTheSamePage") is True


# ---------------------------------------------------------------- regressions (issues 13 and 16)

WIDE_ELEMENTS = """() => Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > 391 && (!el.closest('.table-scroll') || getComputedStyle(el).position === 'absolute'))
    .slice(0, 12).map(el => el.tagName + '.' + el.className + '#' + el.id + ' ' + Math.round(el.getBoundingClientRect().right) + '/' + el.scrollWidth + '/' + el.clientWidth)"""


def test_the_desk_fits_a_phone(live_server, page, demo):
    """Issue 16: at 390 px the desk was 451 px wide; tables now scroll inside their own box."""
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_as_guard(page, live_server)
    for path in ("/visitors/", "/visitors/on-site", "/visitors/on-site/evacuation", "/visitors/history"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide: {page.evaluate(WIDE_ELEMENTS)}"
    page.goto(f"{live_server.url}/visitors/")
    expect(page.locator("#name")).to_be_visible()


def test_a_watch_listed_visitor_is_refused_before_being_saved(live_server, page, demo):
    """Issue 13.1: the guard sees the match first; a refusal never puts the visitor on site."""
    log_in_as_guard(page, live_server)
    db.session.rollback()
    watched = db.session.scalars(select(WatchlistEntry)).first()
    assert watched is not None and watched.name, "the demo has a watchlist entry with a name"
    page.fill("#name", watched.name)
    page.fill("#id_number", NUMBER)
    page.fill("#unit", "rsj")
    with page.expect_navigation():
        page.click(".visitor-form__actions button.primary")
    expect(page.locator("h1")).to_contain_text("关注名单提醒")
    expect(page.locator(".watch-match")).to_contain_text(watched.reason.rstrip("。"))
    assert "[refuse]" not in page.content() and "[escalate]" not in page.content() and "。。" not in page.content()
    db.session.rollback()
    assert db.session.scalars(select(VisitorEntry).where(VisitorEntry.name == watched.name,
                                                         VisitorEntry.checked_out_at.is_(None))).first() is None
    with page.expect_navigation():
        page.click("button[value=refuse]")
    expect(page.locator(".message--success")).to_contain_text("已拒绝进入")
    expect(page.locator("#on-site")).not_to_contain_text(watched.name)
    page.goto(f"{live_server.url}/visitors/on-site/evacuation")
    expect(page.locator(".evacuation-list")).not_to_contain_text(watched.name)
    if page.js_enabled:
        expect(page.locator("button.js-print")).to_be_visible()
    else:
        expect(page.locator("button.js-print")).to_be_hidden()
    db.session.rollback()
    refused = db.session.scalars(select(VisitorEntry).where(VisitorEntry.name == watched.name,
                                                            VisitorEntry.refused.is_(True))).one()
    assert refused.checked_out_at is not None and refused.watchlist_hit


def test_after_a_refused_check_in_the_language_switch_works(live_server, page, demo):
    """Issue 13.3: the page of a refused form can be shown again (405 before), and the right number stays."""
    log_in_as_guard(page, live_server)
    page.fill("#name", "换语言访客")
    page.fill("#id_number", NUMBER)
    page.fill("#unit", "没有这个单位")
    # Waits on what the page shows, not on a navigation event: the unit field's
    # htmx lookup may still be in flight when the form is sent.
    page.click(".visitor-form__actions button.primary")
    expect(page.locator("#unit-errors")).to_be_visible()
    expect(page.locator("#id_number")).to_have_value(NUMBER)
    expect(page.locator("#name")).to_have_value("换语言访客")
    page.click(".lang-switch button[value=en]")
    expect(page.locator("h1")).to_contain_text("Visitor desk")
    assert urlsplit(page.url).path in ("/visitors/check-in", "/visitors/")
    expect(page.locator("#id_checked")).to_be_checked()


# ---------------------------------------------------------------- invitations (issue 19)


def _invitation(host):
    from datetime import time

    from portal import timeutil
    from portal.blueprints.visitors import services as svc

    unit_id = host.unit_id or db.session.scalar(select(svc.Unit.id).order_by(svc.Unit.id))
    draft = svc.InvitationDraft(unit_id=unit_id, host_name="王科长", room="A-301", first_day=timeutil.today(),
                                last_day=timeutil.today(), window_start=time(9, 0), window_end=time(17, 30),
                                max_companions=2)
    invitation = svc.create_invitation(draft, actor=host, now=timeutil.now())
    db.session.commit()
    return invitation


def test_a_visitor_registers_on_a_phone(live_server, page, demo):
    invitation = _invitation(demo["employee"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/visitors/i/{invitation.token}")
    expect(page.locator("h1")).to_contain_text("访客自助登记")
    expect(page.locator(".visitor-self__notice")).to_contain_text("180")
    page.fill("#name", "手机访客")
    page.fill("#id_number", NUMBER)
    page.fill("#phone", "13912345678")
    page.fill("#plate", "川JD12345")
    with page.expect_navigation():
        page.locator("#id_number").press("Enter")
    expect(page.locator(".visitor-pass-code")).to_be_visible()
    db.session.rollback()
    db.session.refresh(invitation)
    from portal.blueprints.visitors import services as svc

    expect(page.locator(".visitor-pass-code")).to_have_text(svc.format_pass_code(invitation.pass_code))
    assert invitation.visitor_name == "手机访客" and invitation.id_masked == MASKED
    assert NUMBER not in page.content()
    box = page.locator(".visitor-pass-code").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # nothing runs off a phone's screen


def test_the_desk_types_a_pass_code_checks_in_and_prints_a_slip(app, live_server, page, demo):
    from portal import timeutil
    from portal.blueprints.visitors import services as svc

    invitation = _invitation(demo["employee"])
    draft = svc.RegistrationDraft(name="通行访客", id_type=svc.IdType.RESIDENT_ID, id_number=NUMBER)
    svc.register_visitor(invitation, draft, settings=svc.settings_from_config(app.config), now=timeutil.now())
    db.session.commit()
    log_in_as_guard(page, live_server)
    page.fill("#desk-pass-code", svc.format_pass_code(invitation.pass_code).lower())
    with page.expect_navigation():
        page.locator("#desk-pass-code").press("Enter")
    expect(page.locator(".visitor-pass-found")).to_contain_text("通行访客")
    expect(page.locator("#badge")).to_be_focused()
    page.keyboard.type("66")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".visitor-slip")).to_contain_text("通*")
    expect(page.locator(".visitor-slip")).to_contain_text("66")
    assert "通行访客" not in page.locator(".visitor-slip").inner_text()
    if page.js_enabled:
        expect(page.locator("button.js-print")).to_be_visible()
    db.session.rollback()
    entry = db.session.scalar(select(VisitorEntry).where(VisitorEntry.invitation_id == invitation.id))
    assert entry.badge == "66" and entry.on_site
