"""How a capability declares itself to the core.

Each package under ``portal/blueprints/`` defines ``CAPABILITY``: its navigation
item (with the roles that see it), its /admin/ links, its home-page panel, its
settings and the layers it draws on the building's floor plan. The core builds the header, the admin index, the home page and
the configuration from these declarations and names no capability itself, so
changing who may use a capability touches that capability's package only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask

from portal.models import Floor, Role


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
class LegendEntry:
    """One line of a plan's legend: the swatch's CSS class and what it stands for."""

    css_class: str
    label: str


@dataclass(frozen=True)
class RoomMark:
    """How a layer draws one room: classes for its box (in place of the plain ones), the
    short caption in it, what its title adds, and its row of the table under the plan."""

    css_class: str
    caption: str
    title: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class PlanAnnotations:
    """A layer's marks for some floors: rooms left out are drawn plain."""

    columns: tuple[object, ...]  # the table's headings after the room
    rooms: Mapping[int, RoomMark]  # by room id
    floor_legends: Mapping[int, tuple[LegendEntry, ...]]  # by floor id: what the fills name on that floor
    legend: tuple[LegendEntry, ...] = ()  # the marks every floor shares (outlines, patterns)


@dataclass(frozen=True)
class FloorPlanLayer:
    """A way of drawing the building's floor plan, chosen with ``?layer=<key>``.

    ``visible`` says whether the current user may see it (the declaring capability's
    rule); ``annotate`` marks the rooms of the given floors (rooms loaded) as of a day.
    """

    key: str
    label: object  # a lazy string: the toggle's text
    visible: Callable[[], bool]
    annotate: Callable[[Sequence[Floor], date], PlanAnnotations]


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
    # The data areas the header item is drawn from: a page kept for a signed-in user
    # (portal.cache.kept_page) is drawn again when one of them changes.
    header_areas: tuple[str, ...] = ()
    # HTML this capability adds to another capability's page about one object, for the current
    # user (``object_type`` as in the audit log, e.g. "feedback"; the object's id), or None.
    object_notes: Callable[[str, int], str | None] | None = None
    settings: tuple[Setting, ...] = field(default_factory=tuple)
    init_app: Callable[[Flask], None] | None = None
    # Where people holding one of these roles land after logging in (no ``next`` given).
    landing: NavItem | None = None
    floor_plan_layers: tuple[FloorPlanLayer, ...] = ()
    # Reads what this capability keeps in memory for good (under a version token, never timed out),
    # in the app context of the process workers are forked from (portal.warmup), so each starts with it.
    warm_up: Callable[[], None] | None = None


def apply_settings(app: Flask, settings: tuple[Setting, ...], environ: Mapping[str, str] | None = None) -> None:
    """Defaults and ``PORTAL_*`` values for keys the app's own config did not set."""
    environ = os.environ if environ is None else environ
    for setting in settings:
        if setting.key not in app.config:
            app.config[setting.key] = setting.value_from(environ)
