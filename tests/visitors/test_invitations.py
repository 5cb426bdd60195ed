"""Invitations (issue 19): the host's link, the visitor's own registration, the
pass code at the desk, the printed slip; and the desk's events (issue 17)."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.notifications.models import Notification
from portal.blueprints.visitors import notify
from portal.blueprints.visitors import services as svc
from portal.blueprints.visitors.models import (
    PreregistrationStatus,
    VisitorEntry,
    VisitorInvitation,
    VisitorPreregistration,
    WatchAction,
    WatchlistEntry,
)
from portal.blueprints.visitors.ratelimit import MAX_MISSES
from portal.blueprints.visitors.validation import normalize_name
from portal.db import db
from portal.models import Role
from tests.visitors.conftest import make_resident_id

NUMBER = make_resident_id()


@pytest.fixture
def host(make_user, units):
    return make_user(roles=[Role.EMPLOYEE], username="host_wang", display_name="王科长", unit_id=units["rsj"].id)


@pytest.fixture
def invite(host, units):
    """An invitation made by ``host`` (default: today 09:00–17:30, with one companion allowed)."""

    def factory(first: date | None = None, last: date | None = None, **overrides) -> VisitorInvitation:
        today = timeutil.today()
        draft = svc.InvitationDraft(
            unit_id=units["rsj"].id, host_name="王科长", room="A-301", purpose="座谈",
            first_day=first or today, last_day=last or first or today,
            window_start=time(9, 0), window_end=time(17, 30), max_companions=1,
        )
        for key, value in overrides.items():
            setattr(draft, key, value)
        invitation = svc.create_invitation(draft, actor=host, now=timeutil.now())
        db.session.commit()
        return invitation

    return factory


def registration(**overrides) -> dict[str, str]:
    return {"name": "李娜", "id_type": "resident_id", "id_number": NUMBER, "phone": "13812345678",
            "plate": "", "companions": "0"} | overrides


def register(client, invitation, **overrides):
    return client.post(f"/visitors/i/{invitation.token}", data=registration(**overrides))


def notifications(kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


# ---------------------------------------------------------------- host side


def test_a_host_creates_an_invitation_and_gets_a_link_and_a_qr_code(client, auth, host, units):
    auth.login_as(host)
    page = client.get("/visitors/invitations/new")
    assert page.status_code == 200
    response = client.post("/visitors/invitations/new", data={
        "unit": "rsj", "host_name": "王科长", "room": "a-301", "purpose": "座谈",
        "first_day": "2026-12-03", "last_day": "2026-12-05", "window_start": "09:00", "window_end": "17:00",
        "max_companions": "2",
    })
    assert response.status_code == 303
    invitation = db.session.scalar(select(VisitorInvitation))
    assert (invitation.first_day, invitation.last_day, invitation.room) == (date(2026, 12, 3), date(2026, 12, 5), "A-301")
    assert len(invitation.token) >= 43 and len(invitation.pass_code) == svc.PASS_LENGTH
    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert f"/visitors/i/{invitation.token}" in html and "<svg" in html
    listed = client.get("/visitors/invitations/").get_data(as_text=True)
    assert f"/visitors/invitations/{invitation.id}" in listed


def test_a_pass_of_more_than_fourteen_days_or_ending_before_it_starts_is_refused(client, auth, host):
    auth.login_as(host)
    base = {"unit": "rsj", "host_name": "王科长", "first_day": "2026-12-03", "window_start": "09:00",
            "window_end": "17:00"}
    too_long = client.post("/visitors/invitations/new", data=base | {"last_day": "2026-12-20"})
    assert too_long.status_code == 422 and "14" in too_long.get_data(as_text=True)
    backwards = client.post("/visitors/invitations/new", data=base | {"last_day": "2026-12-01"})
    assert backwards.status_code == 422
    impossible = client.post("/visitors/invitations/new", data=base | {"first_day": "2026-02-30"})
    assert impossible.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(VisitorInvitation)) == 0


def test_another_employee_cannot_see_or_revoke_an_invitation(client, auth, invite, make_user):
    invitation = invite()
    other = make_user(roles=[Role.EMPLOYEE], username="other_emp")
    auth.login_as(other)
    assert client.get(f"/visitors/invitations/{invitation.id}").status_code == 403
    assert client.post(f"/visitors/invitations/{invitation.id}/revoke").status_code in (400, 403)
    db.session.refresh(invitation)
    assert invitation.revoked_at is None


# ---------------------------------------------------------------- self-registration


def test_the_visitor_registers_without_an_account_and_gets_a_pass(client, invite, units):
    invitation = invite()
    page = client.get(f"/visitors/i/{invitation.token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "王科长" in html and "A-301" in html and "180" in html  # host, room, retention in the notice
    assert page.headers["Referrer-Policy"] == "no-referrer" and "no-store" in page.headers["Cache-Control"]
    response = register(client, invitation, plate="川j·a1234", phone="138 1234 5678")
    assert response.status_code == 303
    db.session.refresh(invitation)
    assert invitation.registered_at is not None and invitation.visitor_name == "李娜"
    assert invitation.plate == "川JA1234" and invitation.phone == "13812345678"
    # Stored by the desk's minimisation rule: masked, with a keyed hash for the watch-list, never the number.
    assert NUMBER not in (invitation.id_masked or "") and invitation.id_masked.endswith(NUMBER[-4:])
    assert invitation.id_digest and NUMBER not in invitation.id_digest
    shown = client.get(f"/visitors/i/{invitation.token}").get_data(as_text=True)
    assert svc.format_pass_code(invitation.pass_code) in shown and "<svg" in shown


@pytest.mark.parametrize("field, value", [
    ("id_number", NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")),  # bad checksum
    ("plate", "ABC"),
    ("companions", "5"),  # more than the invitation allows
])
def test_registration_refuses_what_the_desk_refuses_and_saves_nothing(client, invite, field, value):
    invitation = invite()
    response = register(client, invitation, **{field: value})
    assert response.status_code == 422
    db.session.refresh(invitation)
    assert invitation.registered_at is None and invitation.visitor_name == ""


def test_an_expired_link_shows_a_clear_page(client, clock, invite):
    clock(2026, 12, 2, 10, 0)
    invitation = invite()
    clock(2026, 12, 2, 17, 31)
    response = client.get(f"/visitors/i/{invitation.token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True) or "过期" in response.get_data(as_text=True)
    assert register(client, invitation).status_code == 410
    db.session.refresh(invitation)
    assert invitation.registered_at is None


def test_a_revoked_link_and_its_pass_stop_working(client, auth, invite, host, guard):
    invitation = invite()
    register(client, invitation)
    auth.login_as(host)
    response = client.post(f"/visitors/invitations/{invitation.id}/revoke")
    assert response.status_code == 303
    auth.logout()
    closed = client.get(f"/visitors/i/{invitation.token}")
    assert closed.status_code == 410 and "李娜" not in closed.get_data(as_text=True)
    auth.login_as(guard)
    found = client.get(f"/visitors/pass?code={invitation.pass_code}")
    assert found.status_code == 422 and "李娜" not in found.get_data(as_text=True)


def test_unknown_tokens_reveal_nothing_and_guessing_is_stopped(client, invite):
    invitation = invite()
    register(client, invitation)
    one_off = invitation.token[:-1] + ("B" if invitation.token.endswith("A") else "A")  # never the token itself
    for guess in ("x" * 43, one_off, "short", invitation.pass_code):
        response = client.get(f"/visitors/i/{guess}")
        assert response.status_code in (404, 429)
        assert "李娜" not in response.get_data(as_text=True)
    for _ in range(MAX_MISSES):
        client.get("/visitors/i/" + "y" * 43)
    # Now even the right link is refused from this address for a while: guessing cannot go on.
    blocked = client.get(f"/visitors/i/{invitation.token}")
    assert blocked.status_code == 429 and "李娜" not in blocked.get_data(as_text=True)


def test_tokens_and_pass_codes_are_random():
    tokens = {svc.new_pass_code() for _ in range(200)}
    assert len(tokens) == 200
    assert all(set(code) <= set(svc.PASS_ALPHABET) for code in tokens)


# ---------------------------------------------------------------- the desk


def test_the_desk_types_the_code_and_enter_checks_in_and_the_host_is_told(client, auth, invite, host, guard):
    invitation = invite()
    register(client, invitation)
    auth.login_as(guard)
    typed = svc.format_pass_code(invitation.pass_code).lower()  # as a guard types it, or with a space
    found = client.get(f"/visitors/pass?code={typed}")
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and "李娜" in html and "王科长" in html
    token = re.search(r'name="submission_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="submission_token"', html)
    response = client.post(f"/visitors/pass/{invitation.id}/check-in",
                           data={"badge": "２１", "submission_token": token.group(1)})
    assert response.status_code == 303 and "/slip" in response.headers["Location"]
    entry = db.session.scalar(select(VisitorEntry))
    assert entry.invitation_id == invitation.id and entry.badge == "21" and entry.on_site
    told = notifications(notify.ARRIVED)
    assert [n.recipient_id for n in told] == [host.id]
    assert "李娜" not in str(told[0].args) and NUMBER[-4:] not in str(told[0].args)
    # The slip: masked name, host unit and person, room, badge, a QR; A6 and receipt layouts.
    slip = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "李*" in slip and "李娜" not in slip and "A-301" in slip and "21" in slip and "<svg" in slip
    receipt = client.get(f"/visitors/entries/{entry.id}/slip?layout=receipt")
    assert "visitor-slip--receipt" in receipt.get_data(as_text=True)
    # The same form again adds nothing.
    again = client.post(f"/visitors/pass/{invitation.id}/check-in",
                        data={"badge": "21", "submission_token": token.group(1)})
    assert again.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(VisitorEntry)) == 1


def test_an_unregistered_or_unknown_code_is_refused_clearly(client, guard, invite):
    invitation = invite()
    response = client.get(f"/visitors/pass?code={invitation.pass_code}")
    assert response.status_code == 422
    assert client.get("/visitors/pass?code=zzzz").status_code == 422
    assert client.get("/visitors/pass").status_code == 200


def test_a_multi_day_pass_checks_in_each_day_without_registering_again(client, clock, invite, guard):
    clock(2026, 12, 2, 8, 0)
    invitation = invite(first=date(2026, 12, 2), last=date(2026, 12, 4))
    register(client, invitation)
    settings = svc.settings_from_config(client.application.config)
    for day in (2, 3):
        now = clock(2026, 12, day, 9, 0)
        result = svc.check_in_invitation(invitation, badge=str(day), submission_token=svc.new_submission_token(),
                                         settings=settings, actor=guard, now=now)
        assert result.created
        with pytest.raises(svc.RuleViolation):  # not twice while inside
            svc.check_in_invitation(invitation, badge="9", submission_token=svc.new_submission_token(),
                                    settings=settings, actor=guard, now=now)
        svc.check_out(result.entry, actor=guard, now=clock(2026, 12, day, 16, 0))
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(VisitorEntry)) == 2
    now = clock(2026, 12, 5, 9, 0)  # the day after the pass
    with pytest.raises(svc.RuleViolation):
        svc.invitation_for_desk(invitation.pass_code, now=now)


def test_a_pass_checked_in_by_a_retry_meanwhile_answers_with_that_entry(client, clock, invite, guard, monkeypatch):
    """The desk's Enter sent twice: the second request's token look-up can miss the first's entry,
    committed just after it (PostgreSQL). It is this form's entry, not "already checked in"."""
    now = clock(2026, 12, 2, 9, 0)
    invitation = invite(first=date(2026, 12, 2), last=date(2026, 12, 2))
    register(client, invitation)
    settings = svc.settings_from_config(client.application.config)
    token = svc.new_submission_token()
    first = svc.check_in_invitation(invitation, badge="8", submission_token=token, settings=settings,
                                    actor=guard, now=now)
    db.session.commit()
    with monkeypatch.context() as patched:
        patched.setattr(svc, "find_by_token", lambda token: None)
        again = svc.check_in_invitation(invitation, badge="8", submission_token=token, settings=settings,
                                        actor=guard, now=now)
    assert not again.created and again.entry.id == first.entry.id
    with pytest.raises(svc.RuleViolation):  # another form for the same visitor is still refused
        svc.check_in_invitation(invitation, badge="9", submission_token=svc.new_submission_token(),
                                settings=settings, actor=guard, now=now)
    assert db.session.scalar(select(func.count()).select_from(VisitorEntry)) == 1


