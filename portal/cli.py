"""Management commands: ``flask --app portal seed-demo`` and ``create-user``."""

from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from sqlalchemy import select

from portal.db import db
from portal.models import Role, Unit, User


@click.command("seed-demo")
@click.option("--password", help="Password for the demo accounts (default: a random one, printed once).")
def seed_demo_command(password: str | None) -> None:
    """Load the demo building and one account per role. Safe to run again."""
    from portal.demo import DEMO_ACCOUNTS, seed_demo

    chosen = password or secrets.token_urlsafe(9)
    existing = set(db.session.scalars(select(User.username).where(User.username.in_([a.username for a in DEMO_ACCOUNTS]))))
    seeded = seed_demo(
        chosen, hash_method=current_app.config["PASSWORD_HASH_METHOD"], reset_passwords=password is not None
    )
    click.echo(f"demo building ready; capability data: {', '.join(seeded) or 'none'}")
    for account in DEMO_ACCOUNTS:
        if account.username in existing and password is None:
            click.echo(f"  {account.username:<10} (exists; password unchanged)")
        else:
            click.echo(f"  {account.username:<10} {chosen}    {', '.join(r.value for r in account.roles)}")


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
    from portal.blueprints.auth.services import create_user, password_problem

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


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
