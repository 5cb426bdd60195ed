"""Domain rules of the visitor log. Plain functions: no request, no ``g``; the
current time and the configured settings are passed in."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from cryptography.fernet import MultiFernet
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import audit, events, pinyin
from portal.blueprints.visitors import notify
from portal.blueprints.directory.indexing import SEARCH_AREA
from portal.blueprints.directory.models import SearchKey
from portal.blueprints.directory.search import Keys, split_values
from portal.blueprints.visitors.models import (
    STILL_ON_SITE,
    PreregistrationStatus,
    VisitorEntry,
    VisitorInvitation,
    VisitorPreregistration,
    WatchAction,
    WatchlistEntry,
    WatchMatchKind,
)
from portal.blueprints.visitors.privacy import (
    ConfigError,
    IdStorage,
    decrypt_document,
    document_digest,
    id_cipher,
    mask_document,
    reduce_document,
)
from portal.blueprints.visitors.validation import IdType, normalize_name
from portal.cache import cached_facts
from portal.db import begin_serialized_write, db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import AuditLog, Building, Floor, Role, Room, RoomKind, Unit, User, UserRole
from portal.paging import ListPage, PageNavigation
from portal.rules import RuleViolation
from portal.spreadsheets import ExportWorkbook, workbook_bytes
from portal.sqltime import local_day, local_hour, seconds_between
from portal.text import normalise_identifier
from portal.timeutil import LOCAL_TZ, local

# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class VisitorSettings:
    storage: IdStorage
    cipher: MultiFernet | None
    retention_days: int
    closing_time: time
    digest_secret: str


def settings_from_config(config: Mapping[str, Any]) -> VisitorSettings:
    """Checked settings (declared on the capability, read from ``PORTAL_VISITOR_*``);
    raises :class:`ConfigError` with what to fix."""
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
        options.append(UnitOption(unit.id, unit.name, unit.short_name, tuple(sorted(keys)), _hint(unit.short_name, typed)))
    return options


def _hint(short_name: str, typed: str) -> str:
    return f"{short_name} {typed}".strip()


def all_unit_options() -> list[UnitOption]:
    """Every unit, in the directory's order, with the search keys the directory stored."""
    from portal.blueprints.directory.indexing import stored_keys

    units = db.session.execute(select(Unit.id, Unit.name, Unit.short_name).order_by(Unit.sort_order, Unit.name)).all()
    return unit_options(units, stored_keys("unit"))


@dataclass(frozen=True, slots=True)
class UnitHint:
    """A unit as the pickers' list suggests it: the name, and the hint beside it."""

    name: str
    hint: str


_UNIT_HINTS = (
    select(Unit.name, Unit.short_name, SearchKey.initials)
    .outerjoin(SearchKey, (SearchKey.kind == "unit") & (SearchKey.object_id == Unit.id))
    .order_by(Unit.sort_order, Unit.name)
)


def unit_hints() -> tuple[UnitHint, ...]:
    """What ``all_unit_options`` gives the pickers' list, without the keys that
    resolving a typed unit needs: the units and their stored initials in one
    query (the desk draws the list; only a check-in resolves a unit). Kept as
    facts while the units and their search keys are unchanged."""

    def read() -> tuple[UnitHint, ...]:
        return tuple(
            UnitHint(name, _hint(short_name, (
                min(split_values(initials), key=len, default="") if initials is not None  # as ``unit_options``
                else pinyin.initials(short_name or name)
            )))
            for name, short_name, initials in db.session.connection().execute(_UNIT_HINTS)
        )

    return cached_facts(("building", SEARCH_AREA), "visitors.unit-hints", read)


def resolve_unit(text: str, options: Sequence[UnitOption]) -> UnitOption:
    """The one unit ``text`` names: its name, short name, pinyin or initials,
    or failing that a unique part of them. Raises :class:`RuleViolation`."""
    query = "".join((text or "").split()).casefold()
    if not query:
        raise RuleViolation(_l("Enter the unit visited."), field="unit")
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
            raise RuleViolation(_l("“%(text)s” fits several units (%(names)s); type more of the name.", text=text,
                                    names=names), field="unit")
    raise RuleViolation(_l("No unit matches “%(text)s”; type its name or pinyin initials, e.g. rsj for 人社局.", text=text),
                        field="unit")


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
    by: tuple[WatchMatchKind, ...]

    @property
    def refuse(self) -> bool:
        return self.entry.action is WatchAction.REFUSE

    @property
    def reason(self) -> str:
        """The reason as written, without a closing full stop (messages add their own)."""
        return self.entry.reason.rstrip("。.！!；;，, ")


@dataclass
class CheckInResult:
    """``entry`` is None while the visitor waits for the guard's decision on a
    watchlist match (``matches``): nothing was saved."""

    entry: VisitorEntry | None
    created: bool
    matches: list[WatchMatch] = field(default_factory=list)

    @property
    def needs_decision(self) -> bool:
        return self.entry is None and bool(self.matches)


def normalize_badge(value: str | None) -> str:
    """A badge number as compared everywhere: ``" ５５ "`` is badge ``55``."""
    return normalise_identifier(value, upper=True)[:10]


def find_by_token(token: str) -> VisitorEntry | None:
    return db.session.scalar(select(VisitorEntry).where(VisitorEntry.submission_token == token))


def holder_of_badge(badge: str) -> VisitorEntry | None:
    """Who is on site with ``badge``. Stored badges are compared normalised too
    (a ``５５`` saved before normalisation is badge 55): the open rows are few."""
    wanted = normalize_badge(badge)
    if not wanted:
        return None
    exact = db.session.scalar(select(VisitorEntry).where(VisitorEntry.badge == wanted, STILL_ON_SITE))
    if exact is not None:
        return exact
    rows = db.session.scalars(
        select(VisitorEntry).where(STILL_ON_SITE, VisitorEntry.badge.is_not(None)).order_by(VisitorEntry.id)
    )
    return next((row for row in rows if normalize_badge(row.badge) == wanted), None)


