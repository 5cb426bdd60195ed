"""Domain rules of the visitor log, without HTTP."""

from datetime import date, datetime, time, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, func, select

from portal.blueprints.visitors import services as svc
from portal.blueprints.visitors.models import (
    PreregistrationStatus,
    VisitorEntry,
    VisitorPreregistration,
    WatchAction,
    WatchlistEntry,
    WatchMatchKind,
)
from portal.blueprints.visitors.privacy import (
    IdStorage,
    decrypt_document,
    document_digest,
    id_cipher,
)
from portal.blueprints.visitors.validation import IdType, normalize_name
from portal.db import db
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ
from tests.visitors.conftest import make_resident_id

NOON = datetime(2025, 6, 3, 12, 0, tzinfo=LOCAL_TZ)
NUMBER = make_resident_id()


def settings(storage: IdStorage = IdStorage.PARTIAL, **overrides) -> svc.VisitorSettings:
    values = {
        "storage": storage,
        "cipher": id_cipher(Fernet.generate_key().decode()),
        "retention_days": 180,
        "closing_time": time(18, 0),
        "digest_secret": "test-secret",
    } | overrides
    return svc.VisitorSettings(**values)


def check_in_data(units, **overrides) -> svc.CheckIn:
    values = {
        "submission_token": svc.new_submission_token(),
        "name": "张伟",
        "id_type": IdType.RESIDENT_ID,
        "id_number": NUMBER,
        "id_checked": True,
        "unit_id": units["rsj"].id,
        "badge": "17",
    } | overrides
    return svc.CheckIn(**values)


def count_entries() -> int:
    return db.session.scalar(select(func.count()).select_from(VisitorEntry))


# ---------------------------------------------------------------- units


def test_unit_is_found_by_name_short_name_pinyin_or_initials(units):
    options = svc.unit_options(units.values())
    for typed in ("县人力资源和社会保障局", "人社局", "rsj", "RSJ", "rensheju", "人社", "xrlzy", "renshe"):
        assert svc.resolve_unit(typed, options).short_name == "人社局", typed
    assert svc.resolve_unit("czj", options).short_name == "财政局"


def test_the_directorys_stored_keys_give_the_same_options(units):
    from portal.blueprints.directory.indexing import stored_keys

    stored = stored_keys("unit")
    assert set(stored) >= {unit.id for unit in units.values()}
    computed, from_store = svc.unit_options(units.values()), svc.unit_options(units.values(), stored)
    assert [o.hint for o in from_store] == [o.hint for o in computed]
    assert next(o for o in from_store if o.short_name == "人社局").hint == "人社局 rsj"
    for typed in ("人社局", "rsj", "rensheju", "xrlzy", "renshe", "czj"):
        assert svc.resolve_unit(typed, from_store).id == svc.resolve_unit(typed, computed).id, typed


def test_the_pickers_list_shows_the_options_names_and_hints(units):
    """The desk's list reads only names and initials; it shows what the options would."""
    from portal.blueprints.directory.models import SearchKey

    # A unit whose keys are not stored yet has its initials worked out.
    db.session.execute(delete(SearchKey).where(SearchKey.kind == "unit", SearchKey.object_id == units["czj"].id))
    hints = svc.unit_hints()
    assert [(h.name, h.hint) for h in hints] == [(o.name, o.hint) for o in svc.all_unit_options()]
    assert ("县财政局", "财政局 czj") in [(h.name, h.hint) for h in hints]


def test_ambiguous_or_unknown_unit_says_so(units, app):
    from flask_babel import force_locale

    options = svc.unit_options(units.values())
    with pytest.raises(RuleViolation) as ambiguous:
        svc.resolve_unit("局", options)
    with force_locale("en"):
        assert "人社局" in str(ambiguous.value.message) and "财政局" in str(ambiguous.value.message)
    with pytest.raises(RuleViolation):
        svc.resolve_unit("qwerty", options)
    with pytest.raises(RuleViolation):
        svc.resolve_unit("  ", options)


# ---------------------------------------------------------------- check-in


def test_check_in_stores_only_the_masked_number(units):
    result = svc.check_in(check_in_data(units), settings=settings(), actor=None, now=NOON)
    db.session.commit()
    entry = db.session.get(VisitorEntry, result.entry.id)
    assert result.created and entry.id_masked == "510921********" + NUMBER[-4:]
    assert entry.id_encrypted is None
    row = db.session.execute(select(VisitorEntry.__table__)).one()
    assert NUMBER not in repr(tuple(row))


def test_check_in_in_none_mode_keeps_type_and_tick_only(units):
    result = svc.check_in(check_in_data(units), settings=settings(IdStorage.NONE), actor=None, now=NOON)
    assert result.entry.id_masked == "" and result.entry.id_encrypted is None
    assert result.entry.id_type is IdType.RESIDENT_ID and result.entry.id_checked


