"""Notice pages per role: reading, publishing, editing and withdrawing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.notices.models import Audience, Notice
from portal.db import db
from portal.models import AuditLog, Role
from portal.timeutil import LOCAL_TZ

HOSTILE_TITLE = '<img src=x onerror=alert(1)>"><script>alert("t")</script>'
HOSTILE_BODY = '<script>alert(1)</script>\n<a href="javascript:alert(2)">x</a>\nhttps://example.com/"onmouseover="alert(3)'


def _now() -> datetime:
    return timeutil.now().replace(second=0, microsecond=0)


def _form(unit_id: int | None = None, **overrides) -> dict[str, str]:
    start = _now()
    data = {
        "title": "停电通知",
        "body": "周六 8:00–12:00 主楼停电检修。",
        "audience": "public",
        "publish_at": start.strftime("%Y-%m-%dT%H:%M"),
        "expires_at": (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
    }
    if unit_id is not None:
        data["unit_id"] = str(unit_id)
    data.update(overrides)
    return data


@pytest.fixture
def notices(create_notice, make_unit):
    unit = make_unit(name="县人力资源和社会保障局", short_name="人社局")
    now = _now()
    return {
        "public": create_notice(title="公开公告", unit=unit),
        "staff": create_notice(title="内部公告", audience=Audience.STAFF, unit=unit),
        "expired": create_notice(title="过期公告", publish_at=now - timedelta(days=9), expires_at=now - timedelta(days=1), unit=unit),
        "scheduled": create_notice(title="未来公告", publish_at=now + timedelta(days=1), expires_at=now + timedelta(days=2), unit=unit),
        "withdrawn": create_notice(title="撤回公告", withdrawn_at=now - timedelta(minutes=1), unit=unit),
    }


@pytest.mark.parametrize(
    ("role", "sees_staff"),
    [("anonymous", False), ("security", False), ("property", False), ("employee", True), ("unit_admin", True)],
)
def test_the_list_shows_current_notices_for_the_reader(client, login_as_role, notices, role, sees_staff):
    login_as_role(role)
    html = client.get("/notices/").get_data(as_text=True)
    assert "公开公告" in html
    assert ("内部公告" in html) is sees_staff
    for title in ("过期公告", "未来公告", "撤回公告"):
        assert title not in html


def test_the_home_page_shows_current_notices_pinned_first(client, login_as_role, create_notice, make_unit):
    unit = make_unit()
    create_notice(title="较新的公告", unit=unit, publish_at=_now() - timedelta(minutes=5))
    create_notice(title="置顶的旧公告", unit=unit, pinned=True, publish_at=_now() - timedelta(days=3))
    create_notice(title="员工内部通知", unit=unit, audience=Audience.STAFF)
    html = client.get("/").get_data(as_text=True)
    assert html.index("置顶的旧公告") < html.index("较新的公告")
    assert "员工内部通知" not in html
    assert 'href="/notices/"' in html
    login_as_role("employee")
    assert "员工内部通知" in client.get("/").get_data(as_text=True)


def test_the_home_page_shows_a_handful(client, create_notice, make_unit):
    unit = make_unit()
    for n in range(8):
        create_notice(title=f"第{n}号公告", unit=unit, publish_at=_now() - timedelta(minutes=n + 1))
    html = client.get("/").get_data(as_text=True)
    assert sum(f"第{n}号公告" in html for n in range(8)) == 5
    assert "第0号公告" in html and "第7号公告" not in html


def test_the_list_pages(app, client, create_notice, make_unit):
    app.config["PAGE_SIZE"] = 3
    unit = make_unit()
    for n in range(7):
        create_notice(title=f"分页公告{n}", unit=unit, publish_at=_now() - timedelta(minutes=n + 1))
    first = client.get("/notices/").get_data(as_text=True)
    third = client.get("/notices/?page=3").get_data(as_text=True)
    assert "分页公告0" in first and "分页公告3" not in first and 'rel="next"' in first
    assert "分页公告6" in third and "分页公告0" not in third


def test_hostile_titles_and_bodies_are_escaped_everywhere(client, create_notice, login_as_role):
    notice = create_notice(title=HOSTILE_TITLE, body=HOSTILE_BODY, pinned=True)
    login_as_role("employee")
    for url in ("/", "/notices/", f"/notices/{notice.id}", "/display/"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert 'href="javascript:' not in html and "onmouseover=\"alert" not in html, url
    detail = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>" in detail
    assert '<a href="https://example.com/" rel="noopener" target="_blank">https://example.com/</a>' in detail


def test_a_staff_notice_sends_visitors_to_log_in_and_is_not_for_the_guards(client, notices, login_as_role):
    url = f"/notices/{notices['staff'].id}"
    response = client.get(url)
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    login_as_role("security")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("which", ["expired", "scheduled", "withdrawn"])
def test_past_future_and_withdrawn_notices_are_not_found_by_readers(client, notices, login_as_role, which):
    login_as_role("employee")
    assert client.get(f"/notices/{notices[which].id}").status_code == 404


def test_managers_preview_their_units_past_and_future_notices(client, make_user, notices):
    from tests.conftest import AuthActions

    unit_admin = make_user(roles=[Role.UNIT_ADMIN, Role.EMPLOYEE], unit=notices["scheduled"].unit)
    AuthActions(client).login_as(unit_admin)
    html = client.get(f"/notices/{notices['scheduled'].id}").get_data(as_text=True)
    assert "未来公告" in html and "待发布" in html


# ---------------------------------------------------------------- publishing


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


def test_a_unit_admin_publishes_for_their_unit_whatever_the_form_says(client, make_user, make_unit, auth):
    mine, theirs = make_unit(), make_unit()
    unit_admin = make_user(roles=[Role.UNIT_ADMIN, Role.EMPLOYEE], unit=mine)
    auth.login_as(unit_admin)
    form = client.get("/notices/new").get_data(as_text=True)
    assert 'name="unit_id"' not in form and 'name="pinned"' not in form
    response = client.post("/notices/new", data=_form(unit_id=theirs.id, pinned="y"))
    assert response.status_code == 303
    notice = db.session.scalar(select(Notice))
    assert notice.unit_id == mine.id and not notice.pinned and notice.author_id == unit_admin.id
    assert response.headers["Location"] == f"/notices/{notice.id}"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "notice.create"))
    assert entry.actor_id == unit_admin.id and entry.object_id == str(notice.id)


def test_the_logistics_center_publishes_for_any_unit_and_pins(client, make_unit, login_as_role):
    login_as_role("logistics_admin")
    unit = make_unit()
    assert 'name="unit_id"' in client.get("/notices/new").get_data(as_text=True)
    response = client.post("/notices/new", data=_form(unit_id=unit.id, pinned="y", audience="staff"))
    assert response.status_code == 303
    notice = db.session.scalar(select(Notice))
    assert notice.unit_id == unit.id and notice.pinned and notice.audience is Audience.STAFF
    assert notice.publish_at.tzinfo is not None and notice.publish_at.utcoffset() == timedelta(hours=8)


def test_a_typed_date_without_the_t_is_accepted(client, make_unit, login_as_role):
    login_as_role("logistics_admin")
    unit = make_unit()
    response = client.post("/notices/new", data=_form(unit.id, publish_at="2026-03-01 09:00", expires_at="2026-03-08 18:00"))
    assert response.status_code == 303
    notice = db.session.scalar(select(Notice))
    assert notice.publish_at == datetime(2026, 3, 1, 9, 0, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expires_at": "2026-03-01T08:00", "publish_at": "2026-03-01T09:00"}, "截止时间必须晚于发布时间"),
        ({"expires_at": "2026-03-01T09:00", "publish_at": "2026-03-01T09:00"}, "截止时间必须晚于发布时间"),
        ({"title": "标" * 121}, "120"),
        ({"title": "  "}, "必填"),
        ({"body": "字" * 5001}, "5000"),
        ({"publish_at": "2026-02-30T09:00"}, "2026-03-01 09:00"),
        ({"publish_at": "0001-01-01T00:00"}, "2000"),
        ({"audience": "everyone"}, "选择"),
        ({"unit_id": "999999"}, "选择"),
    ],
)
def test_bad_input_re_renders_the_form_and_saves_nothing(client, make_unit, login_as_role, overrides, message):
    login_as_role("logistics_admin")
    unit = make_unit()
    data = _form(unit.id)
    data.update(overrides)
    response = client.post("/notices/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_errors_are_in_english_for_english_readers(client, make_unit, login_as_role):
    login_as_role("logistics_admin")
    client.set_cookie("portal_lang", "en")
    response = client.post("/notices/new", data=_form(make_unit().id, publish_at="2026-03-01T09:00", expires_at="2026-03-01T08:00"))
    assert response.status_code == 422 and "The expiry time must be after the publish time." in response.get_data(as_text=True)


def test_a_unit_admin_without_a_unit_cannot_publish(client, make_user, auth):
    auth.login_as(make_user(roles=[Role.UNIT_ADMIN, Role.EMPLOYEE]))
    assert client.get("/notices/new").status_code == 403
    assert client.post("/notices/new", data=_form()).status_code == 403
    assert _count() == 0


# ---------------------------------------------------------------- editing and withdrawing


def test_editing_keeps_the_window_rule_and_audits(client, make_user, create_notice, make_unit, auth):
    unit = make_unit()
    notice = create_notice(unit=unit, title="旧标题")
    auth.login_as(make_user(roles=[Role.UNIT_ADMIN, Role.EMPLOYEE], unit=unit))
    form = client.get(f"/notices/{notice.id}/edit").get_data(as_text=True)
    assert "旧标题" in form and notice.publish_at.strftime("%Y-%m-%dT%H:%M") in form
    bad = client.post(f"/notices/{notice.id}/edit", data=_form(title="新标题", publish_at="2026-03-02T09:00", expires_at="2026-03-01T09:00"))
    assert bad.status_code == 422
    db.session.refresh(notice)
    assert notice.title == "旧标题"
    good = client.post(f"/notices/{notice.id}/edit", data=_form(title="新标题"))
    assert good.status_code == 303
    db.session.refresh(notice)
    assert notice.title == "新标题"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "notice.update"))
    assert entry.before["title"] == "旧标题" and entry.after["title"] == "新标题"


def test_a_unit_admin_cannot_touch_another_units_notice(client, make_user, create_notice, make_unit, auth):
    notice = create_notice(unit=make_unit(), title="别的单位")
    auth.login_as(make_user(roles=[Role.UNIT_ADMIN, Role.EMPLOYEE], unit=make_unit()))
    assert client.get(f"/notices/{notice.id}/edit").status_code == 403
    assert client.post(f"/notices/{notice.id}/edit", data=_form(title="改了")).status_code == 403
    assert client.post(f"/notices/{notice.id}/withdraw").status_code == 403
    db.session.refresh(notice)
    assert notice.title == "别的单位" and notice.withdrawn_at is None
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_withdrawing_takes_a_notice_down_at_once(client, make_user, create_notice, make_unit, auth):
    unit = make_unit()
    notice = create_notice(unit=unit, title="要撤回的公告")
    assert "要撤回的公告" in client.get("/notices/").get_data(as_text=True)
    auth.login_as(make_user(roles=[Role.UNIT_ADMIN, Role.EMPLOYEE], unit=unit))
    # First the question (issue 13.14): nothing is withdrawn yet.
    question = client.post(f"/notices/{notice.id}/withdraw")
    html = question.get_data(as_text=True)
    assert question.status_code == 200 and "要撤回的公告" in html and 'name="confirmed" value="1"' in html
    assert f'action="/notices/{notice.id}/withdraw"' in html and f'href="/notices/{notice.id}"' in html
    db.session.refresh(notice)
    assert notice.withdrawn_at is None and db.session.scalar(select(func.count()).select_from(AuditLog)) == 0
    response = client.post(f"/notices/{notice.id}/withdraw", data={"confirmed": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/notices/manage"
    assert "已撤回" in client.get("/notices/manage").get_data(as_text=True)  # the message, shown once
    db.session.refresh(notice)
    assert notice.withdrawn_at is not None
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_type == "notice")) == "notice.withdraw"
    auth.logout()
    assert "要撤回的公告" not in client.get("/notices/").get_data(as_text=True)
    assert "要撤回的公告" not in client.get("/display/").get_data(as_text=True)
    # Withdrawing again changes nothing and says so.
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN]))
    again = client.post(f"/notices/{notice.id}/withdraw", data={"confirmed": "1"}, follow_redirects=True)
    assert "已撤回" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.object_type == "notice")) == 1
    assert client.get(f"/notices/{notice.id}/edit").status_code == 303


def test_the_manage_list_is_scoped_and_filters_by_state(client, make_user, notices, create_notice, make_unit, auth):
    other = create_notice(unit=make_unit(), title="别的单位的公告")
    auth.login_as(make_user(roles=[Role.UNIT_ADMIN, Role.EMPLOYEE], unit=notices["public"].unit))
    html = client.get("/notices/manage").get_data(as_text=True)
    for notice in notices.values():
        assert notice.title in html
    assert other.title not in html
    expired = client.get("/notices/manage?state=expired", headers={"HX-Request": "true"})
    text = expired.get_data(as_text=True)
    assert "<html" not in text and "过期公告" in text and "公开公告" not in text
    assert "HX-Request" in expired.headers["Vary"]
    # Changed deliberately: an unknown state is a clear 400 (portal.requestargs.arg_enum), not ignored.
    assert client.get("/notices/manage?state=nonsense").status_code == 400


def test_the_list_loads_units_without_one_query_per_notice(client, create_notice, make_unit, count_queries):
    for n in range(3):
        create_notice(title=f"公告{n}", unit=make_unit())
    with count_queries() as few:
        client.get("/notices/")
    for n in range(3, 12):
        create_notice(title=f"公告{n}", unit=make_unit())
    with count_queries() as many:
        client.get("/notices/")
    assert many.count == few.count, "\n".join(many.statements)


def test_the_home_panel_reads_its_notices_and_their_units_in_one_statement(client, create_notice, make_unit,
                                                                           count_queries):
    create_notice(title="甲公告", unit=make_unit(short_name="甲办"))
    create_notice(title="乙公告", unit=make_unit(name="乙局全称", short_name=""))
    with count_queries() as counted:
        html = client.get("/").get_data(as_text=True)
    assert "甲办" in html and "乙局全称" in html  # the short name, else the name
    assert len([s for s in counted.statements if "FROM notice" in s]) == 1, counted.statements
    create_notice(title="丙公告", unit=make_unit(short_name="丙办"))
    assert "丙公告" in client.get("/").get_data(as_text=True)  # a new notice shows at once
