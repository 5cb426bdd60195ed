"""The guard's desk over HTTP: check-in, idempotency, validation, check-out."""

import logging
import re
import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.visitors import services as svc
from portal.blueprints.visitors.models import (
    PreregistrationStatus,
    VisitorEntry,
    VisitorPreregistration,
    WatchAction,
    WatchlistEntry,
)
from portal.blueprints.visitors.validation import IdType, normalize_name
from portal.db import db
from portal.models import AuditLog, Role
from tests.pages import without_tokens
from tests.visitors.conftest import make_resident_id

NUMBER = make_resident_id()
MASKED = "510921********" + NUMBER[-4:]


def entries() -> list[VisitorEntry]:
    return db.session.scalars(select(VisitorEntry).order_by(VisitorEntry.id)).all()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_desk_is_ready_for_the_keyboard(client, guard, units):
    html = text(client.get("/visitors/"))
    form = html[html.index('action="/visitors/check-in"'):html.index("</form>", html.index('action="/visitors/check-in"'))]
    # The name field has the focus; the fields follow in the order the guard works.
    assert re.search(r'<input[^>]*autofocus[^>]*id="name"', form)
    assert form.count("autofocus") == 1
    names = re.findall(r'<(?:input|select)[^>]*\bname="([a-z_]+)"', form)
    visible = [n for n in names if n not in {"csrf_token", "submission_token", "expected_id"}]
    assert visible == ["name", "id_type", "id_number", "id_checked", "phone", "unit", "host_name", "purpose",
                       "organization", "companions", "plate", "badge"]
    assert 'type="submit"' in form  # Enter submits from any field
    assert "tabindex" not in form  # the DOM order is the tab order
    # The unit is picked by typing: options carry the short name and the pinyin initials.
    assert re.search(r'<input[^>]*list="visitor-units"[^>]*name="unit"', form)
    assert '<option value="县人力资源和社会保障局" label="人社局 rsj">' in form


def test_check_in_saves_the_visit_with_the_number_masked(client, guard, units, check_in_form):
    response = client.post("/visitors/check-in", data=check_in_form(id_number=NUMBER))
    assert response.status_code == 303 and response.headers["Location"] == "/visitors/"
    assert NUMBER not in response.headers["Location"]
    [entry] = entries()
    assert (entry.name, entry.id_type, entry.id_checked, entry.id_masked) == ("张伟", IdType.RESIDENT_ID, True, MASKED)
    assert entry.id_encrypted is None
    assert (entry.phone, entry.plate, entry.badge, entry.companions) == ("13812345678", "川JA1234", "17", 1)
    assert entry.unit_id == units["rsj"].id and entry.checked_in_by_id == guard.id
    assert entry.checked_out_at is None

    desk = text(client.get("/visitors/"))
    assert "已登记：来访 人社局，访客证 17 号。" in desk  # no name in the flash (issue 15.15)
    assert MASKED in desk and NUMBER not in desk


def test_a_double_enter_or_a_retry_creates_one_entry(client, guard, units, check_in_form):
    data = check_in_form()
    first = client.post("/visitors/check-in", data=data)
    second = client.post("/visitors/check-in", data=data)
    assert first.status_code == second.status_code == 303
    assert len(entries()) == 1
    assert "已经保存过" in text(client.get("/visitors/"))


def test_each_desk_page_hands_out_a_fresh_token(client, guard, units):
    tokens = {re.search(r'name="submission_token" type="hidden" value="([^"]+)"', text(client.get("/visitors/"))).group(1)
              for _ in range(3)}
    assert len(tokens) == 3


def test_concurrent_retries_of_one_form_create_one_entry(app, units):
    """Two requests with the same token racing each other (SQLite: write lock; PostgreSQL: unique key)."""
    data = svc.CheckIn(submission_token=svc.new_submission_token(), name="张伟", id_type=IdType.RESIDENT_ID,
                       id_number=NUMBER, id_checked=True, unit_id=units["rsj"].id, badge="5")
    settings = app.extensions["visitors"]
    results, barrier = [], threading.Barrier(4)

    def attempt():
        with app.app_context():
            barrier.wait()
            result = svc.check_in(data, settings=settings, actor=None, now=timeutil.now())
            db.session.commit()
            results.append(result.created)
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [False, False, False, True]
    db.session.rollback()  # end the test's own read snapshot
    assert db.session.scalar(select(func.count()).select_from(VisitorEntry)) == 1


