"""The GTFS export: every file with its required columns, every reference
resolving, valid formats, and running days that match the service rules."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.blueprints.shuttle.models import Direction, ExceptionKind, ServicePattern
from portal.blueprints.workdays.days import set_override
from portal.db import db

OUT, BACK = Direction.OUTBOUND, Direction.INBOUND

# Required columns per https://gtfs.org/schedule/reference/ (agency_id is
# conditionally required; the feed always writes it).
REQUIRED = {
    "agency.txt": {"agency_id", "agency_name", "agency_url", "agency_timezone"},
    "stops.txt": {"stop_id", "stop_name", "stop_lat", "stop_lon"},
    "routes.txt": {"route_id", "agency_id", "route_type"},
    "trips.txt": {"route_id", "service_id", "trip_id"},
    "stop_times.txt": {"trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"},
    "calendar.txt": {"service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                     "start_date", "end_date"},
    "calendar_dates.txt": {"service_id", "date", "exception_type"},
    "feed_info.txt": {"feed_publisher_name", "feed_publisher_url", "feed_lang"},
}
TIME = re.compile(r"^\d{2,}:[0-5]\d:[0-5]\d$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def seconds(value: str) -> int:
    hours, minutes, secs = (int(p) for p in value.split(":"))
    return hours * 3600 + minutes * 60 + secs


def gtfs_day(value: str) -> date:
    return datetime.strptime(value, "%Y%m%d").date()


def read_feed(data: bytes) -> dict[str, list[dict[str, str]]]:
    """Parse the zip and check what every GTFS consumer relies on; returns the rows."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert REQUIRED.keys() <= names, f"missing files: {REQUIRED.keys() - names}"
        tables = {}
        for name in names:
            text = archive.read(name).decode("utf-8")
            assert not text.startswith("\ufeff")
            reader = csv.DictReader(io.StringIO(text))
            missing = REQUIRED.get(name, set()) - set(reader.fieldnames or ())
            assert not missing, f"{name} lacks required columns {missing}"
            tables[name] = list(reader)
    agency, stops, routes = tables["agency.txt"], tables["stops.txt"], tables["routes.txt"]
    trips, stop_times = tables["trips.txt"], tables["stop_times.txt"]
    calendar, calendar_dates = tables["calendar.txt"], tables["calendar_dates.txt"]

    for name, rows in tables.items():
        for row in rows:
            for column in REQUIRED.get(name, ()):
                assert row[column] != "", f"{name}: empty {column} in {row}"

    def unique(rows, *key):
        values = [tuple(row[k] for k in key) for row in rows]
        assert len(values) == len(set(values)), f"duplicate {key}"
        return {v[0] if len(v) == 1 else v for v in values}

    agency_ids = unique(agency, "agency_id")
    stop_ids = unique(stops, "stop_id")
    route_ids = unique(routes, "route_id")
    trip_ids = unique(trips, "trip_id")
    calendar_ids = unique(calendar, "service_id")
    unique(calendar_dates, "service_id", "date")
    unique(stop_times, "trip_id", "stop_sequence")

    for row in agency:
        ZoneInfo(row["agency_timezone"])
        assert row["agency_url"].startswith(("http://", "https://"))
    for row in stops:
        assert -90 <= float(row["stop_lat"]) <= 90 and -180 <= float(row["stop_lon"]) <= 180
    for row in routes:
        assert row["agency_id"] in agency_ids
        assert row["route_short_name"] or row["route_long_name"]
        assert row["route_type"] == "3"
    service_ids = calendar_ids | {row["service_id"] for row in calendar_dates}
    for row in trips:
        assert row["route_id"] in route_ids, row
        assert row["service_id"] in service_ids, row
        assert row["direction_id"] in {"0", "1"}
    for row in calendar:
        assert all(row[day] in {"0", "1"} for day in WEEKDAYS)
        assert gtfs_day(row["start_date"]) <= gtfs_day(row["end_date"])
    for row in calendar_dates:
        gtfs_day(row["date"])
        assert row["exception_type"] in {"1", "2"}

    by_trip = defaultdict(list)
    for row in stop_times:
        assert row["trip_id"] in trip_ids, row
        assert row["stop_id"] in stop_ids, row
        assert TIME.match(row["arrival_time"]) and TIME.match(row["departure_time"]), row
        by_trip[row["trip_id"]].append(row)
    assert set(by_trip) == trip_ids, "a trip without stop times"
    for rows in by_trip.values():
        rows.sort(key=lambda r: int(r["stop_sequence"]))
        assert len(rows) >= 2
        times = [seconds(r["departure_time"]) for r in rows]
        assert times == sorted(times) and len(set(times)) == len(times)
    return tables


