"""Query-string arguments, parsed once with bounds and a message in the user's language.

``arg_int``, ``arg_date`` and ``arg_enum`` return the default when the argument
is absent or empty and raise :class:`portal.rules.BadArgument` (400, with a
clear message) when it is present but unusable, so no view meets ``int('abc')``,
an ``OverflowError`` on 9999-12-31 or a database integer overflow.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import TypeVar

from flask import request
from flask_babel import gettext as _

from portal.rules import BadArgument
from portal.text import normalise_identifier

# PostgreSQL's ``integer``: ids and counts beyond it exist nowhere in the portal.
MAX_INT = 2**31 - 1
# Dates the portal can reason about (a day after the last still has a next day).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)

E = TypeVar("E", bound=enum.Enum)


def parse_int(raw: str | None, *, name: str = "", minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    if raw is None or not raw.strip():
        return None
    text = normalise_identifier(raw)
    if not text.lstrip("-").isdigit() or len(text) > 12:
        raise BadArgument(_("“%(value)s” is not a whole number.", value=raw[:40]), field=name or None)
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadArgument(
            _("%(value)s is out of range (%(minimum)s to %(maximum)s).", value=value, minimum=minimum, maximum=maximum),
            field=name or None,
        )
    return value


def parse_date(raw: str | None, *, name: str = "", earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE) -> date | None:
    if raw is None or not raw.strip():
        return None
    text = normalise_identifier(raw)
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise BadArgument(
            _("“%(value)s” is not a date; write it as 2026-05-20.", value=raw[:40]), field=name or None
        ) from None
    if not earliest <= value <= latest:
        raise BadArgument(
            _("%(value)s is outside the dates the portal handles (%(earliest)s to %(latest)s).",
              value=value.isoformat(), earliest=earliest.isoformat(), latest=latest.isoformat()),
            field=name or None,
        )
    return value


def arg_int(name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    value = parse_int(request.args.get(name), name=name, minimum=minimum, maximum=maximum)
    return default if value is None else value


def arg_date(name: str, default: date | None = None, *, earliest: date = EARLIEST_DATE,
             latest: date = LATEST_DATE) -> date | None:
    value = parse_date(request.args.get(name), name=name, earliest=earliest, latest=latest)
    return default if value is None else value


def parse_month(raw: str | None, *, name: str = "") -> date | None:
    """``2026-05`` (what ``<input type="month">`` sends) → 2026-05-01; absent or empty → None."""
    if raw is None or not raw.strip():
        return None
    text = normalise_identifier(raw)
    year, _sep, month = text.partition("-")
    if not (text.isascii() and len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()
            and 1 <= int(month) <= 12):
        raise BadArgument(_("“%(value)s” is not a month; write it as 2026-05.", value=raw[:40]), field=name or None)
    return parse_date(f"{year}-{month}-01", name=name)


def arg_month(name: str, default: date | None = None) -> date | None:
    """A month argument as its first day (``parse_month``)."""
    value = parse_month(request.args.get(name), name=name)
    return default if value is None else value


def arg_enum(name: str, kind: type[E], default: E | None = None) -> E | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise BadArgument(_("“%(value)s” is not one of the choices.", value=raw[:40]), field=name) from None


def arg_page() -> int:
    """The ``page`` argument: 1 when absent."""
    return arg_int("page", 1, minimum=1, maximum=1_000_000) or 1


def paginate(query, *, per_page: int | None = None):
    """One page of ``query`` (a select) for the ``page`` argument; an empty page past the end."""
    from flask import current_app

    from portal.db import db

    return db.paginate(query, page=arg_page(), per_page=per_page or current_app.config["PAGE_SIZE"],
                       max_per_page=None, error_out=False, count=True)

