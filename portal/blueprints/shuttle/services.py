"""Shuttle rules as plain functions: does a trip run on a day, the day's service
status, the timetable, the next departures, and schedule validation.

Time is always passed in. The functions other capabilities may call (the lobby
display) are ``service_status``, ``next_departures`` and ``timetable``; what
they return holds plates and names, never a driver's phone number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import timeutil
from portal.cache import cached_facts
from portal.blueprints.workdays.days import DayInfo, days_info
from portal.db import db
from portal.i18n import lazy_gettext as _l

from .models import (
    Direction,
    ExceptionKind,
    NoticeKind,
    RouteStop,
    ServiceException,
    ServicePattern,
    ShuttleNotice,
    ShuttleRoute,
    ShuttleStop,
    ShuttleTrip,
    ShuttleVehicle,
)

MINUTES_PER_DAY = 24 * 60
# Far enough to cross the longest run of days without service (Spring Festival
# with its weekends is nine days) and still find the next bus.
DEFAULT_HORIZON_DAYS = 16

CALENDAR_UNKNOWN = _l("The workday calendar does not know this date yet.")


# --- does a trip run on a day ---------------------------------------------------------------


def pattern_runs(pattern: ServicePattern, is_workday: bool | None) -> bool | None:
    """The service pattern alone; None when the calendar does not know the day."""
    if pattern is ServicePattern.DAILY:
        return True
    if is_workday is None:
        return None
    return is_workday if pattern is ServicePattern.WORKDAYS else not is_workday


def winning_exception(trip: ShuttleTrip, exceptions: Iterable[ServiceException]) -> ServiceException | None:
    """The exception that decides for ``trip`` among one day's exceptions:
    one for the trip beats one for its route, which beats one for every trip."""
    best: ServiceException | None = None
    best_rank = 0
    for exception in exceptions:
        if exception.trip_id is not None:
            rank = 3 if exception.trip_id == trip.id else 0
        elif exception.route_id is not None:
            rank = 2 if exception.route_id == trip.route_id else 0
        else:
            rank = 1
        if rank > best_rank:
            best, best_rank = exception, rank
    return best


@dataclass(frozen=True)
class TripDay:
    """How one trip runs on one service day."""

    trip: ShuttleTrip
    day: date
    runs: bool | None  # None: the calendar does not know the day and nothing else decides
    departs_at: time
    vehicle: ShuttleVehicle
    exception: ServiceException | None = None

    @property
    def changed(self) -> bool:
        return self.exception is not None and self.exception.kind is ExceptionKind.CHANGED

    @property
    def start(self) -> datetime:
        return timeutil.local(self.day, self.departs_at)


def trip_day(trip: ShuttleTrip, day: date, info: DayInfo, exceptions: Iterable[ServiceException]) -> TripDay:
    """Whether ``trip`` runs on ``day``, given the calendar's ``info`` for that
    day and the day's exceptions (of any scope).

    A one-off change means the trip runs that day, at the changed time or with
    the changed vehicle.
    """
    exception = winning_exception(trip, exceptions)
    if exception is not None:
        if exception.kind is ExceptionKind.NO_SERVICE:
            return TripDay(trip, day, False, trip.departs_at, trip.vehicle, exception)
        if exception.kind is ExceptionKind.EXTRA_SERVICE:
            return TripDay(trip, day, True, trip.departs_at, trip.vehicle, exception)
        return TripDay(
            trip, day, True, exception.departs_at or trip.departs_at, exception.vehicle or trip.vehicle, exception
        )
    return TripDay(trip, day, pattern_runs(trip.pattern, info.is_workday), trip.departs_at, trip.vehicle)


# --- loading a stretch of the schedule -----------------------------------------------------


# The calendar is read for this many days at a time, as far as a question
# reaches: the next buses are nearly always within the first days, and asking
# the calendar about a day costs (see Schedule.day_info).
CALENDAR_CHUNK_DAYS = 8


@dataclass
class Schedule:
    """Everything needed to answer questions about ``start``..``end``, loaded
    with a fixed number of queries (the calendar in at most a few more)."""

    start: date
    end: date
    routes: list[ShuttleRoute]
    trips: list[ShuttleTrip]
    days: dict[date, DayInfo]
    exceptions: dict[date, list[ServiceException]]
    notices: list[ShuttleNotice]
    patterns: dict[tuple[int, Direction], list[RouteStop]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for route in self.routes:
            for direction in Direction:
                stops = route.pattern(direction)
                if len(stops) >= 2:
                    self.patterns[route.id, direction] = stops

    def day_info(self, day: date) -> DayInfo:
        """The calendar's word on ``day``, read with the days after it not read
        yet (up to :data:`CALENDAR_CHUNK_DAYS`) the first time a day is asked
        about: a page showing the next few buses does not pay for the whole
        horizon."""
        info = self.days.get(day)
        if info is None:
            if not self.start <= day <= self.end:
                raise KeyError(day)
            last = day
            while last < min(self.end, day + timedelta(days=CALENDAR_CHUNK_DAYS - 1)) and (
                last + timedelta(days=1) not in self.days
            ):
                last += timedelta(days=1)
            self.days.update((i.day, i) for i in days_info(day, last))
            info = self.days[day]
        return info

    def trip_day(self, trip: ShuttleTrip, day: date) -> TripDay:
        return trip_day(trip, day, self.day_info(day), self.exceptions.get(day, ()))

    def pattern_of(self, trip: ShuttleTrip) -> list[RouteStop]:
        return self.patterns.get((trip.route_id, trip.direction), [])

    def scheduled_trips(self) -> list[ShuttleTrip]:
        """Trips of active routes whose direction has stops."""
        return [t for t in self.trips if (t.route_id, t.direction) in self.patterns]

    def notices_for(self, trip: ShuttleTrip, day: date) -> list[ShuttleNotice]:
        return [n for n in self.notices if n.applies_to(trip, day)]


def _active_routes() -> list[ShuttleRoute]:
    return list(
        db.session.scalars(
            select(ShuttleRoute)
            .where(ShuttleRoute.active.is_(True))
            .options(joinedload(ShuttleRoute.route_stops).joinedload(RouteStop.stop))
            .order_by(ShuttleRoute.sort_order, ShuttleRoute.code)
        ).unique()
    )


def _active_trips() -> list[ShuttleTrip]:
    return list(
        db.session.scalars(
            select(ShuttleTrip)
            .join(ShuttleRoute, ShuttleTrip.route_id == ShuttleRoute.id)
            .where(ShuttleRoute.active.is_(True))
            .options(joinedload(ShuttleTrip.vehicle))
            .order_by(ShuttleTrip.departs_at, ShuttleTrip.id)
        )
    )


def load_schedule(start: date, end: date) -> Schedule:
    """Four queries whatever the size: routes with their stops; the trips with
    their buses; the exceptions; the notices. The calendar's local entries are
    read as the days are asked about (:meth:`Schedule.day_info`).

    Stops and trips are read apart: joined in one query each route's stops
    would come back once per trip (stops × trips rows).

    ORM objects, for the GTFS feed and the administration's checks; the public
    pages read :func:`public_schedule`, the same schedule as plain values."""
    routes = _active_routes()
    trips = _active_trips()
    exceptions: dict[date, list[ServiceException]] = defaultdict(list)
    for exception in db.session.scalars(
        select(ServiceException)
        .where(ServiceException.day.between(start, end))
        .options(joinedload(ServiceException.vehicle))
        .order_by(ServiceException.id)
    ):
        exceptions[exception.day].append(exception)
    notices = list(
        db.session.scalars(
            select(ShuttleNotice)
            .where(ShuttleNotice.starts_on <= end, ShuttleNotice.ends_on >= start)
            .order_by(ShuttleNotice.starts_on, ShuttleNotice.id)
        )
    )
    return Schedule(start, end, routes, trips, {}, dict(exceptions), notices)


# --- the same schedule as plain values, for the public pages -----------------------------------
#
# The routes, their stops and the trips with their buses do not depend on the day: they are kept as
# facts (portal.cache.cached_facts) while the shuttle data are unchanged, and every date's timetable,
# status and departures are drawn from them. The day's part (the calendar, the exceptions and notices
# of the days asked about) is read per request, with statements built once.


@dataclass(frozen=True, slots=True)
class Bus:
    """A bus as the public pages see it: no driver, no phone."""

    id: int
    plate: str


@dataclass(frozen=True, slots=True)
class Stop:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class PatternStop:
    """A stop of a route's direction (a :class:`RouteStop` as a plain value)."""

    stop_id: int
    stop: Stop
    minutes: int


