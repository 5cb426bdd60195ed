"""The ledger's two tables, written as HTML here: a page of units and the offices over the
standard are some sixty rows of seven figures, and a template loop costs several times as
much per row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.blueprints.offices.services import LedgerRoom, UnitSummary
from portal.labels import badge


def unit_rows(units: Sequence[UnitSummary], day: date) -> Markup:
    """A page of units against the standard on ``day``, each linked to its page for that day."""
    if not units:
        return Markup('    <tr><td colspan="7">{}</td></tr>').format(_("No rooms are recorded on this day."))
    # Each link is the unit's id put into one address built once (url_for per row costs more than the row).
    head, tail = (escape(part) for part in url_for("offices.unit", unit_id=0, date=day.isoformat()).split("/0?", 1))
    out = []
    for unit in units:
        check = unit.check
        hint = f' <span class="hint">({escape(_("%(n)s over", n=check.rooms_over))})</span>' if check.rooms_over else ""
        excess = badge(None, check.excess, "danger") if check.over else ""
        out.append(f'    <tr>\n      <td><a href="{head}/{unit.unit_id}?{tail}">{escape(unit.name)}</a></td>\n'
                   f'      <td class="num">{unit.office_rooms}{hint}</td>\n'
                   f'      <td class="num">{check.office_area}</td>\n'
                   f'      <td class="num">{check.occupants}</td>\n'
                   f'      <td class="num">{check.allowance}</td>\n'
                   f'      <td class="num">{excess}</td>\n'
                   f'      <td class="num">{unit.service_area}</td>\n    </tr>')
    return Markup("\n".join(out))


def over_rows(rooms: Sequence[LedgerRoom]) -> Markup:
    """The offices over the standard, with their unit and figures."""
    if not rooms:
        return Markup('    <tr><td colspan="6">{}</td></tr>').format(_("No office is over the standard."))
    room_url = escape(url_for("offices.room", room_id=0)[:-1])
    out = []
    for room in rooms:
        check = room.check
        assert check is not None  # only offices are checked, and only checked rooms are over
        out.append(f'    <tr>\n      <td><a href="{room_url}{room.room_id}">{escape(room.label)}</a></td>\n'
                   f"      <td>{escape(room.unit_name)}</td>\n"
                   f'      <td class="num">{room.area}</td>\n'
                   f'      <td class="num">{check.occupants}</td>\n'
                   f'      <td class="num">{check.allowance}</td>\n'
                   f'      <td class="num">{check.excess}</td>\n    </tr>')
    return Markup("\n".join(out))
