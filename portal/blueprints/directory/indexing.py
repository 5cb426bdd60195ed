"""Keeping ``SearchKey`` rows current, and each process's in-memory copy.

Pinyin is slow to compute (about 0.1 ms a name), so it is worked out once
when an object is saved rather than on every search: a session listener
refreshes the keys of every unit, floor, room, service and staff member that a
flush adds, renames or removes, in the same transaction, and gives the keys a
new version token. ``key_index()`` compares that token (one primary-key query)
and reloads the process's ``KeyIndex`` only when it changed.

Rows written without the ORM (bulk loads, SQL) are caught by
``reconcile_search_keys``: run ``flask --app portal directory reindex --repair``
after such a load (or from cron). Searches only read: a GET never writes keys.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    delete,
    event,
    exists,
    func,
    insert,
    inspect,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, joinedload, lazyload

from portal.blueprints.directory.models import (
    SearchKey,
    SearchKeyChange,
    SearchKeyVersion,
    Synonym,
)
from portal.blueprints.directory.search import (
    Candidate,
    KeyIndex,
    Keys,
    Synonyms,
    join_values,
    make_keys,
    split_values,
)
from portal.blueprints.guide.models import GuideItem
from portal.cache import bump, watch
from portal.db import db
from portal.models import Building, Floor, Room, Unit, User
from portal.pinyin import surname_readings

CHINESE_DIGITS = "零一二三四五六七八九十"


def _chinese_number(n: int) -> str:
    if 0 <= n <= 10:
        return CHINESE_DIGITS[n]
    if n < 20:
        return "十" + CHINESE_DIGITS[n - 10]
    return str(n)


def unit_texts(unit: Unit) -> list[str]:
    texts = [unit.name, unit.short_name or "", unit.phone or ""]  # the public phone: 5400001 finds the unit
    if unit.name.startswith("县") and len(unit.name) > 3:
        texts.append(unit.name[1:])  # people say 人力资源和社会保障局, not 县人力…
    return texts


def building_aliases(building: Building) -> list[str]:
    """``县委附楼`` is also written ``县委楼`` and ``县委``."""
    names = [building.name]
    if building.name.endswith("附楼") and len(building.name) > 2:
        names += [building.name[:-2] + "楼", building.name[:-2]]
    return names


def floor_spellings(floor: Floor) -> list[str]:
    level, chinese = floor.level, _chinese_number(floor.level)
    return [f"{level}楼", f"{level}层", f"{level}f", f"{chinese}楼", f"{chinese}层", floor.label]


def floor_texts(floor: Floor) -> list[str]:
    spellings = floor_spellings(floor)
    return spellings + [alias + s for alias in building_aliases(floor.building) for s in spellings]


def room_texts(room: Room) -> list[str]:
    numbers = [room.number, f"{room.number}室"]
    texts = numbers + [alias + n for alias in building_aliases(room.floor.building) for n in numbers]
    if room.name:
        texts.append(room.name)
    return texts


def item_texts(item: GuideItem) -> list[str]:
    words = (item.keywords or "").replace("，", ",").replace("、", ",").replace(",", " ").split()
    # Its category too: 不动产登记 lists the whole family (首次, 转移, 抵押, 查询).
    return [item.name, *words, item.category or "", item.phone or ""]  # its enquiry phone finds it too


def staff_listed(user: User) -> bool:
    return user.active and user.unit_id is not None


def key_row(kind: str, obj: Any) -> dict[str, Any] | None:
    """The stored key row for ``obj``, or None when it is not searchable."""
    if kind == "unit":
        label, texts = obj.name, unit_texts(obj)
    elif kind == "floor":
        label, texts = f"{obj.building.name} {obj.display_label}", floor_texts(obj)
    elif kind == "room":
        label, texts = obj.label, room_texts(obj)
    elif kind == "guide":
        label, texts = obj.name, item_texts(obj)
    elif kind == "staff":
        if not staff_listed(obj):
            return None
        # The extension too: 5596 finds the colleague (staff are shown to logged-in users only).
        label, texts = obj.display_name, [obj.display_name, obj.phone_ext or ""]
    else:
        raise ValueError(kind)
    keys = make_keys(texts)
    if kind == "staff":  # 曾伟 is found by zengwei and zw too
        extra = surname_readings(obj.display_name)
        keys = Keys(keys.terms, keys.pinyin + tuple(f for f, _ in extra), keys.initials + tuple(i for _, i in extra))
    return {
        "kind": kind,
        "object_id": obj.id,
        "label": label[:160],
        "terms": join_values(keys.terms),
        "pinyin": join_values(keys.pinyin),
        "initials": join_values(keys.initials),
    }


# model → (kind, attributes whose change alters its keys)
WATCHED: dict[type, tuple[str, tuple[str, ...]]] = {
    Unit: ("unit", ("name", "short_name", "phone")),
    Floor: ("floor", ("level", "label", "building_id", "building")),
    Room: ("room", ("number", "name", "floor_id", "floor")),
    GuideItem: ("guide", ("name", "keywords", "category", "phone")),
    User: ("staff", ("display_name", "unit_id", "unit", "active", "phone_ext")),
    Building: ("", ("name",)),  # no keys of its own; its floors' and rooms' keys name it
}


def _changed(obj: Any, attributes: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def _stale_objects(session: Session) -> tuple[list[tuple[str, Any]], list[tuple[str, int]]]:
    """(kind, object) pairs to re-key and (kind, id) pairs to drop, from the flush."""
    refresh: list[tuple[str, Any]] = []
    for obj in session.new:
        watched = WATCHED.get(type(obj))
        if watched and watched[0]:
            refresh.append((watched[0], obj))
    for obj in session.dirty:
        watched = WATCHED.get(type(obj))
        if not watched or not _changed(obj, watched[1]):
            continue
        kind = watched[0]
        if isinstance(obj, Building):
            for floor in obj.floors:
                refresh.append(("floor", floor))
                refresh.extend(("room", room) for room in floor.rooms)
            continue
        refresh.append((kind, obj))
        if isinstance(obj, Floor):
            refresh.extend(("room", room) for room in obj.rooms)
    removed = []
    for obj in session.deleted:
        watched = WATCHED.get(type(obj))
        if watched and watched[0] and obj.id is not None:
            removed.append((watched[0], obj.id))
    return refresh, removed


def _write(connection: Any, refresh: Iterable[tuple[str, Any]], removed: Iterable[tuple[str, int]]) -> None:
    table = SearchKey.__table__
    drop: dict[str, set[int]] = {}
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, obj in refresh:
        drop.setdefault(kind, set()).add(obj.id)
        row = key_row(kind, obj)
        if row is not None:
            rows[kind, obj.id] = row
    for kind, object_id in removed:
        drop.setdefault(kind, set()).add(object_id)
    _log_changes(connection, [(kind, object_id) for kind, ids in drop.items() for object_id in sorted(ids)])
    for kind, ids in drop.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            connection.execute(
                delete(table).where(table.c.kind == kind, table.c.object_id.in_(ordered[start : start + 500]))
            )
    if rows:
        connection.execute(insert(table), list(rows.values()))


# Change-log entries kept: a process further behind than this reloads its index whole.
CHANGES_KEPT = 5000


def _log_changes(connection: Any, changed: list[tuple[str, int]]) -> None:
    """Note which entries were rewritten, for the processes that apply only those."""
    if not changed:
        return
    table = SearchKeyChange.__table__
    connection.execute(insert(table), [{"kind": kind, "object_id": object_id} for kind, object_id in changed])
    newest = connection.scalar(select(func.max(table.c.id)))
    if newest is not None and newest > CHANGES_KEPT:
        connection.execute(delete(table).where(table.c.id <= newest - CHANGES_KEPT))


def _new_version(connection: Any, *, new_epoch: bool = False) -> None:
    """Give the directory a new version token: other processes bring their key
    index up to date, and cached search results made from older data are no
    longer used. ``new_epoch``: keys were written without the change log (a
    rebuild, a repair); every process reloads its index whole."""
    table = SearchKeyVersion.__table__
    token = secrets.token_hex(8)
    values: dict[str, str] = {"token": token}
    if new_epoch:
        values["epoch"] = secrets.token_hex(8)
    if connection.execute(update(table).where(table.c.id == 1).values(**values)).rowcount == 0:
        connection.execute(insert(table).values(id=1, token=token, epoch=secrets.token_hex(8)))
    bump(connection, [SEARCH_AREA])


# The data area of search results (portal.cache): it changes with the version token
# above, so a kept search page costs the one read of every area's token.
SEARCH_AREA = "search"
watch(SEARCH_AREA, SearchKeyVersion)


# What search results show of a staff member; any change to the other watched
# models counts (but not, say, a user's last login time).
SHOWN_STAFF_ATTRIBUTES = (
    "display_name", "unit_id", "unit", "active", "title", "phone_ext", "office_room_id", "office_room",
)


def _shown_data_changed(session: Session) -> bool:
    for obj in (*session.new, *session.deleted, *session.dirty):
        if type(obj) is Synonym:  # the next search uses the table as edited
            return True
    for obj in (*session.new, *session.deleted):
        if type(obj) in WATCHED:
            return True
    for obj in session.dirty:
        if type(obj) is User:
            if _changed(obj, SHOWN_STAFF_ATTRIBUTES):
                return True
        elif type(obj) in WATCHED and session.is_modified(obj):
            return True
    return False


@event.listens_for(Session, "after_flush")
def _refresh_search_keys(session: Session, flush_context: Any) -> None:
    refresh, removed = _stale_objects(session)
    if refresh or removed:
        _write(session.connection(), refresh, removed)
    if refresh or removed or _shown_data_changed(session):
        _new_version(session.connection())


def stored_keys(kind: str) -> dict[int, Keys]:
    """The stored keys of every object of ``kind``, by object id: other capabilities
    match names with them without computing pinyin (see ``portal.pinyin``)."""
    rows = db.session.execute(
        select(SearchKey.object_id, SearchKey.terms, SearchKey.pinyin, SearchKey.initials).where(SearchKey.kind == kind)
    )
    return {
        object_id: Keys(split_values(terms), split_values(pinyin), split_values(initials))
        for object_id, terms, pinyin, initials in rows
    }


def _sources() -> list[tuple[str, Any, list[Any], list[Any]]]:
    """(kind, model, "is listed" conditions, loader options) for every kind of key."""
    return [
        ("unit", Unit, [], []),
        ("floor", Floor, [], [joinedload(Floor.building)]),
        ("room", Room, [], [joinedload(Room.floor).joinedload(Floor.building)]),
        ("guide", GuideItem, [], []),
        ("staff", User, [User.active.is_(True), User.unit_id.is_not(None)], [lazyload(User.role_rows)]),
    ]


def _insert_rows(kind: str, objects: Iterable[Any]) -> int:
    rows = [row for obj in objects if (row := key_row(kind, obj)) is not None]
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(SearchKey), rows[start : start + 1000])
    return len(rows)


def rebuild_search_keys() -> int:
    """Recompute every key row; returns the count. The caller commits."""
    session = db.session
    session.execute(delete(SearchKey))
    written = 0
    for kind, model, listed, options in _sources():
        written += _insert_rows(kind, session.scalars(select(model).options(*options).where(*listed)))
    _new_version(session.connection(), new_epoch=True)
    return written


def reconcile_search_keys() -> tuple[int, int]:
    """Add the keys of listed objects that have none, drop keys whose object is
    gone or no longer listed: the repair for rows written without the ORM (bulk
    loads, SQL). Returns (added, dropped); the caller commits."""
    session = db.session
    added = dropped = 0
    for kind, model, listed, options in _sources():
        has_key = exists().where(SearchKey.kind == kind, SearchKey.object_id == model.id)
        missing = session.scalars(select(model).options(*options).where(*listed, ~has_key)).all()
        added += _insert_rows(kind, missing)
        still_listed = select(model.id).where(model.id == SearchKey.object_id, *listed)
        result = session.execute(
            delete(SearchKey).where(SearchKey.kind == kind, ~still_listed.exists()).execution_options(synchronize_session=False)
        )
        dropped += result.rowcount or 0
    if added or dropped:
        _new_version(session.connection(), new_epoch=True)
    return added, dropped


# ---------------------------------------------------------------- the in-memory index

# Change-log entries re-read behind the newest applied one: with concurrent
# writers, an entry with a lower id may commit after one with a higher id.
LOOK_BACK = 200


@dataclass
class _Loaded:
    token: str
    epoch: str
    index: KeyIndex
    last_change: int  # the newest change-log id applied
    applied: set[int] = field(default_factory=set)  # applied ids within LOOK_BACK of last_change


_indexes: dict[Any, _Loaded] = {}
# Built once: read on every search.
_VERSION = select(SearchKeyVersion.token, SearchKeyVersion.epoch).where(SearchKeyVersion.id == 1)
_reload_lock = threading.Lock()


def key_index() -> tuple[str | None, KeyIndex]:
    """The directory's version token and this database's keys and synonyms in
    memory (token None: nothing was ever keyed; no caching).

    Costs one primary-key query per search. After an edit, the next search
    re-reads only the keys of the entries changed since (from the change log)
    and the synonym table; after a rebuild or repair (a new epoch), everything.
    """
    database = db.engine.url  # hashable; one index per database
    row = db.session.execute(_VERSION).first()
    token, epoch = (row[0], row[1]) if row is not None else (None, "")
    cached = _indexes.get(database)
    if token is not None and cached is not None and cached.token == token:
        return token, cached.index
    with _reload_lock:  # after an edit, one thread updates while the others wait for it
        cached = _indexes.get(database)
        if token is not None and cached is not None and cached.token == token:
            return token, cached.index
        if token is not None and cached is not None and cached.epoch == epoch:
            loaded = _apply_changes(cached, token)
            if loaded is not None:
                _indexes[database] = loaded
                return token, loaded.index
        return token, _load_index(database, token, epoch)


def load_synonyms() -> Synonyms:
    return {word: tuple(v for v in targets.split("\n") if v) for word, targets in db.session.execute(select(Synonym.word, Synonym.targets))}


def _candidates(rows: Iterable[Any]) -> list[Candidate]:
    return [
        Candidate(kind, object_id, label, Keys(split_values(terms), split_values(pinyin), split_values(initials)))
        for kind, object_id, label, terms, pinyin, initials in rows
    ]


_KEY_COLUMNS = (SearchKey.kind, SearchKey.object_id, SearchKey.label, SearchKey.terms, SearchKey.pinyin, SearchKey.initials)


def _apply_changes(cached: _Loaded, token: str) -> _Loaded | None:
    """``cached`` brought up to date from the change log, or None when the log no
    longer reaches back to it (then the caller reloads everything)."""
    changes = db.session.execute(
        select(SearchKeyChange.id, SearchKeyChange.kind, SearchKeyChange.object_id)
        .where(SearchKeyChange.id > cached.last_change - LOOK_BACK)
        .order_by(SearchKeyChange.id)
    ).all()
    oldest = db.session.scalar(select(func.min(SearchKeyChange.id)))
    if cached.last_change and (oldest is None or oldest > cached.last_change + 1):
        return None  # pruned (or emptied) past what this process applied
    new = [(change_id, kind, object_id) for change_id, kind, object_id in changes if change_id not in cached.applied]
    wanted = sorted({(kind, object_id) for _, kind, object_id in new})
    updates: dict[tuple[str, int], Candidate | None] = dict.fromkeys(wanted)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = db.session.execute(select(*_KEY_COLUMNS).where(tuple_(SearchKey.kind, SearchKey.object_id).in_(chunk)))
        for candidate in _candidates(rows):
            updates[candidate.kind, candidate.object_id] = candidate
    last = max([cached.last_change] + [change_id for change_id, *_ in new])
    applied = {i for i in cached.applied | {change_id for change_id, *_ in new} if i > last - LOOK_BACK}
    return _Loaded(token, cached.epoch, cached.index.changed(updates, load_synonyms()), last, applied)


def _load_index(database: Any, token: str | None, epoch: str = "") -> KeyIndex:
    last = db.session.scalar(select(func.max(SearchKeyChange.id))) or 0
    rows = db.session.execute(select(*_KEY_COLUMNS).order_by(SearchKey.kind, SearchKey.object_id))
    index = KeyIndex(_candidates(rows), load_synonyms())
    if token is not None:
        # Replaced whole: readers in other threads keep a consistent index.
        applied = set(db.session.scalars(select(SearchKeyChange.id).where(SearchKeyChange.id > last - LOOK_BACK)))
        _indexes[database] = _Loaded(token, epoch, index, last, applied)
    return index