@dataclass(frozen=True, slots=True)
class Route:
    id: int
    code: str
    name: str
    outbound: tuple[PatternStop, ...]
    inbound: tuple[PatternStop, ...]

    def pattern(self, direction: Direction) -> tuple[PatternStop, ...]:
        return self.outbound if direction is Direction.OUTBOUND else self.inbound

    direction_label = ShuttleRoute.direction_label


@dataclass(frozen=True, slots=True)
class Trip:
    id: int
    route_id: int
    route: Route
    direction: Direction
    departs_at: time
    vehicle_id: int
    vehicle: Bus
    pattern: ServicePattern
    note: str


@dataclass(frozen=True, slots=True)
class DayException:
    """A :class:`ServiceException` as a plain value."""

    id: int
    day: date
    kind: ExceptionKind
    route_id: int | None
    trip_id: int | None
    departs_at: time | None
    vehicle: Bus | None
    note: str


@dataclass(frozen=True)
class NoticeDraft:
    """What a shuttle notice says and when and where it applies (the admin's form gives one)."""

    kind: NoticeKind
    message: str
    route_id: int | None
    trip_id: int | None
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Notice(NoticeDraft):
    """A :class:`ShuttleNotice` as a plain value."""

    id: int

    applies_to = ShuttleNotice.applies_to


