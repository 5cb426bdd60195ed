"""The shuttle pages per role: the public timetable, the polled departures
block, administration with validation and audit, and the workday calendar."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal.blueprints.shuttle.models import (
    Direction,
    ExceptionKind,
    RouteStop,
    ServiceException,
    ShuttleNotice,
    ShuttleRoute,
    ShuttleStop,
    ShuttleTrip,
    ShuttleVehicle,
)
from portal import cache
from portal.db import db
from portal.models import AuditLog
from tests.access import ROLES

OUT, BACK = Direction.OUTBOUND, Direction.INBOUND
HX = {"HX-Request": "true", "HX-Target": "next-departures"}


def audit_actions(prefix: str) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like(f"{prefix}%")).order_by(AuditLog.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the public page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_timetable_for_every_role_with_phones_only_for_logged_in_people(client, line, login_as_role, clock, role):
    clock(2026, 12, 2, 7, 0)
    line.trip(OUT, "07:20")
    login_as_role(role)
    html = client.get("/shuttle/").get_data(as_text=True)
    assert "老城 → 中心" in html and "07:20" in html and "川J·T0001" in html
    if role == "anonymous":
        assert "13908250001" not in html and "司机1" not in html
        assert "登录后可查看驾驶员姓名和电话" in html
    else:
        assert "13908250001" in html and "司机1" in html


def test_today_status_and_the_coming_week(client, line, clock):
    line.trip(OUT, "07:20")
    clock(2026, 9, 30, 21, 0)
    html = client.get("/shuttle/").get_data(as_text=True)
    assert "今天 2026-09-30" in html and "运行" in html
    assert "国庆节" in html  # the week ahead is the holiday
    holiday = client.get("/shuttle/?day=2026-10-03").get_data(as_text=True)
    assert "service-status--off" in holiday and "国庆节" in holiday
    make_up = client.get("/shuttle/?day=2026-10-10").get_data(as_text=True)
    assert "service-status--running" in make_up and "调休" in make_up


def test_unknown_calendar_is_said_plainly(client, line, clock):
    line.trip(OUT, "07:20")
    clock(2026, 12, 31, 20, 0)
    html = client.get("/shuttle/?day=2027-03-03").get_data(as_text=True)
    assert "service-status--unknown" in html and "工作日历中还没有该日期的安排" in html
    assert "2027-01-01" in html  # the departures block names the first unknown day


def test_bad_query_values_never_fail(client, line, clock):
    clock(2026, 12, 2, 7, 0)
    line.trip(OUT, "07:20")
    for query in ("day=yesterday", "day=2026-13-45", "day=1999-01-01", "stop=abc", "stop=99999", "day=" + "9" * 500):
        response = client.get(f"/shuttle/?{query}")
        assert response.status_code == 200, query
    assert "不是有效日期" in client.get("/shuttle/?day=yesterday").get_data(as_text=True)
    assert "一年以内" in client.get("/shuttle/?day=1999-01-01").get_data(as_text=True)
    # Typed with a Chinese input method: full-width digits are the same date.
    assert "2026-12-15" in client.get("/shuttle/?day=２０２６-１２-１５").get_data(as_text=True)


def test_next_departures_from_a_chosen_stop_without_javascript(client, line, clock):
    line.trip(BACK, "17:35")
    line.trip(BACK, "18:00", bus=1)
    clock(2026, 12, 2, 17, 45)
    html = client.get(f"/shuttle/?stop={line.stops[1].id}").get_data(as_text=True)
    assert "医院 近期发车" in html
    block = html.split('id="next-departures"', 1)[1].split("</section>", 1)[0]
    assert "17:50" in block and "18:15" in block and "5 分钟后" in block
    assert "<form" in html and 'name="stop"' in html and 'method="get"' in html


def test_departures_block_is_a_polled_fragment_for_htmx(client, line, clock):
    line.trip(OUT, "07:20")
    clock(2026, 12, 2, 7, 0)
    page = client.get("/shuttle/")
    assert 'hx-trigger="every 60s"' in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"] and page.headers["Cache-Control"] == "no-cache"

    stop = line.stops[0].id
    fragment = client.get(f"/shuttle/?stop={stop}", headers=HX)
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "时刻表" not in text
    assert text.lstrip().startswith('<section id="next-departures"')
    assert f'hx-get="/shuttle/?stop={stop}"' in text and 'hx-swap="outerHTML"' in text
    assert "07:20" in text and "20 分钟后" in text
    assert "HX-Target" in fragment.headers["Vary"]

    # A boosted or history request wants the whole page.
    whole = client.get("/shuttle/", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in whole.get_data(as_text=True)


def test_notices_and_changes_show_on_the_trips_they_concern(client, line, clock):
    morning = line.trip(OUT, "07:20")
    other = line.trip(OUT, "07:50", bus=1)
    day = date(2026, 12, 2)
    db.session.add(ShuttleNotice(message="1号车故障，改由备用车", trip=morning, starts_on=day, ends_on=day))
    line.exception(day, ExceptionKind.CHANGED, trip=other, departs_at=time(8, 10), note="推迟发车")
    clock(2026, 12, 2, 7, 0)
    html = client.get("/shuttle/").get_data(as_text=True)
    table = html.split('id="timetable-', 1)[1]
    assert "1号车故障，改由备用车" in table and "08:10 发车" in table and "推迟发车" in table
    block = html.split('id="next-departures"', 1)[1].split("</section>", 1)[0]
    assert "1号车故障" in block and "今日调整" in block
    db.session.add(ShuttleNotice(message="滨江路绕行", route=line.route, starts_on=day, ends_on=day))
    block = client.get("/shuttle/", headers=HX).get_data(as_text=True)
    assert block.count("滨江路绕行") == 1  # once for the block, not on every row
    assert "1号车故障" not in client.get("/shuttle/?day=2026-12-03").get_data(as_text=True).split('id="timetable-', 1)[1]


def test_home_page_panel(client, line, clock):
    clock(2026, 12, 2, 7, 0)
    assert "shuttle-home" not in client.get("/").get_data(as_text=True)  # no trips: no panel
    line.trip(OUT, "07:20")
    html = client.get("/").get_data(as_text=True)
    assert "shuttle-home" in html and "07:20" in html and "13908250001" not in html


def test_timetable_page_queries_do_not_grow_with_trips(client, line, clock, count_queries):
    clock(2026, 12, 2, 7, 0)
    for n in range(3):
        line.trip(OUT, f"0{6 + n}:00", bus=0)
    with count_queries() as few:
        assert client.get("/shuttle/").status_code == 200
    for n in range(6):
        line.trip(BACK, f"1{n}:00", bus=1)
    db.session.add(ShuttleNotice(message="绕行", route=line.route, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 9)))
    line.exception(date(2026, 12, 3), ExceptionKind.NO_SERVICE)
    with count_queries() as more:
        assert client.get("/shuttle/").status_code == 200
    assert more.count == few.count <= 7, more.statements  # schedule (5), buses, and nothing per trip



def _reads(counter, table: str) -> list[str]:
    return [s for s in counter.statements if f"FROM {table}" in s]


def test_another_date_is_drawn_from_the_kept_timetable(client, line, clock, count_queries):
    clock(2026, 12, 2, 7, 0)
    line.trip(OUT, "07:20")
    line.trip(BACK, "17:30", bus=1)
    assert client.get("/shuttle/").status_code == 200  # keeps the routes, trips and buses as facts
    cache.forget_drawings()  # what a request for another date finds: no drawing, the facts
    with count_queries() as other_day:
        html = client.get("/shuttle/?day=2026-12-09").get_data(as_text=True)
    assert "07:20" in html and "17:30" in html and "13908250001" not in html
    assert not _reads(other_day, "shuttle_route") and not _reads(other_day, "shuttle_trip")
    assert not _reads(other_day, "shuttle_vehicle"), other_day.statements
    # Tokens; the calendar, in two stretches of days.
    assert other_day.count == 3, other_day.statements
    cache.forget_drawings()
    with count_queries() as far_day:  # beyond the coming days: its own day of the calendar
        assert "07:20" in client.get("/shuttle/?day=2027-03-03").get_data(as_text=True)
    assert far_day.count == 3 and not _reads(far_day, "shuttle_trip"), far_day.statements


def test_a_change_to_the_timetable_shows_at_once(client, line, clock):
    clock(2026, 12, 2, 7, 0)
    trip = line.trip(OUT, "07:20")
    assert "08:40" not in client.get("/shuttle/").get_data(as_text=True)
    line.trip(OUT, "08:40")
    assert "08:40" in client.get("/shuttle/").get_data(as_text=True)
    line.buses[0].plate = "川J·X9999"
    db.session.commit()
    assert "川J·X9999" in client.get("/shuttle/").get_data(as_text=True)
    line.route.route_stops[-1].stop.name = "新中心"
    db.session.commit()
    assert "新中心" in client.get("/shuttle/?day=2026-12-09").get_data(as_text=True)
    notice = ShuttleNotice(message="绕行", trip=trip, starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2))
    db.session.add(notice)
    db.session.commit()
    assert "绕行" in client.get("/shuttle/").get_data(as_text=True)
    notice.message = "改道"
    db.session.commit()
    html = client.get("/shuttle/").get_data(as_text=True)
    assert "改道" in html and "绕行" not in html
    line.exception(date(2026, 12, 9), ExceptionKind.NO_SERVICE, note="道路施工停运")
    assert "道路施工停运" in client.get("/shuttle/?day=2026-12-09").get_data(as_text=True)

# --- administration --------------------------------------------------------------------------


def test_visitors_and_staff_cannot_change_the_schedule(client, line, login_as_role):
    login_as_role("employee")
    response = client.post("/shuttle/manage/trips/new", data={"line": f"{line.route.id}:outbound"})
    assert response.status_code == 403
    assert count(ShuttleTrip) == 0


def test_stop_form_validates_and_audits(client, login_as_role):
    login_as_role("logistics_admin")
    bad = client.post("/shuttle/manage/stops/new", data={"name": "南门", "latitude": "95", "longitude": "105.3"})
    assert bad.status_code == 422 and count(ShuttleStop) == 0
    ok = client.post("/shuttle/manage/stops/new",
                     data={"name": "南门", "latitude": "30.1234567", "longitude": "105.3", "description": "路东"})
    assert ok.status_code == 303
    stop = db.session.scalar(select(ShuttleStop))
    assert str(stop.latitude) == "30.123457"  # rounded to six places
    again = client.post("/shuttle/manage/stops/new", data={"name": "南门", "latitude": "30", "longitude": "105"})
    assert again.status_code == 422 and "已有同名站点" in again.get_data(as_text=True)
    assert audit_actions("shuttle_stop") == ["shuttle_stop.create"]


def test_vehicle_form_keeps_the_phone_out_of_the_audit_log(client, login_as_role):
    login_as_role("logistics_admin")
    data = {"plate": "川J·B1210", "label": "4号车", "seats": "45", "driver_name": "赵师傅",
            "driver_phone": "13908251210", "active": "y"}
    assert client.post("/shuttle/manage/vehicles/new", data=data).status_code == 303
    bus = db.session.scalar(select(ShuttleVehicle))
    assert bus.driver_phone == "13908251210"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "shuttle_vehicle.create"))
    assert "13908251210" not in str(entry.after)
    for bad in ({**data, "plate": "川J·X1", "seats": "0"}, {**data, "plate": "川J·X2", "driver_phone": "call me"},
                {**data, "seats": "40"}):
        assert client.post("/shuttle/manage/vehicles/new", data=bad).status_code == 422
    assert count(ShuttleVehicle) == 1


def test_route_stops_must_increase_and_must_not_make_a_bus_late(client, line, login_as_role):
    login_as_role("logistics_admin")
    url = f"/shuttle/manage/routes/{line.route.id}/stops/outbound"
    a, b, c = (s.id for s in line.stops)

    def rows(*pairs):
        data = {}
        for n, (stop, minutes) in enumerate(pairs):
            data[f"rows-{n}-stop_id"] = str(stop)
            data[f"rows-{n}-minutes"] = "" if minutes is None else str(minutes)
        return data

    def pattern():
        return [(rs.stop_id, rs.minutes) for rs in db.session.scalars(
            select(RouteStop).where(RouteStop.route_id == line.route.id, RouteStop.direction == OUT)
            .order_by(RouteStop.sequence))]

    before = pattern()
    for data, message in [
        (rows((a, 0), (b, 12), (c, 12)), "依次增加"),
        (rows((a, 5), (b, 12), (c, 20)), "第 0 分钟"),
        (rows((a, 0), (b, None), (c, 20)), "同时填写"),
        (rows((a, 0), (b, 10), (a, 20)), "重复站点"),
        (rows((a, 0)), "至少需要两个站点"),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), message
        assert pattern() == before

    line.trip(OUT, "07:20")
    line.trip(BACK, "07:45")  # bus 1 leaves 中心 as it arrives there
    late = client.post(url, data=rows((a, 0), (b, 10), (c, 30)))
    assert late.status_code == 422 and "时间重叠" in late.get_data(as_text=True)

    assert client.get(f"/shuttle/manage/routes/{line.route.id}/stops/sideways").status_code == 404
    ok = client.post(url, data={**rows((a, 0), (b, 8), (c, 20)), "rows-3-stop_id": "", "rows-3-minutes": ""})
    assert ok.status_code == 303 and pattern() == [(a, 0), (b, 8), (c, 20)]
    assert audit_actions("shuttle_route") == ["shuttle_route.stops"]


def test_trip_needs_a_vehicle_and_a_free_one(client, line, login_as_role):
    login_as_role("logistics_admin")
    outbound = f"{line.route.id}:outbound"
    base = {"line": outbound, "departs_at": "07:20", "pattern": "workdays", "note": "早班"}
    missing = client.post("/shuttle/manage/trips/new", data={**base, "vehicle_id": ""})
    assert missing.status_code == 422 and "每个班次都必须指定车辆" in missing.get_data(as_text=True)
    assert client.post("/shuttle/manage/trips/new", data={**base, "vehicle_id": "99999"}).status_code == 422
    assert client.post("/shuttle/manage/trips/new", data={**base, "vehicle_id": str(line.buses[0].id),
                                                          "departs_at": "25:00"}).status_code == 422
    assert count(ShuttleTrip) == 0

    assert client.post("/shuttle/manage/trips/new", data={**base, "vehicle_id": str(line.buses[0].id)}).status_code == 303
    clash = client.post("/shuttle/manage/trips/new",
                        data={**base, "line": f"{line.route.id}:inbound", "departs_at": "07:30",
                              "vehicle_id": str(line.buses[0].id)})
    assert clash.status_code == 422 and "该车辆此时已安排在" in clash.get_data(as_text=True)
    # A rest-day trip never shares a day with a workday trip.
    assert client.post("/shuttle/manage/trips/new",
                       data={**base, "departs_at": "07:30", "pattern": "rest_days",
                             "vehicle_id": str(line.buses[0].id)}).status_code == 303
    trip = db.session.scalar(select(ShuttleTrip).where(ShuttleTrip.departs_at == time(7, 20)))
    # Moving a trip does not clash with itself.
    moved = client.post(f"/shuttle/manage/trips/{trip.id}", data={**base, "departs_at": "07:25",
                                                                   "vehicle_id": str(line.buses[0].id)})
    assert moved.status_code == 303
    db.session.refresh(trip)
    assert trip.departs_at == time(7, 25)
    assert audit_actions("shuttle_trip") == ["shuttle_trip.create", "shuttle_trip.create", "shuttle_trip.update"]


def test_exceptions_are_validated(client, line, login_as_role):
    login_as_role("logistics_admin")
    early = line.trip(OUT, "07:20")
    late = line.trip(OUT, "08:00", bus=1)
    url = "/shuttle/manage/exceptions/new"
    base = {"day": "2026-12-02", "note": "测试"}
    cases = [
        ({**base, "scope": "all", "kind": "changed", "departs_at": "08:00"}, "针对单个班次"),
        ({**base, "scope": f"trip:{late.id}", "kind": "changed"}, "调整后的发车时间或车辆"),
        ({**base, "scope": "all", "kind": "no_service", "departs_at": "08:00"}, "临时调整"),
        ({**base, "scope": f"trip:{late.id}", "kind": "changed", "departs_at": "07:30",
          "vehicle_id": str(line.buses[0].id)}, "当天此时已安排在"),
        ({**base, "day": "1990-01-01", "scope": "all", "kind": "no_service"}, "之间的日期"),
        ({**base, "scope": "trip:99999", "kind": "no_service"}, "field--error"),
        ({"day": "2026-12-02", "scope": "all", "kind": "no_service", "note": ""}, "field--error"),
    ]
    for data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    assert count(ServiceException) == 0

    assert client.post(url, data={**base, "scope": "all", "kind": "no_service", "note": "停电"}).status_code == 303
    dup = client.post(url, data={**base, "scope": "all", "kind": "extra_service"})
    assert dup.status_code == 422 and "已有例外安排" in dup.get_data(as_text=True)
    assert client.post(url, data={**base, "scope": f"trip:{early.id}", "kind": "changed",
                                  "departs_at": "06:50"}).status_code == 303
    assert audit_actions("shuttle_exception") == ["shuttle_exception.create"] * 2
    html = client.get("/shuttle/?day=2026-12-02").get_data(as_text=True)
    assert "停电" in html and "06:50 发车" in html


def test_notices_are_validated_and_deleted(client, line, login_as_role, clock):
    clock(2026, 12, 2, 7, 0)
    login_as_role("logistics_admin")
    trip = line.trip(OUT, "07:20")
    url = "/shuttle/manage/notices/new"
    data = {"kind": "breakdown", "message": "1号车故障", "scope": f"trip:{trip.id}",
            "starts_on": "2026-12-02", "ends_on": "2026-12-01"}
    assert client.post(url, data=data).status_code == 422
    assert client.post(url, data={**data, "ends_on": "2028-12-01"}).status_code == 422
    assert count(ShuttleNotice) == 0
    assert client.post(url, data={**data, "ends_on": "2026-12-04"}).status_code == 303
    assert "1号车故障" in client.get("/shuttle/").get_data(as_text=True)
    notice = db.session.scalar(select(ShuttleNotice))
    assert client.post(f"/shuttle/manage/notices/{notice.id}/delete").status_code == 303
    assert count(ShuttleNotice) == 0
    assert audit_actions("shuttle_notice") == ["shuttle_notice.create", "shuttle_notice.delete"]


def test_deleting_things_still_in_use_is_refused(client, line, login_as_role):
    login_as_role("logistics_admin")
    line.trip(OUT, "07:20")
    response = client.post(f"/shuttle/manage/vehicles/{line.buses[0].id}/delete", follow_redirects=True)
    assert "还有班次" in response.get_data(as_text=True)
    assert client.post(f"/shuttle/manage/stops/{line.stops[0].id}/delete", follow_redirects=True).status_code == 200
    assert client.post(f"/shuttle/manage/routes/{line.route.id}/delete").status_code == 303
    assert count(ShuttleVehicle) == 2 and count(ShuttleStop) == 3
    assert client.post(f"/shuttle/manage/vehicles/{line.buses[1].id}/delete").status_code == 303
    assert count(ShuttleVehicle) == 1
    assert client.post("/shuttle/manage/vehicles/99999/delete").status_code == 404
    assert audit_actions("shuttle_vehicle") == ["shuttle_vehicle.delete"]


def test_old_calendar_address_redirects_to_the_workdays_capability(client, login_as_role):
    login_as_role("logistics_admin")
    response = client.get("/shuttle/calendar?year=2027")
    assert response.status_code == 301 and response.headers["Location"].endswith("/workdays/?year=2027")


def test_plates_and_phones_follow_the_visitor_desk_rules(client, login_as_role):
    """13.11: a bus plate "XYZ" and a driver phone "123" were saved."""
    login_as_role("logistics_admin")
    data = {"plate": "川J·B1210", "label": "4号车", "seats": "45", "driver_name": "赵师傅",
            "driver_phone": "", "active": "y"}
    bad_plate = client.post("/shuttle/manage/vehicles/new", data={**data, "plate": "XYZ"})
    assert bad_plate.status_code == 422 and "车牌号应以省份简称开头" in bad_plate.get_data(as_text=True)
    bad_phone = client.post("/shuttle/manage/vehicles/new", data={**data, "driver_phone": "123"})
    assert bad_phone.status_code == 422 and "手机号码应为 11 位" in bad_phone.get_data(as_text=True)
    assert count(ShuttleVehicle) == 0
    # Typed with a full-width input method: normalised like at the visitor desk.
    ok = client.post("/shuttle/manage/vehicles/new",
                     data={**data, "plate": "川ｊ　Ｂ１２１０", "driver_phone": "139 0825 1210"})
    assert ok.status_code == 303
    bus = db.session.scalar(select(ShuttleVehicle))
    assert (bus.plate, bus.driver_phone) == ("川JB1210", "13908251210")
    again = client.post("/shuttle/manage/vehicles/new", data={**data, "plate": "川J-B1210"})
    assert again.status_code == 422 and count(ShuttleVehicle) == 1


def test_an_exception_in_the_past_is_refused(client, line, login_as_role, clock):
    """13.11: an exception dated in the past was accepted."""
    clock(2026, 12, 2, 10, 0)
    login_as_role("logistics_admin")
    line.trip(OUT, "07:20")
    data = {"day": "2026-12-01", "scope": "all", "kind": "no_service", "note": "停电"}
    response = client.post("/shuttle/manage/exceptions/new", data=data)
    assert response.status_code == 422 and "已经过去" in response.get_data(as_text=True)
    assert count(ServiceException) == 0
    assert client.post("/shuttle/manage/exceptions/new", data={**data, "day": "2026-12-02"}).status_code == 303


def test_deleting_a_trip_route_or_stop_asks_first(client, line, login_as_role):
    """13.14: one click deleted a trip, a route or a stop; now a confirmation page
    (a plain form, so it works without JavaScript) comes first."""
    login_as_role("logistics_admin")
    trip = line.trip(OUT, "07:20")
    spare = ShuttleStop(name="备用站", latitude=30, longitude=105)
    db.session.add(spare)
    db.session.commit()
    for url, model, before in [
        (f"/shuttle/manage/trips/{trip.id}/delete", ShuttleTrip, 1),
        (f"/shuttle/manage/routes/{line.route.id}/delete", ShuttleRoute, 1),
        (f"/shuttle/manage/stops/{spare.id}/delete", ShuttleStop, 4),
    ]:
        asked = client.post(url)
        html = asked.get_data(as_text=True)
        assert asked.status_code == 200 and 'name="confirmed" value="1"' in html and f'action="{url}"' in html, url
        assert count(model) == before
        assert client.post(url, data={"confirmed": "1"}).status_code == 303
        assert count(model) == before - 1, url
    assert audit_actions("shuttle_trip") == ["shuttle_trip.delete"]
    assert audit_actions("shuttle_route.delete") == ["shuttle_route.delete"]
    assert audit_actions("shuttle_stop") == ["shuttle_stop.delete"]


def test_a_route_with_trips_is_refused_before_asking(client, line, login_as_role):
    login_as_role("logistics_admin")
    line.trip(OUT, "07:20")
    response = client.post(f"/shuttle/manage/routes/{line.route.id}/delete", follow_redirects=True)
    assert "还有班次" in response.get_data(as_text=True) and 'name="confirmed"' not in response.get_data(as_text=True)
    assert count(ShuttleRoute) == 1


def test_the_route_overview_pages(app, client, login_as_role):
    app.config["PAGE_SIZE"] = 2
    login_as_role("logistics_admin")
    for n in (1, 2, 3):
        db.session.add(ShuttleRoute(code=f"{n}路", name=f"线路{n}", sort_order=n))
    db.session.commit()
    first = client.get("/shuttle/manage/").get_data(as_text=True)
    assert "线路1" in first and "线路2" in first and "线路3" not in first and "page=2" in first
    assert "线路3" in client.get("/shuttle/manage/?page=2").get_data(as_text=True)
    assert client.get("/shuttle/manage/?page=abc").status_code == 400
