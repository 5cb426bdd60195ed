"""Security patrols: the schedule, missed rounds (across midnight, a day without rounds, the
edges of the tolerance), recording a round, and the month's missed rounds."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.blueprints.repairs.models import Category, Urgency
from portal.blueprints.repairs.services import ReportDraft, location_value, report_fault
from portal.blueprints.supervision import patrols, services
from portal.blueprints.supervision.models import Area, PatrolCheck, PatrolRound, PatrolRoute, Rectification
from portal.blueprints.supervision.patrols import SlotStatus
from portal.blueprints.supervision.scoring import Component, Counted
from portal.blueprints.supervision.services import (
    CheckMark,
    RoundDraft,
    RouteDraft,
    add_route,
    evaluation,
    finish_round,
    month_score,
    patrol_log,
    route_slots,
    start_round,
)
from portal.db import db
from portal.models import Building, Floor, Role
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ
from tests.pages import drawn_afresh

TOLERANCE = timedelta(minutes=30)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ)


def walked(route: PatrolRoute, guard, start: datetime, minutes: int = 35) -> PatrolRound:
    patrol_round = PatrolRound(route=route, guard=guard, started_at=start, ended_at=start + timedelta(minutes=minutes),
                               note="")
    db.session.add(patrol_round)
    db.session.commit()
    return patrol_round


def statuses(route, day, now):
    return [(slot.at.strftime("%H:%M"), slot.status) for _route, slot in route_slots([route], day, day, now=now)]


# --- the schedule --------------------------------------------------------------------------------


def test_every_two_hours_from_18_to_08_crosses_midnight():
    assert patrols.format_times(patrols.every(time(18), time(8), 120)) == \
        "00:00 02:00 04:00 06:00 08:00 18:00 20:00 22:00"
    assert patrols.every(time(8), time(17), 180) == [time(8), time(11), time(14), time(17)]
    assert patrols.every(time(8), time(9), 120) == [time(8)]  # the last round only if it falls on the step


def test_fixed_times_are_read_and_bad_ones_refused():
    assert patrols.parse_times("17:30, 08:00 12:00，08:00") == [time(8), time(12), time(17, 30)]
    assert patrols.parse_times("") == []
    for bad in ("8点", "24:00", "08:60", "8:5", "８:00"):
        assert patrols.parse_times(bad) is None, bad


def test_expected_rounds_start_when_the_route_does():
    times = [time(2), time(18), time(22)]
    found = patrols.slots(times, at(1, 0).date(), at(2, 0).date(), active_from=at(1, 18, 30))
    assert found == [at(1, 22), at(2, 2), at(2, 18), at(2, 22)]
    assert patrols.slots(times, at(1, 0).date(), at(2, 0).date(), active_from=at(1, 0), active_until=at(2, 2)) == \
        [at(1, 2), at(1, 18), at(1, 22)]


# --- missed rounds ----------------------------------------------------------------------------------


def test_a_round_just_within_the_tolerance_counts_and_one_just_outside_does_not():
    now = at(10, 23)
    assert patrols.match([at(10, 20)], [(1, at(10, 20, 30))], TOLERANCE, now)[0].status is SlotStatus.DONE
    assert patrols.match([at(10, 20)], [(1, at(10, 19, 30))], TOLERANCE, now)[0].status is SlotStatus.DONE
    late = patrols.match([at(10, 20)], [(1, at(10, 20, 31))], TOLERANCE, now)[0]
    assert late.status is SlotStatus.MISSED and late.round_id is None
    assert patrols.match([at(10, 20)], [(1, at(10, 19, 29))], TOLERANCE, now)[0].status is SlotStatus.MISSED


def test_an_expected_round_is_due_until_its_window_has_passed():
    assert patrols.match([at(10, 20)], [], TOLERANCE, at(10, 20, 30))[0].status is SlotStatus.DUE
    assert patrols.match([at(10, 20)], [], TOLERANCE, at(10, 20, 31))[0].status is SlotStatus.MISSED


def test_one_round_counts_for_one_expected_round_only():
    found = patrols.match([at(10, 10), at(10, 10, 30)], [(7, at(10, 10, 15))], TOLERANCE, at(10, 12))
    assert [(s.status, s.round_id) for s in found] == [(SlotStatus.DONE, 7), (SlotStatus.MISSED, None)]


def test_a_round_before_midnight_counts_for_the_midnight_round(app, night_route, guard):
    walked(night_route, guard, at(10, 23, 50))
    walked(night_route, guard, at(10, 22, 5))
    day = at(11, 0).date()
    assert statuses(night_route, day, now=at(11, 1))[0] == ("00:00", SlotStatus.DONE)
    assert statuses(night_route, at(10, 0).date(), now=at(11, 1))[-1] == ("22:00", SlotStatus.DONE)
    # The log lists the round under the day it was walked, and the 00:00 round as made on the next
    log = patrol_log(1, now=at(11, 1))
    by_day = {d.day: d for d in log.items}
    assert [r.started_at for r in by_day[day - timedelta(days=1)].rounds] == [at(10, 23, 50), at(10, 22, 5)]
    assert by_day[day].slots[0][1].started_at == at(10, 23, 50)


def test_a_day_with_no_rounds_shows_every_round_whose_window_has_passed_as_missed(app, night_route):
    assert statuses(night_route, at(12, 0).date(), now=at(12, 7)) == [
        ("00:00", SlotStatus.MISSED), ("02:00", SlotStatus.MISSED), ("04:00", SlotStatus.MISSED),
        ("06:00", SlotStatus.MISSED), ("08:00", SlotStatus.DUE), ("18:00", SlotStatus.DUE),
        ("20:00", SlotStatus.DUE), ("22:00", SlotStatus.DUE),
    ]
    day = patrol_log(1, now=at(12, 7)).items[0]
    assert day.day == at(12, 0).date() and len(day.missed) == 4 and day.rounds == []


def test_a_round_still_being_walked_does_not_count_yet(app, night_route, guard):
    db.session.add(PatrolRound(route=night_route, guard=guard, started_at=at(12, 2), note=""))
    db.session.commit()
    assert statuses(night_route, at(12, 0).date(), now=at(12, 3))[1] == ("02:00", SlotStatus.MISSED)


def test_the_log_pages_a_week_at_a_time_back_to_the_first_route(app, night_route):
    log = patrol_log(1, now=at(12, 7))  # 1 to 12 November: 12 days
    assert (log.pages, [d.day.day for d in log.items]) == (2, [12, 11, 10, 9, 8, 7, 6])
    assert [d.day.day for d in patrol_log(2, now=at(12, 7)).items] == [5, 4, 3, 2, 1]
    assert patrol_log(3, now=at(12, 7)).items == []


def test_the_months_missed_rounds_as_worked_by_hand(app, night_route, guard):
    for start in (at(1, 0, 5), at(1, 2, 29), at(1, 4, 31), at(1, 18), at(1, 20, 10), at(1, 22), at(1, 23, 50),
                  at(2, 6, 30)):
        walked(night_route, guard, start)
    score = month_score(2026, 11, now=at(2, 9))
    # By 2 November 09:00: 8 expected on the 1st, 5 on the 2nd (00:00 … 08:00) have had their window.
    # Made: the 1st's 00, 02, 18, 20, 22; the 2nd's 00 (walked 23:50 on the 1st) and 06 (at the edge): 7.
    # Missed: the 1st's 04 (04:31 is one minute late), 06, 08; the 2nd's 02, 04, 08: 6. 700 / 13 = 53.8.
    assert (score.patrols.good, score.patrols.counted, score.missed_rounds) == (7, 13, 6)
    assert score.patrols.value == Decimal("53.8")
    assert score.total is None  # the patrols are not part of the score


def _spy_on_the_facts(monkeypatch) -> list[range]:
    """The months whose facts are read (each call's range)."""
    read: list[range] = []
    load = services.load_months_facts

    def spy(year, months, *, now, **options):
        read.append(months)
        return load(year, months, now=now, **options)

    monkeypatch.setattr(services, "load_months_facts", spy)
    return read


def test_a_settled_months_score_is_kept_until_its_data_changes(app, night_route, guard, monkeypatch, areas_on_record):
    areas_on_record("supervision", "repairs")
    for start in (at(1, 0, 5), at(1, 2, 29), at(1, 4, 31), at(1, 18), at(1, 20, 10), at(1, 22), at(1, 23, 50),
                  at(2, 6, 30)):
        walked(night_route, guard, start)
    read = _spy_on_the_facts(monkeypatch)
    now = at(20, 9, month=12)  # November's last windows and allowances long past
    first = evaluation(2026, 12, now=now)
    november = first.year_months[10]
    # 30 nights of 8 expected rounds; made as worked by hand above: 7. 700 / 240 = 2.9.
    assert (november.month, november.patrols.good, november.patrols.counted) == (11, 7, 240)
    assert november.patrols.value == Decimal("2.9")
    again = evaluation(2026, 12, now=now)
    assert again == first
    assert read == [range(1, 13), range(12, 13)]  # the second time, only December was counted

    walked(night_route, guard, at(15, 18, 5))  # a round entered late for a settled month
    later = evaluation(2026, 12, now=now)
    assert (later.year_months[10].patrols.good, later.year_months[10].patrols.value) == (8, Decimal("3.3"))
    assert read[-1] == range(1, 13)
    services._settled_scores.clear()
    assert evaluation(2026, 12, now=now) == later


def test_a_score_counted_without_its_patrol_rounds_is_not_kept_for_the_evaluation(app, night_route, guard,
                                                                                   areas_on_record):
    areas_on_record("supervision", "repairs")
    walked(night_route, guard, at(1, 0, 5))
    now = at(20, 9, month=12)
    services._settled_scores.clear()
    alone = month_score(2026, 11, now=now, patrols=False)
    assert alone.patrols == Counted(None) and alone.components == month_score(2026, 11, now=now).components
    assert evaluation(2026, 12, now=now).year_months[10].patrols == Counted(Decimal("0.4"), 1, 240)


def test_a_month_still_waiting_for_the_time_is_counted_afresh(app, night_route, guard, make_user, monkeypatch,
                                                              areas_on_record):
    areas_on_record("supervision", "repairs")
    building = Building(code="ZL", name="主楼")
    floor = Floor(building=building, level=1, label="1楼")
    db.session.add(building)
    db.session.flush()
    # Reported on 29 November, not urgent (7 days to fix), never taken on: its fix is settled on 6 December.
    report_fault(ReportDraft(location=location_value(floor.id, None), category=Category.WATER, urgency=Urgency.LOW,
                             description="洗手池漏水"), actor=make_user(roles=[Role.EMPLOYEE]), now=at(29, 10))
    db.session.commit()
    read = _spy_on_the_facts(monkeypatch)
    early = evaluation(2026, 12, now=at(3, 9, month=12)).year_months[10]
    assert early.components[Component.FIX].value is None
    assert early.components[Component.RESPONSE] == Counted(Decimal("0.0"), 0, 1)
    late = evaluation(2026, 12, now=at(20, 9, month=12)).year_months[10]
    assert late.components[Component.FIX] == Counted(Decimal("0.0"), 0, 1)
    assert read == [range(1, 13), range(11, 13)]  # January to October kept, November counted again


# --- routes and rounds through the services ---------------------------------------------------------


def _draft(**changes) -> RouteDraft:
    values = {"name": "外围白天巡逻", "checkpoints": "主楼前广场\n\n 北门停车场 \n", "times": "15:00 10:00",
              "every_minutes": None, "start": None, "end": None, "tolerance_minutes": 20}
    values.update(changes)
    return RouteDraft(**values)


def test_logistics_adds_a_route_with_fixed_times_or_a_night_schedule(app, logistics):
    route = add_route(_draft(), actor=logistics, now=at(10, 9))
    assert (route.checkpoint_list, route.times, route.tolerance_minutes) == (["主楼前广场", "北门停车场"], "10:00 15:00", 20)
    night = add_route(_draft(times="", every_minutes=120, start=time(18), end=time(8)), actor=logistics, now=at(10, 9))
    assert night.times == "00:00 02:00 04:00 06:00 08:00 18:00 20:00 22:00"


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": " "}, "name"),
    ({"checkpoints": "\n \n"}, "checkpoints"),
    ({"times": "早上八点"}, "times"),
    ({"times": ""}, "times"),
    ({"times": "", "every_minutes": 5, "start": time(18), "end": time(8)}, "every_minutes"),
    ({"times": "", "every_minutes": 120, "end": time(8)}, "start"),
    ({"tolerance_minutes": 0}, "tolerance_minutes"),
    ({"tolerance_minutes": None}, "tolerance_minutes"),
])
def test_a_bad_route_is_refused_on_its_field(app, logistics, changes, field):
    with pytest.raises(RuleViolation) as refused:
        add_route(_draft(**changes), actor=logistics, now=at(10, 9))
    assert refused.value.field == field


