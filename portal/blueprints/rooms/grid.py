"""Lay bookings and closures out on half-hour slots (a row of the day grid or week view)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from portal.blueprints.rooms.models import Booking, RoomClosure
from portal.blueprints.rooms.services import SLOT, GridBooking, GridClosure, day_slots


@dataclass(slots=True)  # not frozen: a day grid makes hundreds, and frozen ones are slow to make
class Cell:
    start_at: datetime
    span: int = 1  # slots covered
    booking: Booking | GridBooking | None = None
    closure: RoomClosure | GridClosure | None = None
    past: bool = False  # over: greyed
    bookable: bool = False  # free and not yet begun: the grid offers "+"
    slot: int = 0  # index of the first slot in the day (08:00 is 0): the "+" button's short name

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
