"""Capabilities. Each subpackage owns one name across the code base:
``portal/blueprints/<name>/`` (``bp``, views, forms, models, services),
``portal/templates/<name>/``, its translations and ``tests/<name>/``.

A package may also provide:

- ``init_app(app)``: CLI commands and other hooks;
- ``home_panel() -> str | None``: HTML for the home page (for the current user),
  or None to show nothing;
- ``ADMIN_LINKS``: ``NavItem``s for /admin/, each with the roles that see it;
- a ``demo`` module with an idempotent ``seed_demo()`` for ``flask seed-demo``.
"""

from __future__ import annotations

import pkgutil
from functools import cache
from importlib import import_module
from types import ModuleType

from flask import Flask
from markupsafe import Markup


@cache
def capability_modules() -> tuple[ModuleType, ...]:
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    return tuple(import_module(f"{__name__}.{name}") for name in names)


def register_blueprints(app: Flask) -> None:
    for module in capability_modules():
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)


def home_panels() -> list[Markup]:
    """The home-page panels the installed capabilities offer this user.

    A panel is HTML rendered from the capability's own (autoescaped) template.
    """
    panels = []
    for module in capability_modules():
        panel = getattr(module, "home_panel", None)
        if panel is not None and (html := panel()):
            panels.append(Markup(html))
    return panels


def admin_links() -> list:
    links = []
    for module in capability_modules():
        links.extend(getattr(module, "ADMIN_LINKS", ()))
    return links
