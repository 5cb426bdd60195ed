"""Fault reports from an item's QR label, without login.

The report lands in the property company's repair queue tied to the item, filed
by the portal's QR-label account (no password, cannot log in); the person's name
and phone are in the report. Floods are refused per address and per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal import audit
from portal.blueprints.equipment.models import Asset, PublicReport
from portal.blueprints.equipment.services import open_repair
from portal.blueprints.repairs.models import RepairRequest
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import User
from portal.rules import RuleViolation
from portal.text import normalise_identifier

WINDOW = timedelta(hours=1)
PER_ADDRESS = 5  # reports from one address in the window
PER_ITEM = 3  # reports on one item in the window (it is being handled)
QR_ACCOUNT = "equipment-qr"


@dataclass(frozen=True)
class PublicDraft:
    name: str
    phone: str
    description: str


def find_by_code(code: str) -> Asset | None:
    return db.session.scalar(select(Asset).where(Asset.code == normalise_identifier(code, upper=True)))


def qr_account() -> User:
    user = db.session.scalar(select(User).where(User.username == QR_ACCOUNT))
    if user is None:
        user = User(username=QR_ACCOUNT, display_name="设备二维码报修", password_hash="", active=False,
                    session_version=0)
        db.session.add(user)
        db.session.flush()
    return user


def report_from_label(asset: Asset, draft: PublicDraft, *, address: str, now: datetime) -> RepairRequest:
    name, phone, text = draft.name.strip(), normalise_identifier(draft.phone), draft.description.strip()
    if not name:
        raise RuleViolation(_l("Give your name."), field="name")
    if not (phone.replace("-", "").isdigit() and 5 <= len(phone) <= 20):
        raise RuleViolation(_l("Give a phone number the repairer can call."), field="phone")
    if len(text) < 4:
        raise RuleViolation(_l("Say what is wrong."), field="description")
    since = now - WINDOW
    address = (address or "?")[:64]
    from_address = db.session.scalar(select(func.count()).select_from(PublicReport)
                                     .where(PublicReport.address == address, PublicReport.at >= since))
    if from_address >= PER_ADDRESS:
        raise RuleViolation(_l("Too many reports from here in the last hour; please call the property company."),
                            status=429)
    on_item = db.session.scalar(select(func.count()).select_from(PublicReport)
                                .where(PublicReport.asset_id == asset.id, PublicReport.at >= since))
    if on_item >= PER_ITEM:
        raise RuleViolation(_l("This item was reported several times in the last hour; the property company is on it."),
                            status=429)
    repair = open_repair(asset, f"{text[:900]}（{name[:30]}，{phone}）", actor=qr_account(), now=now)
    repair.contact = phone[:30]
    db.session.add(PublicReport(asset_id=asset.id, address=address, at=now, repair_id=repair.id))
    audit.record(None, "equipment.public_report", asset, after={"repair": repair.id}, summary=asset.code)
    return repair