def test_a_retry_saved_between_the_token_and_badge_look_ups_is_the_answer(app, units, monkeypatch):
    """On PostgreSQL each statement sees what was committed before it: a retry of the form may be saved
    after this request looked for its token and before it looks for the badge's holder. The retry's
    entry is then this form's, not another visitor's badge."""
    data = svc.CheckIn(submission_token=svc.new_submission_token(), name="张伟", id_type=IdType.RESIDENT_ID,
                       id_number=NUMBER, id_checked=True, unit_id=units["rsj"].id, badge="5")
    settings = app.extensions["visitors"]
    first = svc.check_in(data, settings=settings, actor=None, now=timeutil.now())
    db.session.commit()
    monkeypatch.setattr(svc, "find_by_token", lambda token: None)  # the look-up that ran before the retry's commit
    again = svc.check_in(data, settings=settings, actor=None, now=timeutil.now())
    assert not again.created and again.entry.id == first.entry.id
    other = replace(data, submission_token=svc.new_submission_token())
    with pytest.raises(svc.RuleViolation):  # another form with the badge is still refused
        svc.check_in(other, settings=settings, actor=None, now=timeutil.now())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")}, "校验码（最后一位）与前 17 位不符"),
        ({"id_number": NUMBER[:17]}, "应为 18 位，这里是 17 位"),
        ({"id_number": make_resident_id(born="19900230")}, "不是有效的出生日期"),
        ({"id_number": ""}, "请填写证件号码"),
        ({"id_type": "passport", "id_number": "E1"}, "护照号码应为 5 至 17 位"),
        ({"phone": "1381234567"}, "手机号码应为 11 位，这里是 10 位"),
        ({"phone": "010-6512345"}, "区号 010 之后的固定电话号码应为 8 位"),
        ({"plate": "川A1234"}, "这里是 6 位"),
        ({"plate": "川AX12345"}, "8 位新能源车牌"),
        ({"unit": "qwerty"}, "没有与“qwerty”相符的单位"),
        ({"unit": "局"}, "对应多个单位"),
        ({"name": ""}, "name-errors"),
        ({"companions": "-1"}, "companions-errors"),
        ({"submission_token": ""}, "表单已失效"),
    ],
)
def test_bad_input_comes_back_with_what_is_wrong_and_saves_nothing(client, guard, units, check_in_form, overrides, message):
    data = check_in_form(**overrides)
    response = client.post("/visitors/check-in", data=data)
    html = text(response)
    assert response.status_code == 422
    assert message in html
    assert entries() == []
    if "id_number" in overrides:  # a wrong number is never echoed
        assert data["id_number"] == "" or data["id_number"] not in without_tokens(html)
    else:  # a right one is kept for an unrelated mistake (issue 13.3)
        assert f'value="{data["id_number"]}"' in html
    assert 'value="张伟"' in html or overrides.get("name") == ""  # what was typed is kept


def test_after_an_error_the_focus_goes_to_the_first_wrong_field(client, guard, units, check_in_form):
    html = text(client.post("/visitors/check-in", data=check_in_form(phone="123", plate="XX")))
    assert re.search(r'<input[^>]*autofocus[^>]*id="phone"', html)
    assert "请重新输入" not in html  # the number was right: it is kept
    html = text(client.post("/visitors/check-in", data=check_in_form(id_number=NUMBER[:-2], phone="123")))
    assert re.search(r'<input[^>]*autofocus[^>]*id="id_number"', html)
    assert "请重新输入" in html  # the number field explains why it is empty


