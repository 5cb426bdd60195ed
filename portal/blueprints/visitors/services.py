"""Domain rules of the visitor log. Plain functions: no request, no ``g``; the
current time and the configured settings are passed in."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from cryptography.fernet import MultiFernet
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import pinyin
from portal.blueprints.directory.search import Keys
from portal.blueprints.visitors.models import (
    STILL_ON_SITE,
    PreregistrationStatus,
    VisitorEntry,
    VisitorPreregistration,
    WatchAction,
    WatchlistEntry,
)
from portal.blueprints.visitors.privacy import (
    ConfigError,
    IdStorage,
    decrypt_document,
    document_digest,
    id_cipher,
    reduce_document,
)
from portal.blueprints.visitors.validation import IdType, InvalidInput, normalize_name
from portal.db import begin_serialized_write, db
from portal.models import Unit, User
from portal.spreadsheets import ExportWorkbook, workbook_bytes
from portal.timeutil import LOCAL_TZ, local

# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class VisitorSettings:
    storage: IdStorage
    cipher: MultiFernet | None
    retention_days: int
    closing_time: time
    digest_secret: str


DEFAULTS = {
    "VISITOR_ID_STORAGE": ("PORTAL_VISITOR_ID_STORAGE", "partial"),
    "VISITOR_ID_KEY": ("PORTAL_VISITOR_ID_KEY", ""),
    "VISITOR_RETENTION_DAYS": ("PORTAL_VISITOR_RETENTION_DAYS", "180"),
    "VISITOR_CLOSING_TIME": ("PORTAL_VISITOR_CLOSING_TIME", "18:00"),
}


def config_defaults(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    return {key: environ.get(variable) or default for key, (variable, default) in DEFAULTS.items()}


def settings_from_config(config: Mapping[str, Any]) -> VisitorSettings:
    """Checked settings; raises :class:`ConfigError` with what to fix."""
    raw_mode = str(config["VISITOR_ID_STORAGE"]).strip().lower()
    try:
        mode = IdStorage(raw_mode)
    except ValueError:
        raise ConfigError(
            f"PORTAL_VISITOR_ID_STORAGE must be one of none, partial, full (got {raw_mode!r})"
        ) from None
    cipher = id_cipher(str(config.get("VISITOR_ID_KEY") or ""))
    if mode is IdStorage.FULL and cipher is None:
        raise ConfigError(
            "PORTAL_VISITOR_ID_STORAGE=full stores ID numbers encrypted and needs a key: set PORTAL_VISITOR_ID_KEY "
            "to the output of `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'` "
            "and keep a copy of it with the database backups"
        )
    try:
        retention = int(config["VISITOR_RETENTION_DAYS"])
    except (TypeError, ValueError):
        retention = 0
    if retention < 1:
        raise ConfigError("PORTAL_VISITOR_RETENTION_DAYS must be a whole number of days, at least 1")
    try:
        closing = time.fromisoformat(str(config["VISITOR_CLOSING_TIME"]))
    except ValueError:
        raise ConfigError("PORTAL_VISITOR_CLOSING_TIME must be a time of day such as 18:00") from None
    return VisitorSettings(
        storage=mode,
        cipher=cipher,
        retention_days=retention,
        closing_time=closing,
        digest_secret=str(config.get("SECRET_KEY") or ""),
    )


# ---------------------------------------------------------------- units


@dataclass(frozen=True)
class UnitOption:
    """A unit as offered in the desk's picker: typed as Chinese or pinyin initials."""

    id: int
    name: str
    short_name: str
    keys: tuple[str, ...]  # lower-case forms that identify the unit exactly
    hint: str  # shown beside the name: short name and the initials people type


