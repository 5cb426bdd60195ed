"""The rules of the equipment register, its maintenance plans and inspection rounds.

Plain functions: the caller passes the acting user and the time (``actor``,
``now``) and commits. A refused change raises :class:`portal.rules.RuleViolation`.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from sqlalchemy import and_, bindparam, extract, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.orm import joinedload

from portal import audit, files
from portal.blueprints.equipment import notify
from portal.blueprints.equipment.models import (
    Asset,
    AssetCategory,
    AssetDocument,
    AssetRepair,
    CheckResult,
    Condition,
    CounterReading,
    DocumentKind,
    InspectionRound,
    IntervalUnit,
    MaintenancePlan,
    MaintenanceRecord,
    PlanKind,
    RoundResult,
    place_label,
)
from portal.blueprints.equipment.schedule import next_after_done
from portal.blueprints.repairs import services as repairs
from portal.blueprints.repairs.models import Category as RepairCategory
from portal.blueprints.repairs.models import RepairRequest, Urgency
from portal.db import Money, db
from portal.i18n import lazy_gettext as _l
from portal.models import Building, Floor, Room, User
from portal.paging import ListPage
from portal.rules import RuleViolation
from portal.sqltime import local_month
from portal.text import contains, normalise_identifier
from portal.timeutil import LOCAL_TZ

MAX_COST = Decimal("99999999.99")
FEN = Decimal("0.01")
ZERO = Decimal("0.00")
EARLIEST_INSTALL = date(1950, 1, 1)


@dataclass(frozen=True)
class CategoryFacts:
    life_years: int  # expected life when nothing else is known
    repair_category: RepairCategory  # the kind of fault a failed check is reported as
    checklist: tuple  # what a round checks on each item (lazy strings)


CATEGORY_FACTS: dict[AssetCategory, CategoryFacts] = {
    AssetCategory.LIFT: CategoryFacts(15, RepairCategory.ELEVATOR, (
        _l("Doors open, close and reopen on obstruction"), _l("Levelling at each floor"),
        _l("Alarm button and intercom work"), _l("No unusual noise or vibration"))),
    AssetCategory.TRANSFORMER: CategoryFacts(25, RepairCategory.ELECTRIC, (
        _l("Temperature and load within limits"), _l("No smell, noise or discharge marks"),
        _l("Room dry, locked, extinguisher present"))),
    AssetCategory.DISTRIBUTION: CategoryFacts(20, RepairCategory.ELECTRIC, (
        _l("Breakers labelled and none tripped"), _l("No hot or discoloured terminals"),
        _l("Cabinet closed and locked"))),
    AssetCategory.PUMP: CategoryFacts(15, RepairCategory.WATER, (
        _l("Pressure within range"), _l("No leaks at seals and valves"), _l("Standby pump switches over"))),
    AssetCategory.PIPES: CategoryFacts(20, RepairCategory.WATER, (
        _l("No leaks, damp or rust stains"), _l("Valves turn and are labelled"), _l("Drains run freely"))),
    AssetCategory.HVAC: CategoryFacts(15, RepairCategory.AIR_CONDITIONING, (
        _l("Cools and heats to the set point"), _l("Filters clean"), _l("Condensate drains, no leaks"))),
    AssetCategory.FIRE: CategoryFacts(15, RepairCategory.OTHER, (
        _l("Panel shows no faults"), _l("Hydrant and sprinkler pressure normal"),
        _l("Extinguishers in date, exits clear"))),
    AssetCategory.GENERATOR: CategoryFacts(20, RepairCategory.ELECTRIC, (
        _l("Starts and takes the load"), _l("Fuel and coolant levels"), _l("Battery charged"))),
    AssetCategory.SECURITY: CategoryFacts(8, RepairCategory.NETWORK, (
        _l("Every camera shows a picture"), _l("Recordings kept for 30 days"), _l("Card readers open the doors"))),
    AssetCategory.AV: CategoryFacts(8, RepairCategory.OTHER, (
        _l("Projector or screen shows a picture"), _l("Microphones and speakers work"),
        _l("Cables and remotes present"))),
}


# --- checks -------------------------------------------------------------------------------------


def check_cost(value, field_name: str, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise RuleViolation(_l("Enter an amount in yuan (0 if none)."), field=field_name)
        return None
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RuleViolation(_l("Enter an amount in yuan (0 if none)."), field=field_name) from None
    if not value.is_finite() or value < 0 or value > MAX_COST or value != value.quantize(FEN):
        raise RuleViolation(_l("An amount is between 0 and 99,999,999.99 yuan, to the fen."), field=field_name)
    return value.quantize(FEN)


def _today(now: datetime) -> date:
    from portal.timeutil import LOCAL_TZ

    return now.astimezone(LOCAL_TZ).date()


# --- the register -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetDraft:
    """An item as typed on the form or read from a workbook row."""

    code: str
    name: str
    category: AssetCategory | str
    floor_id: int | None
    room_id: int | None = None
    zone: str = ""
    install_date: date | None = None
    expected_life_years: int | None = None
    replacement_cost: Decimal | None = None
    supplier: str = ""
    maintainer: str = ""
    contract_end: date | None = None
    warranty_end: date | None = None
    condition: Condition | str = Condition.GOOD
    condition_date: date | None = None
    notes: str = ""


ASSET_FIELDS = (
    "code", "name", "category", "floor_id", "room_id", "zone", "install_date", "expected_life_years",
    "replacement_cost", "supplier", "maintainer", "contract_end", "warranty_end", "condition", "condition_date",
    "notes",
)


def _apply(asset: Asset, draft: AssetDraft, now: datetime) -> None:
    today = _today(now)
    code = normalise_identifier(draft.code, upper=True)
    if not code:
        raise RuleViolation(_l("Give the item a code, e.g. DT-01."), field="code")
    if len(code) > 30:
        raise RuleViolation(_l("A code has at most 30 characters."), field="code")
    taken = db.session.scalar(select(Asset.id).where(Asset.code == code, Asset.id != (asset.id or 0)))
    if taken is not None:
        raise RuleViolation(_l("Another item already has the code %(code)s.", code=code), field="code")
    name = (draft.name or "").strip()
    if not name:
        raise RuleViolation(_l("Give the item a name."), field="name")
    try:
        category = AssetCategory(draft.category)
    except ValueError:
        raise RuleViolation(_l("Choose a category."), field="category") from None
    floor = db.session.get(Floor, draft.floor_id) if draft.floor_id else None
    if floor is None:
        raise RuleViolation(_l("Choose the building and floor."), field="floor_id")
    room = None
    if draft.room_id:
        room = db.session.get(Room, draft.room_id)
        if room is None or room.floor_id != floor.id:
            raise RuleViolation(_l("That room is not on the chosen floor."), field="room_id")
    if draft.install_date is None:
        raise RuleViolation(_l("Enter the installation date."), field="install_date")
    if draft.install_date > today:
        raise RuleViolation(_l("The installation date cannot be in the future."), field="install_date")
    if draft.install_date < EARLIEST_INSTALL:
        raise RuleViolation(_l("The installation date is too early."), field="install_date")
    life = draft.expected_life_years
    if life is None or not 1 <= life <= 100:
        raise RuleViolation(_l("The expected life is 1 to 100 years."), field="expected_life_years")
    cost = check_cost(draft.replacement_cost, "replacement_cost")
    try:
        condition = Condition(draft.condition)
    except ValueError:
        raise RuleViolation(_l("Choose the condition."), field="condition") from None
    condition_date = draft.condition_date or today
    if condition_date > today:
        raise RuleViolation(_l("The condition cannot be assessed in the future."), field="condition_date")
    asset.code, asset.name, asset.category = code, name[:80], category
    asset.floor, asset.room, asset.zone = floor, room, (draft.zone or "").strip()[:80]
    asset.install_date, asset.expected_life_years, asset.replacement_cost = draft.install_date, life, cost
    asset.supplier, asset.maintainer = (draft.supplier or "").strip()[:80], (draft.maintainer or "").strip()[:80]
    asset.contract_end, asset.warranty_end = draft.contract_end, draft.warranty_end
    asset.condition, asset.condition_date = condition, condition_date
    asset.notes = (draft.notes or "").strip()


def create_asset(draft: AssetDraft, *, actor: User | None, now: datetime) -> Asset:
    asset = Asset(created_at=now)
    _apply(asset, draft, now)
    db.session.add(asset)
    db.session.flush()
    audit.record(actor, "equipment.create", asset, after=audit.snapshot(asset, ASSET_FIELDS), summary=asset.code)
    return asset


def update_asset(asset: Asset, draft: AssetDraft, *, actor: User | None, now: datetime) -> Asset:
    before = audit.snapshot(asset, ASSET_FIELDS)
    _apply(asset, draft, now)
    audit.record(actor, "equipment.update", asset, before=before, after=audit.snapshot(asset, ASSET_FIELDS),
                 summary=asset.code)
    return asset


# --- documents ---------------------------------------------------------------------------------


def add_document(asset: Asset, kind: DocumentKind | str, title: str, upload, *, actor: User | None,
                 now: datetime) -> AssetDocument:
    """Keep a file (manual, certificate …) with the item; refused files leave nothing behind."""
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise RuleViolation(_l("Choose what kind of document it is."), field="kind") from None
    stored = files.store(upload, actor=actor, now=now)
    document = AssetDocument(asset=asset, file=stored, kind=kind, title=(title or "").strip()[:80])
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "equipment.document_add", asset,
                 after={"document": document.id, "kind": kind, "name": stored.name}, summary=asset.code)
    return document


def remove_document(document: AssetDocument, *, actor: User | None, now: datetime) -> None:
    stored = document.file
    audit.record(actor, "equipment.document_remove", document.asset,
                 before={"document": document.id, "kind": document.kind, "name": stored.name},
                 summary=document.asset.code)
    db.session.delete(document)
    db.session.flush()
    files.delete(stored, actor=actor, now=now)


def find_document(document_id: int) -> AssetDocument | None:
    return db.session.scalar(select(AssetDocument).options(joinedload(AssetDocument.file), joinedload(AssetDocument.asset))
                             .where(AssetDocument.id == document_id))


# --- maintenance plans --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDraft:
    title: str
    kind: PlanKind | str
    every: int | None
    unit: IntervalUnit | str
    first_due: date | None
    remind_days: int | None = 14


PLAN_FIELDS = ("title", "kind", "every", "unit", "anchor", "next_due", "due_reading", "remind_days", "active",
               "stopped_on", "stop_reason")
MAX_COUNTER_INTERVAL = 1_000_000
MAX_READING = 10**12
DUE_SOON_SHARE = 10  # a counter plan is "due soon" within a tenth of its interval
MAX_STOP_AHEAD = timedelta(days=366)


def _check_plan(draft: PlanDraft) -> tuple[str, PlanKind, int, IntervalUnit, date, int]:
    title = (draft.title or "").strip()
    if not title:
        raise RuleViolation(_l("Say what is to be done."), field="title")
    try:
        kind, unit = PlanKind(draft.kind), IntervalUnit(draft.unit)
    except ValueError:
        raise RuleViolation(_l("Choose the kind of plan and the interval."), field="unit") from None
    if unit.by_counter:
        if draft.every is None or not 1 <= draft.every <= MAX_COUNTER_INTERVAL:
            raise RuleViolation(_l("A counter interval is 1 to 1,000,000."), field="every")
    elif draft.every is None or not 1 <= draft.every <= 366:
        raise RuleViolation(_l("The interval is 1 to 366."), field="every")
    elif draft.first_due is None:
        raise RuleViolation(_l("Enter the date it is next due."), field="first_due")
    remind = draft.remind_days if draft.remind_days is not None else 14
    if not 0 <= remind <= 90:
        raise RuleViolation(_l("Remind 0 to 90 days before."), field="remind_days")
    return title[:80], kind, draft.every, unit, draft.first_due, remind


def _schedule(plan: MaintenancePlan, first_due: date | None, now: datetime) -> None:
    """Start the plan's schedule: from ``first_due``, or by a counter from the item's latest reading."""
    if plan.unit.by_counter:
        plan.anchor, plan.next_due = _today(now), None
        plan.due_reading = (plan.asset.counter_total or 0) + plan.every
    else:
        plan.anchor = plan.next_due = first_due
        plan.due_reading = None


def create_plan(asset: Asset, draft: PlanDraft, *, actor: User | None, now: datetime) -> MaintenancePlan:
    """A plan by days, weeks or months from ``first_due``, or every N units of the item's counter
    (first due N units after its latest reading)."""
    title, kind, every, unit, first_due, remind = _check_plan(draft)
    plan = MaintenancePlan(asset=asset, title=title, kind=kind, every=every, unit=unit, remind_days=remind,
                           active=True)
    _schedule(plan, first_due, now)
    db.session.add(plan)
    db.session.flush()
    audit.record(actor, "equipment.plan_create", plan, after=audit.snapshot(plan, PLAN_FIELDS), summary=asset.code)
    return plan


def update_plan(plan: MaintenancePlan, draft: PlanDraft, *, actor: User | None, now: datetime) -> MaintenancePlan:
    """Change a plan mid-way: the schedule restarts from the date given as next due."""
    if plan.stopped_on is not None:
        raise RuleViolation(_l("This plan is stopped; resume it to change it."), field="title")
    title, kind, every, unit, first_due, remind = _check_plan(draft)
    before = audit.snapshot(plan, PLAN_FIELDS)
    if plan.next_due is not None and plan.next_due != first_due:
        notify.settle(plan, now=now)
    plan.title, plan.kind, plan.every, plan.unit, plan.remind_days = title, kind, every, unit, remind
    _schedule(plan, first_due, now)
    audit.record(actor, "equipment.plan_update", plan, before=before, after=audit.snapshot(plan, PLAN_FIELDS),
                 summary=plan.asset.code)
    return plan


def record_maintenance(
    plan: MaintenancePlan, *, done_on: date | None, cost, note: str, actor: User | None, now: datetime
) -> MaintenanceRecord:
    """The work due on ``plan.next_due`` is done; the plan moves to its next date."""
    if not plan.active:
        raise RuleViolation(_l("This plan is stopped."), status=409)
    if done_on is None:
        raise RuleViolation(_l("Enter the day the work was done."), field="done_on")
    if done_on > _today(now):
        raise RuleViolation(_l("The work cannot be done in the future."), field="done_on")
    if done_on < plan.asset.install_date:
        raise RuleViolation(_l("The work cannot be done before the item was installed."), field="done_on")
    amount = check_cost(cost, "cost")
    record = MaintenanceRecord(asset=plan.asset, plan=plan, due_on=plan.next_due, done_on=done_on, cost=amount,
                               note=(note or "").strip(), actor=actor, recorded_at=now)
    db.session.add(record)
    if plan.next_due is not None:
        notify.settle(plan, now=now)
    before = plan.next_due
    if plan.unit.by_counter:
        # next due a full interval after the latest reading, however far it ran past (one work order, not two)
        plan.next_due = None
        plan.due_reading = (plan.asset.counter_total or 0) + plan.every
    else:
        plan.next_due = next_after_done(plan.anchor, plan.every, plan.unit, plan.next_due, done_on)
    _end_if_stopped(plan, now)
    db.session.flush()
    audit.record(actor, "equipment.maintenance_done", record,
                 after={"plan": plan.id, "due_on": before, "done_on": done_on, "cost": amount,
                        "next_due": plan.next_due, "due_reading": plan.due_reading}, summary=plan.asset.code)
    return record


def _end_if_stopped(plan: MaintenancePlan, now: datetime) -> None:
    """A stopped plan whose next date falls on or after the stop produces no more work."""
    if plan.stopped_on is not None and plan.active and (plan.next_due is None or plan.next_due >= plan.stopped_on):
        notify.settle(plan, now=now)
        plan.active = False


def stop_plan(plan: MaintenancePlan, *, stopped_on: date | None, reason: str, actor: User | None,
              now: datetime) -> MaintenancePlan:
    """End a plan on ``stopped_on`` (the item was replaced, the contract moved …).

    The rule: work due before the stop day is still owed and stays on the due
    list until it is recorded; the date due on or after the stop day, and
    every later one, is cancelled. The stop day may be ahead (at most a year):
    the plan runs until then. A plan by a counter has no dates ahead: a work
    order already produced stays owed, no further one is produced.
    """
    if plan.stopped_on is not None:
        raise RuleViolation(_l("This plan is already stopped."), status=409)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise RuleViolation(_l("Say why the plan stops."), field="reason")
    if stopped_on is None:
        raise RuleViolation(_l("Enter the day the plan stops."), field="stopped_on")
    if stopped_on > _today(now) + MAX_STOP_AHEAD:
        raise RuleViolation(_l("A plan can be stopped at most a year ahead."), field="stopped_on")
    if stopped_on < plan.asset.install_date:
        raise RuleViolation(_l("A plan cannot stop before the item was installed."), field="stopped_on")
    before = audit.snapshot(plan, PLAN_FIELDS)
    plan.stopped_on, plan.stop_reason = stopped_on, reason[:200]
    _end_if_stopped(plan, now)
    audit.record(actor, "equipment.plan_stop", plan, before=before, after=audit.snapshot(plan, PLAN_FIELDS),
                 summary=plan.asset.code)
    return plan


def resume_plan(plan: MaintenancePlan, *, next_due: date | None, actor: User | None, now: datetime) -> MaintenancePlan:
    """Start a stopped plan again; its schedule restarts from ``next_due``."""
    if plan.stopped_on is None:
        raise RuleViolation(_l("This plan is not stopped."), status=409)
    if next_due is None and not plan.unit.by_counter:
        raise RuleViolation(_l("Enter the date it is next due."), field="next_due")
    before = audit.snapshot(plan, PLAN_FIELDS)
    plan.stopped_on, plan.stop_reason, plan.active = None, "", True
    _schedule(plan, next_due, now)
    audit.record(actor, "equipment.plan_resume", plan, before=before, after=audit.snapshot(plan, PLAN_FIELDS),
                 summary=plan.asset.code)
    return plan


# --- counters ----------------------------------------------------------------------------------


def _produce_if_reached(plan: MaintenancePlan, day: date) -> None:
    """A counter plan's work order: due on the day the reading reached last done + interval (once)."""
    total = plan.asset.counter_total
    if (plan.active and plan.next_due is None and total is not None and total >= (plan.due_reading or 0)
            and (plan.stopped_on is None or day < plan.stopped_on)):
        plan.next_due = day