def _badge_in_use(badge: str, holder: VisitorEntry) -> RuleViolation:
    # The holder's name stays on the page (never in a flash or the session).
    return RuleViolation(
        _l(
            "Badge %(badge)s is still with %(name)s (in since %(time)s): check them out first or hand out another badge.",
            badge=badge,
            name=holder.name,
            time=holder.checked_in_at.astimezone(LOCAL_TZ).strftime("%H:%M"),
        ),
        field="badge",
    )


def watch_matches(name: str, id_type: IdType | None, number: str, plate: str, secret: str) -> list[WatchMatch]:
    """Watchlist entries that fit this visitor, and on what."""
    digest = document_digest(id_type, number, secret) if id_type and number else None
    return watch_matches_by_digest(name, digest, plate)


def watch_matches_by_digest(name: str, digest: str | None, plate: str) -> list[WatchMatch]:
    """:func:`watch_matches` for a document known only by its keyed hash (a self-registered visitor)."""
    name_key = normalize_name(name)
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
            by.append(WatchMatchKind.NAME)
        if digest and watch.id_digest == digest:
            by.append(WatchMatchKind.DOCUMENT)
        if plate and watch.plate == plate:
            by.append(WatchMatchKind.PLATE)
        matches.append(WatchMatch(watch, tuple(by)))
    return matches


def watch_note(matches: Sequence[WatchMatch]) -> str:
    """What the entry keeps of a warning: the reasons as the list gives them (no
    codes, no numbers; the guard's decision is the visit's own state)."""
    return "；".join(dict.fromkeys(m.reason for m in matches))[:200]


def screen(data: CheckIn, settings: VisitorSettings) -> list[WatchMatch]:
    """The watchlist matches of a visitor about to be checked in (nothing is saved)."""
    return watch_matches(data.name, data.id_type, data.id_number, data.plate, settings.digest_secret)


def _new_entry(data: CheckIn, matches: Sequence[WatchMatch], settings: VisitorSettings, actor: User | None,
               now: datetime, *, badge: str | None) -> VisitorEntry:
    stored = reduce_document(data.id_type, data.id_number, settings.storage, settings.cipher)
    return VisitorEntry(
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


def _badge_free_unless_this_form(badge: str | None, submission_token: str) -> VisitorEntry | None:
    """Raise when someone else is on site with ``badge``. On PostgreSQL a retry of this form may have been
    saved since its token was looked up (each statement sees what was committed before it): then that
    entry is returned, the answer to this form."""
    if badge and (holder := holder_of_badge(badge)) is not None:
        if holder.submission_token == submission_token:
            return holder
        raise _badge_in_use(badge, holder)
    return None


def _insert_entry(entry: VisitorEntry, badge: str | None) -> VisitorEntry | None:
    """Save ``entry``, or return the entry of a concurrent request (PostgreSQL's unique keys) that saved the
    same form first; another request's entry with the same badge refuses it."""
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        existing = find_by_token(entry.submission_token) or _badge_free_unless_this_form(badge, entry.submission_token)
        if existing is not None:
            return existing
        raise
    return None


def check_in(data: CheckIn, *, settings: VisitorSettings, actor: User | None, now: datetime,
             admit_watched: bool = False) -> CheckInResult:
    """Log a visitor in. Submitting the same form again returns the first entry.

    A visitor who matches the watchlist is not saved until the guard has seen
    the match and decided: without ``admit_watched`` the result only carries
    the matches (see :func:`refuse_entry` for the other answer). The caller
    commits. Raises :class:`RuleViolation` when the badge is out.
    """
    begin_serialized_write()
    existing = find_by_token(data.submission_token)
    if existing is not None:
        return CheckInResult(existing, created=False)
    badge = normalize_badge(data.badge) or None
    if (saved := _badge_free_unless_this_form(badge, data.submission_token)) is not None:
        return CheckInResult(saved, created=False)
    matches = screen(data, settings)
    if matches and not admit_watched:
        return CheckInResult(None, created=False, matches=matches)
    entry = _new_entry(data, matches, settings, actor, now, badge=badge)
    if (saved := _insert_entry(entry, badge)) is not None:
        return CheckInResult(saved, created=False)
    host_id = None
    if data.preregistration_id is not None:
        prereg = db.session.get(VisitorPreregistration, data.preregistration_id)
        if prereg is not None and prereg.status is PreregistrationStatus.EXPECTED:
            prereg.status = PreregistrationStatus.ARRIVED
        host_id = prereg.created_by_id if prereg is not None else None
    if matches:
        audit.record(actor, "visitor.admit_watched", entry,
                     summary=f"let in after a watchlist warning ({len(matches)} match(es))")
        tell_watch_match(entry, now=now)
    tell_arrival(entry, [host_id], now=now)
    return CheckInResult(entry, created=True, matches=matches)


# ---------------------------------------------------------------- events


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def _unit_label(unit_id: int | None) -> str:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return (unit.short_name or unit.name) if unit else ""


def tell_arrival(entry: VisitorEntry, host_ids: Iterable[int | None], *, now: datetime) -> None:
    """The host (whoever pre-registered or invited the visitor) hears of the arrival: no name in the message."""
    events.emit(notify.ARRIVED, recipients=host_ids, now=now,
                args={"time": _hhmm(entry.checked_in_at), "unit": _unit_label(entry.unit_id)})


def logistics_admin_ids() -> list[int]:
    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.LOGISTICS_ADMIN, User.active.is_(True))
    ))


def tell_watch_match(entry: VisitorEntry, *, now: datetime) -> None:
    """Logistics hears of every watch-list match decided at the desk (no name, no reason in the message)."""
    events.emit(notify.WATCH_MATCH, recipients=logistics_admin_ids(), now=now,
                args={"time": _hhmm(entry.checked_in_at)},
                endpoint="visitors.show_entry", values={"entry_id": entry.id})


