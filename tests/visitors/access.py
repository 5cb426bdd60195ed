from sqlalchemy import select

from portal.blueprints.visitors.models import VisitorEntry
from portal.db import db
from tests.access import Access

DESK = ("security", "logistics_admin")
HOSTS = ("employee", "unit_admin", "logistics_admin", "sysadmin")
ADMIN = ("logistics_admin",)


def _an_entry() -> str:
    return f"/visitors/entries/{db.session.scalar(select(VisitorEntry.id).order_by(VisitorEntry.id))}"


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
    "visitors.statistics": Access("/visitors/statistics", allowed=ADMIN),
    "visitors.resolve_unit": Access("/visitors/units/resolve?unit=rsj", allowed=DESK + HOSTS),
    "visitors.my_expected": Access("/visitors/expected/", allowed=HOSTS),
    "visitors.preregister": Access("/visitors/expected/new", allowed=HOSTS),
    "visitors.cancel_expected": Access("/visitors/expected/1/cancel", post_only=True, post_roles=HOSTS),  # 1 is staff's
    "visitors.watchlist": Access("/visitors/watchlist/", allowed=ADMIN),
    "visitors.delete_watch": Access("/visitors/watchlist/1/delete", post_only=True, post_roles=ADMIN),
}