def record_reading(asset: Asset, *, read_on: date | None, value: int | None, replaced: bool = False,
                   actor: User | None, now: datetime) -> CounterReading:
    """What the item's counter shows; never lower than the last reading unless the counter was replaced."""
    if read_on is None:
        raise RuleViolation(_l("Enter the day the counter was read."), field="read_on")
    if read_on > _today(now):
        raise RuleViolation(_l("A counter cannot be read in the future."), field="read_on")
    if read_on < asset.install_date:
        raise RuleViolation(_l("A counter cannot be read before the item was installed."), field="read_on")
    if value is None or not 0 <= value < MAX_READING:
        raise RuleViolation(_l("Enter the number the counter shows (a whole number, 0 or more)."), field="value")
    last = db.session.scalar(select(CounterReading).where(CounterReading.asset_id == asset.id)
                             .order_by(CounterReading.read_on.desc(), CounterReading.id.desc()).limit(1))
    if last is not None and read_on < last.read_on:
        raise RuleViolation(_l("The last reading is of %(day)s; enter readings in order.",
                               day=last.read_on.isoformat()), field="read_on")
    if last is not None and value < last.value and not replaced:
        raise RuleViolation(_l("The counter showed %(value)s on %(day)s; a lower reading is only accepted when the "
                               "counter was replaced (tick the box).", value=last.value, day=last.read_on.isoformat()),
                            field="value")
    if last is None:
        total = value
    elif replaced:
        total = last.total + value  # the new counter started from zero
    else:
        total = last.total + value - last.value
    reading = CounterReading(asset_id=asset.id, read_on=read_on, value=value, total=total, replaced=bool(replaced),
                             actor=actor, recorded_at=now)
    db.session.add(reading)
    asset.counter_total = total
    for plan in asset.plans:
        if plan.unit.by_counter:
            _produce_if_reached(plan, read_on)
    db.session.flush()
    audit.record(actor, "equipment.counter_reading", asset,
                 after={"read_on": read_on, "value": value, "total": total, "replaced": bool(replaced)},
                 summary=asset.code)
    return reading


