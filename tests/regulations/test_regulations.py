"""The rules library: versions in force by date, older versions readable, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.regulations.models import Regulation, RegulationVersion
from portal.blueprints.regulations.services import RegulationDraft, VersionDraft, create, recent_changes, revise
from portal.db import db
from portal.models import Role
from portal.rules import RuleViolation


@pytest.fixture
def logistics(make_user):
    return make_user(roles=[Role.LOGISTICS_ADMIN, Role.EMPLOYEE], username="houqin")


@pytest.fixture
def rule(logistics, clock):
    now = clock(2026, 6, 1, 9, 0)
    regulation = create(RegulationDraft("行政中心机关后勤管理规定", "后勤管理", None,
                                        VersionDraft("第一条 原文。", date(2011, 3, 1))), actor=logistics, now=now)
    db.session.commit()
    return regulation


def test_the_version_in_force_follows_the_dates(rule, logistics, clock):
    now = clock(2026, 6, 1, 9, 0)
    revise(rule, VersionDraft("第一条 修订文。", date(2026, 7, 1), "增加考核条款"), actor=logistics, now=now)
    db.session.commit()
    assert rule.in_force(date(2026, 6, 30)).number == 1
    assert rule.upcoming(date(2026, 6, 30)).number == 2
    assert rule.in_force(date(2026, 7, 1)).number == 2
    assert rule.upcoming(date(2026, 7, 1)) is None
    assert rule.in_force(date(2011, 2, 28)) is None


@pytest.mark.parametrize("draft, field", [
    (VersionDraft("新文本", date(2026, 5, 31), "改"), "effective_from"),  # before today
    (VersionDraft("新文本", date(2027, 7, 1), "改"), "effective_from"),   # more than a year ahead
    (VersionDraft("新文本", None, "改"), "effective_from"),
    (VersionDraft("  ", date(2026, 7, 1), "改"), "text"),
    (VersionDraft("新文本", date(2026, 7, 1), ""), "note"),
])
def test_a_bad_revision_is_refused_and_nothing_is_saved(rule, logistics, clock, draft, field):
    now = clock(2026, 6, 1, 9, 0)
    with pytest.raises(RuleViolation) as refused:
        revise(rule, draft, actor=logistics, now=now)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RegulationVersion)) == 1


def test_a_second_revision_must_follow_the_first(rule, logistics, clock):
    now = clock(2026, 6, 1, 9, 0)
    revise(rule, VersionDraft("二", date(2026, 7, 1), "改"), actor=logistics, now=now)
    with pytest.raises(RuleViolation):
        revise(rule, VersionDraft("三", date(2026, 7, 1), "再改"), actor=logistics, now=now)


def test_only_logistics_edits_and_titles_are_unique(rule, logistics, make_user):
    employee = make_user(roles=[Role.EMPLOYEE])
    with pytest.raises(RuleViolation) as refused:
        revise(rule, VersionDraft("二", timeutil.today(), "改"), actor=employee, now=timeutil.now())
    assert refused.value.status == 403
    with pytest.raises(RuleViolation) as refused:
        create(RegulationDraft("行政中心机关后勤管理规定", "", None, VersionDraft("x", date(2020, 1, 1))),
               actor=logistics, now=timeutil.now())
    assert refused.value.field == "title"


def test_recent_revisions_are_on_the_home_page_for_everyone(client, auth, logistics, make_user, clock):
    now = clock(2026, 6, 1, 9, 0, runs=True)
    regulation = create(RegulationDraft("交通车管理规定", "", None, VersionDraft("旧", date(2011, 3, 1))), actor=logistics, now=now)
    revise(regulation, VersionDraft("新", date(2026, 6, 10), "调整线路"), actor=logistics, now=now)
    db.session.commit()
    assert [c.version.number for c in recent_changes(date(2026, 6, 1))] == [2]
    auth.login_as(make_user(roles=[Role.SECURITY]))
    home = client.get("/").get_data(as_text=True)
    assert "交通车管理规定" in home and "2026年6月10日" in home


def test_staff_read_the_text_in_force_and_older_versions(client, auth, rule, logistics, make_user, clock):
    now = clock(2026, 6, 1, 9, 0, runs=True)
    revise(rule, VersionDraft("第一条 修订文。", date(2026, 6, 1), "增加考核条款"), actor=logistics, now=now)
    db.session.commit()
    auth.login_as(make_user(roles=[Role.EMPLOYEE]))
    page = client.get(f"/regulations/{rule.id}").get_data(as_text=True)
    assert "第一条 修订文。" in page and "第一条 原文。" not in page
    old = client.get(f"/regulations/{rule.id}?version=1").get_data(as_text=True)
    assert "第一条 原文。" in old
    assert client.get(f"/regulations/{rule.id}?version=9").status_code == 404
    assert client.get(f"/regulations/{rule.id}?version=x").status_code == 400
    assert client.get(f"/regulations/{rule.id}/revise").status_code == 403


def test_logistics_adds_a_rule_and_a_version_through_the_forms(client, auth, logistics):
    auth.login_as(logistics)
    response = client.post("/regulations/new", data={"title": "会议室使用管理办法", "summary": "", "unit_id": "",
                                                      "effective_from": "2015-01-01", "text": "第一条 统一预约。"})
    assert response.status_code == 303
    regulation = db.session.scalar(select(Regulation))
    bad = client.post(f"/regulations/{regulation.id}/revise",
                      data={"effective_from": "2015-01-01", "note": "改", "text": "第一条 网上预约。"})
    assert bad.status_code == 422
    today = timeutil.today().isoformat()
    ok = client.post(f"/regulations/{regulation.id}/revise", data={"effective_from": today, "note": "改为网上预约",
                                                                   "text": "第一条 网上预约。"})
    assert ok.status_code == 303
    assert client.post("/regulations/new", data={"title": "x", "unit_id": "abc", "effective_from": today,
                                                 "text": "y"}).status_code in (400, 422)
    assert db.session.scalar(select(func.count()).select_from(Regulation)) == 1


def test_demo_rules(client, auth, demo):
    from portal.blueprints.regulations.demo import seed_demo

    count = db.session.scalar(select(func.count()).select_from(Regulation))
    assert count >= 5
    seed_demo()
    assert db.session.scalar(select(func.count()).select_from(Regulation)) == count
    auth.login_as(demo["employee"])
    assert "行政中心机关交通车管理规定" in client.get("/regulations/").get_data(as_text=True)