def service_days(tables, service_id: str) -> set[date]:
    """The dates a service runs, as a GTFS consumer computes them."""
    days: set[date] = set()
    for row in tables["calendar.txt"]:
        if row["service_id"] != service_id:
            continue
        day, end = gtfs_day(row["start_date"]), gtfs_day(row["end_date"])
        while day <= end:
            if row[WEEKDAYS[day.weekday()]] == "1":
                days.add(day)
            day += timedelta(days=1)
    for row in tables["calendar_dates.txt"]:
        if row["service_id"] == service_id:
            (days.add if row["exception_type"] == "1" else days.discard)(gtfs_day(row["date"]))
    return days


def trip_row(tables, trip_id: str) -> dict[str, str]:
    return next(row for row in tables["trips.txt"] if row["trip_id"] == trip_id)


def test_feed_files_columns_references_and_running_days(client, line, clock):
    clock(2026, 11, 25, 9, 0)
    workday = line.trip(OUT, "07:20")
    late = line.trip(BACK, "23:50", bus=1)
    daily = line.trip(BACK, "12:00", pattern=ServicePattern.DAILY)
    duty = line.trip(OUT, "09:00", bus=1, pattern=ServicePattern.REST_DAYS)
    line.exception(date(2026, 12, 2), ExceptionKind.CHANGED, trip=workday, departs_at=time(6, 50), note="提前")
    line.exception(date(2026, 12, 3), ExceptionKind.NO_SERVICE, note="停电")

    response = client.get("/shuttle/gtfs.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "shuttle-gtfs.zip" in response.headers["Content-Disposition"]
    tables = read_feed(response.data)

    info = tables["feed_info.txt"][0]
    assert (info["feed_start_date"], info["feed_end_date"]) == ("20260101", "20261231")  # 2027 is unknown
    assert tables["agency.txt"][0]["agency_timezone"] == "Asia/Shanghai"

    runs = service_days(tables, trip_row(tables, f"T{workday.id}")["service_id"])
    assert date(2026, 9, 20) in runs and date(2026, 10, 10) in runs  # make-up Sunday and Saturday
    assert not runs & {date(2026, 10, d) for d in range(1, 8)}  # National Day
    assert date(2026, 11, 28) not in runs and date(2026, 11, 27) in runs
    assert date(2026, 12, 2) not in runs and date(2026, 12, 3) not in runs
    changed = trip_row(tables, f"T{workday.id}-20261202")
    assert service_days(tables, changed["service_id"]) == {date(2026, 12, 2)}
    first = min((r for r in tables["stop_times.txt"] if r["trip_id"] == changed["trip_id"]),
                key=lambda r: int(r["stop_sequence"]))
    assert first["departure_time"] == "06:50:00"

    assert len(service_days(tables, trip_row(tables, f"T{daily.id}")["service_id"])) == 364  # all but 3 December
    duty_days = service_days(tables, trip_row(tables, f"T{duty.id}")["service_id"])
    assert date(2026, 10, 1) in duty_days and date(2026, 10, 10) not in duty_days

    late_times = sorted((r for r in tables["stop_times.txt"] if r["trip_id"] == f"T{late.id}"),
                        key=lambda r: int(r["stop_sequence"]))
    assert [r["arrival_time"] for r in late_times] == ["23:50:00", "24:05:00", "24:15:00"]
    assert trip_row(tables, f"T{late.id}")["direction_id"] == "1"
    assert trip_row(tables, f"T{late.id}")["trip_headsign"] == "老城"


def test_feed_reaches_into_next_year_as_far_as_the_calendar_is_known(client, line, clock):
    clock(2026, 11, 25, 9, 0)
    trip = line.trip(OUT, "07:20")
    for day in (date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 4)):
        set_override(day, day.weekday() < 5 and day != date(2027, 1, 1), "元旦" if day.day == 1 else "")
    db.session.commit()
    tables = read_feed(client.get("/shuttle/gtfs.zip").data)
    assert tables["feed_info.txt"][0]["feed_end_date"] == "20270104"
    runs = service_days(tables, trip_row(tables, f"T{trip.id}")["service_id"])
    assert date(2027, 1, 1) not in runs and date(2027, 1, 4) in runs