def counter_readings(asset: Asset, limit: int = 12) -> list[CounterReading]:
    return list(db.session.scalars(select(CounterReading).where(CounterReading.asset_id == asset.id)
                                   .order_by(CounterReading.read_on.desc(), CounterReading.id.desc()).limit(limit)))


# --- repairs of an item -------------------------------------------------------------------------


def link_repair(asset: Asset, repair_id: int | None, *, actor: User | None, now: datetime) -> AssetRepair:
    repair = db.session.get(RepairRequest, repair_id) if repair_id else None
    if repair is None:
        raise RuleViolation(_l("There is no repair with that number."), field="repair_id")
    existing = db.session.scalar(select(AssetRepair).where(AssetRepair.repair_id == repair.id))
    if existing is not None:
        raise RuleViolation(_l("That repair is already tied to an item."), field="repair_id")
    link = AssetRepair(asset=asset, repair_id=repair.id)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "equipment.link_repair", asset, after={"repair": repair.id}, summary=asset.code)
    return link


# --- inspection rounds --------------------------------------------------------------------------


def start_round(category: AssetCategory | str, building_id: int | None, *, actor: User, now: datetime) -> InspectionRound:
    try:
        category = AssetCategory(category)
    except ValueError:
        raise RuleViolation(_l("Choose a category."), field="category") from None
    building = db.session.get(Building, building_id) if building_id else None
    if building is None:
        raise RuleViolation(_l("Choose the building."), field="building")
    assets = db.session.scalars(
        select(Asset).join(Floor).where(Asset.category == category, Floor.building_id == building.id)
        .order_by(Floor.level, Asset.code)
    ).all()
    if not assets:
        raise RuleViolation(_l("The register has no items of this category in that building."), field="category")
    round_ = InspectionRound(category=category, building=building, inspector=actor, started_at=now)
    round_.results = [RoundResult(asset=a, result=None, finding="") for a in assets]
    db.session.add(round_)
    db.session.flush()
    audit.record(actor, "equipment.round_start", round_, summary=f"{category.value} {building.code}")
    return round_


