"""How a capability declares itself to the core.

Each package under ``portal/blueprints/`` defines ``CAPABILITY``: its navigation
item (with the roles that see it), its /admin/ links, its home-page panel and
its settings. The core builds the header, the admin index, the home page and
the configuration from these declarations and names no capability itself, so
changing who may use a capability touches that capability's package only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from portal.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when rendered
    roles: tuple[Role, ...] = ()  # empty: everyone, including visitors


@dataclass(frozen=True)
class Setting:
    """A setting with its default, overridable by ``PORTAL_<KEY>`` in the environment."""

    key: str
    default: Any
    parse: Callable[[str], Any] = int

    def value_from(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(f"PORTAL_{self.key}")
        if raw is None or raw == "":
            return self.default
        try:
            return self.parse(raw)
        except ValueError as error:
            from portal import ConfigurationError

            raise ConfigurationError(f"PORTAL_{self.key}={raw!r} is not valid: {error}") from None


@dataclass(frozen=True)
class Capability:
    name: str
    nav: NavItem | None = None
    nav_order: int = 100  # header order, lowest first
    admin_links: tuple[NavItem, ...] = ()
    # HTML for the home page for the current user, or None for nothing.
    home_panel: Callable[[], str | None] | None = None
    home_order: int = 100
    # The data areas (portal.cache.watch) of what it shows visitors who have not
    # logged in on the home page, which is kept and served to all of them until one changes.
    public_areas: tuple[str, ...] = ()
    # HTML beside the account name in the header (a count, a status), or None.
    header_item: Callable[[], str | None] | None = None
    settings: tuple[Setting, ...] = field(default_factory=tuple)
    init_app: Callable[[Flask], None] | None = None
    # Where people holding one of these roles land after logging in (no ``next`` given).
    landing: NavItem | None = None


def apply_settings(app: Flask, settings: tuple[Setting, ...], environ: Mapping[str, str] | None = None) -> None:
    """Defaults and ``PORTAL_*`` values for keys the app's own config did not set."""
    environ = os.environ if environ is None else environ
    for setting in settings:
        if setting.key not in app.config:
            app.config[setting.key] = setting.value_from(environ)
