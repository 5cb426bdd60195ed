"""The repairs queue's rows, written as HTML here: a page of the queue is some fifty rows of a dozen
cells and links, and a template loop costs several times as much per row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from portal.blueprints.repairs.models import Action, Category, RepairRequest, Status, Urgency
from portal.blueprints.repairs.services import Waiting, waiting_time
from portal.labels import badge, label
from portal.templating import local_datetime


def queue_rows(repairs: list[RepairRequest], now: datetime, waited: Callable[[Waiting], Markup], *,
               may_step: bool, step_token: Markup) -> Markup:
    """The queue's rows, written here (a row is a dozen cells and links; a template loop costs several
    times as much). ``waited`` is the template's macro; each urgency's and status's badge, each kind's
    label and each wait (a week or more reads in whole days) is drawn once."""
    if not repairs:
        return Markup('    <tr><td colspan="8">{}</td></tr>').format(_("The queue is empty."))
    detail_url = escape(url_for("repairs.detail", repair_id=0)[:-1])
    step_head, step_tail = (escape(part) for part in url_for("repairs.step", repair_id=0).rsplit("/0/", 1))
    # Each enum's own map: members of two string enums with the same value would be one key.
    urgencies: dict[Urgency, Markup] = {}
    kinds: dict[Category, Markup] = {}
    statuses: dict[Status, Markup] = {}
    waits: dict[Any, Markup] = {}
    button = Markup('          <button type="submit" name="action" value="{}">{}</button>\n')
    accept = button.format(Action.ACCEPT.value, _("Accept"))
    start = button.format(Action.START.value, _("Start work"))
    done = escape(_("Mark as done"))
    out = []
    for repair in repairs:
        rid, status = repair.id, repair.status
        urgency = urgencies.get(repair.urgency)
        if urgency is None:
            urgency = urgencies[repair.urgency] = badge(repair.urgency)
        wait = waiting_time(repair.reported_at, now)
        wait_key = wait.days if wait.days >= 7 else wait
        waiting = waits.get(wait_key)
        if waiting is None:
            waiting = waits[wait_key] = waited(wait)
        kind = kinds.get(repair.category)
        if kind is None:
            kind = kinds[repair.category] = escape(str(label(repair.category)))
        shown = statuses.get(status)
        if shown is None:
            shown = statuses[status] = badge(status)
        reporter = escape(repair.reporter.display_name)
        if repair.contact:
            reporter += Markup("<br><small>{}</small>").format(repair.contact)
        held = Markup(" <small>{}</small>").format(label(repair.hold_reason)) if repair.hold_reason else ""
        if may_step and status in (Status.SUBMITTED, Status.ACCEPTED):
            step = (f'        <form method="post" action="{step_head}/{rid}/{step_tail}" class="inline-form">\n'
                    f'          <input type="hidden" name="csrf_token" value="{step_token}">\n'
                    '          <input type="hidden" name="back" value="queue">\n'
                    f"{accept if status == Status.SUBMITTED else start}        </form>\n")
        elif may_step and status in (Status.IN_PROGRESS, Status.ON_HOLD):
            step = f'        <a href="{detail_url}{rid}">{done}</a>\n'
        else:
            step = ""
        out.append(f"    <tr>\n      <td>{urgency}</td>\n      <td><a href=\"{detail_url}{rid}\">{rid}</a></td>\n"
                   f"      <td>{waiting}<br><small>{escape(local_datetime(repair.reported_at))}</small></td>\n"
                   f"      <td>{escape(repair.location_label)}</td>\n      <td>{kind}</td>\n"
                   f"      <td>{escape(do_truncate(current_app.jinja_env, repair.description, 80))}</td>\n"
                   f"      <td>{reporter}</td>\n      <td>\n        {shown}{held}{step}      </td>\n    </tr>")
    return Markup("\n".join(out))
