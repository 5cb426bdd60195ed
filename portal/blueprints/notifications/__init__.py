"""Notifications (消息): the inbox of to-dos and notices every person has, the
count in the header, and delivery by e-mail and group-robot webhooks.

Capabilities emit events through ``portal.events`` inside the transaction that
changes the data; this capability stores one message per recipient in that
same transaction, and a sender delivers them later, in each recipient's
language, with retries:

- cron, every minute: ``flask --app portal notify send`` (or run
  ``flask --app portal notify send --loop`` as a long-running worker);
- SMTP: ``PORTAL_SMTP_HOST``, ``PORTAL_SMTP_PORT`` (25), ``PORTAL_SMTP_SECURITY``
  (none / starttls / ssl), ``PORTAL_SMTP_USERNAME``, ``PORTAL_SMTP_PASSWORD``,
  ``PORTAL_SMTP_FROM``; without a host no e-mail is sent (in-portal messages
  still are);
- group robots (DingTalk, WeCom) are set up at /inbox/webhooks.
"""

from __future__ import annotations

import click
from flask import Blueprint, Flask, current_app, render_template
from flask_login import current_user

from portal import events
from portal.capabilities import Capability, NavItem, Setting
from portal.i18n import lazy_gettext as _l
from portal.security import ADMINS

bp = Blueprint("notifications", __name__, url_prefix="/inbox")

ADMIN_LINKS = (NavItem("notifications.webhooks", _l("Group robots for notifications"), ADMINS),)

TEST_MESSAGE = events.EventKind(
    code="notifications.test",
    label=_l("Test messages"),
    subject=_l("Test message for %(target)s"),
    body=_l("If you can read this, messages from the portal reach you."),
)
events.register(TEST_MESSAGE)


def smtp_settings():
    from portal.blueprints.notifications.channels import SmtpSettings

    config = current_app.config
    return SmtpSettings(
        host=config["SMTP_HOST"], port=config["SMTP_PORT"], username=config["SMTP_USERNAME"],
        password=config["SMTP_PASSWORD"], sender=config["SMTP_FROM"], security=config["SMTP_SECURITY"],
        timeout=config["SMTP_TIMEOUT"],
    )


def mailer():
    """The SMTP mailer, or None when e-mail is not set up (or set up wrongly)."""
    from portal.blueprints.notifications.channels import SmtpMailer

    settings = smtp_settings()
    return SmtpMailer(settings) if settings.usable else None


@click.group("notify")
def notify_cli() -> None:
    """Deliver notifications."""


@notify_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, sending every --interval seconds.")
@click.option("--interval", default=30, show_default=True, help="Seconds between rounds with --loop.")
@click.option("--batch", default=200, show_default=True, help="Messages claimed per round and channel.")
def send_command(loop: bool, interval: int, batch: int) -> None:
    """Send the e-mails and group-robot messages that are due (cron: every minute)."""
    import time

    from portal import timeutil
    from portal.blueprints.notifications.channels import WebhookPoster
    from portal.blueprints.notifications.services import send_due

    settings = smtp_settings()
    for problem in settings.problems():
        click.echo(problem, err=True)
    # Set up wrongly (not merely not set up): e-mails wait until the settings are fixed.
    hold_email = bool(settings.host) and not settings.usable
    while True:
        report = send_due(now=timeutil.now(), mailer=mailer(), poster=WebhookPoster(), batch=batch,
                          hold_email=hold_email)
        click.echo(f"e-mailed {report.emailed}, skipped {report.skipped}, retrying {report.retried}, "
                   f"failed {report.failed}; webhooks sent {report.webhooks_sent}, failed {report.webhooks_failed}")
        if not loop:
            return
        if report.total < batch:
            time.sleep(interval)


@notify_cli.command("remind")
def remind_command() -> None:
    """Tell people of conditions that came about with time, once each (cron: every hour)."""
    from portal import timeutil
    from portal.db import db

    sent = events.remind(now=timeutil.now())
    db.session.commit()
    click.echo(f"{sent} reminder(s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(notify_cli)


def header_item() -> str | None:
    """The count of open to-dos and unread notices beside the user's name."""
    if not current_user.is_authenticated:
        return None
    from portal.blueprints.notifications.services import open_count

    return render_template("notifications/_count.html", count=open_count(current_user.id))


CAPABILITY = Capability(
    "notifications",
    admin_links=ADMIN_LINKS,
    header_item=header_item,
    settings=(
        Setting("SMTP_HOST", "", str),
        Setting("SMTP_PORT", 25),
        Setting("SMTP_SECURITY", "none", str),
        Setting("SMTP_USERNAME", "", str),
        Setting("SMTP_PASSWORD", "", str),
        Setting("SMTP_FROM", "", str),
        Setting("SMTP_TIMEOUT", 10.0, float),
    ),
    init_app=init_app,
)

from portal.blueprints.notifications import views  # noqa: E402,F401
from portal.blueprints.notifications.services import connect as _connect  # noqa: E402

_connect()