@dataclass(frozen=True, slots=True)
class TimetableFacts:
    """The shuttle's data whatever the day: the active routes (in order, with their stops) and
    their trips (by time), and every dated exception and notice (a few a month), found by date."""

    routes: tuple[Route, ...]
    trips: tuple[Trip, ...]
    exceptions: dict[date, tuple[DayException, ...]]  # each day's by id
    notices: tuple[Notice, ...]  # by first day, then id


_EXCEPTION = ServiceException.__table__
_VEHICLE = ShuttleVehicle.__table__
_NOTICE = ShuttleNotice.__table__
_EVERY_EXCEPTION = (
    select(_EXCEPTION.c.id, _EXCEPTION.c.day, _EXCEPTION.c.kind, _EXCEPTION.c.route_id, _EXCEPTION.c.trip_id,
           _EXCEPTION.c.departs_at, _EXCEPTION.c.vehicle_id, _VEHICLE.c.plate, _EXCEPTION.c.note)
    .outerjoin_from(_EXCEPTION, _VEHICLE, _EXCEPTION.c.vehicle_id == _VEHICLE.c.id)
    .order_by(_EXCEPTION.c.id)
)
_EVERY_NOTICE = (
    select(_NOTICE.c.kind, _NOTICE.c.message, _NOTICE.c.route_id, _NOTICE.c.trip_id,
           _NOTICE.c.starts_on, _NOTICE.c.ends_on, _NOTICE.c.id)
    .order_by(_NOTICE.c.starts_on, _NOTICE.c.id)
)