def test_only_logistics_defines_routes_and_only_guards_walk_them(app, logistics, guard, property_user, night_route):
    with pytest.raises(RuleViolation) as refused:
        add_route(_draft(), actor=guard, now=at(10, 9))
    assert refused.value.status == 403
    for someone in (logistics, property_user):
        with pytest.raises(RuleViolation) as refused:
            start_round(night_route, actor=someone, now=at(10, 20))
        assert refused.value.status == 403


def test_a_guard_records_a_round_with_a_finding(app, guard, night_route):
    patrol_round = start_round(night_route, actor=guard, now=at(10, 20, 2))
    draft = RoundDraft({0: CheckMark(True), 1: CheckMark(True, "大厅东侧门未锁"), 2: CheckMark(False, "车库卷帘门故障，进不去")})
    finish_round(patrol_round, draft, actor=guard, now=at(10, 20, 41))
    db.session.commit()
    assert (patrol_round.started_at, patrol_round.ended_at) == (at(10, 20, 2), at(10, 20, 41))
    assert [(c.checkpoint, c.checked, c.finding) for c in patrol_round.checks] == [
        ("北门岗", True, ""), ("主楼1楼大厅", True, "大厅东侧门未锁"), ("地下车库", False, "车库卷帘门故障，进不去")]
    assert len(patrol_round.findings) == 2


