"""What notifications cost the requests that cause them, the header count, and the sender's claims (issue 17, Speed)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from portal import timeutil
from portal.blueprints.notifications import header_item
from portal.blueprints.notifications.models import Notification
from portal.blueprints.notifications.services import (
    _open_for,
    open_count,
    open_count_query,
)
from portal.db import db
from portal.models import Role
from tests.repairs.conftest import place  # noqa: F401 - the building a fault is reported in

FORM = {"spot": "靠窗", "category": "electric", "urgency": "urgent", "description": "插座冒烟，已经断电", "contact": "5123"}


def _statements(count_queries, client, url, data):
    with count_queries() as queries:
        response = client.post(url, data=data)
    assert response.status_code == 303
    return [" ".join(s.split()).upper() for s in queries.statements]


def test_an_event_adds_one_insert_per_recipient_at_most_to_the_request_that_causes_it(
        client, login_as_role, make_user, count_queries, place):  # noqa: F811
    for _ in range(4):
        make_user(roles=[Role.PROPERTY])  # a new fault is a to-do for each of them
    login_as_role("employee")
    form = {**FORM, "location": f"room-{place['rooms']['ZL102'].id}"}
    from portal import events

    # The same request with nothing listening to events (no notifications capability)…
    stored = events.event_emitted.receivers.copy()
    events.event_emitted.receivers.clear()
    try:
        without = _statements(count_queries, client, "/repairs/new", form)
    finally:
        events.event_emitted.receivers.update(stored)
    assert db.session.scalars(select(Notification)).all() == []
    # … and with it: four recipients, one more statement, an INSERT of their four messages.
    with_messages = _statements(count_queries, client, "/repairs/new", form)
    extra = len(with_messages) - len(without)
    inserts = [s for s in with_messages if s.startswith("INSERT INTO NOTIFICATION")]
    assert len(inserts) == 1 and extra == 1
    assert len(db.session.scalars(select(Notification)).all()) == 4


def test_the_header_count_is_one_indexed_query(app, client, login_as_role, count_queries):
    from portal import events

    user = login_as_role("employee")
    events.emit("notifications.test", recipients=[user], now=timeutil.now(), args={"target": "群"})
    db.session.commit()
    user_id = user.id
    with count_queries() as queries:
        assert open_count(user_id) == 1
    assert queries.count == 1, queries.statements
    assert open_count(user_id) == db.session.scalar(
        select(func.count()).select_from(Notification).where(_open_for(user_id)))
    if db.engine.dialect.name == "sqlite":
        # Each part is looked up through its own index: it reads what is open, never the years of read notices.
        compiled = open_count_query(user_id).compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_notification_open_todo" in plan and "ix_notification_unread" in plan and "SCAN notification" not in plan
    # In a page the count costs that one query (the user is loaded already).
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(user)
        with count_queries() as queries:
            assert 'inbox-count__number">1<' in header_item()
        assert queries.count == 1


@pytest.mark.parametrize("table", ["notification", "webhook_delivery"])
def test_a_sender_finds_its_claim_through_an_index(app, table):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    plan = " ".join(row[-1] for row in db.session.execute(
        text(f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE claimed_by = :token ORDER BY id"), {"token": "abc"}))
    assert f"ix_{table}_claimed_by" in plan