def refuse_entry(data: CheckIn, *, settings: VisitorSettings, actor: User | None, now: datetime) -> CheckInResult:
    """The guard turned a watch-listed visitor away before letting them in: the
    visit is logged as refused and closed at once, so it is never on site (nor
    on the evacuation list) and no badge is handed out. Idempotent like
    :func:`check_in`. The caller commits."""
    begin_serialized_write()
    existing = find_by_token(data.submission_token)
    if existing is not None:
        return CheckInResult(existing, created=False)
    matches = screen(data, settings)
    entry = _new_entry(data, matches, settings, actor, now, badge=None)
    entry.checked_out_at = now
    entry.checked_out_by_id = entry.checked_in_by_id
    entry.refused = True
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        existing = find_by_token(data.submission_token)
        if existing is not None:
            return CheckInResult(existing, created=False)
        raise
    audit.record(actor, "visitor.refuse", entry, summary="refused entry after a watchlist warning")
    if matches:
        tell_watch_match(entry, now=now)
    return CheckInResult(entry, created=True, matches=matches)


def check_out(entry: VisitorEntry, *, actor: User | None, now: datetime) -> bool:
    """Log a visitor out; False if they had already left (nothing changes). The caller commits."""
    if entry.checked_out_at is not None:
        return False
    entry.checked_out_at = max(now, entry.checked_in_at)
    entry.checked_out_by_id = actor.id if actor is not None else None
    return True


def check_out_by_badge(badge: str, *, actor: User | None, now: datetime) -> VisitorEntry:
    """Log out whoever is on site with ``badge``; raises :class:`RuleViolation` if nobody is."""
    wanted = normalize_badge(badge)
    entry = holder_of_badge(wanted)
    if entry is None:
        raise RuleViolation(_l("No visitor on site has badge %(badge)s.", badge=wanted), field="badge")
    check_out(entry, actor=actor, now=now)
    return entry


def refuse(entry: VisitorEntry, *, actor: User | None, now: datetime) -> bool:
    """Turned away after a watchlist warning while still logged in: closed at once, kept in the log."""
    if entry.checked_out_at is not None:
        return False
    check_out(entry, actor=actor, now=now)
    entry.refused = True
    audit.record(actor, "visitor.refuse", entry, summary="turned away after a watchlist warning")
    return True


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


def unit_label(short_name: str | None, name: str | None) -> str:
    """The visited unit as the desk's lists name it: its short name, else its name ("" without one)."""
    return short_name or name or ""


@dataclass(frozen=True)
class WatchWarning:
    """A visitor inside who matched the watchlist when they came in."""

    id: int
    name: str
    checked_in_at: datetime
    note: str


# The desk's statements, built once (times, page and limits are parameters): building a
# statement costs more than running it. Read as rows through the connection.
_OPEN_WARNINGS = (
    select(VisitorEntry.id, VisitorEntry.name, VisitorEntry.checked_in_at, VisitorEntry.watchlist_note)
    .where(STILL_ON_SITE, VisitorEntry.watchlist_hit.is_(True))
    .order_by(VisitorEntry.checked_in_at)
    .limit(bindparam("limit"))
)


def open_warnings(limit: int = 10) -> list[WatchWarning]:
    """The desk's watchlist warnings (almost always none; see the partial index)."""
    return [WatchWarning(*row) for row in db.session.connection().execute(_OPEN_WARNINGS, {"limit": limit})]


@dataclass(frozen=True)
class OnSiteSummary:
    visitors: int  # entries
    people: int  # entries plus companions
    overstaying: int


_ON_SITE_SUMMARY = select(
    func.count(),
    func.coalesce(func.sum(VisitorEntry.companions), 0),
    func.count().filter(VisitorEntry.checked_in_at < bindparam("cutoff")),
).where(STILL_ON_SITE)


def on_site_summary(now: datetime, closing_time: time) -> OnSiteSummary:
    row = db.session.connection().execute(_ON_SITE_SUMMARY, {"cutoff": overstay_cutoff(now, closing_time)}).one()
    return OnSiteSummary(visitors=row[0], people=row[0] + int(row[1]), overstaying=row[2])


@dataclass(frozen=True)
class OnSiteRow:
    """A visitor inside, as the on-site list shows them: the columns it reads, no ORM object."""

    id: int
    name: str
    anonymized: bool
    id_type: IdType
    id_masked: str
    id_checked: bool
    watchlist_hit: bool
    checked_in_at: datetime
    unit: str  # short name or name, "" without a unit
    host_name: str
    companions: int
    plate: str
    badge: str | None
    overstay: bool  # still inside after the closing time of the day they came in