def test_the_log_lists_each_round_with_its_route_guard_and_number_of_findings(app, guard, night_route):
    found = start_round(night_route, actor=guard, now=at(10, 20, 2))
    draft = RoundDraft({0: CheckMark(True), 1: CheckMark(True, "大厅东侧门未锁"), 2: CheckMark(False, "车库卷帘门故障，进不去")})
    finish_round(found, draft, actor=guard, now=at(10, 20, 41))
    quiet = start_round(night_route, actor=guard, now=at(10, 22, 1))
    finish_round(quiet, RoundDraft({n: CheckMark(True) for n in range(3)}), actor=guard, now=at(10, 22, 30))
    walking = start_round(night_route, actor=guard, now=at(10, 23, 58))
    db.session.commit()
    day = next(d for d in patrol_log(1, now=at(11, 0, 5)).items if d.day == at(10, 0).date())
    assert [(r.id, r.route_name, r.guard_name, not r.finished, r.findings) for r in day.rounds] == [
        (walking.id, "主楼夜间巡逻", "门岗保安 刘师傅", True, 0),
        (quiet.id, "主楼夜间巡逻", "门岗保安 刘师傅", False, 0),
        (found.id, "主楼夜间巡逻", "门岗保安 刘师傅", False, 2),
    ]


def test_a_checkpoint_not_reached_needs_a_reason_and_nothing_is_saved(app, guard, night_route):
    patrol_round = start_round(night_route, actor=guard, now=at(10, 20))
    db.session.commit()
    with pytest.raises(RuleViolation) as refused:
        finish_round(patrol_round, RoundDraft({0: CheckMark(True), 1: CheckMark(False)}), actor=guard, now=at(10, 21))
    assert refused.value.field == "finding_1"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PatrolCheck)) == 0
    assert db.session.get(PatrolRound, patrol_round.id).ended_at is None


