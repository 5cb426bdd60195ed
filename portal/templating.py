"""Jinja globals and filters shared by every template."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from flask import Flask, current_app, has_request_context, request
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from portal import timeutil
from portal.capabilities import NavItem
from portal.labels import badge, label
from portal.models import Role


def navigation() -> list[NavItem]:
    """The header links this user may follow, for the capabilities installed."""
    items = []
    from portal.blueprints import navigation_items

    for item in navigation_items():
        if item.endpoint not in current_app.view_functions:
            continue
        if item.roles and not (current_user.is_authenticated and current_user.has_role(*item.roles)):
            continue
        items.append(item)
    return items


def active_section(item: NavItem) -> bool:
    blueprint = item.endpoint.split(".", 1)[0]
    if blueprint == "main":
        return request.endpoint == item.endpoint
    return request.blueprint == blueprint


@lru_cache(maxsize=8)
def _western_digits(locale: str) -> bool:
    """Whether the language groups thousands with "," and marks decimals with "."
    (Chinese and English do): Python's own formatting then writes what Babel
    would, at a tenth of the cost, for the many amounts of a bill."""
    return get_group_symbol(locale) == "," and get_decimal_symbol(locale) == "."


def money(value: Decimal | None) -> str:
    """¥1,234.50; negative amounts as −¥285.20 (minus sign first, as the locale writes them)."""
    if value is None:
        return ""
    amount = "¥" + (format(abs(value), ",.2f") if _western_digits(str(get_locale()))
                    else format_decimal(abs(value), format="#,##0.00"))
    return "\u2212" + amount if value < 0 else amount


# CLDR's numeric fields and their strftime equivalents: written the same in every language.
_NUMERIC_FIELDS = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_NUMERIC_FIELD = re.compile("|".join(_NUMERIC_FIELDS))


@lru_cache(maxsize=64)
def numeric_strftime(pattern: str) -> str | None:
    """The strftime format of a CLDR pattern made only of numeric fields and
    separators (``yyyy-MM-dd HH:mm``, ``HH:mm``); None for any other pattern."""
    literal = _NUMERIC_FIELD.sub("", pattern)
    if any(char.isalpha() or char in "'%" for char in literal):
        return None
    return _NUMERIC_FIELD.sub(lambda field: _NUMERIC_FIELDS[field.group(0)], pattern)


@lru_cache(maxsize=1024)
def _formatted(value: date, fmt: str, locale: str, kind: str) -> str:
    # Babel reads the pattern and the locale's data for each value: lists repeat their dates.
    return format_datetime(value, fmt) if kind == "datetime" else format_date(value, fmt)


def local_datetime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A moment in the building's time zone. Numeric patterns (nearly every list's)
    are written with strftime, the same in every language and a tenth of Babel's cost."""
    if value is None:
        return ""
    numeric = numeric_strftime(fmt)
    if numeric is not None and value.tzinfo is not None:
        return timeutil.to_local(value).strftime(numeric)
    return _formatted(value, fmt, str(get_locale()), "datetime")


def local_date(value: date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    numeric = numeric_strftime(fmt)
    if numeric is not None and type(value) is date:
        return value.strftime(numeric)
    return _formatted(value, fmt, str(get_locale()), "date")


def figure_rows(rows: Iterable[tuple[Any, Iterable[Any]]]) -> Markup:
    """Table rows of figures, each ``(heading, figures)``: the heading's cell, then a ``<td class="num">``
    per figure. Written at once: a table of a hundred figures costs a template loop several times as much."""
    return Markup("\n".join([
        f"<tr><td>{escape(heading)}</td>" + "".join([f'<td class="num">{escape(value)}</td>' for value in figures])
        + "</tr>"
        for heading, figures in rows
    ]))


def has_endpoint(endpoint: str) -> bool:
    """Whether a capability is installed, for links to it from shared templates."""
    return endpoint in current_app.view_functions


def header_items() -> list:
    from portal.blueprints import header_items as items

    return items()


_ENCODED_TEXT = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")


def _decoded(match: re.Match[str]) -> str:
    try:
        return unquote(match.group(0), errors="strict")
    except UnicodeDecodeError:
        return match.group(0)


def iri(url: str) -> str:
    """``url`` with its percent-encoded non-ASCII text (Chinese in a query) written
    as the text itself: valid in HTML, which encodes it again when following the
    link, in a third of the bytes. Reserved characters stay encoded."""
    return _ENCODED_TEXT.sub(_decoded, url)


def object_notes(object_type: str, object_id: int) -> list:
    from portal.blueprints import object_notes as notes

    return notes(object_type, object_id)


def html_lang() -> str:
    """The ``lang`` attribute: ``zh-CN`` or ``en``."""
    locale = get_locale()
    if locale is None or locale.language == "zh":
        return "zh-CN"
    return locale.language


class KeptAddresses:
    """Templates' ``url_for``: the address of a route asked for by name alone (or of a static file) is
    built once per script root and kept. The header, the navigation and each page's sub-navigation ask
    for the same few dozen on every request; anything with other values, a leading dot or an ``_``
    option is built by Flask each time, and so is everything outside a request (mail: absolute addresses)
    and while debugging (static files change)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._kept: dict[tuple[str, str, str], str] = {}  # bounded: one per route and static file

    def __call__(self, endpoint: str, **values: Any) -> str:
        by_name_alone = not values or (endpoint == "static" and values.keys() == {"filename"})
        if not by_name_alone or endpoint.startswith(".") or self._app.debug or not has_request_context():
            return self._app.url_for(endpoint, **values)
        key = (request.script_root, endpoint, values.get("filename", ""))
        address = self._kept.get(key)
        if address is None:
            address = self._kept[key] = self._app.url_for(endpoint, **values)
        return address


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(money=money, datetime=local_datetime, date=local_date, iri=iri,
                                 figure_rows=figure_rows)
    app.jinja_env.globals.update(
        url_for=KeptAddresses(app),
        navigation=navigation,
        active_section=active_section,
        has_endpoint=has_endpoint,
        html_lang=html_lang,
        badge=badge,
        header_items=header_items,
        object_notes=object_notes,
        label=label,
        Role=Role,
    )
