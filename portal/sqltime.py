"""Local calendar parts of a stored moment, computed by the database, alike on SQLite and PostgreSQL.

Statistics group by the building's month, day or hour (``GROUP BY`` in SQL, not a loop
over every row in Python). The two databases keep moments differently
(:class:`portal.db.AwareDateTime`: ``timestamptz`` on PostgreSQL, naive UTC text on
SQLite) and spell date arithmetic differently, so each expression here compiles to
the form of the database it runs on:

- :func:`local_month` — ``'2026-05'``, :func:`local_day` — ``'2026-05-20'`` (text);
- :func:`local_hour` — 0 … 23 (integer);
- :func:`seconds_between` — whole seconds from one moment to a later one (integer).

PostgreSQL converts with the zone's name; SQLite adds the zone's offset, which is the
same all year in Asia/Shanghai (no daylight saving since 1991: checked at import).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.timeutil import LOCAL_TZ


def _fixed_offset_hours() -> int:
    offsets = {LOCAL_TZ.utcoffset(datetime(year, month, 1)) for year in (2000, 2030) for month in (1, 7)}
    if len(offsets) != 1:
        raise RuntimeError(f"{LOCAL_TZ.key} has daylight saving: SQLite cannot add a fixed offset")
    (offset,) = offsets
    return offset // timedelta(hours=1)


_SQLITE_SHIFT = f"{_fixed_offset_hours():+d} hours"
_PG_FORMATS = {"month": "YYYY-MM", "day": "YYYY-MM-DD"}
_SQLITE_FORMATS = {"month": "%Y-%m", "day": "%Y-%m-%d"}


class _LocalText(FunctionElement):
    type = String()
    inherit_cache = True
    part = ""


class local_month(_LocalText):
    """The local month of a moment as ``'YYYY-MM'``."""

    name = "local_month"
    inherit_cache = True
    part = "month"


class local_day(_LocalText):
    """The local day of a moment as ``'YYYY-MM-DD'``."""

    name = "local_day"
    inherit_cache = True
    part = "day"


class local_hour(FunctionElement):
    """The local hour of a moment, 0 … 23."""

    type = Integer()
    name = "local_hour"
    inherit_cache = True


class seconds_between(FunctionElement):
    """``seconds_between(earlier, later)``: whole seconds from ``earlier`` to ``later`` (NULL if either is)."""

    type = Integer()
    name = "seconds_between"
    inherit_cache = True


def _args(element, compiler, **kw) -> list[str]:
    return [compiler.process(argument, **kw) for argument in element.clauses]


@compiles(_LocalText, "postgresql")
def _pg_text(element, compiler, **kw):
    (moment,) = _args(element, compiler, **kw)
    return f"to_char(timezone('{LOCAL_TZ.key}', {moment}), '{_PG_FORMATS[element.part]}')"


@compiles(_LocalText)
def _sqlite_text(element, compiler, **kw):
    (moment,) = _args(element, compiler, **kw)
    return f"strftime('{_SQLITE_FORMATS[element.part]}', {moment}, '{_SQLITE_SHIFT}')"


@compiles(local_hour, "postgresql")
def _pg_hour(element, compiler, **kw):
    (moment,) = _args(element, compiler, **kw)
    return f"CAST(extract(hour FROM timezone('{LOCAL_TZ.key}', {moment})) AS INTEGER)"


@compiles(local_hour)
def _sqlite_hour(element, compiler, **kw):
    (moment,) = _args(element, compiler, **kw)
    return f"CAST(strftime('%H', {moment}, '{_SQLITE_SHIFT}') AS INTEGER)"


@compiles(seconds_between, "postgresql")
def _pg_seconds(element, compiler, **kw):
    earlier, later = _args(element, compiler, **kw)
    return f"CAST(round(extract(epoch FROM ({later} - {earlier}))) AS BIGINT)"


@compiles(seconds_between)
def _sqlite_seconds(element, compiler, **kw):
    earlier, later = _args(element, compiler, **kw)
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"