def test_only_the_guard_who_started_a_round_finishes_it_and_only_once(app, make_user, guard, night_route):
    other = make_user(roles=[Role.SECURITY], username="baoan2")
    patrol_round = start_round(night_route, actor=guard, now=at(10, 20))
    everything = RoundDraft({n: CheckMark(True) for n in range(3)})
    with pytest.raises(RuleViolation) as refused:
        finish_round(patrol_round, everything, actor=other, now=at(10, 21))
    assert refused.value.status == 403
    finish_round(patrol_round, everything, actor=guard, now=at(10, 21))
    with pytest.raises(RuleViolation) as refused:
        finish_round(patrol_round, everything, actor=guard, now=at(10, 22))
    assert refused.value.status == 409


# --- the pages ---------------------------------------------------------------------------------------


def test_a_guard_walks_a_round_on_the_phone_form_and_logistics_turns_a_finding_into_a_rectification(
        client, auth, clock, guard, logistics, night_route):
    clock(2026, 11, 10, 20, 3)
    auth.login_as(guard)
    log = client.get("/supervision/patrols").get_data(as_text=True)
    assert "开始巡逻：主楼夜间巡逻" in log
    response = client.post(f"/supervision/patrols/routes/{night_route.id}/start")
    assert response.status_code == 303
    patrol_round = db.session.scalar(select(PatrolRound))
    assert patrol_round.started_at == at(10, 20, 3) and patrol_round.ended_at is None
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="checked_2"' in form and "地下车库" in form

    clock(2026, 11, 10, 20, 40)
    refused = client.post(f"/supervision/patrols/rounds/{patrol_round.id}/finish",
                          data={"checked_0": "y", "checked_1": "y", "finding_1": "大厅东侧门未锁"})
    assert refused.status_code == 422 and "请说明未到达该巡逻点的原因" in refused.get_data(as_text=True)
    assert db.session.get(PatrolRound, patrol_round.id).ended_at is None
    done = client.post(f"/supervision/patrols/rounds/{patrol_round.id}/finish",
                       data={"checked_0": "y", "checked_1": "y", "finding_1": "大厅东侧门未锁",
                             "finding_2": "车库卷帘门故障，进不去"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(PatrolRound, patrol_round.id).ended_at == at(10, 20, 40)

    auth.login_as(logistics)
    page = client.get(f"/supervision/patrols/rounds/{patrol_round.id}").get_data(as_text=True)
    assert "大厅东侧门未锁" in page and f"/supervision/rectifications/new?patrol={patrol_round.id}" in page
    draft = client.get(f"/supervision/rectifications/new?patrol={patrol_round.id}").get_data(as_text=True)
    assert "主楼1楼大厅：大厅东侧门未锁" in draft and '<option selected value="security">' in draft
    response = client.post(f"/supervision/rectifications/new?patrol={patrol_round.id}",
                           data={"area": "security", "description": "东侧门夜间必须上锁。", "deadline": "2026-11-11"})
    assert response.status_code == 303
    item = db.session.scalar(select(Rectification))
    assert item.patrol_round_id == patrol_round.id and item.area is Area.SECURITY
    item_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/supervision/patrols/rounds/{patrol_round.id}" in item_page
    round_page = client.get(f"/supervision/patrols/rounds/{patrol_round.id}").get_data(as_text=True)
    assert f"/supervision/rectifications/{item.id}" in round_page


def test_the_log_shows_the_missed_rounds_to_logistics(client, auth, clock, logistics, guard, night_route):
    clock(2026, 11, 12, 7, 0)
    walked(night_route, guard, at(12, 2, 10))
    auth.login_as(logistics)
    page = client.get("/supervision/patrols").get_data(as_text=True)
    assert "漏巡 3 次" in page  # 00:00, 04:00 and 06:00; 02:00 was walked at 02:10
    assert page.count(">漏巡<") == 3 + 6 * 8  # and every round of the 6 days before on this page (a week)
    assert 'href="/supervision/patrols?page=2"' in page


def test_the_log_draws_each_kind_of_row_in_the_readers_language(client, auth, clock, logistics, guard, night_route):
    clock(2026, 11, 12, 7, 0)
    found = start_round(night_route, actor=guard, now=at(12, 2, 10))
    finish_round(found, RoundDraft({0: CheckMark(True), 1: CheckMark(True, "大厅东侧门未锁"), 2: CheckMark(True)}),
                 actor=guard, now=at(12, 2, 40))
    walking = start_round(night_route, actor=guard, now=at(12, 6, 50))
    db.session.commit()
    auth.login_as(logistics)
    page = client.get("/supervision/patrols").get_data(as_text=True)
    today = page[page.index("<h2>2026年11月12日"):page.index("</section>", page.index("<h2>2026年11月12日"))]
    assert '<h2>2026年11月12日 <span class="badge badge--danger">漏巡 3 次</span></h2>' in today  # 00:00, 04:00, 06:00
    assert ('      <tr><td>02:00</td><td>主楼夜间巡逻</td>\n          <td><span class="badge badge--ok">已巡</span> '
            f'<a href="/supervision/patrols/rounds/{found.id}">2026-11-12 02:10 开始</a></td></tr>\n') in today
    assert ('      <tr><td>04:00</td><td>主楼夜间巡逻</td>\n'
            '          <td><span class="badge badge--danger">漏巡</span></td></tr>\n') in today
    assert '<td>08:00</td><td>主楼夜间巡逻</td>\n          <td><span class="badge badge--muted">待巡</span></td>' in today
    assert (f'      <tr><td><a href="/supervision/patrols/rounds/{walking.id}">2026-11-12 06:50</a></td>\n'
            '          <td>主楼夜间巡逻</td><td>门岗保安 刘师傅</td>\n          <td>巡逻中</td></tr>\n'
            f'      <tr><td><a href="/supervision/patrols/rounds/{found.id}">2026-11-12 02:10</a></td>\n'
            '          <td>主楼夜间巡逻</td><td>门岗保安 刘师傅</td>\n          <td>1</td></tr>\n    </tbody>') in today
    assert page.count('<tr><td colspan="4">没有巡逻记录。</td></tr>') == 6  # the week's other days
    english = client.get("/supervision/patrols", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<caption>Expected rounds</caption>" in english and "3 missed rounds" in english
    assert f'<a href="/supervision/patrols/rounds/{found.id}">started 2026-11-12 02:10</a>' in english
    assert "<td>Being walked</td>" in english and "巡逻中" not in english
    assert "<caption>应巡班次</caption>" in client.get("/supervision/patrols").get_data(as_text=True)


def test_the_logs_own_words_are_translated_once_per_language(client, auth, clock, guard, night_route):
    from portal.blueprints.supervision import views
    from portal.cache import forget_drawings

    clock(2026, 11, 12, 7, 0)
    views._log_texts.cache_clear()
    auth.login_as(guard)
    for language, caption in (("zh-CN", "应巡班次"), ("en", "Expected rounds"), ("zh-CN", "应巡班次"), ("en", "Expected rounds")):
        forget_drawings()
        page = client.get("/supervision/patrols", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f"<caption>{caption}</caption>" in page
    assert views._log_texts.cache_info().misses == 2


def test_the_log_escapes_the_names_of_routes_and_guards(client, auth, clock, logistics, make_user):
    clock(2026, 11, 10, 9, 0)
    route = PatrolRoute(name='<script>alert("route")</script>', checkpoints="北门岗", times="08:00", tolerance_minutes=30,
                        created_at=at(1, 0))
    db.session.add(route)
    db.session.commit()
    guard = make_user(roles=[Role.SECURITY], username="xss", display_name="<script>alert('guard')</script>")
    walked(route, guard, at(10, 8, 5))
    auth.login_as(logistics)
    page = client.get("/supervision/patrols").get_data(as_text=True)
    assert "<script>alert" not in page
    assert page.count("<td>&lt;script&gt;alert(&#34;route&#34;)&lt;/script&gt;</td>") == 7 + 1  # expected; recorded
    assert page.count("<td>&lt;script&gt;alert(&#39;guard&#39;)&lt;/script&gt;</td>") == 1


def test_staff_see_nothing_of_the_patrols(client, auth, make_user, night_route):
    auth.login_as(make_user(roles=[Role.EMPLOYEE], username="keyuan"))
    assert client.get("/supervision/patrols").status_code == 403
    assert client.post(f"/supervision/patrols/routes/{night_route.id}/start").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PatrolRound)) == 0


def test_logistics_adds_and_retires_a_route_from_the_page(client, auth, clock, logistics):
    clock(2026, 11, 10, 9, 0)
    auth.login_as(logistics)
    bad = client.post("/supervision/patrol-routes", data={"name": "外围", "checkpoints": "北门", "times": "8点",
                                                          "tolerance_minutes": "30"})
    assert bad.status_code == 422 and "请按 时:分 填写时间" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PatrolRoute)) == 0
    response = client.post("/supervision/patrol-routes", data={
        "name": "主楼夜间巡逻", "checkpoints": "北门岗\n地下车库", "times": "", "every_minutes": "120",
        "start": "18:00", "end": "08:00", "tolerance_minutes": "30"})
    assert response.status_code == 303
    route = db.session.scalar(select(PatrolRoute))
    assert route.times == "00:00 02:00 04:00 06:00 08:00 18:00 20:00 22:00" and route.created_at == at(10, 9)
    assert client.post(f"/supervision/patrols/routes/{route.id}/retire").status_code == 303
    db.session.expire_all()
    assert db.session.get(PatrolRoute, route.id).retired_at == at(10, 9)