def test_the_number_never_reaches_the_logs(client, guard, units, check_in_form, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/visitors/check-in", data=check_in_form(id_number=NUMBER))
    client.post("/visitors/check-in", data=check_in_form(id_number=NUMBER[:-1] + "Y"))
    client.post("/visitors/check-in", data=check_in_form(id_number=NUMBER, phone="1"))
    assert NUMBER not in caplog.text and NUMBER[:17] not in caplog.text


def test_a_badge_still_out_is_refused_with_its_holder(client, guard, units, check_in_form):
    client.post("/visitors/check-in", data=check_in_form(badge="17"))
    response = client.post("/visitors/check-in", data=check_in_form(name="李娜", badge="17"))
    assert response.status_code == 422
    assert "访客证 17 号仍在 张伟 手中" in text(response)
    assert len(entries()) == 1


def test_none_mode_keeps_no_number(app, client, guard, units, check_in_form):
    app.extensions["visitors"] = svc.VisitorSettings(**{**app.extensions["visitors"].__dict__, "storage": svc.IdStorage.NONE})
    client.post("/visitors/check-in", data=check_in_form(id_number=NUMBER))
    [entry] = entries()
    assert entry.id_masked == "" and entry.id_encrypted is None
    assert "未留存号码" in text(client.get(f"/visitors/entries/{entry.id}"))


def test_other_documents_are_masked_to_their_last_four(client, guard, units, check_in_form):
    client.post("/visitors/check-in", data=check_in_form(id_type="passport", id_number="E12345678", badge=""))
    [entry] = entries()
    assert entry.id_masked == "*****5678" and entry.badge is None


# ---------------------------------------------------------------- unit picker


def test_the_unit_typed_is_resolved_as_you_type(client, guard, units):
    partial = client.get("/visitors/units/resolve?unit=rsj", headers={"HX-Request": "true"})
    assert "<html" not in text(partial) and "县人力资源和社会保障局" in text(partial)
    assert "对应多个单位" in text(client.get("/visitors/units/resolve?unit=局", headers={"HX-Request": "true"}))
    page = client.get("/visitors/units/resolve?unit=czj")  # without JavaScript: a page with the answer
    assert "<html" in text(page) and "县财政局" in text(page)


# ---------------------------------------------------------------- watchlist at the desk


def _watch_zhang_wei(action=WatchAction.REFUSE, reason="多次推销保险。") -> None:
    db.session.add(WatchlistEntry(name="张伟", name_key=normalize_name("张伟"), reason=reason, action=action))
    db.session.commit()


def test_a_watchlist_match_is_shown_before_anything_is_saved(client, guard, units, check_in_form):
    """Issue 13.1: the guard sees who matched, why and what to do before the visitor is checked in."""
    _watch_zhang_wei()
    data = check_in_form()
    response = client.post("/visitors/check-in", data=data)
    html = text(response)
    assert response.status_code == 200
    assert entries() == []  # nothing saved: not on site, not on the evacuation list
    assert "张伟 与访客关注名单相符" in html
    assert "姓名相同" in html and "多次推销保险" in html and "拒绝进入" in html
    assert "[refuse]" not in html and "[escalate]" not in html and "。。" not in html
    # The decision form carries what was typed (CSRF token included) and offers both answers.
    form = html[html.index('class="actions watch-decision__actions"'):]
    assert 'name="decision" value="refuse"' in form and 'name="decision" value="admit"' in form
    assert f'name="submission_token" value="{data["submission_token"]}"' in form
    assert "visitor-alerts" not in text(client.get("/visitors/on-site"))


def test_a_refused_watch_listed_visitor_is_never_on_site(client, guard, units, check_in_form):
    _watch_zhang_wei()
    data = check_in_form()
    client.post("/visitors/check-in", data=data)
    response = client.post("/visitors/check-in", data=data | {"decision": "refuse"})
    assert response.status_code == 303
    [entry] = entries()
    assert entry.refused and entry.checked_out_at is not None and entry.badge is None
    assert entry.watchlist_hit and entry.watchlist_note == "多次推销保险"
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "visitor.refuse"))
    assert audit.actor_id == guard.id and audit.object_id == str(entry.id)
    assert "已拒绝进入：" in text(client.get("/visitors/"))
    assert "张伟" not in text(client.get("/visitors/on-site"))
    assert "张伟" not in text(client.get("/visitors/on-site/evacuation"))
    # A second click on the same decision adds nothing.
    client.post("/visitors/check-in", data=data | {"decision": "refuse"})
    assert len(entries()) == 1


def test_a_watch_listed_visitor_let_in_is_marked_on_the_desk(client, guard, units, check_in_form):
    _watch_zhang_wei(WatchAction.ESCALATE, "需先报告值班领导")
    data = check_in_form()
    html = text(client.post("/visitors/check-in", data=data))
    assert "需先报告值班领导" in html and "badge--warn\">报告值班领导" in html
    assert client.post("/visitors/check-in", data=data | {"decision": "admit"}).status_code == 303
    [entry] = entries()
    assert entry.on_site and entry.watchlist_hit and not entry.refused
    desk = text(client.get("/visitors/"))
    assert "visitor-alerts" in desk and "需先报告值班领导" in desk
    # Turned away later after all: closed at once, kept in the log.
    response = client.post(f"/visitors/entries/{entry.id}/refuse")
    assert response.status_code == 303
    db.session.refresh(entry)
    assert entry.refused and entry.checked_out_at is not None
    assert "visitor-alerts" not in text(client.get("/visitors/"))


def test_back_from_the_watchlist_warning_keeps_what_was_typed(client, guard, units, check_in_form):
    _watch_zhang_wei()
    data = check_in_form()
    html = text(client.post("/visitors/check-in", data=data | {"decision": "edit"}))
    assert entries() == []
    assert 'value="张伟"' in html and f'value="{data["id_number"]}"' in html


