"""The lobby display page: public, self-refreshing, and never more than a visitor may see."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from portal import timeutil
from portal.blueprints.notices.models import Audience
from portal.timeutil import LOCAL_TZ

POLL = {"HX-Request": "true"}


@pytest.fixture
def app_config():
    return {"DISPLAY_POLL_SECONDS": 37}


def _block(client, block_id: str, version: str | None = None):
    url = "/display/" + (f"?v={version}&turn=1" if version else "")
    return client.get(url, headers={**POLL, "HX-Target": block_id})


def _version(html: str, block_id: str) -> str:
    match = re.search(rf'id="{block_id}" data-hx-get="/display/\?[^"]*\bv=([0-9a-f]+)', html)
    assert match, html
    return match.group(1)


def test_a_full_screen_page_without_the_site_chrome(client):
    response = client.get("/display/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<body class="display-screen"' in html
    assert "site-header" not in html and "site-nav" not in html and "site-footer" not in html
    for block in ("display-today", "display-notices", "display-meetings", "display-shuttle"):
        assert f'id="{block}"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_it_refreshes_itself_with_and_without_javascript(client):
    html = client.get("/display/").get_data(as_text=True)
    head = html.split("</head>")[0]
    # Without scripts the meta refresh reloads the page; with them it is inert and htmx polls.
    assert re.search(r'<noscript><meta http-equiv="refresh" content="37; url=/display/\?turn=1"></noscript>', head)
    assert html.count('hx-trigger="every 37s"') == 4
    assert html.count('hx-swap="outerHTML"') == 4


def test_a_block_unchanged_since_the_last_poll_is_not_sent_again(client, create_notice):
    create_notice(title="第一条公告")
    version = _version(client.get("/display/").get_data(as_text=True), "display-notices")
    same = _block(client, "display-notices", version)
    assert same.status_code == 204 and same.get_data() == b""
    assert {"HX-Request", "HX-Target"} <= set(same.headers["Vary"].replace(" ", "").split(","))

    create_notice(title="第二条公告")
    changed = _block(client, "display-notices", version)
    html = changed.get_data(as_text=True)
    assert changed.status_code == 200
    assert html.lstrip().startswith('<section class="display-block display-notices"') and "<html" not in html
    assert "第一条公告" in html and "第二条公告" in html
    assert _version(html, "display-notices") != version
    assert _block(client, "display-notices", _version(html, "display-notices")).status_code == 204


def test_each_block_polls_on_its_own(client):
    html = client.get("/display/").get_data(as_text=True)
    for block in ("display-today", "display-meetings", "display-shuttle"):
        fragment = _block(client, block).get_data(as_text=True)
        assert f'id="{block}"' in fragment and fragment.count("<section") == 1
        assert _block(client, block, _version(html, block)).status_code == 204
    assert "<html" in _block(client, "not-a-block").get_data(as_text=True)


def test_a_new_language_redraws_the_block(client):
    version = _version(client.get("/display/").get_data(as_text=True), "display-notices")
    client.set_cookie("portal_lang", "en")
    english = _block(client, "display-notices", version)
    assert english.status_code == 200 and "Notice board" in english.get_data(as_text=True)


@pytest.mark.parametrize("role", ["anonymous", "employee", "unit_admin", "logistics_admin", "sysadmin"])
def test_staff_only_notices_never_reach_the_screen_whoever_is_logged_in(client, login_as_role, create_notice, role):
    create_notice(title="公开的停水通知")
    create_notice(title="内部的食堂通知", audience=Audience.STAFF, pinned=True)
    login_as_role(role)
    for response in (client.get("/display/"), _block(client, "display-notices")):
        html = response.get_data(as_text=True)
        assert "公开的停水通知" in html and "内部的食堂通知" not in html


def test_the_day_block_reads_the_shared_calendar(client, monkeypatch):
    monkeypatch.setattr(timeutil, "now", lambda: datetime(2026, 10, 1, 9, 0, tzinfo=LOCAL_TZ))
    html = _block(client, "display-today").get_data(as_text=True)
    assert "2026年10月1日" in html and "星期四" in html and "节假日" in html and "国庆节" in html
    monkeypatch.setattr(timeutil, "now", lambda: datetime(2031, 3, 4, 9, 0, tzinfo=LOCAL_TZ))
    assert "工作日历暂缺" in _block(client, "display-today").get_data(as_text=True)


def test_a_long_list_turns_its_pages_instead_of_being_cut(client, create_notice):
    """Issue 13.12: every notice is shown, a page at a time, with and without JavaScript."""
    titles = [f"第{n}号公告" for n in range(9)]
    for title in titles:
        create_notice(title=title)
    seen, pages = set(), set()
    for turn in range(6):
        html = client.get(f"/display/?turn={turn}").get_data(as_text=True)
        block = html.split('id="display-notices"')[1].split("</section>")[0]
        seen |= {title for title in titles if title in block}
        pages.add(re.search(r"第 (\d+)/(\d+) 页", block).groups())
        # Without JavaScript the page reloads at the next turn; with it, the block polls for it.
        assert f'url=/display/?turn={turn + 1}"' in html and f'turn={turn + 1}" data-hx-trigger' in block
    assert seen == set(titles) and len(pages) > 1
    # A paged block is sent again at every poll (it shows the next page), even when its data are unchanged.
    html = client.get("/display/").get_data(as_text=True)
    polled = _block(client, "display-notices", _version(html, "display-notices"))
    assert polled.status_code == 200 and "第 2/" in polled.get_data(as_text=True)


def test_the_page_runs_a_fixed_number_of_queries(client, create_notice, make_unit, count_queries):
    for n in range(2):
        create_notice(title=f"公告{n}", unit=make_unit())
    with count_queries() as few:
        client.get("/display/")
    for n in range(2, 10):
        create_notice(title=f"公告{n}", unit=make_unit(), publish_at=timeutil.now() - timedelta(minutes=n))
    with count_queries() as many:
        client.get("/display/")
    assert many.count == few.count, "\n".join(many.statements)


def test_the_shuttle_block_shows_buses_and_never_their_drivers(client, login_as_role, monkeypatch):
    from portal.blueprints.shuttle.models import Direction, ShuttleNotice
    from portal.db import db
    from tests.shuttle.conftest import build_line

    line = build_line()
    line.trip(Direction.OUTBOUND, "07:20", bus=0)
    line.trip(Direction.OUTBOUND, "07:40", bus=1)
    db.session.add(ShuttleNotice(message="滨江路施工绕行", route=line.route, starts_on=datetime(2026, 3, 2).date(),
                                 ends_on=datetime(2026, 3, 2).date()))
    db.session.commit()
    monkeypatch.setattr(timeutil, "now", lambda: datetime(2026, 3, 2, 7, 0, tzinfo=LOCAL_TZ))
    login_as_role("logistics_admin")  # someone who may see drivers elsewhere is logged in on the TV
    for response in (client.get("/display/"), _block(client, "display-shuttle")):
        html = response.get_data(as_text=True)
        block = html.split('id="display-shuttle"')[1].split("</section>")[0]
        assert "07:20" in block and "07:40" in block and "川J·T0001" in block and "滨江路施工绕行" in block
        for bus in line.buses:
            assert bus.driver_phone not in html and bus.driver_name not in html


@pytest.mark.parametrize("role", ["anonymous", "logistics_admin"])
def test_the_meetings_block_names_public_meetings_only(client, login_as_role, monkeypatch, create_room, create_booking, role):
    from portal.models import RoomKind

    day = datetime(2026, 3, 2, 10, 0, tzinfo=LOCAL_TZ)
    monkeypatch.setattr(timeutil, "now", lambda: day)
    hall = create_room(number="101", name="报告厅")
    vip = create_room(number="103", name="贵宾接待室", kind=RoomKind.VIP_RECEPTION)
    create_booking(hall, day.replace(hour=9), day.replace(hour=11), title="全县安全生产会", is_public=True)
    create_booking(hall, day.replace(hour=14), day.replace(hour=15), title="人事研究会", is_public=False)
    create_booking(vip, day.replace(hour=15), day.replace(hour=16), title="接待省领导", is_public=True,
                   contact_name="王秘书", contact_phone="13900000000")
    login_as_role(role)
    for response in (client.get("/display/"), _block(client, "display-meetings")):
        html = response.get_data(as_text=True)
        block = html.split('id="display-meetings"')[1].split("</section>")[0]
        assert "全县安全生产会" in block and "进行中" in block and "贵宾接待室" in block
        assert block.count("已预订") == 2
        for secret in ("人事研究会", "接待省领导", "王秘书", "13900000000"):
            assert secret not in html


@pytest.mark.parametrize("role", ["anonymous", "employee", "logistics_admin"])
def test_the_demo_building_leaks_nothing_to_the_lobby(client, demo, login_as_role, role):
    """Everything in the demo a visitor may not see, checked against the whole page."""
    from sqlalchemy import select

    from portal.blueprints.notices.models import Notice
    from portal.blueprints.rooms.models import Booking
    from portal.blueprints.rooms.services import title_is_public
    from portal.blueprints.shuttle.models import ShuttleVehicle
    from portal.db import db

    login_as_role(role)
    html = client.get("/display/").get_data(as_text=True)
    bookings = db.session.scalars(select(Booking)).all()
    public_titles = {b.title for b in bookings if title_is_public(b)}
    secrets = {b.title for b in bookings if not title_is_public(b)} - public_titles
    secrets |= {b.contact_phone for b in bookings if b.contact_phone} | {b.contact_name for b in bookings if b.contact_name}
    secrets |= {n.title for n in db.session.scalars(select(Notice).where(Notice.audience == Audience.STAFF))}
    for vehicle in db.session.scalars(select(ShuttleVehicle)):
        secrets |= {vehicle.driver_phone, vehicle.driver_name} - {""}
    assert secrets, "the demo should have something to hide"
    # What a person can read: the text and the alt/title/aria-label attributes, never the raw HTML
    # (where a fingerprint such as ?v=75311f0e… contains "5311" by chance).
    readable = _readable(html)
    assert not [s for s in secrets if s in readable]
    assert "川J·" in readable  # and the blocks are not simply empty


def test_the_leak_check_reads_text_not_markup():
    html = '<p data-hx-get="/display/?v=75311f0e" title="提示 8001">会议 <b>5312</b></p><script>var x = "5313";</script>'
    assert "5311" not in _readable(html) and "8001" in _readable(html) and "5312" in _readable(html)
    assert "5313" not in _readable(html)


def _readable(html: str) -> str:
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.hidden = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self.hidden += 1
            self.parts.extend(value or "" for name, value in attrs if name in ("alt", "title", "aria-label"))

        def handle_endtag(self, tag):
            if tag in ("script", "style") and self.hidden:
                self.hidden -= 1

        def handle_data(self, data):
            if not self.hidden:
                self.parts.append(data)

    reader = Reader()
    reader.feed(html)
    return "\n".join(reader.parts)