@dataclass(frozen=True)
class Finding:
    result: CheckResult | str | None
    finding: str = ""


def finish_round(
    round_: InspectionRound, findings: dict[int, Finding], *, note: str = "", actor: User, now: datetime
) -> list[RepairRequest]:
    """Keep the round's results; each failed item opens a repair with the finding (returned)."""
    if round_.finished_at is not None:
        raise RuleViolation(_l("This round is finished; start a new one."), status=409)
    opened = []
    for line in round_.results:
        given = findings.get(line.asset_id)
        if given is None or not given.result:
            raise RuleViolation(_l("Give a result for every item (“not checked” if you could not)."),
                                field=f"result-{line.asset_id}")
        try:
            result = CheckResult(given.result)
        except ValueError:
            raise RuleViolation(_l("Give a result for every item (“not checked” if you could not)."),
                                field=f"result-{line.asset_id}") from None
        finding = (given.finding or "").strip()[:500]
        if result is CheckResult.FAIL and len(finding) < 4:
            raise RuleViolation(_l("Say what is wrong with %(code)s.", code=line.asset.code),
                                field=f"finding-{line.asset_id}")
        line.result, line.finding = result, finding
    for line in round_.results:
        if line.result is CheckResult.FAIL:
            repair = open_repair(line.asset, line.finding, actor=actor, now=now)
            line.repair_id = repair.id
            opened.append(repair)
    round_.finished_at = now
    round_.note = (note or "").strip()
    audit.record(actor, "equipment.round_finish", round_,
                 after={"failed": [line.asset_id for line in round_.results if line.result is CheckResult.FAIL]},
                 summary=f"{round_.category.value} {len(opened)}")
    return opened