def _timetable_facts() -> TimetableFacts:
    routes = {}
    for route in _active_routes():
        patterns = [
            tuple(PatternStop(rs.stop_id, Stop(rs.stop.id, rs.stop.name), rs.minutes) for rs in route.pattern(direction))
            for direction in (Direction.OUTBOUND, Direction.INBOUND)
        ]
        routes[route.id] = Route(route.id, route.code, route.name, *patterns)
    buses: dict[int, Bus] = {}
    trips = []
    for trip in _active_trips():
        bus = buses.setdefault(trip.vehicle_id, Bus(trip.vehicle.id, trip.vehicle.plate))
        trips.append(Trip(trip.id, trip.route_id, routes[trip.route_id], trip.direction, trip.departs_at,
                          trip.vehicle_id, bus, trip.pattern, trip.note))
    connection = db.session.connection()
    exceptions: dict[date, list[DayException]] = defaultdict(list)
    for row in connection.execute(_EVERY_EXCEPTION):
        vehicle = Bus(row.vehicle_id, row.plate) if row.vehicle_id is not None else None
        exceptions[row.day].append(
            DayException(row.id, row.day, row.kind, row.route_id, row.trip_id, row.departs_at, vehicle, row.note)
        )
    notices = tuple(Notice(*row) for row in connection.execute(_EVERY_NOTICE))
    return TimetableFacts(tuple(routes.values()), tuple(trips),
                          {day: tuple(found) for day, found in exceptions.items()}, notices)


def timetable_facts() -> TimetableFacts:
    return cached_facts(("shuttle",), "shuttle.timetable", _timetable_facts)


def public_schedule(start: date, end: date) -> Schedule:
    """:func:`load_schedule` as plain values, from the kept :class:`TimetableFacts`:
    no query but the calendar's."""
    facts = timetable_facts()
    exceptions = {}
    for day in (start + timedelta(days=n) for n in range((end - start).days + 1)):
        if day in facts.exceptions:
            exceptions[day] = list(facts.exceptions[day])
    notices = [n for n in facts.notices if n.starts_on <= end and n.ends_on >= start]
    return Schedule(start, end, list(facts.routes), list(facts.trips), {}, exceptions, notices)


# --- what a day looks like -------------------------------------------------------------------


def describe_day(info: DayInfo) -> object:
    """Why a day is a workday or not, in words: a local note, the holiday's
    name, make-up workday, weekend, or that the calendar does not know."""
    if not info.known:
        return CALENDAR_UNKNOWN
    if info.note or info.makeup_workday or info.holiday:  # raw fields: no translation needed to decide
        return info.label
    if info.is_workday:
        return _l("Workday")
    if info.day.weekday() >= 5:
        return _l("Weekend")
    return _l("Day off")


@dataclass(frozen=True)
class ServiceStatus:
    """Whether the shuttle runs on a day (运行 / 停运), and why."""

    day: date
    running: bool | None  # None: the calendar does not know the day
    reason: object  # a (lazily translated) string
    trips_running: int
    trips_total: int
    notes: tuple[str, ...]  # the day's exception notes
    day_info: DayInfo

    @property
    def partial(self) -> bool:
        return bool(self.running) and self.trips_running < self.trips_total


def status_from(schedule: Schedule, day: date) -> ServiceStatus:
    info = schedule.day_info(day)
    trips = schedule.scheduled_trips()
    decisions = [schedule.trip_day(trip, day) for trip in trips]
    exceptions = schedule.exceptions.get(day, [])
    notes = tuple(dict.fromkeys(e.note for e in exceptions if e.note))
    running_count = sum(1 for d in decisions if d.runs)
    if not trips:
        return ServiceStatus(day, False, _l("No trips are scheduled."), 0, 0, notes, info)
    if running_count:
        running: bool | None = True
    elif any(d.runs is None for d in decisions):
        running = None
    else:
        running = False
    everyone = [e for e in exceptions if e.trip_id is None and e.route_id is None]
    if everyone:
        reason: object = everyone[0].note
    elif running is None:
        reason = CALENDAR_UNKNOWN
    else:
        reason = describe_day(info)
    return ServiceStatus(day, running, reason, running_count, len(trips), notes, info)


def service_status(day: date) -> ServiceStatus:
    """运行 / 停运 for ``day`` and why (holiday, weekend, local note, exception,
    or an unknown calendar)."""
    return status_from(public_schedule(day, day), day)


def service_outlook(start: date, days: int = 7) -> list[ServiceStatus]:
    """The status of ``days`` days from ``start``, with one load."""
    end = start + timedelta(days=days - 1)
    schedule = public_schedule(start, end)
    return [status_from(schedule, start + timedelta(days=n)) for n in range(days)]


# --- timetable -------------------------------------------------------------------------------


