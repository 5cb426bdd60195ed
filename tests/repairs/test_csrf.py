"""The queue's buttons carry the viewer's own CSRF token, though the table is
drawn once for every property worker (the other tests switch CSRF off)."""

import re

import pytest

from portal.blueprints.repairs.models import Status
from portal.db import db
from portal.models import Role


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def row_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_each_worker_accepts_from_the_shared_queue_with_their_own_token(app, client, make_user, make_repair, auth):
    first = make_repair(make_user(), description="<csrf-token> 不是令牌")
    second = make_repair(make_user())
    auth.login_as(make_user(roles=[Role.PROPERTY], username="wuye_a"))
    assert row_token(client.get("/repairs/queue").get_data(as_text=True))  # draws the table

    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = make_user(roles=[Role.PROPERTY], username="wuye_b").get_id()
        session["_fresh"] = True
    queue = other.get("/repairs/queue").get_data(as_text=True)
    token = row_token(queue)
    assert "<csrf-token>" not in queue and "&lt;csrf-token&gt; 不是令牌" in queue
    assert other.post(f"/repairs/{first.id}/step", data={"action": "accept", "back": "queue"}).status_code == 400
    response = other.post(f"/repairs/{first.id}/step", data={"action": "accept", "back": "queue", "csrf_token": token})
    assert response.status_code == 303
    # The first worker's token is theirs: it does not work in the other's session.
    mine = row_token(client.get("/repairs/queue").get_data(as_text=True))
    assert other.post(f"/repairs/{second.id}/step", data={"action": "accept", "csrf_token": mine}).status_code == 400
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status is Status.ACCEPTED and second.status is Status.SUBMITTED