def test_the_evaluation_page_and_workbook_show_the_missed_rounds(client, auth, clock, property_user, guard, night_route):
    from io import BytesIO

    from openpyxl import load_workbook

    clock(2026, 11, 2, 9, 0)
    for start in (at(1, 0, 5), at(1, 2, 29), at(1, 4, 31), at(1, 18), at(1, 20, 10), at(1, 22), at(1, 23, 50),
                  at(2, 6, 30)):
        walked(night_route, guard, start)
    auth.login_as(property_user)
    page = client.get("/supervision/scores?month=2026-11").get_data(as_text=True)
    assert "应巡 13 次，已巡 7 次（53.8%），漏巡 6 次。" in page  # as worked by hand above
    book = load_workbook(BytesIO(client.get("/supervision/scores.xlsx?month=2026-11").data))
    values = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    made = next(row for row in values if row[0] == "按时巡逻率（不计入得分）")
    assert (float(made[1]), made[2], made[3]) == (53.8, 7, 13)
    assert next(row for row in values if row[0] == "漏巡次数")[1] == 6


def test_a_guards_patrol_log_is_kept_until_a_round_starts_and_never_shown_to_another_guard(
        client, auth, clock, make_user, guard, night_route, count_queries, areas_on_record):
    clock(2026, 11, 10, 20, 3)
    areas_on_record("supervision", "building")
    auth.login_as(guard)
    client.get("/supervision/patrols")  # the session's CSRF token
    first = client.get("/supervision/patrols").get_data()
    with count_queries() as counted:
        again = client.get("/supervision/patrols").get_data()
    assert again == first and counted.count == 1  # the data versions: no account loaded
    patrol_round = start_round(night_route, actor=guard, now=at(10, 20, 3))
    db.session.commit()
    mine = client.get("/supervision/patrols").get_data(as_text=True)
    assert f"/supervision/patrols/rounds/{patrol_round.id}" in mine

    other = make_user(roles=[Role.SECURITY], username="baoan2", display_name="门岗保安 王师傅")
    auth.login_as(other)
    client.get("/supervision/patrols")
    theirs = client.get("/supervision/patrols").get_data(as_text=True)
    assert "门岗保安 王师傅" in theirs and theirs != mine