def minutes_of(at: time) -> int:
    return at.hour * 60 + at.minute


def clock(minutes: int) -> str:
    """HH:MM on the wall clock (a stop after midnight shows 00:10)."""
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class TimetableTrip:
    """One column of a timetable: a trip's times at each stop, and how it runs
    on the day shown."""

    trip_id: int
    departs_at: time
    vehicle_plate: str
    pattern: ServicePattern
    note: str
    times: tuple[str, ...]
    runs: bool | None
    changed_departs_at: time | None = None  # that day's one-off time
    changed_vehicle_plate: str | None = None
    day_note: str = ""  # the exception's note that day
    notices: tuple[str, ...] = ()  # notices for this trip alone

    @property
    def pattern_label(self) -> object:
        return self.pattern.label


@dataclass(frozen=True)
class TimetableStop:
    stop_id: int
    name: str
    minutes: int


@dataclass(frozen=True)
class TimetableDirection:
    route_id: int
    route_code: str
    route_name: str
    direction: Direction
    label: str  # 老城区 → 行政中心
    stops: tuple[TimetableStop, ...]
    trips: tuple[TimetableTrip, ...]
    notices: tuple[str, ...] = ()  # for every trip of the route that day; a trip's own are on the trip

    def rows(self) -> list[tuple[TimetableStop, list[str]]]:
        """Stops × trips: each stop with its time in every trip."""
        return [(stop, [trip.times[i] for trip in self.trips]) for i, stop in enumerate(self.stops)]


def timetable_from(schedule: Schedule, day: date) -> list[TimetableDirection]:
    by_direction: dict[tuple[int, Direction], list[ShuttleTrip]] = defaultdict(list)
    for trip in schedule.scheduled_trips():
        by_direction[trip.route_id, trip.direction].append(trip)
    tables = []
    for route in schedule.routes:
        for direction in Direction:
            pattern = schedule.patterns.get((route.id, direction))
            if pattern is None:
                continue
            columns = []
            for trip in by_direction.get((route.id, direction), []):
                decision = schedule.trip_day(trip, day)
                start = minutes_of(trip.departs_at)
                exception = decision.exception
                changed = decision.changed
                columns.append(
                    TimetableTrip(
                        trip_id=trip.id,
                        departs_at=trip.departs_at,
                        vehicle_plate=trip.vehicle.plate,
                        pattern=trip.pattern,
                        note=trip.note,
                        times=tuple(clock(start + rs.minutes) for rs in pattern),
                        runs=decision.runs,
                        changed_departs_at=decision.departs_at if changed and decision.departs_at != trip.departs_at else None,
                        changed_vehicle_plate=(
                            decision.vehicle.plate if changed and decision.vehicle.id != trip.vehicle_id else None
                        ),
                        day_note=exception.note if exception is not None else "",
                        notices=tuple(n.message for n in schedule.notices_for(trip, day) if n.trip_id is not None),
                    )
                )
            tables.append(
                TimetableDirection(
                    route_id=route.id,
                    route_code=route.code,
                    route_name=route.name,
                    direction=direction,
                    label=route.direction_label(direction),
                    stops=tuple(TimetableStop(rs.stop_id, rs.stop.name, rs.minutes) for rs in pattern),
                    trips=tuple(columns),
                    notices=tuple(
                        n.message
                        for n in schedule.notices
                        if n.trip_id is None and n.route_id in (None, route.id) and n.starts_on <= day <= n.ends_on
                    ),
                )
            )
    return tables


def timetable(day: date) -> list[TimetableDirection]:
    """Every active route and direction as stops × trips, with how each trip runs on ``day``."""
    return timetable_from(public_schedule(day, day), day)