def open_repair(asset: Asset, finding: str, *, actor: User, now: datetime) -> RepairRequest:
    """A fault on ``asset`` into the property company's repair queue, tied to the item."""
    draft = repairs.ReportDraft(
        location=repairs.location_value(asset.floor_id, asset.room_id),
        category=CATEGORY_FACTS[asset.category].repair_category,
        description=f"[{asset.code} {asset.name}] {finding}",
        urgency=Urgency.NORMAL,
        spot=f"{asset.code} {asset.zone}".strip()[:80],
    )
    repair = repairs.report_fault(draft, actor=actor, now=now)
    db.session.add(AssetRepair(asset=asset, repair_id=repair.id))
    return repair


# --- reads for the pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    category: AssetCategory | None = None
    building: int | None = None
    condition: Condition | None = None
    q: str = ""

    def url_args(self) -> dict:
        values = {"category": self.category, "building": self.building, "condition": self.condition, "q": self.q}
        return {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in values.items() if v not in (None, "")}


def with_place(query):
    return query.options(joinedload(Asset.floor).joinedload(Floor.building), joinedload(Asset.room))


def _register_filtered(query, filters: Filters):
    """``query`` (of assets) narrowed to ``filters``."""
    if filters.category is not None:
        query = query.where(Asset.category == filters.category)
    if filters.building is not None:
        query = query.where(Asset.floor_id.in_(select(Floor.id).where(Floor.building_id == filters.building)))
    if filters.condition is not None:
        query = query.where(Asset.condition == filters.condition)
    if filters.q:
        code = normalise_identifier(filters.q, upper=True)
        query = query.where(contains(Asset.name, filters.q) | contains(Asset.code, code)
                            | contains(Asset.zone, filters.q) | contains(Asset.supplier, filters.q))
    return query


