"""``flask --app portal directory reindex``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import db

directory_cli = AppGroup("directory", help="Office directory maintenance.")


@directory_cli.command("reindex")
def reindex_command() -> None:
    """Recompute the search keys (after loading data without the portal)."""
    from portal.blueprints.directory.indexing import rebuild_search_keys

    count = rebuild_search_keys()
    db.session.commit()
    click.echo(f"{count} search keys written")
