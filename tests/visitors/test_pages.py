"""Masking everywhere, reveal and audit, history and export, pre-registration,
the watchlist, retention, and who may post what."""

import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.visitors import services as svc
from portal.blueprints.visitors.models import (
    PreregistrationStatus,
    VisitorEntry,
    VisitorPreregistration,
    WatchlistEntry,
)
from portal.db import db
from portal.models import AuditLog, Role
from tests.access import ROLES
from tests.conftest import AuthActions, sql_statements
from tests.visitors.conftest import FULL_MODE_CONFIG, make_resident_id

NUMBER = make_resident_id("510921", "19790304", "551")
MASKED = "510921********" + NUMBER[-4:]


def text(response) -> str:
    return response.get_data(as_text=True)


def login(auth, make_user, *roles, **fields):
    user = make_user(roles=list(roles), **fields)
    auth.login_as(user)
    return user


def check_in(client, check_in_form, **fields) -> VisitorEntry:
    response = client.post("/visitors/check-in", data=check_in_form(id_number=NUMBER, **fields))
    assert response.status_code == 303, text(response)
    return db.session.scalar(select(VisitorEntry).order_by(VisitorEntry.id.desc()))


def all_pages(entry_id: int) -> list[str]:
    today = timeutil.today().isoformat()
    return [
        "/visitors/",
        "/visitors/on-site",
        "/visitors/on-site/evacuation",
        f"/visitors/entries/{entry_id}",
        f"/visitors/history?start={today}&end={today}",
        "/visitors/statistics",
        "/visitors/watchlist/",
        "/admin/audit/",
        "/",
    ]


def assert_masked_everywhere(client, entry_id: int, *, expect_masked: bool = True):
    for url in all_pages(entry_id):
        response = client.get(url)
        html = text(response)
        assert response.status_code == 200, url
        assert NUMBER not in html and NUMBER[6:14] + NUMBER[14:17] not in html, url
    for url in ("/visitors/", "/visitors/on-site", f"/visitors/entries/{entry_id}", "/visitors/history"):
        assert (MASKED in text(client.get(url))) is expect_masked, url
    today = timeutil.today().isoformat()
    export = client.post("/visitors/history.xlsx", data={"start": today, "end": today})
    assert export.status_code == 200
    cells = [str(c) for row in load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True) for c in row]
    assert NUMBER not in " ".join(cells)
    assert (MASKED in cells) is expect_masked


def test_numbers_are_masked_on_every_page_partial_mode(client, auth, make_user, units, check_in_form):
    guard = login(auth, make_user, Role.SECURITY)
    entry = check_in(client, check_in_form)
    login(auth, make_user, Role.LOGISTICS_ADMIN, Role.EMPLOYEE)
    assert_masked_everywhere(client, entry.id)
    assert guard.id == entry.checked_in_by_id


@pytest.mark.parametrize("app_config", [FULL_MODE_CONFIG])
def test_full_mode_masks_every_page_and_reveal_is_an_audited_post(client, auth, make_user, units, check_in_form):
    login(auth, make_user, Role.SECURITY)
    entry = check_in(client, check_in_form)
    assert entry.id_encrypted and NUMBER not in entry.id_encrypted
    assert "查看完整号码" not in text(client.get(f"/visitors/entries/{entry.id}"))  # guards cannot
    assert client.post(f"/visitors/entries/{entry.id}/reveal").status_code == 403

    admin = login(auth, make_user, Role.LOGISTICS_ADMIN, Role.EMPLOYEE)
    detail = text(client.get(f"/visitors/entries/{entry.id}"))
    assert "查看完整号码（将记入审计日志）" in detail and NUMBER not in detail
    assert_masked_everywhere(client, entry.id)

    revealed = client.post(f"/visitors/entries/{entry.id}/reveal")
    assert revealed.status_code == 200 and NUMBER in text(revealed)
    assert revealed.headers["Cache-Control"] == "no-store"
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.reveal_id"))
    assert audit.actor_id == admin.id and audit.object_type == "visitor_entry" and audit.object_id == str(entry.id)
    stored = json.dumps([audit.summary, audit.before, audit.after], ensure_ascii=False)
    assert NUMBER not in stored and NUMBER[-4:] not in stored
    assert NUMBER not in text(client.get("/admin/audit/"))
    # Each reveal is its own audit entry.
    client.post(f"/visitors/entries/{entry.id}/reveal")
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "visitor.reveal_id")) == 2