REGISTER_ORDER = (Asset.category, Asset.code)  # ix_equipment_asset_category_code


def register_query(filters: Filters):
    return _register_filtered(with_place(select(Asset)), filters).order_by(*REGISTER_ORDER)


@dataclass(frozen=True)
class RegisterRow:
    """One line of the register as the page shows it."""

    id: int
    code: str
    name: str
    category: AssetCategory
    where: str
    install_date: date
    end_of_life_year: int
    condition: Condition
    replacement_cost: Decimal


# The register page's statements, built once (the filters add their conditions).
_REGISTER_COUNT = select(func.count()).select_from(Asset)
_REGISTER_ROWS = (
    select(Asset.id, Asset.code, Asset.name, Asset.category, Asset.install_date, Asset.expected_life_years,
           Asset.condition, Asset.replacement_cost, Asset.zone, Building.name, Floor.label, Floor.level, Room.number,
           Room.name)
    .join(Floor, Asset.floor_id == Floor.id).join(Building, Floor.building_id == Building.id)
    .outerjoin(Room, Asset.room_id == Room.id).order_by(*REGISTER_ORDER)
    # the page as parameters: the unfiltered statement stays one object, its cache key worked out once
    .limit(bindparam("per_page")).offset(bindparam("skip"))
)


def register_page(filters: Filters, page: int, per_page: int) -> ListPage:
    """One page of the register: a count and the page's rows, in two queries (columns, not items)."""
    # columns, not entities: run on the connection (no ORM layer); unfiltered, both are the module's constants
    connection = db.session.connection()
    total = connection.execute(_register_filtered(_REGISTER_COUNT, filters)).scalar() or 0
    rows = connection.execute(_register_filtered(_REGISTER_ROWS, filters),
                              {"per_page": per_page, "skip": (page - 1) * per_page})
    items = [RegisterRow(id_, code, name, category, place_label(building, label or f"{level}F", number, room_name, zone),
                         installed, installed.year + life, condition, cost)
             for (id_, code, name, category, installed, life, condition, cost, zone, building, label, level, number,
                  room_name) in rows]
    return ListPage(items, page, per_page, total)


def find_asset(asset_id: int) -> Asset | None:
    return db.session.scalar(with_place(select(Asset)).where(Asset.id == asset_id))


class YearCost(NamedTuple):
    """What an item cost in one year (a tuple: the plan reads thousands of them)."""

    year: int
    maintenance: Decimal = ZERO
    repairs: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.maintenance + self.repairs