def test_check_in_in_full_mode_encrypts(units):
    config = settings(IdStorage.FULL)
    result = svc.check_in(check_in_data(units), settings=config, actor=None, now=NOON)
    db.session.commit()
    assert NUMBER not in result.entry.id_encrypted
    assert svc.reveal_document(result.entry, config, actor=None, now=NOON) == NUMBER
    assert decrypt_document(result.entry.id_encrypted, config.cipher) == NUMBER
    # With partial storage configured later, nothing is revealed any more.
    assert svc.reveal_document(result.entry, settings(IdStorage.PARTIAL), actor=None, now=NOON) is None


def test_the_same_submission_creates_one_entry(units):
    data = check_in_data(units)
    first = svc.check_in(data, settings=settings(), actor=None, now=NOON)
    db.session.commit()
    again = svc.check_in(data, settings=settings(), actor=None, now=NOON + timedelta(seconds=1))
    db.session.commit()
    assert first.created and not again.created
    assert again.entry.id == first.entry.id
    assert count_entries() == 1


def test_a_badge_is_with_one_visitor_at_a_time(units):
    first = svc.check_in(check_in_data(units), settings=settings(), actor=None, now=NOON).entry
    db.session.commit()
    with pytest.raises(RuleViolation) as caught:
        svc.check_in(check_in_data(units, name="李娜"), settings=settings(), actor=None, now=NOON)
    assert caught.value.field == "badge"
    db.session.rollback()
    svc.check_out(first, actor=None, now=NOON + timedelta(hours=1))
    db.session.commit()
    assert svc.check_in(check_in_data(units, name="李娜"), settings=settings(), actor=None, now=NOON).created


def test_check_in_from_a_preregistration_marks_it_arrived(units):
    prereg = VisitorPreregistration(unit_id=units["rsj"].id, visit_date=NOON.date(), window_start=time(9),
                                    window_end=time(17), visitor_name="张伟")
    db.session.add(prereg)
    db.session.commit()
    svc.check_in(check_in_data(units, preregistration_id=prereg.id), settings=settings(), actor=None, now=NOON)
    db.session.commit()
    assert db.session.get(VisitorPreregistration, prereg.id).status is PreregistrationStatus.ARRIVED


def test_check_out_once(units):
    entry = svc.check_in(check_in_data(units), settings=settings(), actor=None, now=NOON).entry
    assert svc.check_out(entry, actor=None, now=NOON + timedelta(hours=2))
    assert not svc.check_out(entry, actor=None, now=NOON + timedelta(hours=3))
    assert entry.checked_out_at == NOON + timedelta(hours=2)


# ---------------------------------------------------------------- watchlist


def _watch(**fields) -> WatchlistEntry:
    watch = WatchlistEntry(reason="多次推销", action=WatchAction.REFUSE, **fields)
    db.session.add(watch)
    db.session.commit()
    return watch


def test_watchlist_matches_by_name_document_or_plate(units):
    by_name = _watch(name="张 伟", name_key=normalize_name("张 伟"))
    by_document = _watch(id_type=IdType.RESIDENT_ID, id_digest=document_digest(IdType.RESIDENT_ID, NUMBER, "test-secret"))
    by_plate = _watch(plate="川JA1234")
    _watch(name="李娜", name_key=normalize_name("李娜"))
    data = check_in_data(units, plate="川JA1234")
    # Nothing is saved before the guard has seen the matches and decided.
    held = svc.check_in(data, settings=settings(), actor=None, now=NOON)
    assert held.needs_decision and held.entry is None and count_entries() == 0
    found = {m.entry.id: m.by for m in held.matches}
    assert found == {by_name.id: (WatchMatchKind.NAME,), by_document.id: (WatchMatchKind.DOCUMENT,),
                     by_plate.id: (WatchMatchKind.PLATE,)}
    db.session.rollback()
    result = svc.check_in(data, settings=settings(), actor=None, now=NOON, admit_watched=True)
    assert result.created and result.entry.watchlist_hit
    assert "多次推销" in result.entry.watchlist_note and "[refuse]" not in result.entry.watchlist_note


def test_no_match_no_note(units):
    _watch(name="李娜", name_key=normalize_name("李娜"))
    result = svc.check_in(check_in_data(units), settings=settings(), actor=None, now=NOON)
    assert result.matches == [] and result.entry.watchlist_note == ""


# ---------------------------------------------------------------- overstay


