from sqlalchemy import select

from portal.blueprints.feedback.models import Feedback, Status
from portal.db import db
from portal.models import User
from tests.access import STAFF, Access

HANDLERS = ("logistics_admin", "sysadmin")


def _of_staff_unpublished() -> int:
    """The demo's named, unpublished feedback of the account ``staff``: only the sender and logistics see it."""
    return db.session.scalar(
        select(Feedback.id).join(User, Feedback.sender_id == User.id)
        .where(User.username == "staff", Feedback.published.is_(False)).order_by(Feedback.id)
    )


def _anonymous_unpublished() -> int:
    return db.session.scalar(
        select(Feedback.id).where(Feedback.anonymous.is_(True), Feedback.published.is_(False)).order_by(Feedback.id)
    )


def _published() -> int:
    return db.session.scalar(select(Feedback.id).where(Feedback.published.is_(True)).order_by(Feedback.id))


def _new() -> int:
    return db.session.scalar(select(Feedback.id).where(Feedback.status == Status.NEW).order_by(Feedback.id))


ACCESS = {
    "feedback.index": Access("/feedback/", allowed=STAFF),
    "feedback.new": Access("/feedback/new", allowed=STAFF),
    "feedback.receipt": Access("/feedback/receipt", allowed=STAFF),
    "feedback.detail": [
        Access(lambda: f"/feedback/{_of_staff_unpublished()}", allowed=("employee",) + HANDLERS),
        # Anonymous: not even its sender can reach it by number (only by receipt code)
        Access(lambda: f"/feedback/{_anonymous_unpublished()}", allowed=HANDLERS),
        Access(lambda: f"/feedback/{_published()}", allowed=STAFF),
    ],
    "feedback.manage": Access("/feedback/manage", allowed=HANDLERS),
    "feedback.in_hand": Access(lambda: f"/feedback/{_new()}/in-hand", post_only=True, post_roles=HANDLERS,
                               form_page=lambda: f"/feedback/{_new()}"),
    "feedback.answer_view": Access(lambda: f"/feedback/{_new()}/answer", post_only=True, post_roles=HANDLERS,
                                   form_page=lambda: f"/feedback/{_new()}"),
}
