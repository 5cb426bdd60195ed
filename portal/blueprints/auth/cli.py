"""``flask --app portal create-user``: a real account from the command line."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from portal.blueprints.auth.services import create_user, password_problem
from portal.db import db
from portal.models import Role, Unit, User


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name, e.g. 张伟.")
@click.option(
    "--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]), help="Repeat for several roles."
)
@click.option("--unit", "unit_name", help="Unit name or short name.")
@click.password_option(help="Prompted for when not given.")
def create_user_command(username: str, display_name: str, roles: tuple[str, ...], unit_name: str | None, password: str) -> None:
    """Create a real account."""
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise click.ClickException(f"user {username!r} exists")
    problem = password_problem(password, username=username, names=[display_name])
    if problem:
        raise click.ClickException(problem)
    unit = None
    if unit_name:
        unit = db.session.scalar(select(Unit).where((Unit.name == unit_name) | (Unit.short_name == unit_name)))
        if unit is None:
            raise click.ClickException(f"no unit named {unit_name!r}")
    create_user(
        username,
        display_name,
        password,
        [Role(r) for r in roles] or [Role.EMPLOYEE],
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        unit=unit,
    )
    db.session.commit()
    click.echo(f"created {username}")
