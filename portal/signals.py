"""Signals between capabilities that must not import each other.

``calendar_changed`` is sent (inside the changing transaction) when the workday
calendar changes, with ``days`` (the dates whose status may differ),
``actor`` and ``now``; capabilities whose decisions rest on the calendar
(meeting-room requests' reasons, for one) re-evaluate them.

``language_chosen`` is sent when a logged-in person picks a language.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

calendar_changed = _signals.signal("calendar-changed")

# A logged-in person chose a language (sender: the user; kwarg ``locale``), so
# that what is sent to them later is written in it.
language_chosen = _signals.signal("language-chosen")
