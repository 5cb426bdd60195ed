"""Notice rules as plain functions: no HTTP, time passed in."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.notices.models import Audience, Notice
from portal.blueprints.notices.services import (
    NoticeDraft,
    NoticeState,
    audiences_for,
    current_notices,
    excerpt,
    managed_notices_query,
    may_manage,
    may_publish,
    may_read,
    notice_state,
    publish_notice,
    render_body,
    update_notice,
    window_errors,
    withdraw_notice,
)
from portal.db import db
from portal.models import AuditLog, Role
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ
from tests.notices.conftest import NOON

# ---------------------------------------------------------------- when a notice is shown


def _notice(**values) -> Notice:
    defaults = {"publish_at": NOON, "expires_at": NOON + timedelta(days=2), "withdrawn_at": None}
    return Notice(**{**defaults, **values})


def test_a_notice_is_shown_from_its_publish_time_until_its_expiry():
    notice = _notice()
    assert notice_state(notice, NOON - timedelta(seconds=1)) is NoticeState.SCHEDULED
    assert notice_state(notice, NOON) is NoticeState.CURRENT
    assert notice_state(notice, NOON + timedelta(days=2) - timedelta(seconds=1)) is NoticeState.CURRENT
    assert notice_state(notice, NOON + timedelta(days=2)) is NoticeState.EXPIRED


def test_a_withdrawn_notice_is_never_shown():
    notice = _notice(withdrawn_at=NOON + timedelta(hours=1))
    for moment in (NOON - timedelta(days=1), NOON + timedelta(hours=2), NOON + timedelta(days=3)):
        assert notice_state(notice, moment) is NoticeState.WITHDRAWN


def test_times_in_other_zones_compare_as_instants():
    notice = _notice()  # 12:00 in Shanghai is 04:00 UTC
    assert notice_state(notice, datetime(2026, 3, 2, 3, 59, tzinfo=timezone.utc)) is NoticeState.SCHEDULED
    assert notice_state(notice, datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc)) is NoticeState.CURRENT


def test_current_notices_in_sql_agree_with_the_rule(app, create_notice, make_unit):
    """The database query and ``notice_state`` draw the window's edges alike."""
    unit = make_unit()
    made = [
        create_notice(title="scheduled", publish_at=NOON + timedelta(minutes=1), expires_at=NOON + timedelta(days=1), unit=unit),
        create_notice(title="starts now", publish_at=NOON, expires_at=NOON + timedelta(days=1), unit=unit),
        create_notice(title="ends now", publish_at=NOON - timedelta(days=1), expires_at=NOON, unit=unit),
        create_notice(title="ends in a minute", publish_at=NOON - timedelta(days=1), expires_at=NOON + timedelta(minutes=1), unit=unit),
        create_notice(title="withdrawn", publish_at=NOON - timedelta(days=1), expires_at=NOON + timedelta(days=1),
                      withdrawn_at=NOON - timedelta(hours=1), unit=unit),
        create_notice(title="staff", audience=Audience.STAFF, publish_at=NOON - timedelta(days=1),
                      expires_at=NOON + timedelta(days=1), unit=unit),
    ]
    for moment in (NOON - timedelta(days=2), NOON - timedelta(seconds=1), NOON, NOON + timedelta(minutes=1), NOON + timedelta(days=3)):
        for audiences in (frozenset({Audience.PUBLIC}), frozenset(Audience)):
            expected = {n.title for n in made if notice_state(n, moment) is NoticeState.CURRENT and n.audience in audiences}
            assert {n.title for n in current_notices(moment, audiences)} == expected, (moment, audiences)
    assert [n.title for n in current_notices(NOON, frozenset({Audience.PUBLIC}))] == ["starts now", "ends in a minute"]


def test_pinned_notices_come_first_then_the_newest(app, create_notice, make_unit):
    unit = make_unit()
    old_pinned = create_notice(title="old pinned", pinned=True, publish_at=NOON - timedelta(days=5), unit=unit, now=NOON)
    newest = create_notice(title="newest", publish_at=NOON - timedelta(minutes=5), unit=unit, now=NOON)
    older = create_notice(title="older", publish_at=NOON - timedelta(days=1), unit=unit, now=NOON)
    found = current_notices(NOON, frozenset(Audience))
    assert [n.id for n in found] == [old_pinned.id, newest.id, older.id]
    assert [n.id for n in current_notices(NOON, frozenset(Audience), limit=2)] == [old_pinned.id, newest.id]


