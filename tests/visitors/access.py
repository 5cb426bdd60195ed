from sqlalchemy import select

from portal.blueprints.visitors.models import VisitorEntry
from portal.db import db
from tests.access import ROLES, Access

DESK = ("security", "logistics_admin")
HOSTS = ("employee", "unit_admin", "logistics_admin", "sysadmin")
ADMIN = ("logistics_admin",)


def _an_entry() -> str:
    return f"/visitors/entries/{db.session.scalar(select(VisitorEntry.id).order_by(VisitorEntry.id))}"


def _an_entry_slip() -> str:
    return _an_entry() + "/slip"


ACCESS = {
    # Staff who are not at the desk are sent to their own expected visitors.
    "visitors.index": Access("/visitors/", allowed=DESK, expect={"employee": 303, "unit_admin": 303, "sysadmin": 303}),
    # The forms' own URLs show the desk on GET too: a refused form's page can be reloaded or re-shown in
    # another language (issue 13.3).
    "visitors.check_in": Access("/visitors/check-in", allowed=DESK),
    "visitors.check_out_badge": Access("/visitors/check-out", allowed=DESK),
    "visitors.check_out": Access("/visitors/entries/1/check-out", post_only=True, post_roles=DESK),
    "visitors.refuse": Access("/visitors/entries/1/refuse", post_only=True, post_roles=DESK),
    "visitors.reveal": Access("/visitors/entries/1/reveal", post_only=True, post_roles=ADMIN),
    "visitors.show_entry": Access(_an_entry, allowed=DESK),
    "visitors.on_site": Access("/visitors/on-site", allowed=DESK),
    "visitors.evacuation_list": Access("/visitors/on-site/evacuation", allowed=DESK),
    "visitors.history": Access("/visitors/history", allowed=DESK),
    # A POST (the export is audited); a GET goes back to the search.
    "visitors.export_history": Access("/visitors/history.xlsx", allowed=ADMIN, expect={"logistics_admin": 303}),
    "visitors.statistics": Access("/visitors/statistics", allowed=DESK),
    "visitors.resolve_unit": Access("/visitors/units/resolve?unit=rsj", allowed=DESK + HOSTS),
    "visitors.my_expected": Access("/visitors/expected/", allowed=HOSTS),
    "visitors.preregister": Access("/visitors/expected/new", allowed=HOSTS),
    "visitors.cancel_expected": Access("/visitors/expected/1/cancel", post_only=True, post_roles=HOSTS),  # 1 is staff's
    "visitors.my_invitations": Access("/visitors/invitations/", allowed=HOSTS),
    "visitors.invite": Access("/visitors/invitations/new", allowed=HOSTS),
    # An invitation is its host's: the demo has none, so every role that may invite gets 404 for a made-up one.
    "visitors.show_invitation": Access("/visitors/invitations/999", allowed=HOSTS,
                                       expect={role: 404 for role in HOSTS}),
    "visitors.revoke_invitation": Access("/visitors/invitations/1/revoke", post_only=True, post_roles=HOSTS),
    # The visitor's own page is public; an unknown token is a clear 404 page for everyone.
    "visitors.register": Access("/visitors/i/" + "x" * 43, expect={role: 404 for role in ROLES}),
    "visitors.find_pass": Access("/visitors/pass", allowed=DESK),
    "visitors.check_in_pass": Access("/visitors/pass/1/check-in", post_only=True, post_roles=DESK),
    "visitors.slip": Access(_an_entry_slip, allowed=DESK),
    "visitors.watchlist": Access("/visitors/watchlist/", allowed=ADMIN),
    "visitors.delete_watch": Access("/visitors/watchlist/1/delete", post_only=True, post_roles=ADMIN),
}
