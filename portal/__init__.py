"""行政中心门户 — the administrative-center portal.

``create_app(config=None)`` builds the application; ``config`` (a mapping)
overrides the environment-derived settings, which is how tests configure it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal.config import settings_from_environment


class ConfigurationError(RuntimeError):
    pass


class BoundedIntegerConverter(IntegerConverter):
    """``<int:id>`` up to PostgreSQL's ``integer`` (2**31 - 1); larger ids match no route."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings_from_environment())
    if config:
        app.config.from_mapping(config)
    _finish_config(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in JSON

    from portal import assets, cache, charts, cli, files, i18n, security, templating  # noqa: F401 - cache, files: core models
    from portal.blueprints import register_blueprints
    from portal.db import configure_engine
    from portal.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    configure_engine(app)
    migrate.init_app(app, db, directory=str(_project_dir() / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    security.init_app(app)
    templating.init_app(app)
    charts.init_app(app)
    i18n.init_app(app)
    cli.init_app(app)
    assets.init_app(app)
    # Ids beyond the database's integer are no page at all (404), not an overflow (500).
    app.url_map.converters["int"] = BoundedIntegerConverter
    register_blueprints(app)
    with app.app_context():
        app.wsgi_app = cache.VisitorPages(  # type: ignore[method-assign]
            app.wsgi_app, db.engine,
            language_cookies=[f"{app.config['LANGUAGE_COOKIE']}={code}" for code in app.config["LANGUAGES"]])

    proxies = int(app.config.get("PROXY_COUNT", 0))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    return app


def _project_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def _finish_config(app: Flask) -> None:
    from portal.i18n import translation_directories

    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing:
            app.config["SECRET_KEY"] = os.urandom(32).hex()
        else:
            raise ConfigurationError(
                "PORTAL_SECRET_KEY is not set. Generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'` and export it."
            )
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, mode=0o700, exist_ok=True)  # holds the database and the secret key
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "portal.db")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith(("postgres://", "postgresql://")):
        # psycopg 3 is the driver; accept the plain scheme people copy from docs.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A connection to a server can have been dropped (a restart, a firewall's idle
        # timeout): test it when taken from the pool. A SQLite file cannot drop it,
        # and the test would be a second statement in every request.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("pool_pre_ping", True)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translation_directories()
