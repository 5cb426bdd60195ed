from sqlalchemy import select

from portal.blueprints.equipment.models import Asset, AssetDocument, InspectionRound, MaintenancePlan
from portal.db import db
from tests.access import Access

WORKERS = ("property", "logistics_admin", "sysadmin")
EDITORS = ("logistics_admin", "sysadmin")


def _asset() -> int:
    return db.session.scalar(select(Asset.id).where(Asset.code == "DT-ZL-01"))


def _plan() -> int:
    return db.session.scalar(select(MaintenancePlan.id).where(MaintenancePlan.asset_id == _asset()).order_by(MaintenancePlan.id))


def _stopped_plan() -> int:
    return db.session.scalar(select(MaintenancePlan.id).where(MaintenancePlan.stopped_on.is_not(None))
                             .order_by(MaintenancePlan.id))


def _generator() -> int:
    return db.session.scalar(select(Asset.id).where(Asset.code == "FDJ-01"))


def _document() -> int:
    return db.session.scalar(select(AssetDocument.id).where(AssetDocument.asset_id == _asset()).order_by(AssetDocument.id))


def _round() -> int:
    return db.session.scalar(select(InspectionRound.id).order_by(InspectionRound.id))


ACCESS = {
    "equipment.index": Access("/equipment/", allowed=WORKERS),
    "equipment.export": Access("/equipment/register.xlsx", allowed=WORKERS),
    "equipment.new": Access("/equipment/new", allowed=EDITORS),
    "equipment.detail": Access(lambda: f"/equipment/{_asset()}", allowed=WORKERS),
    "equipment.edit": Access(lambda: f"/equipment/{_asset()}/edit", allowed=EDITORS),
    "equipment.add_plan": Access(lambda: f"/equipment/{_asset()}/plans", post_only=True, post_roles=EDITORS,
                                 form_page=lambda: f"/equipment/{_asset()}"),
    "equipment.edit_plan": Access(lambda: f"/equipment/plans/{_plan()}/edit", allowed=EDITORS),
    "equipment.stop_plan_page": Access(lambda: f"/equipment/plans/{_plan()}/stop", post_only=True, post_roles=EDITORS,
                                       form_page=lambda: f"/equipment/plans/{_plan()}/edit"),
    "equipment.resume_plan_page": Access(lambda: f"/equipment/plans/{_stopped_plan()}/resume", post_only=True,
                                         post_roles=EDITORS, form_page=lambda: f"/equipment/plans/{_stopped_plan()}/edit"),
    "equipment.plan_done": Access(lambda: f"/equipment/plans/{_plan()}/done", post_only=True, post_roles=WORKERS,
                                  form_page=lambda: f"/equipment/{_asset()}"),
    "equipment.add_reading": Access(lambda: f"/equipment/{_generator()}/readings", post_only=True, post_roles=WORKERS,
                                    form_page=lambda: f"/equipment/{_generator()}"),
    "equipment.add_repair": Access(lambda: f"/equipment/{_asset()}/repairs", post_only=True, post_roles=WORKERS,
                                   form_page=lambda: f"/equipment/{_asset()}"),
    "equipment.add_document_page": Access(lambda: f"/equipment/{_asset()}/documents", post_only=True,
                                          post_roles=EDITORS, form_page=lambda: f"/equipment/{_asset()}"),
    "equipment.document": Access(lambda: f"/equipment/documents/{_document()}", allowed=WORKERS),
    "equipment.delete_document": Access(lambda: f"/equipment/documents/{_document()}/delete", post_only=True,
                                        post_roles=EDITORS, form_page=lambda: f"/equipment/{_asset()}"),
    "equipment.due": Access("/equipment/due", allowed=WORKERS),
    "equipment.rounds": Access("/equipment/rounds", allowed=WORKERS),
    "equipment.round_page": Access(lambda: f"/equipment/rounds/{_round()}", allowed=WORKERS),
    "equipment.import_page": Access("/equipment/import", allowed=EDITORS),
    "equipment.labels": Access("/equipment/labels", allowed=WORKERS),
    # the fault form a QR label opens: public
    "equipment.report": Access("/equipment/report/DT-ZL-01"),
    "equipment.report_sent": Access("/equipment/report/DT-ZL-01/sent"),
    "equipment.budget": Access("/equipment/budget", allowed=EDITORS),
    "equipment.budget_lines": Access("/equipment/budget/lines?year=2027", allowed=EDITORS),
    "equipment.budget_export": Access("/equipment/budget.xlsx", allowed=EDITORS),
}
