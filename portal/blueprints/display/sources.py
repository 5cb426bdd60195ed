"""Everything the lobby display shows, as plain public data.

This is the one place the display reads other capabilities. Each function
returns frozen dataclasses holding only what a passer-by may see: public
notices, meeting titles only where they are public (the VIP room and
non-public meetings are just 已预订), departures without drivers or phones.
The templates cannot leak what they are never given.

Long lists are not cut to what fits: the view shows them a page at a time
(:func:`page_of`), turning the page at every refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from math import ceil
from typing import Any


from portal.blueprints.notices.models import Audience
from portal.blueprints.notices.services import current_notice_list, excerpt
from portal.blueprints.rooms import services as rooms_services
from portal.blueprints.shuttle import services as shuttle_services
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.blueprints.workdays.days import DayInfo, day_info

# How much the screen shows at most, a page at a time (see ``page_of``).
NOTICE_LIMIT = 12
NOTICE_EXCERPT = 70
DEPARTURE_LIMIT = 8
ROOMS_LIMIT = 18
MEETINGS_PER_ROOM = 2


@dataclass(frozen=True)
class Page:
    """One page of a block's list: the screen turns to the next at every refresh."""

    items: tuple[Any, ...]
    number: int  # 1-based
    count: int

    @property
    def is_paged(self) -> bool:
        return self.count > 1


def page_of(items: Iterable[Any], capacity: int, turn: int, lines: Callable[[Any], int] = lambda item: 1) -> Page:
    """Page ``turn`` (counted from 0, wrapping round) of ``items``, as many on a
    page as fit in ``capacity`` lines (``lines(item)`` each; at least one item a page)."""
    pages: list[list[Any]] = [[]]
    used = 0
    for item in items:
        needed = lines(item)
        if pages[-1] and used + needed > capacity:
            pages.append([])
            used = 0
        pages[-1].append(item)
        used += needed
    index = turn % len(pages)
    return Page(tuple(pages[index]), index + 1, len(pages))


def text_lines(text: str, per_line: int) -> int:
    """Lines a text takes on the screen at about ``per_line`` characters a line (Latin letters count half)."""
    width = sum(1 if ord(char) > 0x2E80 else 0.55 for char in text)
    return max(1, ceil(width / per_line))


# Characters a line holds in a half-screen block (the display's type scales with the screen's width).
LINE_CHARS = 28


def notice_lines(notice: DisplayNotice) -> int:
    return text_lines(notice.title, LINE_CHARS * 0.85) + text_lines(notice.excerpt, LINE_CHARS) + 1


def room_lines(room: RoomMeetings) -> int:
    return 1 + sum(text_lines(m.title or "已预订（不公开）", LINE_CHARS - 10) for m in room.meetings) + (1 if room.more else 0)


def departure_lines(departure: DisplayDeparture) -> int:
    return 1 + (text_lines("；".join(departure.notes), LINE_CHARS) if departure.notes else 0)


# ---------------------------------------------------------------- today


class DayKind(LabelledEnum):
    WORKDAY = "workday", _l("Working day")
    MAKEUP_WORKDAY = "makeup", _l("Make-up workday")  # a weekend day worked in lieu of a holiday (调休上班)
    HOLIDAY = "holiday", _l("Public holiday")
    REST_DAY = "rest", _l("Rest day")  # an ordinary weekend
    UNKNOWN = "unknown", _l("Workday calendar unknown")  # the calendar does not know this date yet


@dataclass(frozen=True)
class DayStatus:
    day: date
    kind: DayKind
    label: str  # 工作日, 节假日, 休息日, 调休上班 or 日历未知
    detail: str = ""  # the holiday's name or a local note


def day_status(info: DayInfo) -> DayStatus:
    """What the display says about a day, from the shared workday calendar."""
    if info.is_workday is None:
        kind = DayKind.UNKNOWN
    elif info.makeup_workday:
        kind = DayKind.MAKEUP_WORKDAY
    elif info.is_workday:
        kind = DayKind.WORKDAY
    elif info.holiday or info.note:
        kind = DayKind.HOLIDAY
    else:
        kind = DayKind.REST_DAY
    label = str(kind.label)
    detail = str(info.label) if kind is not DayKind.UNKNOWN else ""
    return DayStatus(info.day, kind, label, detail if detail != label else "")