def test_agency_url_may_be_configured(app, client, line):
    app.config["SHUTTLE_GTFS_AGENCY_URL"] = "https://portal.example.gov.cn/shuttle/"
    tables = read_feed(client.get("/shuttle/gtfs.zip").data)
    assert tables["agency.txt"][0]["agency_url"] == "https://portal.example.gov.cn/shuttle/"


def test_demo_feed_is_valid(client, demo):
    tables = read_feed(client.get("/shuttle/gtfs.zip").data)
    assert len(tables["stops.txt"]) == 6 and len(tables["routes.txt"]) == 1
    assert len({row["trip_id"] for row in tables["trips.txt"]}) >= 11
    assert "13908251207" not in str(tables)


def test_feed_urls_come_from_the_base_url_never_the_host_header(app, client, line):
    """13.13 / 15.11: the agency and feed URLs followed the request's Host header."""
    app.config["BASE_URL"] = "https://portal.xian.gov.cn"
    data = client.get("/shuttle/gtfs.zip", headers={"Host": "evil.example"}).data
    tables = read_feed(data)
    assert tables["agency.txt"][0]["agency_url"] == "https://portal.xian.gov.cn/shuttle/"
    assert tables["feed_info.txt"][0]["feed_publisher_url"] == "https://portal.xian.gov.cn/shuttle/"
    assert b"evil.example" not in data


def test_names_reach_the_feed_on_one_line_and_never_as_a_formula(client, line):
    """15.13: a stop named "=HYPERLINK(…)" or with a line break reached stops.txt verbatim."""
    line.stops[0].name = '=HYPERLINK("http://x","老城")'
    line.stops[1].description = "路东\n第二行"
    line.stops[2].name = "@中心"
    line.route.name = "-老城—中心"
    db.session.commit()
    line.trip(OUT, "07:20")
    tables = read_feed(client.get("/shuttle/gtfs.zip").data)
    names = {row["stop_name"] for row in tables["stops.txt"]}
    assert names == {"'=HYPERLINK(\"http://x\",\"老城\")", "医院", "'@中心"}
    assert {row["stop_desc"] for row in tables["stops.txt"]} >= {"路东 第二行"}
    assert tables["routes.txt"][0]["route_long_name"] == "'-老城—中心"
    assert {row["trip_headsign"] for row in tables["trips.txt"]} == {"'@中心"}
    assert all(float(row["stop_lat"]) > 0 for row in tables["stops.txt"])  # numbers stay numbers


def test_csv_safe():
    from portal.text import csv_safe

    assert csv_safe("=1+2") == "'=1+2" and csv_safe("+86 139") == "'+86 139" and csv_safe("-5") == "'-5"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)" and csv_safe("a\r\nb\nc") == "a b c" and csv_safe(None) == ""
    assert csv_safe("老城区") == "老城区" and csv_safe("a=b") == "a=b" and csv_safe(12) == "12"