def cost_history(asset_ids: list[int] | None = None, years: range | None = None) -> dict[int, list[YearCost]]:
    """Maintenance and repair costs by item and year (all items when ``asset_ids`` is None; all
    years when ``years`` is None), summed by the database: a repair counts in its local year."""
    def of_assets(query, asset_id):
        return query if asset_ids is None else query.where(asset_id.in_(asset_ids))

    if years is None:
        maintenance_year = extract("year", MaintenanceRecord.done_on)
        maint = of_assets(select(MaintenanceRecord.asset_id, maintenance_year, func.sum(MaintenanceRecord.cost))
                          .group_by(MaintenanceRecord.asset_id, maintenance_year), MaintenanceRecord.asset_id)
    else:
        # A range of the (done_on, asset_id, cost) index for each year, the year a constant: no
        # date function on each of the ten thousand records of the years.
        maint = union_all(*(
            of_assets(select(MaintenanceRecord.asset_id, literal(year), func.sum(MaintenanceRecord.cost))
                      .where(MaintenanceRecord.done_on >= date(year, 1, 1),
                             MaintenanceRecord.done_on < date(year + 1, 1, 1))
                      .group_by(MaintenanceRecord.asset_id), MaintenanceRecord.asset_id)
            for year in years))
    repair_year = func.substr(local_month(RepairRequest.reported_at), 1, 4)
    rep = of_assets(select(AssetRepair.asset_id, repair_year,
                           type_coerce(func.sum(func.coalesce(RepairRequest.parts_cost, 0)
                                                + func.coalesce(RepairRequest.labour_cost, 0)), Money()))
                    .join(RepairRequest, AssetRepair.repair_id == RepairRequest.id)
                    .group_by(AssetRepair.asset_id, repair_year), AssetRepair.asset_id)
    if years is not None:
        rep = rep.where(RepairRequest.reported_at >= datetime(years.start, 1, 1, tzinfo=LOCAL_TZ),
                        RepairRequest.reported_at < datetime(years.stop, 1, 1, tzinfo=LOCAL_TZ))
    # Both statements give one row an item and year; all rows are fetched at once (the plan reads thousands).
    cells = {(asset_id, int(year)): [cost, ZERO] for asset_id, year, cost in db.session.execute(maint).all()}
    for asset_id, year, cost in db.session.execute(rep).all():
        cells.setdefault((asset_id, int(year)), [ZERO, ZERO])[1] = cost
    out: dict[int, list[YearCost]] = defaultdict(list)
    for (asset_id, year), (maintenance, repairs_) in sorted(cells.items()):
        out[asset_id].append(YearCost(year, maintenance, repairs_))
    return dict(out)


@dataclass(frozen=True)
class RepairLine:
    id: int
    reported_at: datetime
    description: str
    status: object
    cost: Decimal | None


@dataclass(frozen=True)
class AssetView:
    asset: Asset
    plans: list[MaintenancePlan]
    records: list[MaintenanceRecord]
    repairs: list[RepairLine]
    costs: list[YearCost]
    age_years: int
    checklist: tuple
    documents: list[AssetDocument]


def asset_view(asset: Asset, now: datetime) -> AssetView:
    records = db.session.scalars(
        select(MaintenanceRecord).options(joinedload(MaintenanceRecord.plan), joinedload(MaintenanceRecord.actor))
        .where(MaintenanceRecord.asset_id == asset.id)
        .order_by(MaintenanceRecord.done_on.desc(), MaintenanceRecord.id.desc()).limit(50)
    ).all()
    repair_rows = db.session.scalars(
        select(RepairRequest).join(AssetRepair, AssetRepair.repair_id == RepairRequest.id)
        .where(AssetRepair.asset_id == asset.id).order_by(RepairRequest.reported_at.desc())
    ).all()
    today = _today(now)
    age = today.year - asset.install_date.year - ((today.month, today.day) < (asset.install_date.month,
                                                                                 asset.install_date.day))
    return AssetView(
        asset=asset,
        plans=list(asset.plans),
        records=list(records),
        repairs=[RepairLine(r.id, r.reported_at, r.description, r.status, r.total_cost) for r in repair_rows],
        costs=cost_history([asset.id]).get(asset.id, []),
        age_years=age,
        checklist=CATEGORY_FACTS[asset.category].checklist,
        documents=list(db.session.scalars(
            select(AssetDocument).options(joinedload(AssetDocument.file)).where(AssetDocument.asset_id == asset.id)
            .order_by(AssetDocument.kind, AssetDocument.id))),
    )


