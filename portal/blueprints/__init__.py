"""Capabilities. Each subpackage owns one name across the code base:
``portal/blueprints/<name>/`` (``bp``, views, forms, models, services),
``portal/templates/<name>/``, its translations and ``tests/<name>/``, and
declares itself with ``CAPABILITY`` (:class:`portal.capabilities.Capability`):
navigation, admin links, home panel, settings, floor-plan layers and ``init_app``.

A package may also have a ``demo`` module with an idempotent ``seed_demo()``
for ``flask seed-demo``.
"""

from __future__ import annotations

import pkgutil
from functools import cache
from importlib import import_module
from types import ModuleType

from flask import Flask
from markupsafe import Markup

from portal.capabilities import Capability, FloorPlanLayer, NavItem, apply_settings


@cache
def capability_modules() -> tuple[ModuleType, ...]:
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    return tuple(import_module(f"{__name__}.{name}") for name in names)


def capabilities() -> tuple[Capability, ...]:
    return tuple(module.CAPABILITY for module in capability_modules())


def register_blueprints(app: Flask) -> None:
    for module in capability_modules():
        declared: Capability = module.CAPABILITY
        apply_settings(app, declared.settings)
        app.register_blueprint(module.bp)
        if declared.init_app is not None:
            declared.init_app(app)


def navigation_items() -> list[NavItem]:
    declared = sorted((c for c in capabilities() if c.nav is not None), key=lambda c: c.nav_order)
    return [c.nav for c in declared if c.nav is not None]


def home_panels() -> list[Markup]:
    """The home-page panels the installed capabilities offer this user.

    A panel is HTML rendered from the capability's own (autoescaped) template.
    """
    panels = []
    for declared in sorted(capabilities(), key=lambda c: c.home_order):
        if declared.home_panel is not None and (html := declared.home_panel()):
            panels.append(Markup(html))
    return panels


def public_home_areas() -> tuple[str, ...]:
    """What the home page shows a visitor who has not logged in is drawn from."""
    return tuple(sorted({"building"}.union(*(c.public_areas for c in capabilities()))))


def header_items() -> list[Markup]:
    """What capabilities show beside the account name, for this user."""
    items = []
    for declared in capabilities():
        if declared.header_item is not None and (html := declared.header_item()):
            items.append(Markup(html))
    return items


def header_areas() -> tuple[str, ...]:
    """What the header beside the account name is drawn from, for every page."""
    return tuple(sorted(set().union(*(c.header_areas for c in capabilities()))))


def object_notes(object_type: str, object_id: int) -> list[Markup]:
    """What other capabilities say about an object on its page (a meeting's decision on a feedback, say)."""
    notes = []
    for declared in capabilities():
        if declared.object_notes is not None and (html := declared.object_notes(object_type, object_id)):
            notes.append(Markup(html))
    return notes


def landing_endpoint(user) -> str | None:
    """The page a user lands on after logging in, when a capability claims one of their roles."""
    for declared in sorted(capabilities(), key=lambda c: c.nav_order):
        if declared.landing is not None and user.has_role(*declared.landing.roles):
            return declared.landing.endpoint
    return None


def floor_plan_layers() -> list[FloorPlanLayer]:
    """The floor-plan layers the installed capabilities let this user see."""
    return [layer for declared in capabilities() for layer in declared.floor_plan_layers if layer.visible()]


def admin_links() -> list[NavItem]:
    links: list[NavItem] = []
    for declared in capabilities():
        links.extend(declared.admin_links)
    return links