def test_reveal_is_not_offered_without_full_storage(client, auth, make_user, make_entry):
    entry = make_entry()
    login(auth, make_user, Role.LOGISTICS_ADMIN)
    assert "查看完整号码" not in text(client.get(f"/visitors/entries/{entry.id}"))
    assert client.post(f"/visitors/entries/{entry.id}/reveal").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


@pytest.mark.parametrize("app_config", [{"VISITOR_ID_STORAGE": "none"}])
def test_none_mode_pages_say_the_number_was_not_kept(client, auth, make_user, units, check_in_form):
    login(auth, make_user, Role.SECURITY)
    entry = check_in(client, check_in_form)
    assert entry.id_masked == "" and entry.id_encrypted is None
    login(auth, make_user, Role.LOGISTICS_ADMIN)
    assert_masked_everywhere(client, entry.id, expect_masked=False)
    assert "未留存号码" in text(client.get("/visitors/on-site"))


# ---------------------------------------------------------------- lists


def test_each_on_site_row_shows_what_the_desk_needs_escaped(client, auth, make_user, make_entry, clock):
    clock(2026, 12, 2, 10, 0)
    login(auth, make_user, Role.SECURITY)
    watched = make_entry(5, name="<b>李四</b>", watchlist_hit=True, host_name="王科长", plate="川A12345", badge="7",
                         companions=2)
    unchecked = make_entry(10, name="赵六", id_checked=False, unit_id=None)
    forgotten = make_entry(15, name="", id_masked="", anonymized_at=timeutil.now())
    html = client.get("/visitors/on-site").get_data(as_text=True)
    assert "<b>李四</b>" not in html
    assert (f'<td><a href="/visitors/entries/{watched.id}">&lt;b&gt;李四&lt;/b&gt;</a> '
            '<span class="badge badge--danger">关注名单</span></td>') in html
    assert "<td>人社局 · 王科长</td>\n<td>2</td>\n<td>川A12345</td>\n<td>7</td>" in html
    assert (f'formaction="/visitors/entries/{watched.id}/check-out">登记离开'
            '<span class="visually-hidden"> &lt;b&gt;李四&lt;/b&gt;</span>') in html
    # Not sighted, no unit: no "sighted" badge and a dash.
    row = html[html.index(f'href="/visitors/entries/{unchecked.id}"'):]
    row = row[:row.index("</tr>")]
    assert "已核验" not in row and "<td>—</td>" in row
    # An anonymized visit: no name, the number removed.
    row = html[html.index(f'href="/visitors/entries/{forgotten.id}"'):]
    assert row.startswith(f'href="/visitors/entries/{forgotten.id}">（已匿名化）</a>')
    assert '<span class="muted">已删除</span>' in row[:row.index("</tr>")]


def test_on_site_list_flags_overstays_and_prints_for_evacuation(client, auth, make_user, make_entry):
    login(auth, make_user, Role.SECURITY)
    make_entry(at=timeutil.now() - timedelta(days=1), name="昨日未走", companions=1)
    make_entry(5, name="刚进来")
    make_entry(60, name="已离开", out=True)
    html = text(client.get("/visitors/on-site"))
    assert "昨日未走" in html and "刚进来" in html and "已离开" not in html
    assert html.count('class="is-overstay"') == 1 and "已过下班时间" in html
    assert "楼内共 3 人（含随行人员）。" in html
    evacuation = text(client.get("/visitors/on-site/evacuation"))
    assert "疏散名单" in evacuation and "昨日未走" in evacuation and "刚进来" in evacuation
    assert "已离开" not in evacuation and "已清点" in evacuation
    partial = client.get("/visitors/on-site", headers={"HX-Request": "true", "HX-Target": "on-site"})
    assert "<html" not in text(partial) and "刚进来" in text(partial)


