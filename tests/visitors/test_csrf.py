"""The desk's forms carry working CSRF tokens (the other tests switch CSRF off)."""

import re

import pytest
from sqlalchemy import select

from portal.blueprints.visitors.models import VisitorEntry
from portal.db import db
from tests.visitors.conftest import make_resident_id


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]+)"', html).group(1)


def test_check_in_and_both_check_outs_with_csrf_on(client, guard, units):
    desk = client.get("/visitors/").get_data(as_text=True)
    form = {"csrf_token": hidden(desk, "csrf_token"), "submission_token": hidden(desk, "submission_token"),
            "name": "张伟", "id_type": "resident_id", "id_number": make_resident_id(), "unit": "rsj", "badge": "3",
            "companions": "0"}
    assert client.post("/visitors/check-in", data=form).status_code == 303
    desk = client.get("/visitors/").get_data(as_text=True)
    out = client.post("/visitors/check-out", data={"out-csrf_token": hidden(desk, "out-csrf_token"), "out-badge": "3"})
    assert out.status_code == 303
    entry = db.session.scalar(select(VisitorEntry))
    assert entry.checked_out_at is not None

    form.update(submission_token=hidden(desk, "submission_token"), badge="4")
    form["csrf_token"] = hidden(desk, "csrf_token")
    assert client.post("/visitors/check-in", data=form).status_code == 303
    second = db.session.scalar(select(VisitorEntry).where(VisitorEntry.badge == "4"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/visitors/").get_data(as_text=True)).group(1)
    assert client.post(f"/visitors/entries/{second.id}/check-out", data={"csrf_token": token}).status_code == 303
    assert client.post(f"/visitors/entries/{second.id}/check-out", data={}).status_code == 400
