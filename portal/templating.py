"""Jinja globals and filters shared by every template."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import unquote

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

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


def money(value: Decimal | None) -> str:
    """¥1,234.50; negative amounts as −¥285.20 (minus sign first, as the locale writes them)."""
    if value is None:
        return ""
    amount = "¥" + format_decimal(abs(value), format="#,##0.00")
    return "\u2212" + amount if value < 0 else amount


def local_datetime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return "" if value is None else format_datetime(value, fmt)


def local_date(value: date | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


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


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(money=money, datetime=local_datetime, date=local_date, iri=iri)
    app.jinja_env.globals.update(
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