@dataclass(frozen=True)
class OnSitePage(PageNavigation):
    """One page of the on-site list with its head counts."""

    items: list[OnSiteRow]
    page: int
    per_page: int
    summary: OnSiteSummary

    @property
    def total(self) -> int:
        return self.summary.visitors

    @property
    def pages(self) -> int:  # type: ignore[override]
        return max(1, -(-self.total // self.per_page))


# A page of the on-site list: what the desk's panel shows at a glance (the portal's page size).
ON_SITE_PAGE_SIZE = 25


_ON_SITE_ROWS = (
    select(
        VisitorEntry.id, VisitorEntry.name, VisitorEntry.anonymized_at, VisitorEntry.id_type,
        VisitorEntry.id_masked, VisitorEntry.id_checked, VisitorEntry.watchlist_hit, VisitorEntry.checked_in_at,
        Unit.short_name, Unit.name, VisitorEntry.host_name, VisitorEntry.companions, VisitorEntry.plate,
        VisitorEntry.badge,
    )
    .outerjoin(Unit, Unit.id == VisitorEntry.unit_id)
    .where(STILL_ON_SITE)
    .order_by(VisitorEntry.checked_in_at, VisitorEntry.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def on_site_page(number: int, now: datetime, closing_time: time, *, per_page: int = ON_SITE_PAGE_SIZE) -> OnSitePage:
    """The pager's total comes from the head counts, so the open rows are counted once per request."""
    summary = on_site_summary(now, closing_time)
    number = max(number, 1)
    rows = db.session.connection().execute(_ON_SITE_ROWS, {"limit": per_page, "offset": (number - 1) * per_page})
    items = [
        OnSiteRow(entry_id, name, anonymized_at is not None, id_type, id_masked, id_checked, watchlist_hit,
                  checked_in_at, unit_label(short_name, unit_name), host_name, companions, plate, badge,
                  is_overstay(checked_in_at, now, closing_time))
        for (entry_id, name, anonymized_at, id_type, id_masked, id_checked, watchlist_hit, checked_in_at,
             short_name, unit_name, host_name, companions, plate, badge) in rows
    ]
    return OnSitePage(items=items, page=number, per_page=per_page, summary=summary)


@dataclass(frozen=True)
class EvacuationRow:
    entry: VisitorEntry
    where: str  # where to look: the host unit's floor and room


@dataclass(frozen=True)
class EvacuationList:
    rows: list[EvacuationRow]
    summary: OnSiteSummary


def unit_locations(unit_ids: Iterable[int]) -> dict[int, str]:
    """Where each unit sits, for finding its visitors: ``主楼 3F 305、306`` (its offices first, at most 4 rooms)."""
    ids = sorted({i for i in unit_ids if i})
    if not ids:
        return {}
    rows = db.session.execute(
        select(Room.unit_id, Building.name, Floor.level, Floor.label, Room.number)
        .join(Floor, Floor.id == Room.floor_id)
        .join(Building, Building.id == Floor.building_id)
        .where(Room.unit_id.in_(ids))
        .order_by(Room.unit_id, (Room.kind != RoomKind.OFFICE), Building.sort_order, Floor.level, Room.number)
    ).all()
    places: dict[int, dict[tuple[str, str], list[str]]] = {}
    for unit_id, building, level, label, number in rows:
        floors = places.setdefault(unit_id, {})
        if sum(len(numbers) for numbers in floors.values()) >= 4:
            continue
        floors.setdefault((building, label or f"{level}F"), []).append(number)
    return {
        unit_id: "；".join(f"{building} {floor} {'、'.join(numbers)}" for (building, floor), numbers in floors.items())
        for unit_id, floors in places.items()
    }


def evacuation_list(now: datetime, closing_time: time) -> EvacuationList:
    """Everyone inside, not paged: an evacuation needs every name, and where to look for them."""
    entries = db.session.scalars(on_site_query()).unique().all()
    locations = unit_locations(e.unit_id for e in entries if e.unit_id)
    rows = [EvacuationRow(e, locations.get(e.unit_id or 0, "")) for e in entries]
    return EvacuationList(rows=rows, summary=on_site_summary(now, closing_time))


# ---------------------------------------------------------------- pre-registration


MAX_DAYS_AHEAD = 90


def check_visit_window(day: date, start: time, end: time, *, now: datetime) -> None:
    """Raises :class:`RuleViolation` unless the window is a real, coming one."""
    today = now.astimezone(LOCAL_TZ).date()
    if day < today:
        raise RuleViolation(_l("The visit date is in the past."), field="visit_date")
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise RuleViolation(_l("Visitors can be registered at most %(days)s days ahead.", days=MAX_DAYS_AHEAD),
                            field="visit_date")
    if end <= start:
        raise RuleViolation(_l("The window must end after it starts."), field="visit_date")
    if local(day, end) <= now:
        raise RuleViolation(_l("This time window is already over."), field="visit_date")


@dataclass
class PreregistrationDraft:
    unit_id: int
    host_name: str
    visit_date: date
    window_start: time
    window_end: time
    visitor_name: str
    id_type: IdType = IdType.RESIDENT_ID
    phone: str = ""
    organization: str = ""
    purpose: str = ""
    companions: int = 0
    plate: str = ""


PREREGISTRATION_FIELDS = ("visit_date", "window_start", "window_end", "unit_id", "host_name", "visitor_name",
                          "id_type", "phone", "organization", "purpose", "companions", "plate", "status")


def preregister(draft: PreregistrationDraft, *, actor: User, now: datetime) -> VisitorPreregistration:
    """An employee announces a visitor. The caller commits."""
    check_visit_window(draft.visit_date, draft.window_start, draft.window_end, now=now)
    prereg = VisitorPreregistration(
        created_by_id=actor.id,
        unit_id=draft.unit_id,
        host_name=draft.host_name,
        visit_date=draft.visit_date,
        window_start=draft.window_start,
        window_end=draft.window_end,
        visitor_name=draft.visitor_name,
        id_type=draft.id_type,
        phone=draft.phone,
        organization=draft.organization,
        purpose=draft.purpose,
        companions=draft.companions,
        plate=draft.plate,
        status=PreregistrationStatus.EXPECTED,
        created_at=now,
    )
    db.session.add(prereg)
    db.session.flush()
    audit.record(actor, "visitor.preregister", prereg, after=audit.snapshot(prereg, PREREGISTRATION_FIELDS))
    return prereg


@dataclass(frozen=True)
class ExpectedVisitor:
    """A visitor pre-registered for today, as the desk lists them."""

    id: int
    window_start: time
    window_end: time
    visitor_name: str
    companions: int
    unit: str  # short name or name, "" without a unit
    host_name: str


# The desk's list of today's expected visitors, a page at a time.
EXPECTED_PAGE_SIZE = 20


_EXPECTED = (
    VisitorPreregistration.visit_date == bindparam("day"),
    VisitorPreregistration.status == PreregistrationStatus.EXPECTED,
)
# The count rides along on every row (a window is counted before the page is cut):
# one query, and a second only for a page past the end.
_EXPECTED_ROWS = (
    select(
        VisitorPreregistration.id, VisitorPreregistration.window_start, VisitorPreregistration.window_end,
        VisitorPreregistration.visitor_name, VisitorPreregistration.companions, Unit.short_name, Unit.name,
        VisitorPreregistration.host_name, func.count().over(),
    )
    .outerjoin(Unit, Unit.id == VisitorPreregistration.unit_id)
    .where(*_EXPECTED)
    .order_by(VisitorPreregistration.window_start, VisitorPreregistration.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_EXPECTED_COUNT = select(func.count()).select_from(VisitorPreregistration).where(*_EXPECTED)


def expected_page(day: date, number: int, *, per_page: int = EXPECTED_PAGE_SIZE) -> ListPage:
    """Who is expected on ``day`` and not yet arrived, by the start of their window."""
    number = max(number, 1)
    connection = db.session.connection()
    rows = connection.execute(_EXPECTED_ROWS, {"day": day, "limit": per_page, "offset": (number - 1) * per_page}).all()
    if rows:
        total = rows[0][-1]
    elif number == 1:
        total = 0
    else:
        total = connection.execute(_EXPECTED_COUNT, {"day": day}).scalar() or 0
    items = [
        ExpectedVisitor(prereg_id, start, end, name, companions, unit_label(short_name, unit_name), host)
        for prereg_id, start, end, name, companions, short_name, unit_name, host, _ in rows
    ]
    return ListPage(items, number, per_page, total)


def expected_today(prereg_id: int, today: date) -> VisitorPreregistration | None:
    """A pre-registration the desk may check in today, or None."""
    prereg = db.session.get(VisitorPreregistration, prereg_id, options=[joinedload(VisitorPreregistration.unit)])
    if prereg is None or prereg.status is not PreregistrationStatus.EXPECTED or prereg.visit_date != today:
        return None
    return prereg


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


def cancel_preregistration(prereg: VisitorPreregistration, *, actor: User | None, now: datetime) -> bool:
    """False when the visit is no longer expected (nothing changes). The caller commits."""
    if prereg.status is not PreregistrationStatus.EXPECTED:
        return False
    prereg.status = PreregistrationStatus.CANCELLED
    audit.record(actor, "visitor.preregistration_cancel", prereg, summary=f"cancelled on {now:%Y-%m-%d %H:%M}")
    return True


# ---------------------------------------------------------------- watchlist


@dataclass
class WatchDraft:
    name: str = ""
    id_type: IdType | None = None
    id_number: str = ""  # validated; only its fingerprint and masked form are kept
    plate: str = ""
    reason: str = ""
    action: WatchAction = WatchAction.ESCALATE


WATCH_FIELDS = ("name", "id_type", "id_masked", "plate", "reason", "action")


def add_watch(draft: WatchDraft, *, settings: VisitorSettings, actor: User | None, now: datetime) -> WatchlistEntry:
    if not (draft.name or draft.id_number or draft.plate):
        raise RuleViolation(_l("Give a name, a document number or a plate to watch for."))
    id_type = draft.id_type if draft.id_number else None
    watch = WatchlistEntry(
        name=draft.name,
        name_key=normalize_name(draft.name),
        id_type=id_type,
        id_masked=mask_document(id_type, draft.id_number) if id_type else "",
        id_digest=document_digest(id_type, draft.id_number, settings.digest_secret) if id_type else None,
        plate=draft.plate,
        reason=draft.reason,
        action=draft.action,
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
    )
    db.session.add(watch)
    audit.record(actor, "visitor.watch_add", watch, after=audit.snapshot(watch, WATCH_FIELDS))
    return watch


def remove_watch(watch: WatchlistEntry, *, actor: User | None, now: datetime) -> None:
    audit.record(actor, "visitor.watch_remove", watch, before=audit.snapshot(watch, WATCH_FIELDS),
                 summary=f"removed on {now:%Y-%m-%d %H:%M}")
    db.session.delete(watch)


def watchlist_query() -> Select:
    return (
        select(WatchlistEntry)
        .options(joinedload(WatchlistEntry.created_by))
        .order_by(WatchlistEntry.created_at.desc(), WatchlistEntry.id.desc())
    )


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


def _badge_forms(badge: str) -> list[str]:
    """A badge as typed now (normalised) and as a full-width ``５５`` stored before normalisation."""
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in badge)
    return sorted({badge, wide})


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
        query = query.where(VisitorEntry.badge.in_(_badge_forms(normalize_badge(f.badge))))
    return query


def history_count(f: HistoryFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(history_query(f).order_by(None).subquery())) or 0


@dataclass(frozen=True)
class UnitVisits:
    unit_name: str
    visits: int
    people: int


@dataclass(frozen=True)
class Arrivals:
    """When visitors come (arrivals by local hour and by weekday, Monday first) and how long they stay."""

    by_hour: list[tuple[int, int]]  # from the first hour with an arrival to the last
    by_weekday: list[int]
    average_minutes: int | None  # of the visits checked out; None when there are none
    by_day: list[tuple[date, int]] = field(default_factory=list)  # every day of the period


@dataclass(frozen=True)
class Statistics:
    start: date
    end: date
    rows: list[UnitVisits]
    arrivals: Arrivals | None = None

    @property
    def total_visits(self) -> int:
        return sum(r.visits for r in self.rows)

    @property
    def total_people(self) -> int:
        return sum(r.people for r in self.rows)


def _arrived_between(start: date, end: date) -> tuple:
    """Visits that arrived on ``start``..``end`` (local days, both included), refused ones left out."""
    return (
        VisitorEntry.checked_in_at >= local(start, time(0)),
        VisitorEntry.checked_in_at < local(end + timedelta(days=1), time(0)),
        VisitorEntry.refused.is_(False),
    )


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
        .where(*_arrived_between(start, end))
        .group_by(Unit.name)
        .order_by(func.count(VisitorEntry.id).desc(), Unit.name)
    ).all()
    return [UnitVisits(name, visits, int(people)) for name, visits, people in rows]


def arrival_statistics(start: date, end: date) -> Arrivals:
    """Arrivals by local hour, by local day and by weekday, and the average time on site (refused
    visits left out). Counted in SQL in the building's zone (portal.sqltime): an arrival at 23:30
    belongs to that day and to hour 23 here, whatever the hour in UTC."""
    hour, day = local_hour(VisitorEntry.checked_in_at), local_day(VisitorEntry.checked_in_at)
    arrived = _arrived_between(start, end)
    hours = dict(db.session.execute(select(hour, func.count(VisitorEntry.id)).where(*arrived).group_by(hour)).all())
    days = dict(db.session.execute(select(day, func.count(VisitorEntry.id)).where(*arrived).group_by(day)).all())
    stay = seconds_between(VisitorEntry.checked_in_at, VisitorEntry.checked_out_at)
    average = db.session.scalar(
        select(func.avg(stay)).where(*arrived, VisitorEntry.checked_out_at >= VisitorEntry.checked_in_at)
    )
    by_day = [(start + timedelta(days=n), days.get(f"{start + timedelta(days=n):%Y-%m-%d}", 0))
              for n in range((end - start).days + 1)]
    weekdays = [0] * 7
    for one_day, count in by_day:
        weekdays[one_day.weekday()] += count
    by_hour = [(h, hours.get(h, 0)) for h in range(min(hours), max(hours) + 1)] if hours else []
    return Arrivals(by_hour, weekdays, round(float(average) / 60) if average is not None else None, by_day)


def statistics(start: date, end: date) -> Statistics:
    return Statistics(start, end, unit_statistics(start, end), arrival_statistics(start, end))


EXPORT_LIMIT = 50_000


def history_workbook(entries: Iterable[VisitorEntry], labels: Mapping[str, str]) -> bytes:
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
                str(e.id_type.label),
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


def export_history(f: HistoryFilter, labels: Mapping[str, str], *, actor: User | None, now: datetime) -> bytes:
    """The workbook of a search, audited; raises :class:`RuleViolation` above :data:`EXPORT_LIMIT`. The caller commits."""
    total = history_count(f)
    if total > EXPORT_LIMIT:
        raise RuleViolation(_l("%(count)s visits match; export at most %(limit)s at a time (choose a shorter period).",
                               count=total, limit=EXPORT_LIMIT))
    data = history_workbook(db.session.scalars(history_query(f)).unique(), labels)
    audit.record(actor, "visitor.export", object_type="visitor_entry",
                 summary=f"exported {total} visits from {f.start} to {f.end} at {now:%Y-%m-%d %H:%M}")
    return data


# ---------------------------------------------------------------- reveal


def reveal_document(entry: VisitorEntry, settings: VisitorSettings, *, actor: User | None, now: datetime) -> str | None:
    """The plain number of an entry stored in full mode (the reveal is audited,
    without the number), or None. The caller commits."""
    if settings.storage is not IdStorage.FULL or settings.cipher is None or not entry.id_encrypted:
        return None
    number = decrypt_document(entry.id_encrypted, settings.cipher)
    if number is not None:
        audit.record(actor, "visitor.reveal_id", entry,
                     summary=f"document number of visit {entry.id} shown at {now:%Y-%m-%d %H:%M}")
    return number


# ---------------------------------------------------------------- retention


@dataclass(frozen=True)
class PurgeResult:
    entries: int
    preregistrations: int
    audit_records: int
    cutoff: datetime
    invitations: int = 0


# Audit snapshots of the visitor log name people: these keys are emptied with the rows.
PERSONAL_AUDIT_KEYS = frozenset({"name", "visitor_name", "id_masked", "phone", "organization", "host_name",
                                 "purpose", "plate", "reason", "watchlist_note"})
VISITOR_OBJECT_TYPES = ("visitor_entry", "visitor_preregistration", "visitor_watchlist", "visitor_invitation")


def _anonymised(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if not snapshot:
        return snapshot
    return {key: ("" if key in PERSONAL_AUDIT_KEYS and value else value) for key, value in snapshot.items()}


def _purge_audit(cutoff: datetime) -> int:
    """Empty the personal values in the before/after snapshots of the visitor log's audit records older than ``cutoff``."""
    changed = 0
    records = db.session.scalars(
        select(AuditLog).where(AuditLog.object_type.in_(VISITOR_OBJECT_TYPES), AuditLog.at < cutoff)
    )
    for record in records:
        before, after = _anonymised(record.before), _anonymised(record.after)
        if before != record.before or after != record.after:
            record.before, record.after = before, after
            changed += 1
    return changed


def purge_personal_data(*, now: datetime, retention_days: int, actor: User | None = None,
                        dry_run: bool = False) -> PurgeResult:
    """Empty the personal fields of visits older than the retention period,
    and of the audit records that describe them.

    Rows stay (times, unit, companions, badge), so counts and per-unit
    statistics are unchanged. Already anonymized rows are skipped, so running
    it every day is cheap and changes nothing twice. The caller commits (or
    rolls back for a dry run).
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
    invitations = purge_invitations(cutoff, now)
    audit_records = _purge_audit(cutoff)
    result = PurgeResult(entries=entries, preregistrations=preregistrations, audit_records=audit_records, cutoff=cutoff,
                         invitations=invitations)
    if not dry_run and (entries or preregistrations or invitations or audit_records):
        audit.record(
            actor,
            "visitor.purge",
            object_type="visitor_purge",
            summary=f"anonymized {entries} visits, {preregistrations} pre-registrations and {audit_records} audit "
            f"records before {cutoff:%Y-%m-%d %H:%M}",
        )
    return result


# ---------------------------------------------------------------- invitations

MAX_PASS_DAYS = 14
# Letters and digits that cannot be misheard or misread (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
PASS_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
PASS_LENGTH = 8
TOKEN_PATTERN = r"[A-Za-z0-9_-]{40,64}"


class InvitationState(LabelledEnum):
    OPEN = "open", _l("waiting for the visitor"), "warn"
    REGISTERED = "registered", _l("registered"), "info"
    ARRIVED = "arrived", _l("arrived"), "ok"
    EXPIRED = "expired", _l("expired"), "muted"
    REVOKED = "revoked", _l("revoked"), "neutral"


def new_pass_code() -> str:
    return "".join(secrets.choice(PASS_ALPHABET) for _ in range(PASS_LENGTH))


def format_pass_code(code: str) -> str:
    """``ACDE-FGHJ``: read aloud in two halves."""
    return f"{code[:4]}-{code[4:]}"


def normalize_pass_code(value: str | None) -> str:
    return normalise_identifier(value, upper=True).replace("-", "")[:PASS_LENGTH + 4]


@dataclass
class InvitationDraft:
    unit_id: int
    host_name: str
    first_day: date
    last_day: date
    window_start: time
    window_end: time
    room: str = ""
    purpose: str = ""
    max_companions: int = 0


INVITATION_FIELDS = ("unit_id", "host_name", "room", "purpose", "first_day", "last_day", "window_start",
                     "window_end", "max_companions")


def create_invitation(draft: InvitationDraft, *, actor: User, now: datetime) -> VisitorInvitation:
    """A host invites a visitor for one day or a few: the link's token and the pass code are random. The caller commits."""
    check_visit_window(draft.first_day, draft.window_start, draft.window_end, now=now)
    if draft.last_day < draft.first_day:
        raise RuleViolation(_l("The last day comes before the first."), field="last_day")
    if (draft.last_day - draft.first_day).days >= MAX_PASS_DAYS:
        raise RuleViolation(_l("A pass is for at most %(days)s days.", days=MAX_PASS_DAYS), field="last_day")
    invitation = VisitorInvitation(
        token=secrets.token_urlsafe(32),
        pass_code=new_pass_code(),
        created_by_id=actor.id,
        unit_id=draft.unit_id,
        host_name=draft.host_name,
        room=draft.room,
        purpose=draft.purpose,
        first_day=draft.first_day,
        last_day=draft.last_day,
        window_start=draft.window_start,
        window_end=draft.window_end,
        max_companions=draft.max_companions,
        created_at=now,
        expires_at=local(draft.last_day, draft.window_end),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "visitor.invite", invitation, after=audit.snapshot(invitation, INVITATION_FIELDS))
    return invitation


def revoke_invitation(invitation: VisitorInvitation, *, actor: User | None, now: datetime) -> bool:
    """The link and the pass stop working at once; False if already revoked. The caller commits."""
    if invitation.revoked_at is not None:
        return False
    invitation.revoked_at = now
    audit.record(actor, "visitor.invitation_revoke", invitation, summary=f"revoked on {now:%Y-%m-%d %H:%M}")
    return True


def invitation_state(invitation: VisitorInvitation, now: datetime) -> InvitationState:
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.expires_at <= now:
        return InvitationState.EXPIRED
    arrived = db.session.scalar(select(func.count()).select_from(VisitorEntry)
                                .where(VisitorEntry.invitation_id == invitation.id))
    if arrived:
        return InvitationState.ARRIVED
    return InvitationState.REGISTERED if invitation.registered_at else InvitationState.OPEN


def invitation_by_token(token: str) -> VisitorInvitation | None:
    """The invitation of a link, or None for anything else (nothing tells a wrong token from a missing one)."""
    import re

    if not re.fullmatch(TOKEN_PATTERN, token or ""):
        return None
    return db.session.scalar(select(VisitorInvitation).where(VisitorInvitation.token == token))


def check_link_open(invitation: VisitorInvitation, now: datetime) -> None:
    if invitation.revoked_at is not None:
        raise RuleViolation(_l("This invitation was withdrawn by your host. Please contact them."), status=410)
    if invitation.expires_at <= now:
        raise RuleViolation(_l("This invitation has expired. Please ask your host for a new one."), status=410)


@dataclass
class RegistrationDraft:
    name: str
    id_type: IdType
    id_number: str  # validated as at the desk; never stored as is
    phone: str = ""
    plate: str = ""
    companions: int = 0


def register_visitor(invitation: VisitorInvitation, draft: RegistrationDraft, *, settings: VisitorSettings,
                     now: datetime) -> VisitorInvitation:
    """The visitor fills in their own details (again, until they have checked in). The caller commits."""
    check_link_open(invitation, now)
    if db.session.scalar(select(VisitorEntry.id).where(VisitorEntry.invitation_id == invitation.id).limit(1)):
        raise RuleViolation(_l("You have already checked in with this pass; the desk can correct your details."))
    if draft.companions > invitation.max_companions:
        raise RuleViolation(_l("This invitation is for at most %(count)s companion(s).",
                               count=invitation.max_companions), field="companions")
    stored = reduce_document(draft.id_type, draft.id_number, settings.storage, settings.cipher)
    invitation.visitor_name = draft.name
    invitation.id_type = draft.id_type
    invitation.id_masked = stored.masked
    invitation.id_encrypted = stored.encrypted
    invitation.id_digest = document_digest(draft.id_type, draft.id_number, settings.digest_secret)
    invitation.phone = draft.phone
    invitation.plate = draft.plate
    invitation.companions = draft.companions
    first = invitation.registered_at is None
    invitation.registered_at = now
    # Nothing personal in the audit trail: the visitor is no user, the record says that it happened.
    audit.record(None, "visitor.self_register", invitation,
                 summary="registered by the visitor" if first else "details changed by the visitor")
    return invitation


def invitation_for_desk(code: str, *, now: datetime) -> VisitorInvitation:
    """The registered invitation whose pass code the guard typed, valid today; RuleViolation otherwise."""
    wanted = normalize_pass_code(code)
    invitation = db.session.scalar(
        select(VisitorInvitation).options(joinedload(VisitorInvitation.unit))
        .where(VisitorInvitation.pass_code == wanted)
    ) if len(wanted) == PASS_LENGTH else None
    if invitation is None or invitation.registered_at is None:
        raise RuleViolation(_l("No registered pass has the code %(code)s.", code=wanted), field="code")
    if invitation.revoked_at is not None:
        raise RuleViolation(_l("This pass was revoked by the host."), field="code")
    today = now.astimezone(LOCAL_TZ).date()
    if not invitation.first_day <= today <= invitation.last_day or invitation.expires_at <= now:
        raise RuleViolation(_l("This pass is valid from %(first)s to %(last)s, not today.",
                               first=invitation.first_day.isoformat(), last=invitation.last_day.isoformat()),
                            field="code")
    return invitation


def on_site_with(invitation: VisitorInvitation) -> VisitorEntry | None:
    return db.session.scalar(select(VisitorEntry).where(VisitorEntry.invitation_id == invitation.id, STILL_ON_SITE))


def check_in_invitation(invitation: VisitorInvitation, *, badge: str, submission_token: str,
                        settings: VisitorSettings, actor: User | None, now: datetime,
                        decision: str = "") -> CheckInResult:
    """Check in a self-registered visitor by their pass (every day of a multi-day pass). The watch-list check
    runs first, as at the desk: with matches nothing is saved until the guard decides (``admit`` / ``refuse``).
    The caller commits."""
    begin_serialized_write()
    existing = find_by_token(submission_token)
    if existing is not None:
        return CheckInResult(existing, created=False)
    invitation = invitation_for_desk(invitation.pass_code, now=now)
    # On PostgreSQL a retry of this form may have been saved since the look-up above (each statement
    # sees what was committed before it): then its entry is the answer, not "already in".
    if (present := on_site_with(invitation)) is not None:
        if present.submission_token == submission_token:
            return CheckInResult(present, created=False)
        raise RuleViolation(_l("This visitor is already checked in."), field="badge")
    badge = normalize_badge(badge) or None
    if decision != "refuse" and (saved := _badge_free_unless_this_form(badge, submission_token)) is not None:
        return CheckInResult(saved, created=False)
    matches = watch_matches_by_digest(invitation.visitor_name, invitation.id_digest, invitation.plate)
    if matches and decision not in ("admit", "refuse"):
        return CheckInResult(None, created=False, matches=matches)
    refused = bool(matches) and decision == "refuse"
    entry = VisitorEntry(
        submission_token=submission_token,
        name=invitation.visitor_name,
        id_type=invitation.id_type or IdType.RESIDENT_ID,
        id_checked=False,
        id_masked=invitation.id_masked,
        id_encrypted=invitation.id_encrypted,
        phone=invitation.phone,
        unit_id=invitation.unit_id,
        host_name=invitation.host_name,
        purpose=invitation.purpose,
        companions=invitation.companions,
        plate=invitation.plate,
        badge=None if refused else badge,
        checked_in_at=now,
        checked_in_by_id=actor.id if actor is not None else None,
        watchlist_hit=bool(matches),
        watchlist_note=watch_note(matches),
        invitation_id=invitation.id,
    )
    if refused:
        entry.checked_out_at = now
        entry.checked_out_by_id = entry.checked_in_by_id
        entry.refused = True
    if (saved := _insert_entry(entry, entry.badge)) is not None:
        return CheckInResult(saved, created=False)
    audit.record(actor, "visitor.check_in_pass", entry,
                 summary="refused at the desk after a watchlist warning" if refused else "checked in with a pass")
    if matches:
        tell_watch_match(entry, now=now)
    if not refused:
        tell_arrival(entry, [invitation.created_by_id], now=now)
    return CheckInResult(entry, created=True, matches=matches)


def own_invitations_query(user: User) -> Select:
    return (
        select(VisitorInvitation)
        .options(joinedload(VisitorInvitation.unit))
        .where(VisitorInvitation.created_by_id == user.id)
        .order_by(VisitorInvitation.first_day.desc(), VisitorInvitation.id.desc())
    )


# ---------------------------------------------------------------- no-shows


def tell_no_shows(*, now: datetime) -> int:
    """Hosts hear once of expected visitors (pre-registered or invited) whose window is over without an arrival.
    Safe to run every few minutes. The caller commits."""
    today = now.astimezone(LOCAL_TZ).date()
    told = 0
    preregs = db.session.scalars(
        select(VisitorPreregistration).where(
            VisitorPreregistration.status == PreregistrationStatus.EXPECTED,
            VisitorPreregistration.visit_date <= today,
            VisitorPreregistration.no_show_told_at.is_(None),
        )
    ).all()
    for prereg in preregs:
        if local(prereg.visit_date, prereg.window_end) > now:
            continue
        prereg.no_show_told_at = now
        events.emit(notify.NO_SHOW, recipients=[prereg.created_by_id], now=now,
                    args={"date": prereg.visit_date.isoformat(),
                          "window": f"{prereg.window_start:%H:%M}–{prereg.window_end:%H:%M}"},
                    endpoint="visitors.my_expected")
        told += 1
    invitations = db.session.scalars(
        select(VisitorInvitation).where(
            VisitorInvitation.expires_at <= now,
            VisitorInvitation.revoked_at.is_(None),
            VisitorInvitation.no_show_told_at.is_(None),
            ~select(VisitorEntry.id).where(VisitorEntry.invitation_id == VisitorInvitation.id).exists(),
        )
    ).all()
    for invitation in invitations:
        invitation.no_show_told_at = now
        events.emit(notify.NO_SHOW, recipients=[invitation.created_by_id], now=now,
                    args={"date": invitation.last_day.isoformat(),
                          "window": f"{invitation.window_start:%H:%M}–{invitation.window_end:%H:%M}"},
                    endpoint="visitors.my_invitations")
        told += 1
    return told


def purge_invitations(cutoff: datetime, now: datetime) -> int:
    """Self-registered details go after the retention period, like the desk's entries."""
    return db.session.execute(
        update(VisitorInvitation)
        .where(VisitorInvitation.last_day < cutoff.astimezone(LOCAL_TZ).date(), VisitorInvitation.anonymized_at.is_(None))
        .values(visitor_name="", id_masked="", id_encrypted=None, id_digest=None, phone="", plate="", host_name="",
                room="", purpose="", anonymized_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def mask_name(name: str) -> str:
    """``张*``, ``欧阳**``-style: the family name (or first letter) only, for printed slips."""
    name = (name or "").strip()
    if not name:
        return ""
    if " " in name:  # a Latin name: the first letters
        return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
    return name[:1] + "*" * max(len(name) - 1, 1)


@dataclass(frozen=True)
class PlateVisit:
    """A visit that came by this car, for the car park guard's plate lookup (read only)."""

    name: str
    organization: str
    unit_name: str
    host_name: str
    checked_in_at: datetime
    checked_out_at: datetime | None


# Built once (the plate and the number of visits are parameters), read as the columns shown.
_VISITS_BY_PLATE = (
    select(VisitorEntry.name, VisitorEntry.organization, Unit.name, VisitorEntry.host_name, VisitorEntry.checked_in_at,
           VisitorEntry.checked_out_at)
    .outerjoin(Unit, VisitorEntry.unit_id == Unit.id)
    .where(VisitorEntry.plate == bindparam("plate"), VisitorEntry.refused.is_(False))
    .order_by(VisitorEntry.checked_in_at.desc()).limit(bindparam("limit"))
)


def visits_by_plate(plate: str, *, limit: int = 5) -> list[PlateVisit]:
    """The latest visits registered with ``plate`` (normalised as at the desk), newest first."""
    plate = normalise_identifier(plate, upper=True)
    if not plate:
        return []
    rows = db.session.connection().execute(_VISITS_BY_PLATE, {"plate": plate, "limit": limit})
    return [PlateVisit(name, organization, unit_name or "", host_name, checked_in_at, checked_out_at)
            for name, organization, unit_name, host_name, checked_in_at, checked_out_at in rows]
