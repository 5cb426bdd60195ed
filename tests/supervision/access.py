from sqlalchemy import select

from portal.blueprints.supervision.models import (
    CheckItem,
    Inspection,
    InspectionResult,
    Meeting,
    PatrolRound,
    PatrolRoute,
    Rectification,
    RectificationStatus,
)
from portal.db import db
from tests.access import Access

VIEWERS = ("property", "logistics_admin", "sysadmin")  # the property company sees its scores and tasks
SUPERVISORS = ("logistics_admin", "sysadmin")
PATROL_VIEWERS = ("security",) + VIEWERS  # the guards record; staff see nothing of it


def _first(model) -> int:
    return db.session.scalar(select(model.id).order_by(model.id))


def _failed_inspection() -> int:
    return db.session.scalar(
        select(Rectification.inspection_id).where(Rectification.inspection_id.is_not(None)).order_by(Rectification.id)
    )


def _photographed_result() -> int:
    return db.session.scalar(select(InspectionResult.id).where(InspectionResult.photo_id.is_not(None))
                             .order_by(InspectionResult.id))


def _round(finished: bool) -> int:
    ended = PatrolRound.ended_at.is_not(None) if finished else PatrolRound.ended_at.is_(None)
    return db.session.scalar(select(PatrolRound.id).where(ended).order_by(PatrolRound.id))


def _rectification_in(status: RectificationStatus) -> int:
    return db.session.scalar(select(Rectification.id).where(Rectification.status == status).order_by(Rectification.id))


ACCESS = {
    "supervision.index": Access("/supervision/", allowed=VIEWERS),
    "supervision.items": Access("/supervision/items", allowed=SUPERVISORS),
    "supervision.toggle_item": Access(lambda: f"/supervision/items/{_first(CheckItem)}/toggle", post_only=True,
                                      post_roles=SUPERVISORS, form_page="/supervision/items"),
    "supervision.inspect": [
        Access("/supervision/inspect", allowed=SUPERVISORS),
        Access("/supervision/inspect?area=cleaning", allowed=SUPERVISORS),
    ],
    "supervision.inspections": Access("/supervision/inspections", allowed=VIEWERS),
    "supervision.inspection": Access(lambda: f"/supervision/inspections/{_first(Inspection)}", allowed=VIEWERS),
    "supervision.result_photo": Access(lambda: f"/supervision/inspections/results/{_photographed_result()}/photo",
                                       allowed=VIEWERS),
    "supervision.rectifications": Access("/supervision/rectifications", allowed=VIEWERS),
    "supervision.new_rectification": [
        Access("/supervision/rectifications/new", allowed=SUPERVISORS),
        Access(lambda: f"/supervision/rectifications/new?inspection={_failed_inspection()}", allowed=SUPERVISORS),
        Access(lambda: f"/supervision/rectifications/new?patrol={_round(True)}", allowed=SUPERVISORS),
    ],
    "supervision.rectification": Access(lambda: f"/supervision/rectifications/{_first(Rectification)}", allowed=VIEWERS),
    "supervision.report": Access(lambda: f"/supervision/rectifications/{_rectification_in(RectificationStatus.OPEN)}/report",
                                 post_only=True, post_roles=("property",),
                                 form_page=lambda: f"/supervision/rectifications/{_rectification_in(RectificationStatus.OPEN)}"),
    "supervision.review_rectification": Access(
        lambda: f"/supervision/rectifications/{_rectification_in(RectificationStatus.REPORTED)}/review",
        post_only=True, post_roles=SUPERVISORS,
        form_page=lambda: f"/supervision/rectifications/{_rectification_in(RectificationStatus.REPORTED)}"),
    # Staff of the units answer; the property company and the guards do not
    "supervision.survey": Access("/supervision/survey", allowed=("employee", "unit_admin", "logistics_admin", "sysadmin")),
    "supervision.patrols_log": [
        Access("/supervision/patrols", allowed=PATROL_VIEWERS),
        Access("/supervision/patrols?page=2", allowed=PATROL_VIEWERS),
    ],
    "supervision.patrol_round": [
        Access(lambda: f"/supervision/patrols/rounds/{_round(True)}", allowed=PATROL_VIEWERS),
        Access(lambda: f"/supervision/patrols/rounds/{_round(False)}", allowed=PATROL_VIEWERS),
    ],
    "supervision.start_patrol": Access(lambda: f"/supervision/patrols/routes/{_first(PatrolRoute)}/start", post_only=True,
                                       post_roles=("security",), form_page="/supervision/patrols"),
    "supervision.finish_patrol": Access(lambda: f"/supervision/patrols/rounds/{_round(False)}/finish", post_only=True,
                                        post_roles=("security",),
                                        form_page=lambda: f"/supervision/patrols/rounds/{_round(False)}"),
    "supervision.patrol_routes": Access("/supervision/patrol-routes", allowed=SUPERVISORS),
    "supervision.retire_patrol_route": Access(lambda: f"/supervision/patrols/routes/{_first(PatrolRoute)}/retire",
                                              post_only=True, post_roles=SUPERVISORS,
                                              form_page="/supervision/patrol-routes"),
    "supervision.meetings": Access("/supervision/meetings", allowed=VIEWERS),
    "supervision.meeting_pack": [
        Access("/supervision/meetings/pack", allowed=VIEWERS),
        Access("/supervision/meetings/pack?date=2026-11-15", allowed=VIEWERS),
    ],
    "supervision.new_meeting": Access("/supervision/meetings/new", allowed=SUPERVISORS),
    "supervision.meeting": Access(lambda: f"/supervision/meetings/{_first(Meeting)}", allowed=VIEWERS),
    "supervision.scores_xlsx": Access("/supervision/scores.xlsx", allowed=VIEWERS),
    "supervision.scores": [
        Access("/supervision/scores", allowed=VIEWERS),
        Access("/supervision/scores?month=2026-10", allowed=VIEWERS),
    ],
}
