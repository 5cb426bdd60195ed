"""The utilities month's flagged readings, written as HTML here: a month not read yet flags every
meter, and a template loop costs several times as much per row."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from portal.blueprints.utilities.services import MonthReview


def anomaly_rows(review: MonthReview, meter_url: str, text: Callable[..., Markup],
                 badge: Callable[..., Markup], closed: bool) -> Markup:
    """The flagged readings' table rows, written here: a month not read yet flags every meter (some eighty
    rows). ``text`` and ``badge`` are the template's macros; a missing reading reads alike for every meter,
    and a badge alike for every flag that blocks or does not, so each of those is drawn once."""
    out: list[str] = []
    missing: Markup | None = None
    badges: dict[bool, Markup] = {}  # by whether the flag blocks closing
    url = escape(meter_url)
    for anomaly in review.anomalies:
        meter = review.lines[anomaly.key].meter
        if anomaly.kind != "missing":
            said = text(anomaly, review)
        elif missing is None:
            said = missing = text(anomaly, review)
        else:
            said = missing
        mark = badges.get(anomaly.blocking)
        if mark is None:
            mark = badges[anomaly.blocking] = badge(anomaly, closed)
        out.append(f'      <tr>\n        <td><a href="{url}{meter.id}">{escape(meter.code)}</a></td>\n'
                   f"        <td>{escape(meter.place)}</td>\n        <td>{said}</td>\n        <td>{mark}</td>\n"
                   "      </tr>")
    return Markup("\n".join(out))