def test_on_site_list_pages_and_its_query_count_is_flat(client, auth, make_user, make_entry, units):
    login(auth, make_user, Role.SECURITY)
    size = svc.ON_SITE_PAGE_SIZE
    for i in range(size + 5):
        make_entry(i + 1, name=f"访客{i:02d}", unit_id=list(units.values())[i % 3].id)
    with sql_statements() as statements:
        first = text(client.get("/visitors/on-site"))
    assert "第 1 页，共 2 页" in first or "Page 1 of 2" in first
    assert first.count('formaction="/visitors/entries/') == size
    assert first.count('name="csrf_token"') == 3  # the header's two forms and the list's one, not one per row
    assert len(statements) <= 6, statements  # user, page, count, summary… not one per row
    second = text(client.get("/visitors/on-site?page=2"))
    assert f"访客{size + 4:02d}" in first and f"访客{size + 4:02d}" not in second  # longest inside first: overstays on top
    assert "访客00" in second and second.count('formaction="/visitors/entries/') == 5


def test_the_desk_reads_a_fixed_number_of_queries(client, auth, make_user, make_entry, units, clock, count_queries):
    clock(2026, 12, 3, 10, 0)
    host = login(auth, make_user, Role.SECURITY)

    def queries() -> int:
        with count_queries() as counted:
            assert client.get("/visitors/").status_code == 200
        return counted.count

    def expect(name: str) -> None:
        db.session.add(VisitorPreregistration(
            created_by_id=host.id, unit_id=units["rsj"].id, host_name="李明", visit_date=timeutil.today(),
            window_start=timeutil.now().time(), window_end=(timeutil.now() + timedelta(hours=1)).time(),
            visitor_name=name))
        db.session.commit()

    make_entry(name="访客甲", unit_id=units["czj"].id)
    expect("预约甲")
    few = queries()
    # the data versions, the account, today's expected (counted on the rows), the units with their
    # initials, the on-site counts and page, the watchlist warnings, the notifications
    assert few == 8
    for i in range(8):
        make_entry(i + 1, name=f"访客{i}", unit_id=list(units.values())[i % 3].id, watchlist_hit=True)
        expect(f"预约{i}")
    html = text(client.get("/visitors/"))
    assert "访客7" in html and "预约7" in html and "县财政局" not in html.split('id="on-site"')[1]  # short names
    assert queries() <= few + 1  # the watchlist warnings' query, not one per row


def test_the_desk_redraws_its_shared_panels_when_the_minute_or_the_data_changes(client, auth, make_user, make_entry,
                                                                                   clock):
    clock(2026, 12, 3, 17, 59)
    login(auth, make_user, Role.SECURITY)
    make_entry(10, name="晚走的")
    assert "晚走的" in text(client.get("/visitors/")) and "已过下班时间" not in text(client.get("/visitors/"))
    clock(2026, 12, 3, 18, 0)  # the closing time: the same data, another minute
    assert "已过下班时间" in text(client.get("/visitors/on-site"))
    make_entry(1, name="刚进来")  # a new visitor: new data, the same minute
    assert "刚进来" in text(client.get("/visitors/")) and "刚进来" in text(client.get("/visitors/on-site"))


def test_a_guards_desk_and_on_site_list_are_served_again_until_someone_comes_or_goes(
        client, auth, make_user, make_entry, clock, count_queries, areas_on_record):
    clock(2026, 12, 3, 10, 0)
    login(auth, make_user, Role.SECURITY)
    areas_on_record("building")
    make_entry(1, name="访客甲")
    for path in ("/visitors/", "/visitors/on-site"):
        client.get(path)  # the session's CSRF token
        first = client.get(path)
        with count_queries() as counted:
            again = client.get(path)
        assert SUBMISSION_TOKEN.sub("", text(again)) == SUBMISSION_TOKEN.sub("", text(first)) and "访客甲" in text(again)
        assert counted.count == 1  # the data versions: no account loaded
    make_entry(1, name="访客乙")
    assert "访客乙" in text(client.get("/visitors/")) and "访客乙" in text(client.get("/visitors/on-site"))


def test_a_kept_desk_is_never_served_to_another_guard(client, app, auth, make_user, make_entry, clock,
                                                      areas_on_record):
    clock(2026, 12, 3, 10, 0)
    areas_on_record("building")
    make_entry(1, name="访客甲")
    login(auth, make_user, Role.SECURITY, display_name="门岗 甲")
    client.get("/visitors/")
    assert "门岗 甲" in text(client.get("/visitors/"))
    other = app.test_client()
    AuthActions(other).login_as(make_user(roles=[Role.SECURITY], display_name="门岗 乙"))
    other.get("/visitors/")
    html = text(other.get("/visitors/"))
    assert "门岗 乙" in html and "门岗 甲" not in html
    auth.login_as(make_user(roles=[Role.SECURITY], display_name="门岗 丙"))  # the same browser, another account
    html = text(client.get("/visitors/"))
    assert "门岗 丙" in html and "门岗 甲" not in html