def today_status(day: date) -> DayStatus:
    return day_status(day_info(day))


# ---------------------------------------------------------------- notices


@dataclass(frozen=True)
class DisplayNotice:
    notice_id: int
    title: str
    excerpt: str
    pinned: bool
    unit: str
    published: date


def public_notices(now: datetime, limit: int = NOTICE_LIMIT) -> list[DisplayNotice]:
    """Current notices for everyone: never staff-only ones, whoever is logged in."""
    return [
        DisplayNotice(
            notice_id=n.id,
            title=n.title,
            excerpt=excerpt(n.body, NOTICE_EXCERPT),
            pinned=n.pinned,
            unit=n.unit,
            published=n.publish_at.date(),
        )
        for n in current_notice_list(now, frozenset({Audience.PUBLIC}), limit)
    ]


# ---------------------------------------------------------------- meetings


@dataclass(frozen=True)
class DisplayMeeting:
    start_at: datetime
    end_at: datetime
    title: str | None  # None: show 已预订 (a non-public meeting or the VIP room)
    in_progress: bool


@dataclass(frozen=True)
class RoomMeetings:
    room: str  # 主楼 101
    room_name: str  # 多功能报告厅
    meetings: tuple[DisplayMeeting, ...]
    more: int = 0  # later meetings in this room today, not shown


@dataclass(frozen=True)
class MeetingBoard:
    rooms: tuple[RoomMeetings, ...]
    more_rooms: int = 0  # other rooms with meetings later today, not shown


def meetings_today(
    day: date, now: datetime, *, rooms_shown: int = ROOMS_LIMIT, per_room: int = MEETINGS_PER_ROOM
) -> MeetingBoard:
    """The meetings of ``day`` that have not ended at ``now``, per room, the
    room with the soonest meeting first.

    A title is shown only where the rooms capability says it is public, and
    only once the booking is approved: a request still waiting for approval
    holds the room (已预订) but is not announced.
    """
    rooms: dict[int, tuple[str, str, list[DisplayMeeting]]] = {}
    for booking in rooms_services.bookings_for_day(day):
        if booking.end_at <= now:
            continue
        title = booking.public_title  # rooms' one public-title rule (services.public_title)
        meeting = DisplayMeeting(booking.start_at, booking.end_at, title, booking.start_at <= now < booking.end_at)
        rooms.setdefault(booking.room_id, (booking.room_label, booking.room_name, []))[2].append(meeting)
    shown = [
        RoomMeetings(label, name, tuple(meetings[:per_room]), more=max(0, len(meetings) - per_room))
        for label, name, meetings in list(rooms.values())[:rooms_shown]
    ]
    return MeetingBoard(tuple(shown), more_rooms=max(0, len(rooms) - rooms_shown))


# ---------------------------------------------------------------- shuttle


@dataclass(frozen=True)
class DisplayDeparture:
    at: datetime
    route: str  # the route's code, as on the bus: 1路
    headsign: str  # where the bus goes
    stop: str  # where it leaves from
    plate: str
    changed: bool  # a one-off change of time or bus that day
    notes: tuple[str, ...] = ()  # that day's notes for this trip (public on the timetable too)


@dataclass(frozen=True)
class DisplayBoard:
    departures: tuple[DisplayDeparture, ...]
    notices: tuple[str, ...]  # route-wide notices that concern the listed departures
    unknown_from: date | None  # the workday calendar does not know the days from here on


def next_departures(now: datetime, limit: int = DEPARTURE_LIMIT) -> DisplayBoard:
    """The next departures from ``now`` (from each trip's first stop). Vehicles
    are named by plate only: drivers' names and phones never leave the
    shuttle's pages for staff."""
    board = shuttle_services.next_departures(now, limit=limit)
    return DisplayBoard(
        departures=tuple(
            DisplayDeparture(
                at=d.at,
                route=d.route_code,
                headsign=d.headsign,
                stop=d.stop_name,
                plate=d.vehicle_plate,
                changed=d.changed,
                notes=tuple(d.notes),
            )
            for d in board.departures
        ),
        notices=tuple(board.notices),
        unknown_from=board.unknown_days[0] if board.unknown_days else None,
    )
