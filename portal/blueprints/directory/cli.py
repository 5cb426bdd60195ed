"""``flask --app portal directory reindex [--repair]``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import db

directory_cli = AppGroup("directory", help="Office directory maintenance.")


@directory_cli.command("reindex")
@click.option("--repair", is_flag=True, help="Only add missing keys and drop stale ones (fast).")
def reindex_command(repair: bool) -> None:
    """Recompute the search keys (after loading data without the portal)."""
    from portal.blueprints.directory.indexing import (
        rebuild_search_keys,
        reconcile_search_keys,
    )

    if repair:
        added, dropped = reconcile_search_keys()
        db.session.commit()
        click.echo(f"{added} search keys added, {dropped} dropped")
        return
    count = rebuild_search_keys()
    db.session.commit()
    click.echo(f"{count} search keys written")
