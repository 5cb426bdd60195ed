"""Signals between capabilities that must not import each other.

``calendar_changed`` is sent (inside the changing transaction) when the workday
calendar changes, with ``days`` (the dates whose status may differ),
``actor`` and ``now``; capabilities whose decisions rest on the calendar
(meeting-room requests' reasons, for one) re-evaluate them.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

calendar_changed = _signals.signal("calendar-changed")
