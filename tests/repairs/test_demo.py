"""The demo data: idempotent, open items in every status, and no empty page for any role."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.repairs import reports
from portal.blueprints.repairs.demo import seed_demo
from portal.blueprints.repairs.models import Category, RepairEvent, RepairRequest, Status
from portal.db import db


def test_demo_repairs_cover_every_status_and_are_seeded_once(demo):
    by_status = dict(db.session.execute(select(RepairRequest.status, func.count()).group_by(RepairRequest.status)).all())
    assert set(by_status) == set(Status)
    assert all(by_status[s] >= 3 for s in (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE))
    total = sum(by_status.values())
    events = db.session.scalar(select(func.count()).select_from(RepairEvent))
    seed_demo()
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == total
    assert db.session.scalar(select(func.count()).select_from(RepairEvent)) == events


def test_demo_history_is_consistent(demo):
    now = timeutil.now()
    for repair in db.session.scalars(select(RepairRequest)):
        times = [e.at for e in repair.events]
        assert times == sorted(times) and times[-1] <= now, repair.id
        assert repair.events[-1].to_status is repair.status, repair.id
        finished = repair.status in (Status.DONE, Status.CONFIRMED)
        assert (repair.parts_cost is not None) == finished, repair.id
        if finished:  # the cost is the sum of the visits, one per "done"
            assert len(repair.visits) == 1 + repair.reopen_count, repair.id
            assert repair.total_cost == sum(v.total_cost for v in repair.visits), repair.id
        if repair.room is not None:
            assert repair.room.floor_id == repair.floor_id


def test_demo_shows_aging_pipes_and_wiring(demo):
    facts = reports.load_facts()
    years = reports.tally(facts, reports.by_year)
    assert len(years) >= 4 and all(t.count > 20 and t.cost > 0 for t in years[:-1])
    repeats = reports.repeat_faults(facts, timeutil.now())
    assert {Category.WATER, Category.ELECTRIC} <= {r.category for r in repeats}


def test_every_repairs_page_has_content_for_its_roles(client, auth, demo):
    auth.login_as(demo["employee"])
    assert client.get("/repairs/").get_data(as_text=True).count('href="/repairs/') >= 3
    auth.login_as(demo["property"])
    queue = client.get("/repairs/queue").get_data(as_text=True)
    assert queue.count('value="accept"') >= 3 and queue.count('value="start"') >= 3
    auth.login_as(demo["logistics_admin"])
    page = client.get("/repairs/reports").get_data(as_text=True)
    repeats = page[page.index('id="repeats"'):page.index("未完成的报修")]
    assert repeats.count("<tr>") >= 3
    assert client.get("/repairs/all").get_data(as_text=True).count('href="/repairs/') >= 25