# ---------------------------------------------------------------- who reads and who manages


@pytest.mark.parametrize(
    ("roles", "audiences"),
    [
        ((Role.EMPLOYEE,), {Audience.PUBLIC, Audience.STAFF}),
        ((Role.UNIT_ADMIN,), {Audience.PUBLIC, Audience.STAFF}),
        ((Role.LOGISTICS_ADMIN,), {Audience.PUBLIC, Audience.STAFF}),
        ((Role.SYSADMIN,), {Audience.PUBLIC, Audience.STAFF}),
        ((Role.SECURITY,), {Audience.PUBLIC}),  # the guard company is not the units' staff
        ((Role.PROPERTY,), {Audience.PUBLIC}),
    ],
)
def test_who_reads_staff_only_notices(make_user, roles, audiences):
    assert audiences_for(make_user(roles=roles)) == audiences


def test_visitors_read_public_notices_only():
    from flask_login import AnonymousUserMixin

    assert audiences_for(AnonymousUserMixin()) == {Audience.PUBLIC}
    assert audiences_for(None) == {Audience.PUBLIC}


def test_unit_admins_manage_their_own_units_notices_only(make_user, make_unit, create_notice):
    mine, theirs = make_unit(), make_unit()
    unit_admin = make_user(roles=[Role.UNIT_ADMIN, Role.EMPLOYEE], unit=mine)
    unitless_admin = make_user(roles=[Role.UNIT_ADMIN])
    logistics = make_user(roles=[Role.LOGISTICS_ADMIN])
    employee = make_user(roles=[Role.EMPLOYEE], unit=mine)
    own = create_notice(unit=mine)
    other = create_notice(unit=theirs)

    assert may_manage(unit_admin, own) and not may_manage(unit_admin, other)
    assert may_manage(logistics, own) and may_manage(logistics, other)
    assert not may_manage(employee, own)
    assert not may_publish(unitless_admin) and not may_manage(unitless_admin, own)
    assert not may_publish(employee) and may_publish(unit_admin) and may_publish(logistics)

    now = timeutil.now()
    assert {n.id for n in db.session.scalars(managed_notices_query(unit_admin, now))} == {own.id}
    assert {n.id for n in db.session.scalars(managed_notices_query(logistics, now))} == {own.id, other.id}
    assert list(db.session.scalars(managed_notices_query(unitless_admin, now))) == []


def test_managers_preview_notices_others_cannot_see(make_user, make_unit, create_notice):
    unit = make_unit()
    unit_admin = make_user(roles=[Role.UNIT_ADMIN], unit=unit)
    employee = make_user(roles=[Role.EMPLOYEE])
    scheduled = create_notice(unit=unit, publish_at=NOON + timedelta(days=1), expires_at=NOON + timedelta(days=2))
    assert may_read(unit_admin, scheduled, NOON)
    assert not may_read(employee, scheduled, NOON)
    assert may_read(employee, scheduled, NOON + timedelta(days=1, hours=1))


# ---------------------------------------------------------------- the body


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def _assert_safe(html: str) -> _Tags:
    """Only <p>, <br> and http(s) links with exactly our attributes."""
    parsed = _parse(html)
    for tag, attrs in parsed.tags:
        assert tag in {"p", "br", "a"}, (tag, html)
        if tag == "a":
            assert set(attrs) == {"href", "rel", "target"}, attrs
            assert attrs["rel"] == "noopener" and attrs["target"] == "_blank"
            assert attrs["href"].lower().startswith(("http://", "https://")), attrs
            assert not set(attrs["href"]) & set("\"'<> \n"), attrs
        else:
            assert attrs == {}, (tag, attrs)
    return parsed


def test_script_tags_are_shown_as_text():
    html = str(render_body("<script>alert(1)</script>"))
    assert "<script" not in html
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_javascript_and_data_addresses_are_not_links():
    html = str(render_body('javascript:alert(1) data:text/html,<b>x</b> <a href="javascript:alert(1)">click</a>'))
    parsed = _assert_safe(html)
    assert [tag for tag, _ in parsed.tags] == ["p"]
    assert "&lt;a href=&#34;javascript:alert(1)&#34;&gt;" in html


