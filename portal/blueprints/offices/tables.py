"""The ledger's two tables, written as HTML here: a page of units and the offices over the
standard are some sixty rows of seven figures, and a template loop costs several times as
much per row."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from portal.blueprints.offices.services import LedgerRoom, UnitSummary
from portal.labels import badge


def unit_rows(units: Sequence[UnitSummary], unit_url: Callable[[int], str], rooms_over: Callable[[int], str],
              empty: str) -> Markup:
    """A page of units against the standard. ``unit_url(id)`` is a unit's page and ``rooms_over(n)``
    the hint beside its offices ("2 over"); ``empty`` is the row shown when there is no unit."""
    if not units:
        return Markup('    <tr><td colspan="7">{}</td></tr>').format(empty)
    out = []
    for unit in units:
        check = unit.check
        hint = f' <span class="hint">({escape(rooms_over(check.rooms_over))})</span>' if check.rooms_over else ""
        excess = badge(None, check.excess, "danger") if check.over else ""
        out.append(f'    <tr>\n      <td><a href="{escape(unit_url(unit.unit_id))}">{escape(unit.name)}</a></td>\n'
                   f'      <td class="num">{unit.office_rooms}{hint}</td>\n'
                   f'      <td class="num">{check.office_area}</td>\n'
                   f'      <td class="num">{check.occupants}</td>\n'
                   f'      <td class="num">{check.allowance}</td>\n'
                   f'      <td class="num">{excess}</td>\n'
                   f'      <td class="num">{unit.service_area}</td>\n    </tr>')
    return Markup("\n".join(out))


def over_rows(rooms: Sequence[LedgerRoom], room_url: Callable[[int], str], empty: str) -> Markup:
    """The offices over the standard, with their unit and figures."""
    if not rooms:
        return Markup('    <tr><td colspan="6">{}</td></tr>').format(empty)
    out = []
    for room in rooms:
        check = room.check
        assert check is not None  # only offices are checked, and only checked rooms are over
        out.append(f'    <tr>\n      <td><a href="{escape(room_url(room.room_id))}">{escape(room.label)}</a></td>\n'
                   f"      <td>{escape(room.unit_name)}</td>\n"
                   f'      <td class="num">{room.area}</td>\n'
                   f'      <td class="num">{check.occupants}</td>\n'
                   f'      <td class="num">{check.allowance}</td>\n'
                   f'      <td class="num">{check.excess}</td>\n    </tr>')
    return Markup("\n".join(out))