def unit_options(units: Iterable[Unit], stored: Mapping[int, Keys] | None = None) -> list[UnitOption]:
    """The picker's options. ``stored`` maps unit ids to the directory's search
    keys, computed when the unit was saved; a unit without them gets its keys
    computed here."""
    options = []
    for unit in units:
        names = [n for n in (unit.name, unit.short_name) if n]
        keys = {n.casefold() for n in names}
        known = (stored or {}).get(unit.id)
        if known is not None:
            spoken = set(known.pinyin) | set(known.initials)
            typed = min(known.initials, key=len, default="")  # the short name's, usually
        else:
            spoken = {pinyin.initials(n) for n in names} | {pinyin.full_pinyin(n) for n in names}
            typed = pinyin.initials(unit.short_name or unit.name)
        keys |= spoken
        hint = f"{unit.short_name} {typed}".strip()
        options.append(UnitOption(unit.id, unit.name, unit.short_name, tuple(sorted(keys)), hint))
    return options


def resolve_unit(text: str, options: Sequence[UnitOption]) -> UnitOption:
    """The one unit ``text`` names: its name, short name, pinyin or initials,
    or failing that a unique part of them. Raises :class:`InvalidInput`."""
    query = "".join((text or "").split()).casefold()
    if not query:
        raise InvalidInput(_l("Enter the unit visited."))
    for matcher in (
        lambda o: query in o.keys,
        lambda o: any(key.startswith(query) for key in o.keys),
        lambda o: any(query in key for key in o.keys),
    ):
        found = [o for o in options if matcher(o)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = "、".join(o.short_name or o.name for o in found[:6])
            raise InvalidInput(_l("“%(text)s” fits several units (%(names)s); type more of the name.", text=text, names=names))
    raise InvalidInput(_l("No unit matches “%(text)s”; type its name or pinyin initials, e.g. rsj for 人社局.", text=text))


# ---------------------------------------------------------------- check-in


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class CheckIn:
    """A validated check-in, with the full document number (never stored as is)."""

    submission_token: str
    name: str
    id_type: IdType
    id_number: str
    id_checked: bool
    unit_id: int
    phone: str = ""
    organization: str = ""
    host_name: str = ""
    purpose: str = ""
    companions: int = 0
    plate: str = ""
    badge: str = ""
    preregistration_id: int | None = None


@dataclass(frozen=True)
class WatchMatch:
    entry: WatchlistEntry
    by: tuple[str, ...]  # "name", "document", "plate"

    @property
    def refuse(self) -> bool:
        return self.entry.action is WatchAction.REFUSE


@dataclass
class CheckInResult:
    entry: VisitorEntry
    created: bool
    matches: list[WatchMatch] = field(default_factory=list)


class BadgeInUse(InvalidInput):
    def __init__(self, badge: str, holder: VisitorEntry) -> None:
        super().__init__(
            _l(
                "Badge %(badge)s is still with %(name)s (in since %(time)s): check them out first or hand out another badge.",
                badge=badge,
                name=holder.name,
                time=holder.checked_in_at.strftime("%H:%M"),
            )
        )
        self.holder = holder


def find_by_token(token: str) -> VisitorEntry | None:
    return db.session.scalar(select(VisitorEntry).where(VisitorEntry.submission_token == token))


def holder_of_badge(badge: str) -> VisitorEntry | None:
    return db.session.scalar(select(VisitorEntry).where(VisitorEntry.badge == badge, STILL_ON_SITE))


def watch_matches(name: str, id_type: IdType | None, number: str, plate: str, secret: str) -> list[WatchMatch]:
    """Watchlist entries that fit this visitor, and on what."""
    name_key = normalize_name(name)
    digest = document_digest(id_type, number, secret) if id_type and number else None
    conditions = [WatchlistEntry.name_key == name_key] if name_key else []
    if digest:
        conditions.append(WatchlistEntry.id_digest == digest)
    if plate:
        conditions.append(WatchlistEntry.plate == plate)
    if not conditions:
        return []
    matches = []
    for watch in db.session.scalars(select(WatchlistEntry).where(or_(*conditions)).order_by(WatchlistEntry.id)):
        by = []
        if name_key and watch.name_key == name_key:
            by.append("name")
        if digest and watch.id_digest == digest:
            by.append("document")
        if plate and watch.plate == plate:
            by.append("plate")
        matches.append(WatchMatch(watch, tuple(by)))
    return matches


def watch_note(matches: Sequence[WatchMatch]) -> str:
    """What the entry keeps of a warning: the action and the reason, no numbers."""
    parts = [f"[{m.entry.action.value}] {m.entry.reason}" for m in matches]
    return "；".join(parts)[:200]


def check_in(data: CheckIn, *, settings: VisitorSettings, actor: User | None, now: datetime) -> CheckInResult:
    """Log a visitor in. Submitting the same form again returns the first entry.

    The caller commits. Raises :class:`BadgeInUse` when the badge is out.
    """
    begin_serialized_write()
    existing = find_by_token(data.submission_token)
    if existing is not None:
        return CheckInResult(existing, created=False)
    badge = data.badge or None
    if badge and (holder := holder_of_badge(badge)) is not None:
        raise BadgeInUse(badge, holder)
    matches = watch_matches(data.name, data.id_type, data.id_number, data.plate, settings.digest_secret)
    stored = reduce_document(data.id_type, data.id_number, settings.storage, settings.cipher)
    entry = VisitorEntry(
        submission_token=data.submission_token,
        name=data.name,
        id_type=data.id_type,
        id_checked=data.id_checked,
        id_masked=stored.masked,
        id_encrypted=stored.encrypted,
        phone=data.phone,
        organization=data.organization,
        unit_id=data.unit_id,
        host_name=data.host_name,
        purpose=data.purpose,
        companions=data.companions,
        plate=data.plate,
        badge=badge,
        checked_in_at=now,
        checked_in_by_id=actor.id if actor is not None else None,
        watchlist_hit=bool(matches),
        watchlist_note=watch_note(matches),
        preregistration_id=data.preregistration_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        # A concurrent request (PostgreSQL) got there first: the same form, or the same badge.
        existing = find_by_token(data.submission_token)
        if existing is not None:
            return CheckInResult(existing, created=False)
        if badge and (holder := holder_of_badge(badge)) is not None:
            raise BadgeInUse(badge, holder) from None
        raise
    if data.preregistration_id is not None:
        prereg = db.session.get(VisitorPreregistration, data.preregistration_id)
        if prereg is not None and prereg.status is PreregistrationStatus.EXPECTED:
            prereg.status = PreregistrationStatus.ARRIVED
    return CheckInResult(entry, created=True, matches=matches)


def check_out(entry: VisitorEntry, *, actor: User | None, now: datetime, refused: bool = False) -> bool:
    """Log a visitor out; False if they had already left (nothing changes)."""
    if entry.checked_out_at is not None:
        return False
    entry.checked_out_at = max(now, entry.checked_in_at)
    entry.checked_out_by_id = actor.id if actor is not None else None
    entry.refused = refused
    return True


def normalize_badge(value: str) -> str:
    return "".join((value or "").split()).upper()[:10]


# ---------------------------------------------------------------- on site


def overstay_cutoff(now: datetime, closing_time: time) -> datetime:
    """Visitors still on site who came in before this moment are overstaying:
    after closing time everyone still inside, before it those from earlier days."""
    today_closing = local(now.astimezone(LOCAL_TZ).date(), closing_time)
    if now >= today_closing:
        return now + timedelta(microseconds=1)
    return local(now.astimezone(LOCAL_TZ).date(), time(0))


def is_overstay(checked_in_at: datetime, now: datetime, closing_time: time) -> bool:
    """Still inside after the closing time of the day they came in."""
    return now >= local(checked_in_at.astimezone(LOCAL_TZ).date(), closing_time)


def on_site_query() -> Select:
    """Everyone inside, longest first (so overstays come on top); see the partial index."""
    return (
        select(VisitorEntry)
        .options(joinedload(VisitorEntry.unit))
        .where(STILL_ON_SITE)
        .order_by(VisitorEntry.checked_in_at, VisitorEntry.id)
    )


def open_warnings_query() -> Select:
    """Visitors inside who matched the watchlist when they came in."""
    return (
        select(VisitorEntry)
        .options(joinedload(VisitorEntry.unit))
        .where(STILL_ON_SITE, VisitorEntry.watchlist_hit.is_(True))
        .order_by(VisitorEntry.checked_in_at)
    )


@dataclass(frozen=True)
class OnSiteSummary:
    visitors: int  # entries
    people: int  # entries plus companions
    overstaying: int


def on_site_summary(now: datetime, closing_time: time) -> OnSiteSummary:
    cutoff = overstay_cutoff(now, closing_time)
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(VisitorEntry.companions), 0),
            func.count().filter(VisitorEntry.checked_in_at < cutoff),
        ).where(STILL_ON_SITE)
    ).one()
    return OnSiteSummary(visitors=row[0], people=row[0] + int(row[1]), overstaying=row[2])