def test_flash_messages_keep_names_and_reasons_out_of_the_session_cookie(client, guard, units, check_in_form,
                                                                          make_entry):
    """Issue 15.15: the session cookie is stored in the browser."""
    _watch_zhang_wei(WatchAction.ESCALATE, "冒用他人姓名")
    data = check_in_form()
    client.post("/visitors/check-in", data=data)
    response = client.post("/visitors/check-in", data=data | {"decision": "admit"})
    leaving = make_entry(name="李娜", badge="8")
    out = client.post("/visitors/check-out", data={"out-badge": "8"})
    for answer in (response, out):
        cookies = " ".join(answer.headers.getlist("Set-Cookie"))
        session = client.get_cookie("session")
        payload = _session_payload(session.value if session else "")
        for secret in ("张伟", "李娜", "冒用他人姓名"):
            assert secret not in cookies and secret not in payload
    db.session.refresh(leaving)
    assert leaving.checked_out_at is not None


def _session_payload(value: str) -> str:
    """The session cookie's content, decoded (it is signed, not encrypted)."""
    import base64
    import zlib

    if not value:
        return ""
    compressed = value.startswith(".")
    body = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode("utf-8", "replace")


# ---------------------------------------------------------------- check-out


def test_check_out_from_the_list(client, guard, make_entry):
    entry = make_entry(badge="4")
    response = client.post(f"/visitors/entries/{entry.id}/check-out", data={"next": "/visitors/on-site"})
    assert response.status_code == 303 and response.headers["Location"] == "/visitors/on-site"
    db.session.refresh(entry)
    assert entry.checked_out_at is not None and entry.checked_out_by_id == guard.id
    again = client.post(f"/visitors/entries/{entry.id}/check-out", data={"next": "https://evil.example/"})
    assert again.headers["Location"] == "/visitors/"
    assert "此前已登记离开" in text(client.get("/visitors/"))


def test_check_out_with_htmx_swaps_the_list_and_the_message(client, guard, make_entry):
    leaving = make_entry(name="李娜")
    staying = make_entry(name="王芳")
    response = client.post(f"/visitors/entries/{leaving.id}/check-out", data={"page": "1"},
                           headers={"HX-Request": "true", "HX-Target": "on-site"})
    html = text(response)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="on-site"')
    assert f"/visitors/entries/{staying.id}/check-out" in html and f"/visitors/entries/{leaving.id}/check-out" not in html
    assert 'hx-swap-oob="true"' in html and "李娜 已离开" in html


def test_check_out_by_badge(client, guard, make_entry):
    entry = make_entry(badge="21")
    response = client.post("/visitors/check-out", data={"out-badge": " 21 "})
    assert response.status_code == 303
    db.session.refresh(entry)
    assert entry.checked_out_at is not None
    missing = client.post("/visitors/check-out", data={"out-badge": "21"})
    assert missing.status_code == 422 and "没有人持 21 号访客证" in text(missing)
    assert re.search(r'<input[^>]*autofocus[^>]*id="out-badge"', text(missing))
    assert text(missing).count("autofocus") == 1  # not also the check-in form's name, as on a fresh desk


# ---------------------------------------------------------------- expected visitors at the desk


def test_an_expected_visitor_is_checked_in_with_only_the_document_to_confirm(client, guard, units, make_user):
    host = make_user(roles=[Role.EMPLOYEE], display_name="王科长")
    prereg = VisitorPreregistration(created_by_id=host.id, unit_id=units["rsj"].id, host_name="王科长",
                                    visit_date=timeutil.today(), window_start=timeutil.now().time().replace(microsecond=0),
                                    window_end=timeutil.now().time().replace(microsecond=0), visitor_name="赵敏",
                                    phone="13900001111", purpose="办理社保", companions=2, plate="川JD12345")
    db.session.add(prereg)
    db.session.commit()
    desk = text(client.get("/visitors/"))
    assert "今日预约访客" in desk and "赵敏" in desk and f"/visitors/?expected={prereg.id}" in desk

    html = text(client.get(f"/visitors/?expected={prereg.id}"))
    form = html[html.index('action="/visitors/check-in"'):]
    for value in ('value="赵敏"', 'value="13900001111"', 'value="县人力资源和社会保障局"', 'value="王科长"',
                  'value="办理社保"', 'value="2"', 'value="川JD12345"', f'name="expected_id" type="hidden" value="{prereg.id}"'):
        assert value in form, value
    assert re.search(r'<input[^>]*autofocus[^>]*id="id_number"', form)

    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    fields.update(id_type="resident_id", id_number=NUMBER, id_checked="y")
    assert client.post("/visitors/check-in", data=fields).status_code == 303
    [entry] = entries()
    assert entry.preregistration_id == prereg.id and entry.companions == 2 and entry.plate == "川JD12345"
    db.session.refresh(prereg)
    assert prereg.status is PreregistrationStatus.ARRIVED
    assert f"/visitors/?expected={prereg.id}" not in text(client.get("/visitors/"))


def test_a_stale_expected_link_is_explained(client, guard):
    html = text(client.get("/visitors/?expected=999"))
    assert "该预约访客已不在今日名单中" in html
