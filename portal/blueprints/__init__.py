"""Capabilities. Each subpackage owns one name across the code base:
``portal/blueprints/<name>/`` (``bp``, views, forms, models, services),
``portal/templates/<name>/``, its translations and ``tests/<name>/``.

A package may also provide ``init_app(app)`` (CLI commands, hooks) and a
``demo`` module with ``seed_demo()`` for ``flask seed-demo``.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType

from flask import Flask


def capability_modules() -> list[ModuleType]:
    return [import_module(f"{__name__}.{info.name}") for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)]


def register_blueprints(app: Flask) -> None:
    for module in capability_modules():
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