@pytest.mark.parametrize(
    ("checked_in", "now", "expected"),
    [
        (datetime(2025, 6, 3, 9, 0), datetime(2025, 6, 3, 17, 59), False),
        (datetime(2025, 6, 3, 9, 0), datetime(2025, 6, 3, 18, 0), True),
        (datetime(2025, 6, 2, 16, 0), datetime(2025, 6, 3, 8, 0), True),  # left over from yesterday
        (datetime(2025, 6, 3, 19, 0), datetime(2025, 6, 3, 19, 30), True),  # came after closing
    ],
)
def test_overstay_after_closing_time(checked_in, now, expected):
    checked_in, now = checked_in.replace(tzinfo=LOCAL_TZ), now.replace(tzinfo=LOCAL_TZ)
    assert svc.is_overstay(checked_in, now, time(18)) is expected
    # The cutoff used by the SQL count says the same thing.
    assert (checked_in < svc.overstay_cutoff(now, time(18))) is expected


def test_on_site_summary_counts_people_and_overstays(make_entry):
    make_entry(at=NOON - timedelta(minutes=30), companions=2)
    make_entry(at=NOON - timedelta(days=1))  # since yesterday
    make_entry(at=NOON - timedelta(hours=1), out=True)
    summary = svc.on_site_summary(NOON, time(18))
    assert (summary.visitors, summary.people, summary.overstaying) == (2, 4, 1)
    evening = svc.on_site_summary(NOON.replace(hour=18, minute=30), time(18))
    assert evening.overstaying == 2


def test_the_expected_list_counts_every_page(units, make_user):
    host = make_user(roles=[], username="host_for_the_list")
    for n in range(5):
        db.session.add(VisitorPreregistration(
            created_by_id=host.id, unit_id=units["rsj"].id, host_name="李明", visit_date=NOON.date(),
            window_start=time(9 + n), window_end=time(10 + n), visitor_name=f"预约{n}"))
    db.session.commit()
    pages = [svc.expected_page(NOON.date(), number, per_page=2) for number in (1, 3, 4)]
    assert [p.total for p in pages] == [5, 5, 5]  # a page past the end still knows the total
    assert [[e.visitor_name for e in p.items] for p in pages] == [["预约0", "预约1"], ["预约4"], []]
    assert svc.expected_page(NOON.date() + timedelta(days=1), 1).total == 0


# ---------------------------------------------------------------- pre-registration window


@pytest.mark.parametrize(
    ("day", "start", "end", "message"),
    [
        (date(2025, 6, 2), time(9), time(10), "past"),
        (date(2025, 6, 3), time(10), time(9), "end after"),
        (date(2025, 6, 3), time(8), time(11), "over"),
        (date(2025, 12, 30), time(9), time(10), "at most"),
    ],
)
def test_visit_window_rules(app, day, start, end, message):
    from flask_babel import force_locale

    with force_locale("en"):
        with pytest.raises(RuleViolation) as caught:
            svc.check_visit_window(day, start, end, now=NOON)
        assert message in str(caught.value.message)


def test_a_window_later_today_is_fine():
    svc.check_visit_window(NOON.date(), time(11), time(15), now=NOON)


# ---------------------------------------------------------------- retention


def test_purge_anonymizes_old_visits_and_keeps_the_counts(make_entry, units):
    from portal import timeutil

    now = timeutil.now()
    old = make_entry(at=now - timedelta(days=200), out=True, phone="13812345678", plate="川JA1234", host_name="王科长",
                     purpose="办事", organization="某公司", companions=2, badge="9", unit_id=units["czj"].id)
    recent = make_entry(at=now - timedelta(days=10), out=True, phone="13912345678")
    prereg = VisitorPreregistration(unit_id=units["rsj"].id, visit_date=(now - timedelta(days=200)).date(),
                                    window_start=time(9), window_end=time(10), visitor_name="赵六", phone="13700000000")
    db.session.add(prereg)
    db.session.commit()
    before = svc.unit_statistics((now - timedelta(days=365)).date(), now.date())

    result = svc.purge_personal_data(now=now, retention_days=180)
    db.session.commit()
    assert (result.entries, result.preregistrations) == (1, 1)

    old = db.session.get(VisitorEntry, old.id)
    assert (old.name, old.id_masked, old.phone, old.plate, old.host_name, old.purpose, old.organization) == ("",) * 7
    assert old.anonymized_at is not None
    assert (old.companions, old.badge, old.unit_id) == (2, "9", units["czj"].id)  # statistics survive
    assert db.session.get(VisitorEntry, recent.id).name == "张伟"
    assert db.session.get(VisitorPreregistration, prereg.id).visitor_name == ""
    assert svc.unit_statistics((now - timedelta(days=365)).date(), now.date()) == before

    again = svc.purge_personal_data(now=now, retention_days=180)
    assert (again.entries, again.preregistrations) == (0, 0)  # daily runs change nothing twice


def test_a_plates_latest_visits_are_found_by_an_index(app):
    """The guard's plate lookup reads a few rows of a million-visit log."""
    from sqlalchemy import event

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM visitor_entry" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        svc.visits_by_plate("川A12345")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    [(statement, parameters)] = statements
    plan = " ".join(row[-1] for row in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                                  parameters))
    assert "ix_visitor_entry_plate_checked_in" in plan and "SCAN" not in plan
