"""The patrol log's table rows, written as HTML here: a week of the log has ~130 rows (the expected
rounds and the rounds recorded), and a template loop costs several times as much per row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from portal.blueprints.supervision.patrols import Slot, SlotStatus
from portal.templating import local_datetime

if TYPE_CHECKING:
    from portal.blueprints.supervision.services import LoggedRound, RouteFacts


@dataclass(frozen=True, slots=True)
class LogWords:
    """What the log's rows say besides their rounds, in the request's language, and the link to a
    round's page: worked out once per page, not once per row."""

    badges: Mapping[SlotStatus, Markup]  # an expected round's status
    started: Markup  # "started %s": a counted round's start
    being_walked: Markup  # a round not yet finished, in place of its findings
    no_rounds: Markup  # a day without a round recorded
    round_url: str  # a round's page is round_url + its id


def slot_rows_markup(slots: Sequence[tuple[RouteFacts, Slot]], words: LogWords) -> Markup:
    """A day's expected rounds, a row each: the time (HH:MM), the route and the status, with a link
    to the round counted for it."""
    out: list[str] = []
    add = out.append
    names: dict[int, Markup] = {}  # a route's name, escaped once a table
    badges, started, url = words.badges, str(words.started), words.round_url
    for route, slot in slots:
        name = names.get(route.id)
        if name is None:
            name = names[route.id] = escape(route.name)
        at = slot.at  # written as at.strftime("%H:%M") would, at a quarter of its cost
        if slot.round_id:
            counted = f' <a href="{url}{slot.round_id}">{started % escape(local_datetime(slot.started_at))}</a>'
        else:
            counted = ""
        add(f"      <tr><td>{at.hour:02d}:{at.minute:02d}</td><td>{name}</td>\n"
            f"          <td>{badges[slot.status]}{counted}</td></tr>\n")
    return Markup("".join(out))


def round_rows_markup(rounds: Sequence[LoggedRound], words: LogWords) -> Markup:
    """A day's rounds recorded, a row each: the start (a link to the round), the route, the guard
    and the number of findings, or that it is being walked; one row saying so when there are none."""
    if not rounds:
        return Markup(f'      <tr><td colspan="4">{words.no_rounds}</td></tr>\n')
    out: list[str] = []
    add = out.append
    url = words.round_url
    names: dict[str, Markup] = {}  # routes' and guards' names, escaped once a table
    for r in rounds:
        route = names.get(r.route_name)
        if route is None:
            route = names[r.route_name] = escape(r.route_name)
        guard = names.get(r.guard_name)
        if guard is None:
            guard = names[r.guard_name] = escape(r.guard_name)
        findings = words.being_walked if r.ended_at is None else r.findings
        add(f'      <tr><td><a href="{url}{r.id}">{escape(local_datetime(r.started_at))}</a></td>\n'
            f"          <td>{route}</td><td>{guard}</td>\n"
            f"          <td>{findings}</td></tr>\n")
    return Markup("".join(out))
