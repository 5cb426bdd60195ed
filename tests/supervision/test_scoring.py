"""The monthly score against figures worked by hand: weights, missing data, rounding."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from portal.blueprints.supervision.models import Area
from portal.blueprints.supervision.patrols import SlotStatus
from portal.blueprints.supervision.scoring import (
    Component,
    Grade,
    InspectionFact,
    MonthFacts,
    MonthScore,
    RectificationFact,
    RepairFact,
    area_scores,
    grade,
    period_score,
    round1,
    score_month,
)
from portal.timeutil import LOCAL_TZ

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=LOCAL_TZ)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
R = datetime(2026, 11, 5, 9, 0, tzinfo=LOCAL_TZ)


def facts() -> MonthFacts:
    return MonthFacts(
        inspections=(
            InspectionFact(Area.CLEANING, 8, 10),   # 80
            InspectionFact(Area.CLEANING, 9, 10),   # 90   → cleaning 85.0
            InspectionFact(Area.SECURITY, 11, 13),  # 84.615… → security 84.6
        ),
        rectifications=(
            RectificationFact(date(2026, 11, 10), date(2026, 11, 9), closed=True),    # on time
            RectificationFact(date(2026, 11, 10), date(2026, 11, 12), closed=True),   # late
            RectificationFact(date(2026, 11, 20), None, closed=False),                # past deadline, not done
            RectificationFact(date(2026, 11, 20), date(2026, 11, 19), closed=False),  # reported, waiting for verification: not counted yet
            RectificationFact(date(2026, 12, 3), None, closed=False),                 # still within its deadline: not counted
        ),
        repairs=(
            RepairFact(R, R + HOUR, R + 2 * DAY, 3 * DAY),          # response ok, fix ok
            RepairFact(R, R + 3 * HOUR, R + 4 * DAY, 3 * DAY),      # response late, fix late
            RepairFact(R, None, None, 3 * DAY),                     # never accepted: both late by now
            RepairFact(NOW - HOUR, None, None, 3 * DAY),            # just reported: neither counted yet
            RepairFact(R, R + HOUR, R + 6 * DAY, 7 * DAY),          # low urgency: response ok, fix ok
        ),
    )


def test_each_component_and_the_total_as_worked_by_hand():
    score = score_month(2026, 11, facts(), now=NOW)
    assert score.areas == {Area.CLEANING: Decimal("85.0"), Area.SECURITY: Decimal("84.6")}
    c = score.components
    assert c[Component.INSPECTIONS].value == Decimal("84.8")          # (85.0 + 84.6) / 2
    assert (c[Component.RECTIFICATION].good, c[Component.RECTIFICATION].counted) == (1, 3)
    assert c[Component.RECTIFICATION].value == Decimal("33.3")
    assert (c[Component.RESPONSE].good, c[Component.RESPONSE].counted) == (2, 4)
    assert c[Component.RESPONSE].value == Decimal("50.0")
    assert (c[Component.FIX].good, c[Component.FIX].counted) == (2, 4)
    assert c[Component.FIX].value == Decimal("50.0")
    assert c[Component.SATISFACTION].value is None  # nobody answered the survey: left out
    # (40 × 84.8 + 20 × 33.3 + 10 × 50.0 + 10 × 50.0) / 80 = (3392 + 666 + 500 + 500) / 80 = 63.225
    assert score.total == Decimal("63.2")
    assert score.grade is Grade.POOR


def test_a_component_without_data_is_left_out_and_the_others_weigh_more():
    only = MonthFacts(inspections=facts().inspections, repairs=(RepairFact(R, R + 3 * HOUR, R + DAY, 3 * DAY),
                                                                 RepairFact(R, R + HOUR, R + DAY, 3 * DAY),
                                                                 RepairFact(R, R + HOUR, R + 5 * DAY, 3 * DAY)))
    score = score_month(2026, 11, only, now=NOW)
    assert score.components[Component.RECTIFICATION].value is None
    assert score.components[Component.RESPONSE].value == Decimal("66.7")   # 2 of 3 = 66.66… rounded up
    assert score.components[Component.FIX].value == Decimal("66.7")
    # (40 × 84.8 + 10 × 66.7 + 10 × 66.7) / 60 = (3392 + 667 + 667) / 60 = 78.766…
    assert score.total == Decimal("78.8")
    assert score.weight_used(Component.INSPECTIONS) == Decimal("66.7")
    assert score.weight_used(Component.RECTIFICATION) is None


def test_a_month_without_any_data_has_no_score():
    score = score_month(2026, 11, MonthFacts(), now=NOW)
    assert score.total is None and score.grade is None
    assert all(c.value is None for c in score.components.values())


def test_an_inspection_of_nothing_counts_as_no_data():
    assert area_scores([InspectionFact(Area.GREENING, 0, 0)]) == {}


def test_rounding_is_half_up_to_one_decimal():
    assert round1(Decimal("84.65")) == Decimal("84.7")
    assert round1(Decimal("84.64999")) == Decimal("84.6")
    assert area_scores([InspectionFact(Area.MEETING, 1, 8)]) == {Area.MEETING: Decimal("12.5")}
    assert area_scores([InspectionFact(Area.MEETING, 2, 3)]) == {Area.MEETING: Decimal("66.7")}


def test_quarter_and_year_are_the_mean_of_the_months_with_a_score():
    months = [MonthScore(2026, 1, {}, total=Decimal("80.0")), MonthScore(2026, 2, {}, total=None),
              MonthScore(2026, 3, {}, total=Decimal("90.1"))]
    assert period_score(months) == Decimal("85.1")  # 85.05 rounded half up
    assert period_score([MonthScore(2026, 4, {}, total=None)]) is None


def test_grades_follow_the_contract_bands():
    assert grade(Decimal("90.0")) is Grade.EXCELLENT
    assert grade(Decimal("89.9")) is Grade.GOOD
    assert grade(Decimal("80")) is Grade.GOOD
    assert grade(Decimal("79.9")) is Grade.FAIR
    assert grade(Decimal("69.9")) is Grade.POOR


def test_the_survey_counts_100_60_or_0_per_answer_and_weighs_20_per_cent():
    ratings = ((Area.CLEANING, 100), (Area.CLEANING, 60), (Area.SECURITY, 0), (Area.SECURITY, 100), (Area.MEETING, 60))
    only = MonthFacts(inspections=(InspectionFact(Area.CLEANING, 9, 10),), ratings=ratings)
    score = score_month(2026, 11, only, now=NOW)
    assert score.components[Component.SATISFACTION].value == Decimal("64.0")   # 320 / 5
    assert score.components[Component.SATISFACTION].counted == 5
    assert score.satisfaction == {Area.CLEANING: Decimal("80.0"), Area.SECURITY: Decimal("50.0"), Area.MEETING: Decimal("60.0")}
    # (40 × 90.0 + 20 × 64.0) / 60 = (3600 + 1280) / 60 = 81.333…
    assert score.total == Decimal("81.3")


def test_patrol_rounds_are_shown_beside_the_score_and_do_not_change_it():
    done, missed, due = SlotStatus.DONE, SlotStatus.MISSED, SlotStatus.DUE
    with_patrols = replace(facts(), patrol_slots=(done,) * 7 + (missed,) * 6 + (due,) * 3)
    score = score_month(2026, 11, with_patrols, now=NOW)
    # 7 made of 13 settled (the 3 still due are not counted): 700 / 13 = 53.846… → 53.8; 6 missed
    assert (score.patrols.good, score.patrols.counted, score.patrols.value) == (7, 13, Decimal("53.8"))
    assert score.missed_rounds == 6
    assert score.total == Decimal("63.2")  # as worked by hand above, without the patrols


def test_a_month_without_expected_rounds_has_no_patrol_figure():
    score = score_month(2026, 11, facts(), now=NOW)
    assert score.patrols.value is None and score.missed_rounds == 0
