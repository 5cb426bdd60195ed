"""The on-site list's rows, written as HTML here: the desk shows a page of 25 visitors inside on
every load, and a template loop costs several times as much per row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.blueprints.visitors.services import OnSiteRow
from portal.blueprints.visitors.validation import IdType
from portal.labels import badge


def on_site_rows(rows: Iterable[OnSiteRow], today: date) -> Markup:
    """Each visitor inside: time in, name, document, unit and host, companions, plate, badge and the
    check-out button (its form is the page's, around the table). The words are translated once."""
    after = badge(None, _("after closing"), "danger")
    watched = badge(None, _("watchlist"), "danger")
    sighted = badge(None, _("sighted"), "ok")
    not_kept, removed = escape(_("number not kept")), escape(_("removed"))
    anonymized, check_out = escape(_("(anonymized)")), escape(_("Check out"))
    id_types = {kind: escape(kind.label) for kind in IdType}
    entry_url = escape(url_for("visitors.show_entry", entry_id=0)[:-1])
    out_head, out_tail = (escape(part) for part in url_for("visitors.check_out", entry_id=0).rsplit("/0/", 1))
    out: list[str] = []
    for row in rows:
        moment = row.checked_in_at.strftime("%H:%M" if row.checked_in_at.date() == today else "%m-%d %H:%M")
        name = escape(row.name)
        if row.id_masked:
            document = f'<span class="id-masked">{escape(row.id_masked)}</span>'
        else:
            document = f'<span class="muted">{removed if row.anonymized else not_kept}</span>'
        opening, late = ('<tr class="is-overstay">', f" {after}") if row.overstay else ("<tr>", "")
        out.append(
            f"{opening}\n<td>{moment}{late}</td>\n"
            f'<td><a href="{entry_url}{row.id}">{name or anonymized}</a>{" " + watched if row.watchlist_hit else ""}</td>\n'
            f"<td>{id_types[row.id_type]} {document}{' ' + sighted if row.id_checked else ''}</td>\n"
            f"<td>{escape(row.unit) if row.unit else '—'}{' · ' + escape(row.host_name) if row.host_name else ''}</td>\n"
            f"<td>{row.companions or ''}</td>\n<td>{escape(row.plate)}</td>\n<td>{escape(row.badge or '')}</td>\n"
            f'<td class="no-print"><button type="submit" formaction="{out_head}/{row.id}/{out_tail}">{check_out}'
            f'<span class="visually-hidden"> {name}</span></button></td>\n</tr>\n'
        )
    return Markup("".join(out))
