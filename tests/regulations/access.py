from sqlalchemy import select

from portal.blueprints.regulations.models import Regulation
from portal.db import db
from tests.access import LOGGED_IN, Access

EDITORS = ("logistics_admin", "sysadmin")


def _first() -> int:
    return db.session.scalar(select(Regulation.id).order_by(Regulation.id))


ACCESS = {
    # Everyone working in the building reads the rules (guards and the property company too)
    "regulations.index": Access("/regulations/", allowed=LOGGED_IN),
    "regulations.detail": [
        Access(lambda: f"/regulations/{_first()}", allowed=LOGGED_IN),
        Access(lambda: f"/regulations/{_first()}?version=1", allowed=LOGGED_IN),
    ],
    "regulations.new": Access("/regulations/new", allowed=EDITORS),
    "regulations.revise_view": Access(lambda: f"/regulations/{_first()}/revise", allowed=EDITORS),
}