SUBMISSION_TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')


def test_each_serving_of_the_kept_desk_has_its_own_submission_token(client, auth, make_user, make_entry, clock,
                                                                    areas_on_record, count_queries, check_in_form):
    """Two check-ins from two servings of the desk are two visitors, never one form sent twice."""
    clock(2026, 12, 3, 10, 0)
    login(auth, make_user, Role.SECURITY)
    areas_on_record("building")
    make_entry(1, name="访客甲")
    client.get("/visitors/")  # the session's CSRF token
    pages = [text(client.get("/visitors/"))]  # drawn and kept
    with count_queries() as counted:
        for _ in range(3):
            pages.append(text(client.get("/visitors/")))
    assert counted.count == 3  # kept: the data versions, each time
    tokens = [SUBMISSION_TOKEN.search(html).group(1) for html in pages]
    assert len(set(tokens)) == 4 and all(re.fullmatch(r"[A-Za-z0-9_-]{20,64}", t) for t in tokens)
    assert not any("submission-token" in html for html in pages)  # the slot is always filled
    for n, token in enumerate(tokens[:2]):
        assert client.post("/visitors/check-in", data=check_in_form(submission_token=token, badge=str(40 + n),
                                                                     name=f"访客{n}")).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(VisitorEntry).where(VisitorEntry.name.in_(
        ["访客0", "访客1"]))) == 2


def test_text_typed_like_the_token_slot_stays_text(client, auth, make_user, make_entry, clock, areas_on_record):
    clock(2026, 12, 3, 10, 0)
    login(auth, make_user, Role.SECURITY)
    areas_on_record("building")
    make_entry(1, name="<submission-token>")
    client.get("/visitors/")
    html = text(client.get("/visitors/"))
    assert "&lt;submission-token&gt;" in html and len(SUBMISSION_TOKEN.findall(html)) == 1


def test_history_search_filters_and_pages(client, auth, make_user, make_entry, units):
    login(auth, make_user, Role.SECURITY)
    now = timeutil.now()
    make_entry(at=now - timedelta(days=2), name="张三", plate="川JA1234", badge="8", out=True)
    make_entry(at=now - timedelta(days=3), name="李四", unit_id=units["czj"].id, out=True)
    make_entry(at=now - timedelta(days=40), name="王五", out=True)
    default = text(client.get("/visitors/history"))
    assert "张三" in default and "李四" in default and "王五" not in default  # the last 7 days
    start = (now - timedelta(days=60)).date().isoformat()
    assert "王五" in text(client.get(f"/visitors/history?start={start}"))
    assert "李四" not in text(client.get(f"/visitors/history?start={start}&name=张"))
    by_unit = text(client.get(f"/visitors/history?start={start}&unit=czj"))
    assert "李四" in by_unit and "张三" not in by_unit
    assert "张三" in text(client.get("/visitors/history?plate=ja12")) and "李四" not in text(client.get("/visitors/history?plate=ja12"))
    assert "张三" in text(client.get("/visitors/history?badge=8")) and "李四" not in text(client.get("/visitors/history?badge=8"))
    partial = client.get("/visitors/history?name=李", headers={"HX-Request": "true"})
    assert "<html" not in text(partial) and "李四" in text(partial)
    bad = client.get("/visitors/history?start=2025-02-01&end=2025-01-01")
    assert bad.status_code == 422 and "结束日期早于开始日期" in text(bad)
    assert client.get("/visitors/history?start=not-a-date").status_code == 422
    assert "不提供按证件号码查询" in default and 'name="id_number"' not in default


