"""Lay bookings and closures out on half-hour slots (a row of the day grid or week view)."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup, escape

from portal.blueprints.rooms.models import Booking, RoomClosure
from portal.blueprints.rooms.services import SLOT, GridBooking, GridClosure, day_slots


# The day grid's "+" buttons are named by room and slot: "12c" is room 12 at the third
# half hour of the day (08:00 is "a"). A letter, not ".2": the grid has ~600 of these.
SLOT_LETTERS = string.ascii_lowercase + string.ascii_uppercase  # 52, more than a day's 48 half hours


def slot_button_name(room_id: int, slot: int) -> str:
    return f"{room_id}{SLOT_LETTERS[slot]}"


def parse_slot_button(name: str) -> tuple[int, int] | None:
    """``(room id, slot index)`` from a "+" button's name; None for any other name."""
    room_part, letter = name[:-1], name[-1:]
    if letter and letter in SLOT_LETTERS and room_part.isascii() and room_part.isdigit() and len(room_part) <= 9:
        return int(room_part), SLOT_LETTERS.index(letter)
    return None


@dataclass(slots=True)  # not frozen: a day grid makes hundreds, and frozen ones are slow to make
class Cell:
    start_at: datetime
    span: int = 1  # slots covered
    booking: Booking | GridBooking | None = None
    closure: RoomClosure | GridClosure | None = None
    past: bool = False  # over: greyed
    bookable: bool = False  # free and not yet begun: the grid offers "+"
    slot: int = 0  # index of the first slot in the day (08:00 is 0): the "+" button's name (slot_button_name)

    @property
    def hhmm(self) -> str:
        return self.start_at.strftime("%H:%M")

    @property
    def free(self) -> bool:
        return self.booking is None and self.closure is None


def _first_over(holders: Sequence, start_at: datetime, end_at: datetime):
    for holder in holders:
        if holder.start_at < end_at and holder.end_at > start_at:
            return holder
    return None


def grid_row(day: date, bookings: Sequence[Booking | GridBooking], closures: Sequence[RoomClosure | GridClosure], *, now: datetime,
             slots: Sequence[datetime] | None = None) -> list[Cell]:
    """One cell per free slot, one spanning cell per booking or closure (bookings win);
    ``slots``: the day's :func:`day_slots`, when the caller has them already."""
    slots = day_slots(day) if slots is None else slots
    if not bookings and not closures:  # most rows of a day: nothing but free slots
        return [Cell(start, past=start + SLOT <= now, bookable=start >= now, slot=i) for i, start in enumerate(slots)]
    cells: list[Cell] = []
    i = 0
    while i < len(slots):
        slot_start, slot_end = slots[i], slots[i] + SLOT
        booking = _first_over(bookings, slot_start, slot_end)
        closure = None if booking else _first_over(closures, slot_start, slot_end)
        holder = booking or closure
        if holder is None:
            cells.append(Cell(slot_start, past=slot_end <= now, bookable=slot_start >= now, slot=i))
            i += 1
            continue
        span = 1
        while i + span < len(slots) and slots[i + span] < holder.end_at:
            nxt_start = slots[i + span]
            if closure is not None and _first_over(bookings, nxt_start, nxt_start + SLOT) is not None:
                break  # a booking inside a closure period still shows
            span += 1
        cells.append(Cell(slot_start, span, booking=booking, closure=closure, past=slot_start + SLOT * span <= now))
        i += span
    return cells


@dataclass(frozen=True, slots=True)
class CellWords:
    """What a drawn row of cells says besides its bookings, in the request's language,
    and the links it makes: worked out once per grid, not once per cell."""

    readable: frozenset[int]  # the bookings whose titles and details the reader may see
    booked: Markup  # what a booking the reader may not read says
    closed: Markup
    pending: Markup
    booking_url: tuple[str, str]  # a booking's page is booking_url[0] + id + booking_url[1]


def cells_markup(cells: Sequence[Cell], words: CellWords, *, book_room: int | None = None,
                 book_url: str | None = None) -> Markup:
    """One row of half-hour cells, as HTML (a day grid has ~600: written here, not by a
    template macro, which costs ten times as much per cell).

    With ``book_room`` (the day grid, for people who may book) a free slot not yet
    begun is a "+" button of the grid's one GET form naming room and slot
    (``name=3o``, slot_button_name); with ``book_url`` (the week view) it is a link to the request
    form with the slot's start appended. A slot that has begun is not offered (the
    request would be refused); a slot that is over is greyed. Bookings the reader may
    not read show their title when it is public, else ``words.booked``. ``</td>`` is
    left out after a button: bytes count on the day grid."""
    out: list[str] = []
    add = out.append
    link = escape(book_url) if book_url else None
    for cell in cells:
        booking, closure = cell.booking, cell.closure
        if booking is None and closure is None:
            if cell.bookable and book_room:
                add(f"<td><button name={slot_button_name(book_room, cell.slot)}>+</button>")
            elif cell.bookable and link:
                hhmm = cell.start_at.strftime("%H:%M")
                add(f'<td><a href="{link}&amp;start={hhmm}" title="{hhmm}">+</a></td>\n')
            elif cell.past:
                add('<td class="g-past"></td>\n')
            else:
                add("<td></td>\n")
        elif booking is not None:
            status = booking.status.value
            past = " g-past" if cell.past else ""
            if booking.id in words.readable:
                url = words.booking_url
                title = f'<a href="{url[0]}{booking.id}{url[1]}">{escape(booking.title)}</a>'
            elif booking.title_public:
                title = escape(booking.title)
            else:
                title = words.booked
            note = f" · {words.pending}" if status == "pending" else ""
            add(f'<td colspan="{cell.span}" class="g-b g-{status}{past}">{title}'
                f"<small>{escape(booking.hours)}{note}</small></td>\n")
        else:
            add(f'<td colspan="{cell.span}" class="g-closed">{words.closed}: {escape(closure.reason)}</td>\n')
    return Markup("".join(out))
