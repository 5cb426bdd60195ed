"""iCalendar (RFC 5545) for bookings: one ``.ics`` per booking, one per series
(a recurring event: RRULE with EXDATE for the meetings that do not take place
as planned, a moved meeting as an event of its own), and a feed per room.
SEQUENCE counts the changes, so calendar clients update an event instead of
adding it again.

Times are written in the building's zone with an ``Asia/Shanghai`` VTIMEZONE
(China has kept UTC+8 without daylight saving since 1991, so one STANDARD
component describes it); DTSTAMP is UTC as the RFC requires. Lines end in CRLF
and are folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from typing import TYPE_CHECKING

from portal.blueprints.rooms.models import Booking, BookingStatus, Recurrence
from portal.timeutil import LOCAL_TZ

if TYPE_CHECKING:
    from portal.blueprints.rooms.services import SeriesCalendar

PRODID = "-//Administrative Center Portal//Meeting rooms//ZH"
TZID = "Asia/Shanghai"
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "END:STANDARD",
    "END:VTIMEZONE",
)
STATUS = {
    BookingStatus.APPROVED: "CONFIRMED",
    BookingStatus.PENDING: "TENTATIVE",
    BookingStatus.PROPOSED: "TENTATIVE",
    BookingStatus.REJECTED: "CANCELLED",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.RELEASED: "CANCELLED",
}


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets (continuations start with a space)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > limit:
            parts.append(current.decode("utf-8"))
            current, limit = b"", 74  # continuation lines carry a leading space
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%dT%H%M%S")


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def event_lines(booking: Booking, *, uid_domain: str, title: str, location: str, description: str = "", url: str = "") -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:booking-{booking.id}@{uid_domain}",
        f"DTSTAMP:{_utc(booking.updated_at or booking.created_at)}",
        f"LAST-MODIFIED:{_utc(booking.updated_at or booking.created_at)}",
        f"SEQUENCE:{booking.sequence or 0}",
        f"DTSTART;TZID={TZID}:{_local(booking.start_at)}",
        f"DTEND;TZID={TZID}:{_local(booking.end_at)}",
        f"SUMMARY:{escape_text(title)}",
        f"LOCATION:{escape_text(location)}",
        f"STATUS:{STATUS[booking.status]}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if url:
        lines.append(f"URL:{url}")
    lines.append("END:VEVENT")
    return lines


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def rrule(plan: SeriesCalendar) -> str:
    """The series' rule with the number of its planned meetings (the portal's own limit included)."""
    count = f"COUNT={len(plan.days)}"
    rule = plan.series.rule
    if rule is Recurrence.MONTHLY_NTH:
        return f"FREQ=MONTHLY;BYDAY={plan.position}{WEEKDAYS[plan.start_at.weekday()]};{count}"
    interval = ";INTERVAL=2" if rule is Recurrence.BIWEEKLY else ""
    return f"FREQ=WEEKLY{interval};{count}"


def series_lines(plan: SeriesCalendar, *, uid_domain: str, title: str, location: str, url: str = "") -> list[str]:
    """One recurring VEVENT for the planned meetings of a series."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:series-{plan.series.id}@{uid_domain}",
        f"DTSTAMP:{_utc(plan.updated_at)}",
        f"LAST-MODIFIED:{_utc(plan.updated_at)}",
        f"SEQUENCE:{plan.series.sequence or 0}",
        f"DTSTART;TZID={TZID}:{_local(plan.start_at)}",
        f"DTEND;TZID={TZID}:{_local(plan.end_at)}",
        f"RRULE:{rrule(plan)}",
    ]
    if plan.skipped:
        start = plan.start_at.astimezone(LOCAL_TZ)
        skipped = ",".join(_local(datetime.combine(day, start.time(), LOCAL_TZ)) for day in plan.skipped)
        lines.append(f"EXDATE;TZID={TZID}:{skipped}")
    lines += [
        f"SUMMARY:{escape_text(title)}",
        f"LOCATION:{escape_text(location)}",
        f"STATUS:{'TENTATIVE' if plan.pending else 'CONFIRMED'}",
    ]
    if url:
        lines.append(f"URL:{url}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[list[str]], *, name: str = "") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
        lines.append(f"X-WR-TIMEZONE:{TZID}")
    lines.extend(VTIMEZONE)
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def feed(bookings: Iterable[Booking], *, uid_domain: str, name: str, title_for: Callable[[Booking], str],
         location_for: Callable[[Booking], str]) -> str:
    return calendar((event_lines(b, uid_domain=uid_domain, title=title_for(b), location=location_for(b)) for b in bookings),
                    name=name)