# ---------------------------------------------------------------- pre-registration


MAX_DAYS_AHEAD = 90


def check_visit_window(day: date, start: time, end: time, *, now: datetime) -> None:
    """Raises :class:`InvalidInput` unless the window is a real, coming one."""
    today = now.astimezone(LOCAL_TZ).date()
    if day < today:
        raise InvalidInput(_l("The visit date is in the past."))
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(_l("Visitors can be registered at most %(days)s days ahead.", days=MAX_DAYS_AHEAD))
    if end <= start:
        raise InvalidInput(_l("The window must end after it starts."))
    if local(day, end) <= now:
        raise InvalidInput(_l("This time window is already over."))


def expected_query(day: date) -> Select:
    return (
        select(VisitorPreregistration)
        .options(joinedload(VisitorPreregistration.unit), joinedload(VisitorPreregistration.created_by))
        .where(
            VisitorPreregistration.visit_date == day,
            VisitorPreregistration.status == PreregistrationStatus.EXPECTED,
        )
        .order_by(VisitorPreregistration.window_start, VisitorPreregistration.id)
    )


def own_preregistrations_query(user: User) -> Select:
    return (
        select(VisitorPreregistration)
        .options(joinedload(VisitorPreregistration.unit))
        .where(VisitorPreregistration.created_by_id == user.id)
        .order_by(VisitorPreregistration.visit_date.desc(), VisitorPreregistration.window_start.desc())
    )