def test_history_export_is_for_logistics_admins_and_audited(client, auth, make_user, make_entry):
    make_entry(name="张三", host_name="王科长")
    login(auth, make_user, Role.SECURITY)
    assert "导出 Excel" not in text(client.get("/visitors/history"))
    assert client.post("/visitors/history.xlsx").status_code == 403
    admin = login(auth, make_user, Role.LOGISTICS_ADMIN)
    assert "导出 Excel" in text(client.get("/visitors/history"))
    assert client.get("/visitors/history.xlsx?name=张").headers["Location"] == "/visitors/history?name=%E5%BC%A0"
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.export")) is None  # no write on GET
    history = text(client.get("/visitors/history?name=张"))
    fields = dict(re.findall(r'<input type="hidden" name="(start|end|name)" value="([^"]*)"', history))
    assert client.post("/visitors/history.xlsx", data={"name": "张"}).status_code == 303  # no period: back
    response = client.post("/visitors/history.xlsx", data=fields)
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("进入时间", "离开时间", "姓名") and rows[1][2] == "张三" and rows[1][4] == "510921********1234"
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.export"))
    assert audit.actor_id == admin.id and "exported 1 visits" in audit.summary
    bad = client.post("/visitors/history.xlsx", data={"start": "2025-02-01", "end": "2025-01-01"})
    assert bad.status_code == 303


def test_statistics_per_unit(client, auth, make_user, make_entry, units):
    make_entry(companions=2)
    make_entry()
    make_entry(unit_id=units["czj"].id)
    login(auth, make_user, Role.LOGISTICS_ADMIN)
    html = text(client.get("/visitors/statistics"))
    assert "<td>县人力资源和社会保障局</td><td>2</td><td>4</td>" in html
    assert "<td>县财政局</td><td>1</td><td>1</td>" in html
    assert "<th>合计</th><th>3</th><th>5</th>" in html


# ---------------------------------------------------------------- pre-registration


def test_employee_pre_registers_a_visitor(client, auth, make_user, units):
    employee = login(auth, make_user, Role.EMPLOYEE, display_name="王科长", unit_id=units["rsj"].id)
    form = text(client.get("/visitors/expected/new"))
    assert 'value="县人力资源和社会保障局"' in form and 'value="王科长"' in form
    tomorrow = (timeutil.today() + timedelta(days=1)).isoformat()
    data = {"visitor_name": "赵敏", "id_type": "resident_id", "phone": "139 0000 1111", "organization": "某公司",
            "unit": "人社局", "host_name": "王科长", "purpose": "办理社保", "companions": "1", "plate": "",
            "visit_date": tomorrow, "window_start": "09:00", "window_end": "11:00"}
    assert client.post("/visitors/expected/new", data=data).status_code == 303
    prereg = db.session.scalar(select(VisitorPreregistration))
    assert (prereg.created_by_id, prereg.unit_id, prereg.phone) == (employee.id, units["rsj"].id, "13900001111")
    assert "赵敏" in text(client.get("/visitors/expected/"))

    for overrides, message in [
        ({"window_end": "08:00"}, "结束时间必须晚于开始时间"),
        ({"visit_date": "2020-01-01"}, "来访日期已过"),
        ({"phone": "12"}, "手机号码应为 11 位"),
        ({"unit": "zzz"}, "没有与“zzz”相符的单位"),
        ({"visitor_name": ""}, "visitor_name-errors"),
    ]:
        response = client.post("/visitors/expected/new", data=data | overrides)
        assert response.status_code == 422 and message in text(response), overrides
    assert db.session.scalar(select(func.count()).select_from(VisitorPreregistration)) == 1


def test_employees_see_and_cancel_only_their_own(client, auth, make_user, units):
    other = make_user(roles=[Role.EMPLOYEE], username="other")
    tomorrow = timeutil.today() + timedelta(days=1)
    theirs = VisitorPreregistration(created_by_id=other.id, unit_id=units["rsj"].id, visit_date=tomorrow,
                                    window_start=timeutil.now().time(), window_end=timeutil.now().time(),
                                    visitor_name="别人的客人")
    db.session.add(theirs)
    db.session.commit()
    me = login(auth, make_user, Role.EMPLOYEE)
    mine = VisitorPreregistration(created_by_id=me.id, unit_id=units["rsj"].id, visit_date=tomorrow,
                                  window_start=timeutil.now().time(), window_end=timeutil.now().time(),
                                  visitor_name="我的客人")
    db.session.add(mine)
    db.session.commit()
    html = text(client.get("/visitors/expected/"))
    assert "我的客人" in html and "别人的客人" not in html
    assert client.post(f"/visitors/expected/{theirs.id}/cancel").status_code == 403
    assert client.post("/visitors/expected/99999/cancel").status_code == 404
    assert client.post(f"/visitors/expected/{mine.id}/cancel").status_code == 303
    db.session.refresh(theirs)
    db.session.refresh(mine)
    assert theirs.status is PreregistrationStatus.EXPECTED and mine.status is PreregistrationStatus.CANCELLED
    # Employees never reach the desk, the on-site list or the history.
    for url in ("/visitors/on-site", "/visitors/history", "/visitors/on-site/evacuation"):
        assert client.get(url).status_code == 403


