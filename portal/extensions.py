"""Extension objects, created unbound and attached by ``create_app`` (init_app)."""

from __future__ import annotations

import click
from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.db import db


class Migrations:
    """Flask-Migrate, set up when the migrations are first used: by the ``db``
    commands, or by :func:`attach_migrations` before ``flask_migrate.upgrade()``.
    Alembic costs every web worker some 10 MB that serving pages never uses."""

    def init_app(self, app: Flask, database: SQLAlchemy, directory: str) -> None:
        app.extensions["portal_migrations"] = (database, directory)
        app.cli.add_command(_MigrationCommands("db", help="Database migrations (Flask-Migrate)."))


def attach_migrations(app: Flask) -> None:
    """Flask-Migrate on ``app``, once: its functions read ``app.extensions["migrate"]``."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        database, directory = app.extensions["portal_migrations"]
        Migrate(compare_type=True, render_as_batch=True).init_app(app, database, directory=directory)


class _MigrationCommands(click.Group):
    """Stands for Flask-Migrate's ``db`` group in ``flask --help``; asked to run, it
    hands the command line to that group, loaded then."""

    def _loaded(self, ctx: click.Context | None) -> click.Group:
        from flask.cli import ScriptInfo

        attach_migrations((ctx or click.get_current_context()).ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: object) -> click.Context:
        return self._loaded(parent).make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._loaded(ctx).list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._loaded(ctx).get_command(ctx, cmd_name)


migrate = Migrations()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

__all__ = ["attach_migrations", "babel", "csrf", "db", "login_manager", "migrate"]