def upcoming_count(user: User, today: date) -> int:
    """The user's expected visitors from today on."""
    return db.session.scalar(
        select(func.count())
        .select_from(VisitorPreregistration)
        .where(
            VisitorPreregistration.created_by_id == user.id,
            VisitorPreregistration.visit_date >= today,
            VisitorPreregistration.status == PreregistrationStatus.EXPECTED,
        )
    ) or 0


def cancel_preregistration(prereg: VisitorPreregistration) -> bool:
    if prereg.status is not PreregistrationStatus.EXPECTED:
        return False
    prereg.status = PreregistrationStatus.CANCELLED
    return True


# ---------------------------------------------------------------- history and statistics


@dataclass(frozen=True)
class HistoryFilter:
    start: date
    end: date
    name: str = ""
    unit_id: int | None = None
    plate: str = ""
    badge: str = ""


MAX_HISTORY_DAYS = 366


def history_query(f: HistoryFilter) -> Select:
    query = (
        select(VisitorEntry)
        .options(joinedload(VisitorEntry.unit))
        .where(
            VisitorEntry.checked_in_at >= local(f.start, time(0)),
            VisitorEntry.checked_in_at < local(f.end + timedelta(days=1), time(0)),
        )
        .order_by(VisitorEntry.checked_in_at.desc(), VisitorEntry.id.desc())
    )
    if f.name:
        query = query.where(VisitorEntry.name.contains(f.name, autoescape=True))
    if f.unit_id is not None:
        query = query.where(VisitorEntry.unit_id == f.unit_id)
    if f.plate:
        query = query.where(VisitorEntry.plate.contains(f.plate, autoescape=True))
    if f.badge:
        query = query.where(VisitorEntry.badge == f.badge)
    return query


