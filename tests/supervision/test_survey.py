"""The monthly satisfaction survey: one answer per person per month, and nothing links a rating to a person."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.supervision.models import Area, Satisfaction, SurveyParticipation, SurveyRating
from portal.blueprints.supervision.scoring import Component
from portal.blueprints.supervision.services import answer_survey, month_score
from portal.db import db
from portal.models import AuditLog, Role
from portal.rules import RuleViolation


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_answers_count_in_the_month_and_cannot_be_traced_to_the_person(make_user, clock):
    now = clock(2026, 11, 20, 10, 0)
    alice, bob = make_user(roles=[Role.EMPLOYEE]), make_user(roles=[Role.EMPLOYEE])
    answer_survey({Area.CLEANING: "satisfied", Area.SECURITY: "dissatisfied", Area.GREENING: ""}, actor=alice, now=now)
    answer_survey({Area.CLEANING: "fairly"}, actor=bob, now=now)
    db.session.commit()
    assert _count(SurveyRating) == 3 and _count(SurveyParticipation) == 2
    # A rating has no column naming a person or a time
    assert {c.name for c in SurveyRating.__table__.columns} == {"id", "year", "month", "area", "rating"}
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "supervision.survey")).all()
    assert all("satisfied" not in str(entry.after) + entry.summary for entry in audit)
    score = month_score(2026, 11, now=now)
    assert score.components[Component.SATISFACTION].value == Decimal("53.3")  # (100 + 0 + 60) / 3
    assert score.satisfaction[Area.CLEANING] == Decimal("80.0")


def test_a_second_answer_in_the_month_is_refused_the_next_month_is_open(make_user, clock):
    user = make_user(roles=[Role.EMPLOYEE])
    now = clock(2026, 11, 30, 23, 50)
    answer_survey({Area.MEETING: "satisfied"}, actor=user, now=now)
    db.session.commit()
    with pytest.raises(RuleViolation) as refused:
        answer_survey({Area.MEETING: "dissatisfied"}, actor=user, now=now)
    assert refused.value.status == 409
    db.session.rollback()
    answer_survey({Area.MEETING: "fairly"}, actor=user, now=clock(2026, 12, 1, 0, 10))
    db.session.commit()
    assert _count(SurveyParticipation) == 2


@pytest.mark.parametrize("answers", [{}, {Area.CLEANING: ""}, {Area.CLEANING: "excellent"}])
def test_an_empty_or_bad_answer_is_refused_and_nothing_saved(make_user, answers):
    user = make_user(roles=[Role.EMPLOYEE])
    with pytest.raises(RuleViolation):
        answer_survey(answers, actor=user, now=timeutil.now())
    db.session.rollback()
    assert _count(SurveyParticipation) == 0 and _count(SurveyRating) == 0


def test_the_property_company_cannot_answer(make_user):
    with pytest.raises(RuleViolation) as refused:
        answer_survey({Area.CLEANING: "satisfied"}, actor=make_user(roles=[Role.PROPERTY]), now=timeutil.now())
    assert refused.value.status == 403


def test_the_survey_page_once_a_month(client, auth, make_user):
    user = make_user(roles=[Role.EMPLOYEE])
    auth.login_as(user)
    assert "物业服务满意度" in client.get("/").get_data(as_text=True)
    page = client.get("/supervision/survey").get_data(as_text=True)
    assert 'name="area_cleaning"' in page
    assert client.post("/supervision/survey", data={}).status_code == 422
    assert client.post("/supervision/survey", data={"area_cleaning": "great"}).status_code == 422
    response = client.post("/supervision/survey", data={"area_cleaning": "satisfied", "area_security": "fairly"})
    assert response.status_code == 303
    assert client.post("/supervision/survey", data={"area_cleaning": "dissatisfied"}).status_code == 409
    assert _count(SurveyRating) == 2
    assert Satisfaction.SATISFIED in set(db.session.scalars(select(SurveyRating.rating)))
