"""The workbench per role on the home page (issue 17): the guard's desk, a host's visitors today and a
unit administrator's new bills, each count linking to the list behind it."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date, time, timedelta
from decimal import Decimal

from portal import timeutil
from portal.blueprints.visitors.models import PreregistrationStatus, VisitorPreregistration
from portal.db import db
from portal.models import Role, Unit
from tests.visitors.conftest import make_entry, units  # noqa: F401 - the visitor factories

DAY = date(2026, 12, 2)  # a Wednesday


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return htmllib.unescape(response.get_data(as_text=True))


def _link_of(page: str, words: str) -> str:
    """The href of the link whose text contains ``words``."""
    for match in re.finditer(r'<a href="([^"]+)"[^>]*>(.*?)</a>', page, re.S):
        if words in re.sub(r"<[^>]+>", "", match.group(2)):
            return match.group(1)
    raise AssertionError(f"no link with {words!r}")


def _expect(units, creator, *, day=DAY, start=time(9, 30), end=time(11, 0), status=PreregistrationStatus.EXPECTED,
            name="李娜"):
    prereg = VisitorPreregistration(created_by_id=creator.id if creator else None, unit_id=units["rsj"].id,
                                    host_name="王科长", visit_date=day, window_start=start, window_end=end,
                                    visitor_name=name, status=status, created_at=timeutil.now())
    db.session.add(prereg)
    db.session.commit()
    return prereg


def test_the_guard_sees_who_is_expected_now_and_who_is_inside(client, login_as_role, make_user, units, make_entry,  # noqa: F811
                                                              clock):
    clock(2026, 12, 2, 10, 0)
    login_as_role("security")
    host = make_user()
    _expect(units, host, start=time(9, 30), end=time(11, 0))  # window open now
    _expect(units, host, start=time(10, 20), end=time(12, 0))  # opens within half an hour: expected now too
    _expect(units, host, start=time(15, 0), end=time(16, 0))  # later today
    _expect(units, host, start=time(8, 0), end=time(9, 0))  # window over, never came: not "now"
    _expect(units, host, day=DAY + timedelta(days=1))  # tomorrow: not today
    _expect(units, host, status=PreregistrationStatus.CANCELLED)
    make_entry(30, companions=2)
    make_entry(90, watchlist_hit=True)
    make_entry(120, out=True)

    page = _home(client)
    assert "现在应到访客 2 位" in page and "今天预约 4 位" in page
    assert _link_of(page, "现在应到访客") == "/visitors/#expected-title"
    assert "在楼访客 2 位" in page and "连同随行共 4 人" in page
    assert _link_of(page, "在楼访客") == "/visitors/on-site"
    assert "关注名单提醒 1 条" in page and _link_of(page, "关注名单提醒") == "/visitors/#alerts-title"
    # The list behind the count shows the same visitors.
    desk = client.get("/visitors/").get_data(as_text=True)
    assert 'id="expected-title"' in desk and 'id="alerts-title"' in desk
    # A guard is no host: no "my visitors".
    assert "我今天的访客" not in page


def test_the_counts_do_not_run_past_midnight(client, login_as_role, make_user, units, clock):  # noqa: F811
    clock(2026, 12, 2, 23, 50)
    login_as_role("security")
    _expect(units, make_user(), start=time(23, 30), end=time(23, 59))
    _expect(units, make_user(), day=DAY + timedelta(days=1), start=time(0, 0), end=time(1, 0))
    page = _home(client)
    assert "现在应到访客 1 位" in page and "今天预约 1 位" in page


def test_a_host_sees_their_visitors_today(client, login_as_role, make_user, units, make_entry, clock):  # noqa: F811
    clock(2026, 12, 2, 10, 0)
    me = login_as_role("employee")
    _expect(units, me, name="甲")
    arrived = _expect(units, me, name="乙", status=PreregistrationStatus.ARRIVED)
    gone = _expect(units, me, name="丙", status=PreregistrationStatus.ARRIVED)
    _expect(units, me, name="丁", day=DAY + timedelta(days=3))
    _expect(units, make_user(), name="别人的")  # someone else's visitor
    make_entry(20, preregistration_id=arrived.id)
    make_entry(60, out=True, preregistration_id=gone.id)
    make_entry(30)  # a walk-in for nobody in particular

    page = _home(client)
    assert "我今天的访客" in page
    assert "今天预约 1 位" in page and _link_of(page, "今天预约") == "/visitors/expected/"
    assert "今天已到 2 位" in page and "仍在楼内 1 位" in page
    assert "以后几天预约 1 位" in page
    assert _link_of(page, "今天已到") == "/visitors/expected/"
    assert _link_of(page, "以后几天预约") == "/visitors/expected/"
    # Not the desk's counts.
    assert "在楼访客" not in page and "现在应到访客" not in page


def test_a_unit_administrator_sees_their_units_new_bills(client, make_user, auth, clock):
    from portal.blueprints.utilities.models import BillingMonth, MonthStatus, UnitBill

    now = clock(2026, 12, 2, 10, 0)
    mine, other = Unit(name="甲局", short_name="甲"), Unit(name="乙局", short_name="乙")
    db.session.add_all([mine, other])
    db.session.flush()
    october = BillingMonth(period=date(2026, 10, 1), status=MonthStatus.OPEN)
    november = BillingMonth(period=date(2026, 11, 1), status=MonthStatus.OPEN)
    db.session.add_all([october, november])
    db.session.flush()
    db.session.add_all([
        UnitBill(month_id=october.id, unit_id=mine.id, total=Decimal("410.00"), created_at=now - timedelta(days=40)),
        UnitBill(month_id=november.id, unit_id=mine.id, total=Decimal("520.00"), created_at=now - timedelta(days=1)),
        UnitBill(month_id=november.id, unit_id=other.id, total=Decimal("300.00"), created_at=now - timedelta(days=1)),
    ])
    db.session.flush()
    october.status, october.closed_at = MonthStatus.CLOSED, now - timedelta(days=40)  # the bills came with the closing
    november.status, november.closed_at = MonthStatus.CLOSED, now - timedelta(days=1)
    db.session.commit()
    auth.login_as(make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], unit=mine))

    page = _home(client)
    assert "本单位有 1 张新账单待核对" in page
    assert _link_of(page, "新账单待核对") == "/utilities/bills/?month=2026-11"
    assert "最近账单（2026-11）" in page
    listed = client.get("/utilities/bills/?month=2026-11").get_data(as_text=True)
    assert "¥520.00" in listed and "¥300.00" not in listed

    clock(2027, 1, 5, 10, 0)  # a month later nothing is new
    assert "新账单待核对" not in _home(client)


def test_a_unit_administrator_without_new_bills_sees_no_count(client, make_user, auth):
    unit = Unit(name="丙局", short_name="丙")
    db.session.add(unit)
    db.session.commit()
    auth.login_as(make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], unit=unit))
    assert "新账单待核对" not in _home(client)


WORKBENCHES = {  # role: (what its home page shows, what it does not)
    "security": (["访客登记台", "现在应到访客", "在楼访客"], ["我今天的访客", "新账单待核对"]),
    "employee": (["我今天的访客", "今天已到"], ["现在应到访客"]),
    "unit_admin": (["我今天的访客", "水电"], ["现在应到访客"]),
    "logistics_admin": (["现在应到访客", "我今天的访客"], []),
    "property": ([], ["我今天的访客", "现在应到访客"]),
}


def test_each_demo_role_gets_its_workbench(client, demo):
    """The demo accounts, logged in through the form one after the other (the demo is seeded once)."""
    from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS

    for role, (present, absent) in WORKBENCHES.items():
        client.delete_cookie("session")
        response = client.post("/login", data={"username": ROLE_ACCOUNTS[role], "password": DEMO_PASSWORD})
        assert response.status_code in (302, 303), role
        page = _home(client)
        for words in present:
            assert words in page, (role, words)
        for words in absent:
            assert words not in page, (role, words)
        # Every link of the workbench opens for this role.
        for href in set(re.findall(r'<a href="(/(?:visitors|utilities)/[^"#]*)', page)):
            assert client.get(href).status_code == 200, (role, href)