def test_a_pass_is_not_valid_before_its_first_day(invite, clock):
    clock(2026, 12, 2, 10, 0)
    invitation = invite(first=date(2026, 12, 4))
    invitation.registered_at = timeutil.now()
    with pytest.raises(svc.RuleViolation):
        svc.invitation_for_desk(invitation.pass_code, now=timeutil.now())


def test_the_watch_list_check_runs_before_saving_and_logistics_is_told(client, invite, guard, make_user):
    admin = make_user(roles=[Role.LOGISTICS_ADMIN], username="logi_admin")
    invitation = invite()
    register(client, invitation)
    db.session.add(WatchlistEntry(name="李娜", name_key=normalize_name("李娜"), reason="多次推销",
                                  action=WatchAction.ESCALATE))
    db.session.commit()
    token = svc.new_submission_token()
    warned = client.post(f"/visitors/pass/{invitation.id}/check-in", data={"badge": "31", "submission_token": token})
    assert warned.status_code == 200 and "多次推销" in warned.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(VisitorEntry)) == 0
    admitted = client.post(f"/visitors/pass/{invitation.id}/check-in",
                           data={"badge": "31", "submission_token": token, "decision": "admit"})
    assert admitted.status_code == 303
    entry = db.session.scalar(select(VisitorEntry))
    assert entry.watchlist_hit and entry.on_site
    told = notifications(notify.WATCH_MATCH)
    assert [n.recipient_id for n in told] == [admin.id]
    assert "李娜" not in str(told[0].args) and "多次推销" not in str(told[0].args)


