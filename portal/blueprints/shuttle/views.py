"""Public shuttle pages: the timetable with today's status and the next
departures (polled by htmx), and the GTFS feed."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import timeutil
from portal.cache import cached, kept_page
from portal.htmx import add_vary, render, wants_partial
from portal.requestargs import parse_date, parse_int
from portal.rules import BadArgument
from portal.urls import external_url

from . import SHUTTLE_DATA, bp
from .gtfs import feed_tables, feed_zip
from .services import (
    DEFAULT_HORIZON_DAYS,
    active_vehicles,
    departure_stops,
    departures_from,
    public_schedule,
    status_from,
    timetable_from,
)

DEPARTURES_TARGET = "next-departures"
DEPARTURES_SHOWN = 6
OUTLOOK_DAYS = 7
# How far from today the timetable may be looked at.
DAY_RANGE = timedelta(days=400)


def may_see_driver_phones() -> bool:
    """Drivers' names and phones are for people logged in, never for visitors."""
    return bool(current_user.is_authenticated)


def _chosen_day(raw: str | None, today: date) -> tuple[date, str]:
    """The public page never refuses a day: a bad one shows today and says why."""
    try:
        day = parse_date(raw, name="day", earliest=today - DAY_RANGE, latest=today + DAY_RANGE)
    except BadArgument:
        try:
            parse_date(raw, name="day")
        except BadArgument:
            return today, _("“%(value)s” is not a date; showing today.", value=(raw or "")[:20])
        return today, _("Choose a date within about a year of today; showing today.")
    return (today, "") if day is None else (day, "")


def _chosen_stop(raw: str | None, stop_ids: set[int]) -> int | None:
    try:
        stop_id = parse_int(raw, name="stop", minimum=1)
    except BadArgument:
        return None
    return stop_id if stop_id in stop_ids else None


def _no_cache(response):
    # Departures change by the minute: never serve a stale copy.
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


@bp.route("/")
@kept_page(SHUTTLE_DATA)
def index():
    now = timeutil.now()
    today = now.date()
    schedule = public_schedule(today - timedelta(days=1), today + timedelta(days=DEFAULT_HORIZON_DAYS))
    stops = departure_stops(schedule)
    stop_id = _chosen_stop(request.args.get("stop"), {s.id for s in stops})
    stop = next((s for s in stops if s.id == stop_id), None)
    board = departures_from(schedule, now, stop_id=stop_id, limit=DEPARTURES_SHOWN)
    departures = {"board": board, "stop": stop, "stop_id": stop_id, "now": now, "tomorrow": today + timedelta(days=1)}
    if wants_partial() and request.headers.get("HX-Target") == DEPARTURES_TARGET:
        return _no_cache(render("shuttle/index.html", {DEPARTURES_TARGET: "shuttle/_departures.html"}, **departures))

    day, day_error = _chosen_day(request.args.get("day"), today)
    day_schedule = schedule if schedule.start <= day <= schedule.end else public_schedule(day, day)
    vehicles = active_vehicles()
    response = render(
        "shuttle/index.html",
        {DEPARTURES_TARGET: "shuttle/_departures.html"},
        **departures,
        stops=stops,
        today=today,
        day=day,
        day_error=day_error,
        day_status=status_from(day_schedule, day),
        outlook=[status_from(schedule, today + timedelta(days=n)) for n in range(OUTLOOK_DAYS)],
        tables=timetable_from(day_schedule, day),
        notices=[n for n in schedule.notices if n.starts_on <= today <= n.ends_on],
        vehicles=vehicles,
        show_phones=may_see_driver_phones(),
    )
    return _no_cache(response)


@bp.route("/gtfs.zip")
def gtfs_feed():
    now = timeutil.now()
    # The feed outlives the request: its URLs come from the configured base URL
    # (or a URL set for the feed), never from the request's Host header.
    agency_url = current_app.config.get("SHUTTLE_GTFS_AGENCY_URL") or external_url("shuttle.index")
    tables = feed_tables(now.date(), agency_url=agency_url, generated_at=now)
    response = make_response(feed_zip(tables))
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = "attachment; filename=shuttle-gtfs.zip"
    return add_vary(response)


def render_home_panel() -> str | None:
    """Today's status and the next buses from each trip's first stop, for the home page:
    the same for everyone, drawn once a minute while the timetable is unchanged."""
    minute = timeutil.floor_to(timeutil.now(), timedelta(minutes=1))

    def draw() -> str:
        today = minute.date()
        schedule = public_schedule(today - timedelta(days=1), today + timedelta(days=DEFAULT_HORIZON_DAYS))
        if not schedule.scheduled_trips():
            return ""
        board = departures_from(schedule, minute, limit=3)  # first: it reads the calendar from yesterday on
        return render_template(
            "shuttle/_home_panel.html",
            status=status_from(schedule, today),
            board=board,
            now=minute,
            tomorrow=today + timedelta(days=1),
        )

    return cached(SHUTTLE_DATA, ("shuttle.home_panel", str(get_locale()), minute), draw) or None