def test_the_patrol_log_takes_the_same_queries_for_a_quiet_week_or_a_busy_one(
        client, auth, clock, guard, night_route, count_queries):
    clock(2026, 11, 10, 9, 0)
    walked(night_route, guard, at(9, 18, 5))
    auth.login_as(guard)
    client.get("/supervision/patrols")
    _page, quiet = drawn_afresh(client, "/supervision/patrols", count_queries)
    for day in range(4, 9):
        for hour in (18, 20, 22):
            walked(night_route, guard, at(day, hour, 5))
    db.session.commit()
    client.get("/supervision/patrols")  # the routes and the first round read again after the change
    _page, busy = drawn_afresh(client, "/supervision/patrols", count_queries)
    # The data versions, the account, the week's rounds (for both tables), the guard's open rounds, the
    # header's count: the routes and the first round's day are kept facts.
    assert busy.count == quiet.count == 5


def test_the_patrol_log_reads_its_routes_once_for_every_week_and_shows_a_new_route_at_once(
        client, auth, clock, guard, logistics, night_route, count_queries):
    clock(2026, 11, 10, 9, 0)
    walked(night_route, guard, at(2, 18, 5))
    auth.login_as(guard)
    assert client.get("/supervision/patrols").status_code == 200
    page, counted = drawn_afresh(client, "/supervision/patrols?page=2", count_queries)
    assert counted.count == 5 and not any("supervision_patrol_route.times" in s for s in counted.statements)
    assert "/supervision/patrols/rounds/" in page and "主楼夜间巡逻" in page
    add_route(_draft(times="09:30"), actor=logistics, now=at(10, 9, 0))
    db.session.commit()
    page, counted = drawn_afresh(client, "/supervision/patrols", count_queries)
    assert counted.count == 7  # the routes and the first round's day read again
    assert "开始巡逻：外围白天巡逻" in page
