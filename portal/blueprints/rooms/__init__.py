"""Meeting rooms (会议室): availability, requests and approval, recurrence,
meeting arrangements, closures, no-show release, iCalendar and door signs.

Services (``services.py``) own every change; "meeting arrangements" (茶水、
投影 …) are what the property company prepares (its sheet: /rooms/services).

Operations:

- ``ROOMS_ADVANCE_DAYS`` (default 60): how far ahead rooms can be booked;
  ``ROOMS_DEFAULT_NO_SHOW_GRACE`` (default 15 minutes): the check-in grace time
  of rooms without their own setting (per room: /rooms/settings, or off).
- cron, every five minutes: ``flask --app portal release-no-shows`` frees the
  rest of the slot of meetings nobody checked in. A new request releases due
  no-shows too; pages (grid, week, door sign, free-room search) show a due
  no-show as released without writing.
- cron, 16:30 and 07:30: ``flask --app portal announce-meeting-services --tomorrow``
  (and without ``--tomorrow``) tells the property company the day's meeting
  services; later changes to today's and tomorrow's reach it as they happen
  (``notify.py`` lists every message rooms sends).
- The workday calendar's ``calendar_changed`` signal re-evaluates pending
  requests on the changed days (connected in ``init_app``).
- iCalendar: ``/rooms/bookings/<id>.ics`` (for those who may see the booking),
  ``/rooms/bookings/<id>/series.ics`` (its series: one event with RRULE and
  EXDATE, moved meetings as events of their own; SEQUENCE counts changes),
  ``/rooms/<id>/calendar.ics`` (a subscribable feed, no login, non-public
  titles read 已预订) and ``/rooms/feeds/<token>.ics`` (a person's own
  meetings; the secret link, made and renewed at /rooms/mine, is the only
  key). Times carry ``TZID=Asia/Shanghai`` with a VTIMEZONE.
- Overlaps: PostgreSQL refuses them with the ``booking_no_overlap`` exclusion
  constraint (btree_gist); on SQLite the check and the insert run under
  ``begin_serialized_write()``. A change of an approved booking that needs
  approval is a ``proposed`` row (``change_of`` the booking) holding the new
  slot under the same constraint, which lets it overlap only its own booking;
  approval moves the booking onto it, rejection or withdrawal deletes it.
- Lobby display, door signs and feeds share ONE public-title rule,
  ``services.public_title(booking)`` (None: show 已预订);
  ``services.bookings_for_day(day)`` gives each meeting with it.
"""

from __future__ import annotations

import click
from flask import Blueprint, Flask, current_app, render_template
from flask_login import current_user

from portal.capabilities import Capability, NavItem, Setting
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS

bp = Blueprint("rooms", __name__, url_prefix="/rooms")

ADMIN_LINKS = (
    NavItem("rooms.approvals", _l("Meeting-room approvals"), ADMINS),
    NavItem("rooms.closures", _l("Meeting-room closures"), ADMINS),
    NavItem("rooms.settings", _l("Meeting-room settings and door signs"), ADMINS),
    NavItem("rooms.statistics", _l("Meeting-room statistics"), ADMINS),
    NavItem("rooms.arrangements", _l("Meeting services sheet"), ADMINS + (Role.PROPERTY,)),
    NavItem("rooms.tasks_page", _l("Meeting service tasks"), ADMINS + (Role.PROPERTY,)),
)


@click.command("release-no-shows")
def release_no_shows_command() -> None:
    """Release meetings not checked in within their room's grace time (run from cron every few minutes)."""
    from portal import timeutil
    from portal.blueprints.rooms.services import release_no_shows
    from portal.db import db

    released = release_no_shows(timeutil.now(), default_grace=current_app.config["ROOMS_DEFAULT_NO_SHOW_GRACE"])
    db.session.commit()
    click.echo(f"released {len(released)} booking(s)")


@click.command("announce-meeting-services")
@click.option("--tomorrow", is_flag=True, help="Announce tomorrow's meeting services instead of today's.")
def announce_arrangements_command(tomorrow: bool) -> None:
    """Tell the property company the day's meeting services (cron: 16:30 with --tomorrow, 07:30 without)."""
    from datetime import timedelta

    from portal import timeutil
    from portal.blueprints.rooms.services import announce_arrangements
    from portal.db import db

    now = timeutil.now()
    day = timeutil.today() + timedelta(days=1 if tomorrow else 0)
    count = announce_arrangements(day, now=now)
    db.session.commit()
    click.echo(f"{day.isoformat()}: {count} meeting(s) with services announced")


def init_app(app: Flask) -> None:
    from portal.blueprints.rooms.services import on_calendar_changed
    from portal.signals import calendar_changed

    app.cli.add_command(release_no_shows_command)
    app.cli.add_command(announce_arrangements_command)
    calendar_changed.connect(on_calendar_changed)  # blinker keeps one connection however many apps


def home_panel() -> str | None:
    """The user's coming bookings and recent decisions; the approval queue for
    the logistics center; today's meeting arrangements for the property company."""
    if not current_user.is_authenticated:
        return None
    from portal import timeutil
    from portal.blueprints.rooms.services import home_panel as panel

    context = panel(current_user, now=timeutil.now())
    if context is None:
        return None
    return render_template("rooms/_home_panel.html", panel=context)


CAPABILITY = Capability(
    "rooms",
    nav=NavItem("rooms.index", _l("Meeting rooms")),
    nav_order=40,
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    settings=(Setting("ROOMS_ADVANCE_DAYS", 60), Setting("ROOMS_DEFAULT_NO_SHOW_GRACE", 15)),
    init_app=init_app,
)

from portal.blueprints.rooms import views  # noqa: E402,F401
