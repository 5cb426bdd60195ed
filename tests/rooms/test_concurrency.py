"""Two overlapping requests for one room never both succeed: 50 at once through
a real server (waitress, threads), on SQLite and on PostgreSQL."""

from __future__ import annotations

import http.client
import threading
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.blueprints.rooms.models import Booking, BookingStatus
from portal.db import db
from portal.models import Role
from tests.conftest import DEMO_PASSWORD
from tests.rooms.conftest import at

pytestmark = pytest.mark.live_server

REQUESTS = 50


def _post(base: str, path: str, data: dict, cookie: str = "") -> tuple[int, dict[str, str], str]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("POST", path, body=urlencode(data), headers=headers)
    response = connection.getresponse()
    body = response.read().decode("utf-8")
    result = response.status, {k.lower(): v for k, v in response.getheaders()}, body
    connection.close()
    return result


def test_fifty_concurrent_overlapping_requests_one_wins(live_server, make_user, create_room, workday):
    room = create_room(name="抢手会议室", capacity=30)
    make_user(roles=[Role.EMPLOYEE], username="racer")
    status, headers, _ = _post(live_server.url, "/login", {"username": "racer", "password": DEMO_PASSWORD})
    assert status == 303
    cookie = headers["set-cookie"].split(";", 1)[0]
    room_id, day = room.id, workday.isoformat()
    db.session.commit()  # the test holds no transaction while the server works

    # Every request overlaps every other (all cover 09:30–10:30), with varied edges.
    slots = [("09:00", "10:30"), ("09:30", "11:00"), ("09:00", "11:00"), ("09:30", "10:30"), ("08:30", "10:30")]
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(REQUESTS)

    def request(i: int) -> None:
        start, end = slots[i % len(slots)]
        data = {
            "room_id": room_id, "day": day, "start": start, "end": end, "title": f"抢订会议{i}",
            "contact_name": "赛跑者", "contact_phone": "5999", "attendees": "10", "is_public": "y",
        }
        barrier.wait()
        status, _headers, body = _post(live_server.url, "/rooms/new", data, cookie)
        with lock:
            results.append((status, body))

    threads = [threading.Thread(target=request, args=(i,)) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == REQUESTS
    statuses = sorted(status for status, _ in results)
    assert statuses.count(303) == 1, statuses
    assert statuses.count(422) == REQUESTS - 1, statuses
    for status, body in results:
        if status == 422:
            assert "该时段无法预订此会议室" in body and "已被预订" in body
    db.session.expire_all()
    saved = db.session.scalars(db.select(Booking).where(Booking.room_id == room_id)).all()
    assert len(saved) == 1 and saved[0].status is BookingStatus.APPROVED


def test_postgresql_itself_refuses_overlapping_bookings(app, create_room, create_booking, workday):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite serializes writes instead")
    room = create_room()
    create_booking(room, at(workday, "09:00"), at(workday, "10:00"))
    with pytest.raises(IntegrityError) as error:
        create_booking(room, at(workday, "09:30"), at(workday, "10:30"))
    assert "booking_no_overlap" in str(error.value)
    db.session.rollback()
    # Cancelled bookings and touching periods are allowed.
    create_booking(room, at(workday, "09:30"), at(workday, "10:30"), status=BookingStatus.CANCELLED)
    create_booking(room, at(workday, "10:00"), at(workday, "11:00"))
    assert db.session.scalar(text("SELECT count(*) FROM booking")) == 3


def test_changes_and_new_requests_racing_for_one_slot_one_wins(live_server, make_user, create_room, create_booking,
                                                                 workday):
    """Issue 18: moving bookings into a slot is race-proofed like requesting it."""
    target = create_room(name="目标会议室", capacity=30)
    elsewhere = create_room(name="原会议室", capacity=30)
    racer = make_user(roles=[Role.EMPLOYEE], username="mover")
    movers = [create_booking(elsewhere, at(workday, f"{8 + i:02d}:00"), at(workday, f"{8 + i:02d}:30"), requester_id=racer.id)
              for i in range(6)]
    status, headers, _ = _post(live_server.url, "/login", {"username": "mover", "password": DEMO_PASSWORD})
    cookie = headers["set-cookie"].split(";", 1)[0]
    target_id, day, mover_ids = target.id, workday.isoformat(), [b.id for b in movers]
    db.session.commit()

    results: list[int] = []
    lock = threading.Lock()
    total = len(mover_ids) + 6
    barrier = threading.Barrier(total)

    def change(booking_id: int) -> None:
        data = {"room_id": target_id, "day": day, "start": "15:00", "end": "16:00", "attendees": "5"}
        barrier.wait()
        status, _headers, _body = _post(live_server.url, f"/rooms/bookings/{booking_id}/change", data, cookie)
        with lock:
            results.append(status)

    def request(i: int) -> None:
        data = {"room_id": target_id, "day": day, "start": "15:30", "end": "16:30", "title": f"新申请{i}",
                "contact_name": "赛跑者", "contact_phone": "5999", "attendees": "5", "is_public": "y"}
        barrier.wait()
        status, _headers, _body = _post(live_server.url, "/rooms/new", data, cookie)
        with lock:
            results.append(status)

    threads = [threading.Thread(target=change, args=(i,)) for i in mover_ids]
    threads += [threading.Thread(target=request, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == total
    assert sorted(results).count(303) == 1, results
    assert sorted(results).count(422) == total - 1, results
    db.session.expire_all()
    holding = db.session.scalars(db.select(Booking).where(Booking.room_id == target_id,
                                                          Booking.status == BookingStatus.APPROVED)).all()
    assert len(holding) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking).where(Booking.room_id == elsewhere.id)) \
        == len(mover_ids) - (1 if holding[0].id in mover_ids else 0)