def test_a_preregistered_visitor_arriving_tells_whoever_preregistered(client, guard, host, units, check_in_form):
    prereg = VisitorPreregistration(created_by_id=host.id, unit_id=units["rsj"].id, host_name="王科长",
                                    visit_date=timeutil.today(), window_start=time(9, 0), window_end=time(17, 0),
                                    visitor_name="张伟")
    db.session.add(prereg)
    db.session.commit()
    response = client.post("/visitors/check-in", data=check_in_form(expected_id=str(prereg.id)))
    assert response.status_code == 303
    assert [n.recipient_id for n in notifications(notify.ARRIVED)] == [host.id]


# ---------------------------------------------------------------- no-shows and retention


def test_hosts_hear_once_of_visitors_who_did_not_come(clock, host, units, invite):
    clock(2026, 12, 2, 8, 0)
    prereg = VisitorPreregistration(created_by_id=host.id, unit_id=units["rsj"].id, visit_date=date(2026, 12, 2),
                                    window_start=time(9, 0), window_end=time(11, 0), visitor_name="张伟")
    db.session.add(prereg)
    invitation = invite()
    assert svc.tell_no_shows(now=clock(2026, 12, 2, 10, 59)) == 0
    assert svc.tell_no_shows(now=clock(2026, 12, 2, 11, 0)) == 1
    db.session.commit()
    assert svc.tell_no_shows(now=clock(2026, 12, 2, 12, 0)) == 0
    assert svc.tell_no_shows(now=clock(2026, 12, 2, 17, 30)) == 1  # the invitation's window is over
    db.session.commit()
    told = notifications(notify.NO_SHOW)
    assert [n.recipient_id for n in told] == [host.id, host.id]
    assert "张伟" not in str([n.args for n in told])
    assert prereg.status is PreregistrationStatus.EXPECTED and invitation.no_show_told_at is not None


