"""Jinja globals and filters shared by every template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.models import Role
from portal.security import ADMINS, STAFF


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when rendered
    roles: tuple[Role, ...] = ()  # empty: everyone, including visitors


NAVIGATION = (
    NavItem("main.home", _l("Home")),
    NavItem("guide.index", _l("Service guide")),
    NavItem("directory.index", _l("Units & offices")),
    NavItem("rooms.index", _l("Meeting rooms")),
    NavItem("shuttle.index", _l("Shuttle bus")),
    NavItem("notices.index", _l("Notices")),
    NavItem("visitors.index", _l("Visitor log"), (Role.SECURITY, Role.LOGISTICS_ADMIN)),
    NavItem("repairs.index", _l("Repairs"), STAFF + (Role.PROPERTY, Role.SECURITY)),
    NavItem("utilities.index", _l("Water & power"), (Role.UNIT_ADMIN, Role.PROPERTY) + ADMINS),
    NavItem("admin.index", _l("Admin"), ADMINS + (Role.UNIT_ADMIN,)),
)


def navigation() -> list[NavItem]:
    """The header links this user may follow, for the capabilities installed."""
    items = []
    for item in NAVIGATION:
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
    if value is None:
        return ""
    return "¥" + format_decimal(value, format="#,##0.00")


def local_datetime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return "" if value is None else format_datetime(value, fmt)


def local_date(value: date | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


def has_endpoint(endpoint: str) -> bool:
    """Whether a capability is installed, for links to it from shared templates."""
    return endpoint in current_app.view_functions


def html_lang() -> str:
    """The ``lang`` attribute: ``zh-CN`` or ``en``."""
    locale = get_locale()
    if locale is None or locale.language == "zh":
        return "zh-CN"
    return locale.language


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(money=money, datetime=local_datetime, date=local_date)
    app.jinja_env.globals.update(
        navigation=navigation,
        active_section=active_section,
        has_endpoint=has_endpoint,
        html_lang=html_lang,
        Role=Role,
    )