# ---------------------------------------------------------------- watchlist


def test_logistics_admin_keeps_the_watchlist_without_storing_numbers(client, auth, make_user):
    admin = login(auth, make_user, Role.LOGISTICS_ADMIN)
    response = client.post("/visitors/watchlist/", data={"name": "钱某", "id_type": "resident_id", "id_number": NUMBER,
                                                         "plate": "", "reason": "推销", "action": "refuse"})
    assert response.status_code == 303
    watch = db.session.scalar(select(WatchlistEntry))
    assert watch.id_masked == MASKED and len(watch.id_digest) == 64
    row = db.session.execute(select(WatchlistEntry.__table__)).one()
    assert NUMBER not in repr(tuple(row))
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.watch_add"))
    assert audit.actor_id == admin.id and NUMBER not in json.dumps(audit.after)
    html = text(client.get("/visitors/watchlist/"))
    assert "钱某" in html and MASKED in html and NUMBER not in html

    empty = client.post("/visitors/watchlist/", data={"name": "", "id_number": "", "plate": "", "reason": "x",
                                                      "action": "escalate", "id_type": "resident_id"})
    assert empty.status_code == 422 and "请至少填写姓名、证件号码或车牌号之一" in text(empty)
    bad = client.post("/visitors/watchlist/", data={"name": "x", "id_type": "resident_id", "id_number": NUMBER[:-1] + "0"
                                                    if NUMBER[-1] != "0" else NUMBER[:-1] + "1", "reason": "x", "action": "refuse"})
    assert bad.status_code == 422 and "校验码" in text(bad) and NUMBER[:17] not in text(bad)

    assert client.post(f"/visitors/watchlist/{watch.id}/delete").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(WatchlistEntry)) == 0
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.watch_remove")) is not None


def test_a_watched_document_is_recognized_under_another_name(client, auth, make_user, units, check_in_form):
    login(auth, make_user, Role.LOGISTICS_ADMIN)
    client.post("/visitors/watchlist/", data={"name": "", "id_type": "resident_id", "id_number": NUMBER, "plate": "",
                                              "reason": "冒用他人姓名", "action": "escalate"})
    login(auth, make_user, Role.SECURITY)
    decision = text(client.post("/visitors/check-in", data=check_in_form(name="化名", id_number=NUMBER)))
    assert "证件相同" in decision and "冒用他人姓名" in decision


# ---------------------------------------------------------------- retention


def test_purge_command_anonymizes_after_the_retention_period(runner, make_entry, units):
    now = timeutil.now()
    old = make_entry(at=now - timedelta(days=181), out=True, phone="13812345678", companions=3)
    fresh = make_entry(at=now - timedelta(days=179), out=True)
    dry = runner.invoke(args=["purge-visitors", "--dry-run"])
    assert dry.exit_code == 0 and "would anonymize 1 visit(s)" in dry.output
    assert db.session.get(VisitorEntry, old.id).name == "张伟"

    result = runner.invoke(args=["purge-visitors"])
    assert result.exit_code == 0 and "anonymized 1 visit(s)" in result.output and "retention 180 days" in result.output
    db.session.expire_all()
    old = db.session.get(VisitorEntry, old.id)
    assert old.name == "" and old.id_masked == "" and old.phone == "" and old.companions == 3
    assert db.session.get(VisitorEntry, fresh.id).name == "张伟"
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.purge")) is not None

    again = runner.invoke(args=["purge-visitors"])
    assert again.exit_code == 0 and "anonymized 0 visit(s)" in again.output
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "visitor.purge")) == 1


@pytest.mark.parametrize("app_config", [{"VISITOR_RETENTION_DAYS": 30}])
def test_purge_follows_the_configured_retention(runner, make_entry):
    make_entry(at=timeutil.now() - timedelta(days=31), out=True)
    assert "anonymized 1 visit(s)" in runner.invoke(args=["purge-visitors"]).output


