"""The timetable as a GTFS static feed (https://gtfs.org/schedule/reference/).

Which days a trip runs comes from the same rules as the timetable page: its
service pattern, the portal's workday calendar and the dated exceptions. The
feed covers the known part of this year and next year; trips with the same
running days share a ``service_id`` whose weekly pattern is in calendar.txt and
whose holidays, make-up workdays and exceptions are in calendar_dates.txt. A
one-off change of departure time becomes a trip of its own on that date.

Text people typed (stop, route and headsign names, descriptions) goes through
``portal.text.csv_safe``: one line each, never a spreadsheet formula. Ids,
dates, times and coordinates are written by the portal itself.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal.blueprints.workdays.days import days_info
from portal.text import csv_safe

from .models import ServicePattern, ShuttleTrip
from .services import Schedule, load_schedule, minutes_of

AGENCY_ID = "shuttle"
AGENCY_NAME = "行政中心后勤管理中心 机关交通车"
TIMEZONE = "Asia/Shanghai"

# Monday … Sunday running flags of each pattern, for calendar.txt.
WEEKLY = {
    ServicePattern.WORKDAYS: (1, 1, 1, 1, 1, 0, 0),
    ServicePattern.DAILY: (1, 1, 1, 1, 1, 1, 1),
    ServicePattern.REST_DAYS: (0, 0, 0, 0, 0, 1, 1),
}
WEEKDAY_COLUMNS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

COLUMNS = {
    "agency.txt": ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"),
    "stops.txt": ("stop_id", "stop_name", "stop_desc", "stop_lat", "stop_lon", "location_type"),
    "routes.txt": ("route_id", "agency_id", "route_short_name", "route_long_name", "route_desc", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id", "trip_headsign", "direction_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "timepoint"),
    "calendar.txt": ("service_id", *WEEKDAY_COLUMNS, "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "feed_info.txt": (
        "feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date", "feed_end_date", "feed_version",
        "feed_contact_url",
    ),
}
ADDED, REMOVED = 1, 2  # calendar_dates exception_type
BUS = 3  # routes.txt route_type


def gtfs_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def gtfs_time(minutes: int) -> str:
    """HH:MM:SS; hours go past 24 for a stop after midnight, as GTFS wants."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def feed_horizon(today: date) -> tuple[date, date] | None:
    """The known part of this year and next: from the first to the last day the
    workday calendar can answer for, or None when it knows none of them."""
    known = [info.day for info in days_info(date(today.year, 1, 1), date(today.year + 1, 12, 31)) if info.known]
    if not known:
        return None
    return min(known), max(known)


@dataclass
class _Service:
    service_id: str
    pattern: ServicePattern
    days: frozenset[date]


def feed_tables(today: date, *, agency_url: str, generated_at: datetime) -> dict[str, list[tuple[str, ...]]]:
    """Every file of the feed as rows of strings, in ``COLUMNS`` order."""
    horizon = feed_horizon(today)
    start, end = horizon if horizon is not None else (today, today)
    schedule = load_schedule(start, end)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)] if horizon is not None else []

    tables: dict[str, list[tuple[str, ...]]] = {name: [] for name in COLUMNS}
    tables["agency.txt"].append((AGENCY_ID, AGENCY_NAME, agency_url, TIMEZONE, "zh"))
    tables["feed_info.txt"].append(
        (AGENCY_NAME, agency_url, "zh", gtfs_date(start), gtfs_date(end), generated_at.strftime("%Y%m%d%H%M"),
         agency_url)
    )

    used_stops = {}
    for route in schedule.routes:
        tables["routes.txt"].append(
            (f"R{route.id}", AGENCY_ID, csv_safe(route.code), csv_safe(route.name), csv_safe(route.description),
             str(BUS))
        )
        for route_stop in route.route_stops:
            used_stops[route_stop.stop_id] = route_stop.stop
    for stop in sorted(used_stops.values(), key=lambda s: s.id):
        tables["stops.txt"].append(
            (f"S{stop.id}", csv_safe(stop.name), csv_safe(stop.description), f"{stop.latitude:.6f}",
             f"{stop.longitude:.6f}", "0")
        )

    services: dict[tuple[ServicePattern, frozenset[date]], _Service] = {}
    for trip in schedule.scheduled_trips():
        running: set[date] = set()
        for day in days:
            decision = schedule.trip_day(trip, day)
            if not decision.runs:
                continue
            if decision.departs_at != trip.departs_at:
                # A changed time that day: a trip of its own with its own service.
                trip_id = f"T{trip.id}-{gtfs_date(day)}"
                service_id = f"C{trip.id}-{gtfs_date(day)}"
                _add_trip(tables, schedule, trip, trip_id, service_id, decision.departs_at)
                tables["calendar_dates.txt"].append((service_id, gtfs_date(day), str(ADDED)))
                continue
            running.add(day)
        key = (trip.pattern, frozenset(running))
        service = services.get(key)
        if service is None:
            count = sum(1 for p, _ in services if p is trip.pattern)
            service_id = trip.pattern.value.upper() + (f"-{count + 1}" if count else "")
            service = services[key] = _Service(service_id, trip.pattern, frozenset(running))
        _add_trip(tables, schedule, trip, f"T{trip.id}", service.service_id, trip.departs_at)

    for service in services.values():
        weekly = WEEKLY[service.pattern] if days else (0,) * 7
        tables["calendar.txt"].append(
            (service.service_id, *(str(flag) for flag in weekly), gtfs_date(start), gtfs_date(end))
        )
        for day in days:
            by_week = bool(weekly[day.weekday()])
            if day in service.days and not by_week:
                tables["calendar_dates.txt"].append((service.service_id, gtfs_date(day), str(ADDED)))
            elif by_week and day not in service.days:
                tables["calendar_dates.txt"].append((service.service_id, gtfs_date(day), str(REMOVED)))
    return tables


def _add_trip(tables, schedule: Schedule, trip: ShuttleTrip, trip_id: str, service_id: str, departs_at: time) -> None:
    pattern = schedule.pattern_of(trip)
    tables["trips.txt"].append(
        (f"R{trip.route_id}", service_id, trip_id, csv_safe(pattern[-1].stop.name), str(trip.direction.gtfs_id))
    )
    start = minutes_of(departs_at)
    for sequence, route_stop in enumerate(pattern, start=1):
        at = gtfs_time(start + route_stop.minutes)
        tables["stop_times.txt"].append((trip_id, at, at, f"S{route_stop.stop_id}", str(sequence), "1"))


def feed_zip(tables: dict[str, list[tuple[str, ...]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, columns in COLUMNS.items():
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(columns)
            writer.writerows(tables[name])
            archive.writestr(name, text.getvalue().encode("utf-8"))
    return buffer.getvalue()