@dataclass(frozen=True)
class UnitVisits:
    unit_name: str
    visits: int
    people: int


def unit_statistics(start: date, end: date) -> list[UnitVisits]:
    """Visits and people (with companions) per unit: still right after the purge."""
    rows = db.session.execute(
        select(
            func.coalesce(Unit.name, ""),
            func.count(VisitorEntry.id),
            func.count(VisitorEntry.id) + func.coalesce(func.sum(VisitorEntry.companions), 0),
        )
        .select_from(VisitorEntry)
        .outerjoin(Unit, Unit.id == VisitorEntry.unit_id)
        .where(
            VisitorEntry.checked_in_at >= local(start, time(0)),
            VisitorEntry.checked_in_at < local(end + timedelta(days=1), time(0)),
            VisitorEntry.refused.is_(False),
        )
        .group_by(Unit.name)
        .order_by(func.count(VisitorEntry.id).desc(), Unit.name)
    ).all()
    return [UnitVisits(name, visits, int(people)) for name, visits, people in rows]


EXPORT_LIMIT = 50_000


def history_workbook(entries: Iterable[VisitorEntry], labels: Mapping[str, str], id_type_labels: Mapping[IdType, str]) -> bytes:
    """The history as an xlsx file; document numbers masked, as on screen; times in local time."""
    workbook = ExportWorkbook()
    columns = ("checked_in_at", "checked_out_at", "name", "id_type", "id_masked", "phone", "organization",
               "unit", "host_name", "purpose", "companions", "plate", "badge", "note")
    sheet = workbook.sheet(labels["sheet"], [labels[c] for c in columns])
    for e in entries:
        sheet.row(
            [
                e.checked_in_at,
                e.checked_out_at,
                e.name,
                str(id_type_labels[e.id_type]),
                e.id_masked,
                e.phone,
                e.organization,
                e.unit.name if e.unit else "",
                e.host_name,
                e.purpose,
                e.companions,
                e.plate,
                e.badge or "",
                labels["refused"] if e.refused else "",
            ],
        )
    return workbook_bytes(workbook)


# ---------------------------------------------------------------- reveal


def reveal_document(entry: VisitorEntry, settings: VisitorSettings) -> str | None:
    """The plain number of an entry stored in full mode, or None."""
    if settings.storage is not IdStorage.FULL or settings.cipher is None or not entry.id_encrypted:
        return None
    return decrypt_document(entry.id_encrypted, settings.cipher)


# ---------------------------------------------------------------- retention


@dataclass(frozen=True)
class PurgeResult:
    entries: int
    preregistrations: int
    cutoff: datetime


def purge_personal_data(*, now: datetime, retention_days: int) -> PurgeResult:
    """Empty the personal fields of visits older than the retention period.

    Rows stay (times, unit, companions, badge), so counts and per-unit
    statistics are unchanged. Already anonymized rows are skipped, so running
    it every day is cheap and changes nothing twice. The caller commits.
    """
    cutoff = now - timedelta(days=retention_days)
    entries = db.session.execute(
        update(VisitorEntry)
        .where(VisitorEntry.checked_in_at < cutoff, VisitorEntry.anonymized_at.is_(None))
        .values(
            name="",
            id_masked="",
            id_encrypted=None,
            phone="",
            organization="",
            host_name="",
            purpose="",
            plate="",
            watchlist_note="",
            anonymized_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    preregistrations = db.session.execute(
        update(VisitorPreregistration)
        .where(
            VisitorPreregistration.visit_date < cutoff.astimezone(LOCAL_TZ).date(),
            VisitorPreregistration.anonymized_at.is_(None),
        )
        .values(visitor_name="", phone="", organization="", host_name="", purpose="", plate="", anonymized_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return PurgeResult(entries=entries, preregistrations=preregistrations, cutoff=cutoff)
