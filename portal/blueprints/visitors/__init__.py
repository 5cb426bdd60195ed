"""Visitor log (访客登记) for the security desk: check-in and check-out,
the on-site list, pre-registration by employees, history and the watchlist.

Settings (declared on :data:`CAPABILITY`, read from the environment):

- ``PORTAL_VISITOR_ID_STORAGE``: ``none`` / ``partial`` (default) / ``full``
- ``PORTAL_VISITOR_ID_KEY``: Fernet key(s) for ``full`` (required then)
- ``PORTAL_VISITOR_RETENTION_DAYS``: personal fields are purged after this (180)
- ``PORTAL_VISITOR_CLOSING_TIME``: visitors still inside after it are flagged (18:00)
"""

from __future__ import annotations

import click
from flask import Blueprint, Flask, current_app, render_template
from flask_login import current_user

from portal.capabilities import Capability, NavItem, Setting
from portal.i18n import lazy_gettext as _l
from portal.models import Role

bp = Blueprint("visitors", __name__, url_prefix="/visitors")

DESK = (Role.SECURITY, Role.LOGISTICS_ADMIN)
# Who may pre-register visitors: every staff member (not the guards or the property company).
HOSTS = (Role.EMPLOYEE, Role.UNIT_ADMIN, Role.LOGISTICS_ADMIN, Role.SYSADMIN)

ADMIN_LINKS = (
    NavItem("visitors.history", _l("Visitor history"), (Role.LOGISTICS_ADMIN,)),
    NavItem("visitors.statistics", _l("Visitor statistics"), (Role.LOGISTICS_ADMIN,)),
    NavItem("visitors.watchlist", _l("Visitor watchlist"), (Role.LOGISTICS_ADMIN,)),
)


def current_settings():
    return current_app.extensions["visitors"]


SETTINGS = (
    Setting("VISITOR_ID_STORAGE", "partial", parse=str),
    Setting("VISITOR_ID_KEY", "", parse=str),
    Setting("VISITOR_RETENTION_DAYS", "180", parse=str),  # checked (with its message) by settings_from_config
    Setting("VISITOR_CLOSING_TIME", "18:00", parse=str),
)


@click.command("purge-visitors")
@click.option("--dry-run", is_flag=True, help="Only count what would be anonymized.")
def purge_visitors_command(dry_run: bool) -> None:
    """Anonymize visitor records older than the retention period (safe to run daily)."""
    from portal import timeutil
    from portal.blueprints.visitors.services import purge_personal_data
    from portal.db import db

    settings = current_settings()
    result = purge_personal_data(now=timeutil.now(), retention_days=settings.retention_days, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would anonymize" if dry_run else "anonymized"
    click.echo(
        f"{verb} {result.entries} visit(s), {result.preregistrations} pre-registration(s) "
        f"and {result.audit_records} audit record(s) "
        f"from before {result.cutoff:%Y-%m-%d %H:%M} (retention {settings.retention_days} days)"
    )


@click.command("visitor-no-shows")
def no_shows_command() -> None:
    """Tell hosts of expected visitors whose window ended without an arrival (run every few minutes)."""
    from portal import timeutil
    from portal.blueprints.visitors.services import tell_no_shows
    from portal.db import db

    told = tell_no_shows(now=timeutil.now())
    db.session.commit()
    click.echo(f"told {told} host(s) of a visitor who did not come")


def init_app(app: Flask) -> None:
    """Check the settings once at start-up: a bad one stops the app with
    :class:`~portal.blueprints.visitors.privacy.ConfigError` saying what to fix."""
    from portal.blueprints.visitors.services import settings_from_config

    from portal.blueprints.visitors.ratelimit import Limiter

    app.extensions["visitors"] = settings_from_config(app.config)
    app.extensions["visitors.registration_limit"] = Limiter()
    app.cli.add_command(purge_visitors_command)
    app.cli.add_command(no_shows_command)


def home_panel() -> str | None:
    """The desk's and the host's workbench: who is inside, who is expected now, my visitors today."""
    if not current_user.is_authenticated:
        return None
    from portal import timeutil
    from portal.blueprints.visitors.home import desk_workbench, host_workbench

    desk = current_user.has_role(*DESK)
    host = current_user.has_role(*HOSTS)
    if not (desk or host):
        return None
    now = timeutil.now()
    return render_template(
        "visitors/_home_panel.html",
        desk=desk_workbench(now=now, closing_time=current_settings().closing_time) if desk else None,
        host=host_workbench(current_user, now=now) if host else None,
    )


CAPABILITY = Capability(
    "visitors",
    nav=NavItem("visitors.index", _l("Visitor log"), DESK),
    nav_order=70,
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    settings=SETTINGS,
    init_app=init_app,
    # The guards' working page: they land on the desk after logging in.
    landing=NavItem("visitors.index", _l("Visitor desk"), (Role.SECURITY,)),
)

from portal.blueprints.visitors import notify, views  # noqa: E402,F401