class DueState(enum.StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    LATER = "later"


@dataclass(frozen=True)
class DueLine:
    plan: MaintenancePlan
    state: DueState
    days: int  # days until due (negative: overdue by)


def counter_soon(plan: MaintenancePlan) -> bool:
    """A counter plan not yet due whose item's reading is within a tenth of the interval of it."""
    total = plan.asset.counter_total
    return (plan.unit.by_counter and plan.next_due is None and total is not None
            and total >= (plan.due_reading or 0) - plan.every // DUE_SOON_SHARE)


def due_state(plan: MaintenancePlan, today: date) -> DueState:
    if plan.next_due is None:
        return DueState.DUE_SOON if counter_soon(plan) else DueState.LATER
    if plan.next_due < today:
        return DueState.OVERDUE
    if plan.next_due <= today + timedelta(days=plan.remind_days):
        return DueState.DUE_SOON
    return DueState.LATER


def _due_within(today: date, horizon_days: int):
    """Active plans due by a day within the horizon, or by a counter that is near its due reading."""
    near = and_(MaintenancePlan.next_due.is_(None), MaintenancePlan.due_reading.is_not(None),
                Asset.counter_total >= MaintenancePlan.due_reading - MaintenancePlan.every // DUE_SOON_SHARE)
    return and_(MaintenancePlan.active.is_(True),
                or_(MaintenancePlan.next_due <= today + timedelta(days=horizon_days), near))


def due_query(today: date, horizon_days: int):
    """Active plans due within ``horizon_days`` (overdue ones included), soonest first; counter plans near
    their reading last."""
    return (
        select(MaintenancePlan).join(Asset)
        .options(joinedload(MaintenancePlan.asset).joinedload(Asset.floor).joinedload(Floor.building),
                 joinedload(MaintenancePlan.asset).joinedload(Asset.room))
        .where(_due_within(today, horizon_days))
        .order_by(MaintenancePlan.next_due.is_(None), MaintenancePlan.next_due, Asset.code, MaintenancePlan.id)
    )


def due_lines(plans, today: date) -> list[DueLine]:
    return [DueLine(p, due_state(p, today), (p.next_due - today).days if p.next_due else 0) for p in plans]


@dataclass(frozen=True)
class DueCounts:
    overdue: int = 0
    due_soon: int = 0
    statutory_soon: int = 0


def due_counts(now: datetime) -> DueCounts:
    today = _today(now)
    plans = db.session.scalars(
        select(MaintenancePlan).join(Asset).options(joinedload(MaintenancePlan.asset)).where(_due_within(today, 90))
    ).all()
    states = [(p, due_state(p, today)) for p in plans]
    return DueCounts(
        overdue=sum(1 for _, s in states if s is DueState.OVERDUE),
        due_soon=sum(1 for _, s in states if s is DueState.DUE_SOON),
        statutory_soon=sum(1 for p, s in states if s is not DueState.LATER and p.kind is PlanKind.STATUTORY),
    )


def rounds_query():
    return (select(InspectionRound).options(joinedload(InspectionRound.building), joinedload(InspectionRound.inspector))
            .order_by(InspectionRound.started_at.desc(), InspectionRound.id.desc()))


def find_round(round_id: int) -> InspectionRound | None:
    return db.session.scalar(
        select(InspectionRound).options(
            joinedload(InspectionRound.building),
            joinedload(InspectionRound.results).joinedload(RoundResult.asset).joinedload(Asset.floor),
        ).where(InspectionRound.id == round_id)
    )


@dataclass(frozen=True)
class RoundSummary:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    open: int = 0
    repairs: list[int] = field(default_factory=list)


def round_summary(round_: InspectionRound) -> RoundSummary:
    counts = defaultdict(int)
    for line in round_.results:
        counts[line.result] += 1
    return RoundSummary(counts[CheckResult.PASS], counts[CheckResult.FAIL], counts[CheckResult.SKIPPED],
                        counts[None], [line.repair_id for line in round_.results if line.repair_id])


_BUILDING_CHOICES = select(Building.id, Building.name).order_by(Building.sort_order, Building.id)


def building_choices() -> list[tuple[int, str]]:
    return [(id_, name) for id_, name in db.session.connection().execute(_BUILDING_CHOICES)]


def floor_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Floor.id, Building.name, Floor.label, Floor.level).join(Building)
        .order_by(Building.sort_order, Building.id, Floor.level)
    )
    return [(fid, f"{bname} {label or f'{level}F'}") for fid, bname, label, level in rows]


def room_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Room.id, Building.name, Room.number, Room.name).join(Floor, Room.floor_id == Floor.id).join(Building)
        .order_by(Building.sort_order, Building.id, Floor.level, Room.number)
    )
    return [(rid, f"{bname} {number} {name}".strip()) for rid, bname, number, name in rows]


def count_assets() -> int:
    return db.session.scalar(select(func.count()).select_from(Asset)) or 0


def all_assets_for_export(filters: Filters) -> list[Asset]:
    return list(db.session.scalars(register_query(filters)))