def test_a_link_cannot_break_out_of_its_attribute():
    body = 'see https://example.com/x"onmouseover="alert(1) and https://example.com/y\'><img src=x onerror=alert(1)>'
    html = str(render_body(body))
    parsed = _assert_safe(html)
    assert [attrs["href"] for tag, attrs in parsed.tags if tag == "a"] == ["https://example.com/x", "https://example.com/y"]
    assert "<img" not in html and "onmouseover=" not in html.split("</a>")[0].split(">")[0]
    assert "".join(parsed.text) == body  # every character is still there, as text


def test_addresses_become_links_and_text_around_them_stays_text():
    html = str(render_body("办事指南详见：https://www.example.gov.cn/bmfw/?a=1&b=2。请访问http://oa.example.gov.cn查看."))
    parsed = _assert_safe(html)
    assert [attrs["href"] for tag, attrs in parsed.tags if tag == "a"] == [
        "https://www.example.gov.cn/bmfw/?a=1&b=2",
        "http://oa.example.gov.cn",
    ]
    assert 'href="https://www.example.gov.cn/bmfw/?a=1&amp;b=2"' in html
    assert "查看.</p>" in html


def test_trailing_punctuation_and_unbalanced_brackets_stay_outside_the_link():
    html = str(render_body("(see https://example.com/a_(b)), then https://example.com/c."))
    hrefs = [attrs["href"] for tag, attrs in _assert_safe(html).tags if tag == "a"]
    assert hrefs == ["https://example.com/a_(b)", "https://example.com/c"]


def test_an_address_without_a_host_is_text():
    assert "<a" not in str(render_body("http:// and https://[::1 and http://?x"))


def test_line_breaks_and_paragraphs():
    html = str(render_body("第一行\r\n第二行\n\n  \n第二段"))
    assert html == "<p>第一行<br>\n第二行</p>\n<p>第二段</p>"


def test_control_characters_are_dropped():
    assert str(render_body("a\x00b\x1b[31mc")) == "<p>ab[31mc</p>"


HOSTILE_PIECES = [
    "<script>alert(1)</script>", "javascript:alert(1)", '"', "'", "<", ">", "&", "&amp;", "&#x3C;", "\n", "\n\n",
    "https://", "http://example.com", "https://a.example/", "(", ")", ".", "onerror=", "=", " ", "公告", "<a href=",
    "\u2028", "\u3000",
]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=8)), max_size=25).map("".join))
def test_any_body_renders_to_safe_html_that_says_the_same_text(body):
    parsed = _assert_safe(str(render_body(body)))
    visible = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "", body)
    # Same characters in the same order; only whitespace (line breaks) differs.
    assert "".join("".join(parsed.text).split()) == "".join(visible.split())


def test_excerpt_is_one_line_and_cut():
    assert excerpt("一\n二\n\n三") == "一 二 三"
    assert excerpt("长" * 100, 10) == "长" * 9 + "…"
    assert excerpt("<b>x</b>") == "<b>x</b>"  # plain text: templates escape it
    assert str(escape(excerpt("<b>x</b>"))) == "&lt;b&gt;x&lt;/b&gt;"


# ---------------------------------------------------------------- changes


def test_expiry_must_follow_publication_and_dates_must_be_plausible():
    assert window_errors(NOON, NOON + timedelta(minutes=1)) == {}
    assert "expires_at" in window_errors(NOON, NOON)
    assert "expires_at" in window_errors(NOON, NOON - timedelta(days=1))
    assert "publish_at" in window_errors(datetime(1, 1, 1, tzinfo=LOCAL_TZ), NOON)
    assert "expires_at" in window_errors(NOON, datetime(9999, 12, 31, tzinfo=LOCAL_TZ))
    with pytest.raises(ValueError):
        window_errors(datetime(2026, 3, 2, 12, 0), None)


def _draft(unit_id: int, **overrides) -> NoticeDraft:
    values = {
        "title": "停水通知",
        "body": "明天停水",
        "audience": Audience.PUBLIC,
        "publish_at": NOON,
        "expires_at": NOON + timedelta(days=1),
        "pinned": False,
        "unit_id": unit_id,
    }
    return NoticeDraft(**{**values, **overrides})