# --- next departures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    at: datetime  # aware, Asia/Shanghai
    service_day: date  # the day the trip belongs to (a stop after midnight belongs to the day before)
    trip_id: int
    route_code: str
    route_name: str
    direction: Direction
    headsign: str  # the last stop
    stop_id: int
    stop_name: str
    vehicle_plate: str
    changed: bool = False  # a one-off change of time or vehicle that day
    notes: tuple[str, ...] = ()  # that day's exception note and the notices for this trip
    route_notices: tuple[str, ...] = ()  # notices for the whole route (or every route) that day

    def minutes_from(self, now: datetime) -> int:
        return max(0, int((self.at - now).total_seconds() // 60))


@dataclass(frozen=True)
class DepartureBoard:
    now: datetime
    departures: tuple[Departure, ...]
    # Days between now and the end of the search whose service the calendar
    # does not know: their buses are not listed, rather than guessed.
    unknown_days: tuple[date, ...]

    @property
    def notices(self) -> tuple[str, ...]:
        """Route-wide notices that concern the listed departures, each once."""
        return tuple(dict.fromkeys(note for d in self.departures for note in d.route_notices))

    def __iter__(self):
        return iter(self.departures)

    def __len__(self) -> int:
        return len(self.departures)


def departures_from(
    schedule: Schedule,
    now: datetime,
    *,
    stop_id: int | None = None,
    limit: int = 5,
) -> DepartureBoard:
    """The next ``limit`` departures at or after ``now``.

    From ``stop_id`` (arrivals at a direction's last stop are not departures),
    or, without a stop, from the first stop of every trip. Service days are
    scanned from the day before (a late trip may reach a stop after midnight)
    to the schedule's end.
    """
    now = timeutil.to_local(now)
    found: list[Departure] = []
    unknown: list[date] = []
    day = max(schedule.start, now.date() - timedelta(days=1))
    trips = schedule.scheduled_trips()
    while day <= schedule.end:
        # Everything from this service day on leaves at or after its midnight.
        if len(found) >= limit and sorted(found, key=lambda d: d.at)[limit - 1].at < timeutil.local(day, time(0)):
            break
        for trip in trips:
            decision = schedule.trip_day(trip, day)
            if decision.runs is None:
                if day >= now.date() and day not in unknown:
                    unknown.append(day)
                continue
            if not decision.runs:
                continue
            pattern = schedule.pattern_of(trip)
            notices = schedule.notices_for(trip, day)
            notes = tuple(
                ([decision.exception.note] if decision.exception and decision.exception.note else [])
                + [n.message for n in notices if n.trip_id is not None]
            )
            route_notices = tuple(n.message for n in notices if n.trip_id is None)
            for route_stop in pattern[:-1]:
                if stop_id is None and route_stop is not pattern[0]:
                    break
                if stop_id is not None and route_stop.stop_id != stop_id:
                    continue
                at = decision.start + timedelta(minutes=route_stop.minutes)
                if at < now:
                    continue
                found.append(
                    Departure(
                        at=at,
                        service_day=day,
                        trip_id=trip.id,
                        route_code=trip.route.code,
                        route_name=trip.route.name,
                        direction=trip.direction,
                        headsign=pattern[-1].stop.name,
                        stop_id=route_stop.stop_id,
                        stop_name=route_stop.stop.name,
                        vehicle_plate=decision.vehicle.plate,
                        changed=decision.changed,
                        notes=notes,
                        route_notices=route_notices,
                    )
                )
        day += timedelta(days=1)
    found.sort(key=lambda d: (d.at, d.route_code, d.trip_id))
    departures = tuple(found[:limit])
    last = departures[-1].service_day if len(departures) == limit else schedule.end
    return DepartureBoard(now, departures, tuple(d for d in unknown if d <= last))


def next_departures(
    now: datetime,
    *,
    stop_id: int | None = None,
    limit: int = 5,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> DepartureBoard:
    """The next departures across every route, from one stop or from each trip's
    first stop: tonight's, or the next service day's first trips."""
    today = timeutil.to_local(now).date()
    schedule = public_schedule(today - timedelta(days=1), today + timedelta(days=horizon_days))
    return departures_from(schedule, now, stop_id=stop_id, limit=limit)


@dataclass(frozen=True, slots=True)
class FleetBus:
    """A bus in service as the timetable page lists it (its phone is the page's to hide)."""

    label: str
    plate: str
    seats: int
    driver_name: str
    driver_phone: str


_ACTIVE_VEHICLES = (
    select(_VEHICLE.c.label, _VEHICLE.c.plate, _VEHICLE.c.seats, _VEHICLE.c.driver_name, _VEHICLE.c.driver_phone)
    .where(_VEHICLE.c.active.is_(True))
    .order_by(_VEHICLE.c.label, _VEHICLE.c.plate)
)


def active_vehicles() -> tuple[FleetBus, ...]:
    """The buses in service, for the timetable page's fleet list, kept while the shuttle data are unchanged."""
    return cached_facts(
        ("shuttle",), "shuttle.fleet",
        lambda: tuple(FleetBus(*row) for row in db.session.connection().execute(_ACTIVE_VEHICLES)),
    )


def departure_stops(schedule: Schedule) -> list[Stop]:
    """Stops with at least one departure (any stop of a pattern but the last),
    in the order the buses reach them: along each route, outbound first."""
    stops: dict[int, Stop] = {}
    for route in schedule.routes:
        for direction in Direction:
            for route_stop in schedule.patterns.get((route.id, direction), [])[:-1]:
                stops.setdefault(route_stop.stop_id, route_stop.stop)
    return list(stops.values())


# --- validation ------------------------------------------------------------------------------


def pattern_errors(rows: Sequence[tuple[int, int]]) -> list[object]:
    """Problems with a direction's stops, given as (stop_id, minutes) in order:
    at least two stops, the first at minute 0, times strictly increasing, and
    no stop twice."""
    errors: list[object] = []
    if len(rows) < 2:
        errors.append(_l("A direction needs at least two stops."))
        return errors
    if rows[0][1] != 0:
        errors.append(_l("The first stop is at minute 0: times count from the departure there."))
    for (_, earlier), (_, later) in zip(rows, rows[1:]):
        if later <= earlier:
            errors.append(_l("Times must increase along the stops (%(earlier)s, then %(later)s).",
                             earlier=earlier, later=later))
            break
    seen: set[int] = set()
    for stop_id, _ in rows:
        if stop_id in seen:
            errors.append(_l("A stop appears twice in one direction."))
            break
        seen.add(stop_id)
    return errors


@dataclass(frozen=True)
class VehicleSlot:
    """When a trip keeps its vehicle busy, in minutes after its service day's midnight."""

    vehicle_id: int
    pattern: ServicePattern
    start: int
    end: int  # arrival at the last stop; may pass midnight (> 1440)
    trip_id: int | None = None


def patterns_share_days(a: ServicePattern, b: ServicePattern) -> bool:
    return {a, b} != {ServicePattern.WORKDAYS, ServicePattern.REST_DAYS}


def slots_overlap(a: VehicleSlot, b: VehicleSlot) -> bool:
    """Whether two trips may need one vehicle at the same time. A trip may leave
    the minute the other arrives. Trips past midnight are checked against the
    next day's trips whatever their patterns (a Friday-night trip and a
    Saturday-morning one may both run)."""
    if a.vehicle_id != b.vehicle_id:
        return False
    if patterns_share_days(a.pattern, b.pattern) and a.start < b.end and b.start < a.end:
        return True
    for shift in (MINUTES_PER_DAY, -MINUTES_PER_DAY):
        if a.start < b.end + shift and b.start + shift < a.end:
            return True
    return False


def slot_for(trip: ShuttleTrip, duration: int, *, departs_at: time | None = None, vehicle_id: int | None = None,
             pattern: ServicePattern | None = None) -> VehicleSlot:
    start = minutes_of(departs_at or trip.departs_at)
    return VehicleSlot(vehicle_id or trip.vehicle_id, pattern or trip.pattern, start, start + duration, trip.id)


def direction_durations() -> dict[tuple[int, Direction], int]:
    """Minutes from first to last stop, per (route, direction)."""
    durations: dict[tuple[int, Direction], int] = {}
    for route_id, direction, minutes in db.session.execute(
        select(RouteStop.route_id, RouteStop.direction, RouteStop.minutes)
    ):
        key = (route_id, direction)
        durations[key] = max(durations.get(key, 0), minutes)
    return durations


def vehicle_conflicts(candidate: VehicleSlot, exclude_trip_ids: Iterable[int] = (),
                      durations: dict[tuple[int, Direction], int] | None = None) -> list[ShuttleTrip]:
    """Trips of ``candidate``'s vehicle that would overlap it."""
    durations = direction_durations() if durations is None else durations
    excluded = set(exclude_trip_ids)
    clashes = []
    for trip in db.session.scalars(
        select(ShuttleTrip).where(ShuttleTrip.vehicle_id == candidate.vehicle_id).order_by(ShuttleTrip.departs_at)
    ):
        if trip.id in excluded:
            continue
        slot = slot_for(trip, durations.get((trip.route_id, trip.direction), 0))
        if slots_overlap(candidate, slot):
            clashes.append(trip)
    return clashes


def pattern_change_conflicts(route_id: int, direction: Direction, duration: int) -> list[tuple[ShuttleTrip, ShuttleTrip]]:
    """Pairs of trips of one vehicle that would overlap if the direction took ``duration`` minutes."""
    durations = direction_durations()
    durations[route_id, direction] = duration
    trips = list(db.session.scalars(select(ShuttleTrip).order_by(ShuttleTrip.vehicle_id, ShuttleTrip.departs_at)))
    slots = {t.id: slot_for(t, durations.get((t.route_id, t.direction), 0)) for t in trips}
    changed = [t for t in trips if t.route_id == route_id and t.direction == direction]
    pairs = []
    for trip in changed:
        for other in trips:
            if other.id == trip.id or other.vehicle_id != trip.vehicle_id:
                continue
            if (other in changed and other.id < trip.id):
                continue
            if slots_overlap(slots[trip.id], slots[other.id]):
                pairs.append((trip, other))
    return pairs


def day_conflicts(day: date, trip: ShuttleTrip, departs_at: time, vehicle_id: int,
                  exclude_exception_id: int | None = None) -> list[ShuttleTrip]:
    """Trips that would need ``vehicle_id`` at the same time as ``trip`` running
    at ``departs_at`` on ``day`` (with that day's other exceptions applied)."""
    schedule = load_schedule(day - timedelta(days=1), day + timedelta(days=1))
    for day_exceptions in schedule.exceptions.values():
        day_exceptions[:] = [e for e in day_exceptions if e.id != exclude_exception_id]
    duration = _duration(schedule.pattern_of(trip))
    start = minutes_of(departs_at)
    clashes = []
    for offset, other_day in ((-1, day - timedelta(days=1)), (0, day), (1, day + timedelta(days=1))):
        for other in schedule.scheduled_trips():
            if other.id == trip.id:
                continue
            decision = schedule.trip_day(other, other_day)
            if not decision.runs or decision.vehicle.id != vehicle_id:
                continue
            other_start = minutes_of(decision.departs_at) + offset * MINUTES_PER_DAY
            other_end = other_start + _duration(schedule.pattern_of(other))
            if start < other_end and other_start < start + duration and other not in clashes:
                clashes.append(other)
    return clashes


def _duration(pattern: Sequence[RouteStop]) -> int:
    return pattern[-1].minutes if pattern else 0


def describe_trip(trip: ShuttleTrip) -> str:
    """1路 老城区 → 行政中心 07:20 (川J·B1207), for messages and choices."""
    label = trip.route.direction_label(trip.direction) or str(trip.direction.label)
    return f"{trip.route.code} {label} {trip.departs_at:%H:%M}（{trip.vehicle.plate}）"


def duplicate_exception(day: date, route_id: int | None, trip_id: int | None,
                        exclude_id: int | None = None) -> ServiceException | None:
    """An exception for exactly the same day and scope (there may be one only)."""
    query = select(ServiceException).where(
        ServiceException.day == day,
        ServiceException.trip_id.is_(None) if trip_id is None else ServiceException.trip_id == trip_id,
        ServiceException.route_id.is_(None) if route_id is None else ServiceException.route_id == route_id,
    )
    if exclude_id is not None:
        query = query.where(ServiceException.id != exclude_id)
    return db.session.scalar(query.limit(1))

