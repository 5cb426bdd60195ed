"""Management command ``flask --app portal seed-demo`` (capabilities add their own, e.g. auth's ``create-user``)."""

from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from sqlalchemy import select

from portal.db import db
from portal.models import User


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


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