def test_anonymized_visits_show_as_such(client, auth, make_user, make_entry):
    entry = make_entry(at=timeutil.now() - timedelta(days=1), out=True)
    entry.name, entry.id_masked, entry.anonymized_at = "", "", timeutil.now()
    db.session.commit()
    login(auth, make_user, Role.SECURITY)
    assert "（已匿名化）" in text(client.get("/visitors/history"))


# ---------------------------------------------------------------- roles for posts


POSTS = {
    "/visitors/check-in": ("security", "logistics_admin"),
    "/visitors/check-out": ("security", "logistics_admin"),
    "/visitors/entries/{entry}/check-out": ("security", "logistics_admin"),
    "/visitors/entries/{entry}/refuse": ("security", "logistics_admin"),
    "/visitors/expected/new": ("employee", "unit_admin", "logistics_admin", "sysadmin"),
    "/visitors/watchlist/": ("logistics_admin",),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_post(client, login_as_role, make_entry, role):
    entry = make_entry()
    login_as_role(role)
    for template, allowed in POSTS.items():
        status = client.post(template.format(entry=entry.id), data={}).status_code
        if role == "anonymous":
            assert status == 303, template
        elif role in allowed:
            assert status in (200, 303, 422), template
        else:
            assert status == 403, template


# ---------------------------------------------------------------- home page


def test_home_panels(client, auth, make_user, make_entry):
    make_entry()
    assert "在楼访客" not in text(client.get("/"))
    login(auth, make_user, Role.SECURITY)
    assert "在楼访客 1 位" in text(client.get("/"))
    login(auth, make_user, Role.EMPLOYEE)
    home = text(client.get("/"))
    assert "预约访客" in home and "在楼访客" not in home
    login(auth, make_user, Role.PROPERTY)
    assert "预约访客" not in text(client.get("/"))


# ---------------------------------------------------------------- the desk's facts (cold drawings)


def _reads(counter, table: str) -> list[str]:
    return [s for s in counter.statements if f"FROM {table} " in s or s.rstrip().endswith(f"FROM {table}")]


def test_a_cold_desk_reads_the_visits_and_keeps_the_units_as_facts(client, auth, make_user, make_entry, units,
                                                                     clock, count_queries, areas_on_record):
    from portal import cache

    clock(2026, 12, 3, 10, 0)
    areas_on_record("building", "visitors", "search")
    login(auth, make_user, Role.SECURITY)
    make_entry(1, name="访客甲", unit_id=units["czj"].id)
    assert 'value="县财政局"' in text(client.get("/visitors/"))  # keeps the units with their hints
    clock(2026, 12, 3, 10, 7)  # another minute: every drawing is made again
    for path, statements in (("/visitors/", 7), ("/visitors/on-site", 5)):
        cache.forget_drawings()  # as the benchmark's cold request, or another page of the lists
        with count_queries() as cold:
            page = text(client.get(path))
        assert "访客甲" in page and not _reads(cold, "unit"), cold.statements
        # The data versions, the account, (today's expected, the watchlist warnings,) the on-site counts and
        # page, the header's count: nothing per row, no unit list.
        assert cold.count == statements, cold.statements
    make_entry(1, name="访客乙")  # a check-in shows at once
    assert "访客乙" in text(client.get("/visitors/")) and "访客乙" in text(client.get("/visitors/on-site"))
    units["czj"].name = "县财政局（国资）"  # a renamed unit too, in the check-in form's list
    db.session.commit()
    assert 'value="县财政局（国资）"' in text(client.get("/visitors/"))


def test_each_serving_of_a_cold_desk_has_its_own_submission_token(client, auth, make_user, make_entry, clock,
                                                                   areas_on_record):
    from portal import cache

    clock(2026, 12, 3, 10, 0)
    areas_on_record("building", "visitors", "search")
    login(auth, make_user, Role.SECURITY)
    tokens = set()
    for _ in range(3):
        cache.forget_drawings()
        found = re.findall(r'name="submission_token" type="hidden" value="([^"]+)"', text(client.get("/visitors/")))
        assert len(found) == 1 and "<" not in found[0]
        tokens.add(found[0])
    assert len(tokens) == 3