def test_a_unit_admin_publishes_for_their_own_unit_only(make_user, make_unit):
    mine, theirs = make_unit(), make_unit()
    unit_admin = make_user(roles=[Role.UNIT_ADMIN], unit=mine)
    notice = publish_notice(_draft(mine.id), actor=unit_admin, now=NOON)
    db.session.commit()
    assert notice.unit_id == mine.id and notice.author_id == unit_admin.id
    with pytest.raises(RuleViolation):
        publish_notice(_draft(theirs.id), actor=unit_admin, now=NOON)
    with pytest.raises(RuleViolation):
        publish_notice(_draft(mine.id, pinned=True), actor=unit_admin, now=NOON)
    db.session.rollback()
    assert db.session.scalar(select(Notice.id).where(Notice.unit_id == theirs.id)) is None


def test_the_logistics_center_publishes_for_any_unit_and_pins(make_user, make_unit):
    logistics = make_user(roles=[Role.LOGISTICS_ADMIN, Role.EMPLOYEE])
    unit = make_unit()
    notice = publish_notice(_draft(unit.id, pinned=True), actor=logistics, now=NOON)
    db.session.commit()
    assert notice.pinned and notice.unit_id == unit.id


def test_employees_do_not_publish(make_user, make_unit):
    unit = make_unit()
    with pytest.raises(RuleViolation):
        publish_notice(_draft(unit.id), actor=make_user(roles=[Role.EMPLOYEE], unit=unit), now=NOON)


def test_publishing_checks_the_window_too(make_user, make_unit):
    logistics = make_user(roles=[Role.LOGISTICS_ADMIN])
    with pytest.raises(RuleViolation):
        publish_notice(_draft(make_unit().id, expires_at=NOON), actor=logistics, now=NOON)


def test_changes_are_audited_with_before_and_after(make_user, make_unit):
    unit = make_unit()
    unit_admin = make_user(roles=[Role.UNIT_ADMIN], unit=unit)
    notice = publish_notice(_draft(unit.id), actor=unit_admin, now=NOON)
    db.session.commit()
    update_notice(notice, _draft(unit.id, title="停水通知（更正）"), actor=unit_admin, now=NOON + timedelta(minutes=5))
    db.session.commit()
    withdraw_notice(notice, actor=unit_admin, now=NOON + timedelta(hours=1))
    db.session.commit()

    entries = db.session.scalars(select(AuditLog).where(AuditLog.object_type == "notice").order_by(AuditLog.id)).all()
    assert [e.action for e in entries] == ["notice.create", "notice.update", "notice.withdraw"]
    assert all(e.actor_id == unit_admin.id and e.object_id == str(notice.id) for e in entries)
    assert entries[0].before is None and entries[0].after["title"] == "停水通知"
    assert entries[1].before["title"] == "停水通知" and entries[1].after["title"] == "停水通知（更正）"
    assert entries[2].before["withdrawn_at"] is None and entries[2].after["withdrawn_at"].startswith("2026-03-02T13:00")
    assert notice_state(notice, NOON + timedelta(hours=2)) is NoticeState.WITHDRAWN


def test_a_unit_admin_cannot_change_another_units_notice_or_its_pin(make_user, make_unit, create_notice):
    mine, theirs = make_unit(), make_unit()
    unit_admin = make_user(roles=[Role.UNIT_ADMIN], unit=mine)
    other = create_notice(unit=theirs, title="别人的公告")
    pinned_mine = create_notice(unit=mine, pinned=True, title="置顶")
    with pytest.raises(RuleViolation):
        update_notice(other, _draft(mine.id), actor=unit_admin, now=NOON)
    with pytest.raises(RuleViolation):
        withdraw_notice(other, actor=unit_admin, now=NOON)
    with pytest.raises(RuleViolation):
        update_notice(pinned_mine, _draft(mine.id, pinned=False), actor=unit_admin, now=NOON)
    update_notice(pinned_mine, _draft(mine.id, pinned=True, title="置顶（改）"), actor=unit_admin, now=NOON)
    db.session.commit()
    db.session.refresh(other)
    assert other.title == "别人的公告" and other.withdrawn_at is None
    assert pinned_mine.pinned and pinned_mine.title == "置顶（改）"


def test_a_withdrawn_notice_stays_withdrawn(make_user, make_unit, create_notice):
    logistics = make_user(roles=[Role.LOGISTICS_ADMIN])
    notice = create_notice()
    withdraw_notice(notice, actor=logistics, now=NOON)
    db.session.commit()
    with pytest.raises(RuleViolation):
        withdraw_notice(notice, actor=logistics, now=NOON)
    with pytest.raises(RuleViolation):
        update_notice(notice, _draft(notice.unit_id), actor=logistics, now=NOON)