def test_self_registered_details_are_purged_after_retention(client, clock, invite):
    clock(2026, 6, 1, 8, 0)
    invitation = invite()
    register(client, invitation)
    result = svc.purge_personal_data(now=clock(2026, 12, 2, 10, 0), retention_days=180)
    db.session.commit()
    db.session.refresh(invitation)
    assert result.invitations == 1
    assert (invitation.visitor_name, invitation.id_masked, invitation.id_digest, invitation.phone) == ("", "", None, "")
    assert invitation.anonymized_at is not None


# ---------------------------------------------------------------- statistics


def test_statistics_count_arrivals_by_hour_and_weekday_and_the_average_stay(client, auth, make_user, make_entry):
    from datetime import datetime as dt

    from portal.timeutil import LOCAL_TZ

    make_entry(at=dt(2026, 11, 30, 9, 10, tzinfo=LOCAL_TZ), checked_out_at=dt(2026, 11, 30, 10, 10, tzinfo=LOCAL_TZ))
    make_entry(at=dt(2026, 11, 30, 9, 50, tzinfo=LOCAL_TZ), checked_out_at=dt(2026, 11, 30, 10, 20, tzinfo=LOCAL_TZ))
    make_entry(at=dt(2026, 12, 1, 14, 0, tzinfo=LOCAL_TZ))  # still inside: no stay counted
    make_entry(at=dt(2026, 12, 1, 11, 0, tzinfo=LOCAL_TZ), refused=True)  # refused: not an arrival
    arrivals = svc.arrival_statistics(date(2026, 11, 30), date(2026, 12, 1))
    assert dict(arrivals.by_hour) == {9: 2, 10: 0, 11: 0, 12: 0, 13: 0, 14: 1}
    assert arrivals.by_weekday == [2, 1, 0, 0, 0, 0, 0]
    assert arrivals.average_minutes == 45
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN], username="stats_admin"))
    html = client.get("/visitors/statistics?start=2026-11-30&end=2026-12-01").get_data(as_text=True)
    assert "09:00" in html and "45" in html
