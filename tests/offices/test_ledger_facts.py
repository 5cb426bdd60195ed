"""The ledger page is worked out from kept facts (every dated office record as plain values): the same
ledger as the one read for the day in SQL, read again only when the office records, rooms or units change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.blueprints.offices.services import (
    EntryDraft,
    ExceptionDraft,
    HandBackDraft,
    SeatDraft,
    hand_back,
    ledger,
    ledger_counts,
    record_entry,
    record_exception,
    seat_person,
)
from portal.cache import forget_drawings
from portal.db import db
from portal.models import Room, Unit
from tests.offices.conftest import NOW

DAYS = (date(2019, 12, 31), date(2020, 1, 1), date(2021, 6, 1), date(2022, 3, 1), date(2022, 3, 2), date(2023, 1, 1),
        date(2026, 1, 1))


def _busy(seated, ranks, logistics) -> None:
    """Entries that change over the years, a room with no unit, a unit sorted ahead, seats that end,
    and an exception with an end."""
    rooms, units, people = seated["rooms"], seated["units"], seated["people"]
    floor = rooms["301"].floor
    first = Unit(name="县委办公室", short_name="县委办", sort_order=0)
    spare = Room(floor=floor, number="300")
    db.session.add_all([first, spare])
    db.session.flush()
    record_entry(rooms["302"], EntryDraft(units["fin"].id, "office", Decimal("18.5"), date(2022, 3, 1)),
                 actor=logistics, now=NOW)
    record_entry(spare, EntryDraft(None, "vacant", Decimal("15"), date(2021, 1, 1)), actor=logistics, now=NOW)
    record_entry(rooms["401"], EntryDraft(first.id, "office", Decimal("24"), date(2023, 1, 1)), actor=logistics, now=NOW)
    seat = seat_person(rooms["302"], SeatDraft(people["deputy"].id, ranks["县级副职"].id, date(2021, 1, 1)),
                       actor=logistics, now=NOW)
    hand_back(seat, HandBackDraft(date(2022, 3, 2), "调离"), actor=logistics, now=NOW)
    seat_person(rooms["401"], SeatDraft(people["fin1"].id, ranks["乡科级以下"].id, date(2021, 1, 1)),
                actor=logistics, now=NOW)
    record_exception(rooms["301"], ExceptionDraft("接待", "县机关事务局", date(2021, 1, 1), date(2022, 3, 1)),
                     actor=logistics, now=NOW)
    db.session.commit()


def test_the_kept_facts_give_the_ledger_the_day_reads_in_sql(seated, ranks, logistics):
    _busy(seated, ranks, logistics)
    for day in DAYS:
        assert repr(ledger_counts(day)) == repr(ledger(day, people=False)), day


def test_the_ledger_page_reads_its_facts_once_for_every_day_and_sees_a_change_at_once(
        client, auth, seated, ranks, logistics, count_queries, areas_on_record):
    areas_on_record("offices", "building")
    auth.login_as(logistics)
    client.get("/offices/ledger?date=2026-01-01")  # the session's CSRF token

    def drawn(url: str) -> tuple[str, int]:
        forget_drawings()  # as a request for a day not drawn yet finds it
        with count_queries() as counted:
            response = client.get(url)
        assert response.status_code == 200
        return response.get_data(as_text=True), counted.count

    html, queries = drawn("/offices/ledger?date=2026-01-01")
    assert queries == 3  # the data versions, the account, the header's count: the facts are kept
    assert "主楼 401" not in html
    html, queries = drawn("/offices/ledger?date=2021-06-01")  # another day: the same facts
    assert queries == 3 and "县人力资源和社会保障局" in html

    seat_person(seated["rooms"]["401"], SeatDraft(seated["people"]["fin1"].id, ranks["乡科级以下"].id,
                                                  date(2021, 1, 1)), actor=logistics, now=NOW)
    db.session.commit()
    html, queries = drawn("/offices/ledger?date=2026-01-01")
    assert "主楼 401" in html  # 9 m² for one in 24 m²: over the standard, at once
    assert queries == 3 + 5  # the facts read again: rooms, units, entries, seats, exceptions
    assert drawn("/offices/ledger?date=2022-01-01")[1] == 3


def test_the_published_years_are_kept_facts_read_again_once_a_year_is_published(
        client, auth, seated, logistics, make_user, count_queries, areas_on_record):
    from portal.blueprints.offices.services import PublishDraft, publish

    areas_on_record("offices")
    auth.login_as(make_user())
    client.get("/offices/")

    def drawn() -> tuple[str, list[str]]:
        forget_drawings()
        with count_queries() as counted:
            html = client.get("/offices/").get_data(as_text=True)
        return html, counted.statements

    html, statements = drawn()
    assert len(statements) == 3 and not any("office_publication" in s for s in statements)
    assert "/offices/published/2025" not in html
    publish(PublishDraft(2025, date(2025, 12, 1)), actor=logistics, now=NOW)
    db.session.commit()
    html, statements = drawn()
    assert "/offices/published/2025" in html  # at once
    assert len(statements) == 4 and sum("office_publication" in s for s in statements) == 1
    assert len(drawn()[1]) == 3


def test_the_ledger_page_writes_each_unit_and_office_over_the_standard_escaped(client, auth, seated, logistics):
    units = seated["units"]
    units["hr"].name = "县人社局<b>"
    db.session.commit()
    auth.login_as(logistics)
    client.set_cookie("portal_lang", "en")
    html = client.get("/offices/ledger?date=2026-01-01").get_data(as_text=True)
    # 301 (36 m² for one of 12) and 303 (24 m² for two of 9) are over; the unit's 78 m² against 30 is 48 over.
    assert f'<a href="/offices/ledger/unit/{units["hr"].id}?date=2026-01-01">县人社局&lt;b&gt;</a>' in html
    assert "县人社局<b>" not in html
    assert f'<a href="/offices/rooms/{seated["rooms"]["301"].id}">' in html
    assert '<td class="num">3 <span class="hint">(2 over)</span></td>' in html
    assert '<td class="num"><span class="badge badge--danger">48.00</span></td>' in html
    assert html.count('<a href="/offices/rooms/') == 2
    assert "No office is over the standard." not in html

    empty = client.get("/offices/ledger?date=2000-01-01").get_data(as_text=True)
    assert '<tr><td colspan="7">No rooms are recorded on this day.</td></tr>' in empty
    assert '<tr><td colspan="6">No office is over the standard.</td></tr>' in empty
