"""The chart of the room statistics page, built from :class:`~portal.blueprints.rooms.statistics.RoomStatistics`
(portal.charts draws it)."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.blueprints.rooms.statistics import RoomStatistics
from portal.charts import Chart, Series


def room_bars(stats: RoomStatistics) -> Chart:
    """Booked and used hours per meeting room, the most booked first."""
    rooms = sorted(stats.rooms, key=lambda use: (-use.booked_minutes, -use.used_minutes, use.name))
    return Chart(
        "hbar",
        _("Booked and used hours by room"),
        _("Two bars per meeting room, the most booked first: the hours booked for meetings from %(start)s to "
          "%(end)s and the hours actually used, from the check-in to the end.",
          start=stats.start.isoformat(), end=stats.end.isoformat()),
        [use.name for use in rooms],
        [Series(_("Booked hours"), [use.booked_hours for use in rooms]),
         Series(_("Used hours"), [use.used_hours for use in rooms])],
        unit=_("hours"), label_heading=_("Meeting room"),
    )
