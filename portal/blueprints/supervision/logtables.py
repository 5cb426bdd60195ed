"""The patrol log's days, written as HTML here: a week of the log has ~130 table rows (the expected
rounds and the rounds recorded), and a template loop costs several times as much per row."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from portal.blueprints.supervision.patrols import Slot, SlotStatus
from portal.templating import local_date, local_datetime

if TYPE_CHECKING:
    from portal.blueprints.supervision.services import LoggedRound, PatrolDay, RouteFacts


@dataclass(frozen=True, slots=True)
class LogWords:
    """What the log says besides its rounds, in the request's language, and the link to a round's
    page: worked out once a page, not once a day or a row."""

    expected_head: Markup  # the expected rounds' table: its caption and column heads
    recorded_head: Markup  # the rounds recorded's table: the same
    missed: Callable[[int], Markup]  # "3 missed rounds", beside a day's date
    badges: Mapping[SlotStatus, Markup]  # an expected round's status
    started: Markup  # "started %s": a counted round's start
    being_walked: Markup  # a round not yet finished, in place of its findings
    no_rounds: Markup  # a day without a round recorded
    round_url: str  # a round's page is round_url + its id (escaped)


def days_markup(days: Sequence[PatrolDay], words: LogWords) -> Markup:
    """Each day of a page of the log as a panel: its date and missed rounds, the expected rounds (when
    there are any) and the rounds recorded."""
    out: list[str] = []
    add = out.append
    moments: dict[datetime, Markup] = {}  # a counted round's start is written again in its day's rounds
    names: dict[str, Markup] = {}  # routes' and guards' names, escaped once a page
    missed_words: dict[int, Markup] = {}
    for day in days:
        missed = len(day.missed)
        if missed:
            said = missed_words.get(missed)
            if said is None:
                said = missed_words[missed] = words.missed(missed)
            add(f'<section class="panel">\n  <h2>{escape(local_date(day.day))} '
                f'<span class="badge badge--danger">{said}</span></h2>\n')
        else:
            add(f'<section class="panel">\n  <h2>{escape(local_date(day.day))}</h2>\n')
        if day.slots:
            add(f'  <table class="table">\n{words.expected_head}    <tbody>\n')
            _slot_rows(add, day.slots, words, moments, names)
            add("    </tbody>\n  </table>\n")
        add(f'  <table class="table">\n{words.recorded_head}    <tbody>\n')
        _round_rows(add, day.rounds, words, moments, names)
        add("    </tbody>\n  </table>\n</section>\n")
    return Markup("".join(out))


def _moment(value: datetime, moments: dict[datetime, Markup]) -> Markup:
    """``value`` as the ``|datetime`` filter writes it, escaped."""
    written = moments.get(value)
    if written is None:
        written = moments[value] = escape(local_datetime(value))
    return written


def _slot_rows(add: Callable[[str], None], slots: Sequence[tuple[RouteFacts, Slot]], words: LogWords,
               moments: dict[datetime, Markup], names: dict[str, Markup]) -> None:
    """A day's expected rounds, a row each: the time (HH:MM), the route and the status, with a link
    to the round counted for it."""
    badges, started, url = words.badges, str(words.started), words.round_url
    for route, slot in slots:
        name = names.get(route.name)
        if name is None:
            name = names[route.name] = escape(route.name)
        at = slot.at  # written as at.strftime("%H:%M") would, at a quarter of its cost
        if slot.round_id:
            counted = f' <a href="{url}{slot.round_id}">{started % _moment(slot.started_at, moments)}</a>'
        else:
            counted = ""
        add(f"      <tr><td>{at.hour:02d}:{at.minute:02d}</td><td>{name}</td>\n"
            f"          <td>{badges[slot.status]}{counted}</td></tr>\n")


def _round_rows(add: Callable[[str], None], rounds: Sequence[LoggedRound], words: LogWords,
                moments: dict[datetime, Markup], names: dict[str, Markup]) -> None:
    """A day's rounds recorded, a row each: the start (a link to the round), the route, the guard
    and the number of findings, or that it is being walked; one row saying so when there are none."""
    if not rounds:
        add(f'      <tr><td colspan="4">{words.no_rounds}</td></tr>\n')
        return
    url = words.round_url
    for r in rounds:
        route = names.get(r.route_name)
        if route is None:
            route = names[r.route_name] = escape(r.route_name)
        guard = names.get(r.guard_name)
        if guard is None:
            guard = names[r.guard_name] = escape(r.guard_name)
        findings = r.findings if r.finished else words.being_walked
        add(f'      <tr><td><a href="{url}{r.id}">{_moment(r.started_at, moments)}</a></td>\n'
            f"          <td>{route}</td><td>{guard}</td>\n"
            f"          <td>{findings}</td></tr>\n")
