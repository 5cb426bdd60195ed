"""The standard check on its own: plain Decimal arithmetic, no database."""

from decimal import Decimal

from portal.blueprints.offices.services import check_room, check_unit

D = Decimal


def test_a_single_office_within_and_over_the_standard():
    within = check_room(D("12.00"), [D("12.00")])
    assert not within.over and within.excess == D("0.00") and within.per_person == D("12.00")
    over = check_room(D("18.50"), [D("12.00")])
    assert over.over and over.excess == D("6.50")


def test_a_shared_room_adds_up_its_occupants_allowances():
    shared = check_room(D("24.00"), [D("9.00"), D("9.00"), D("9.00")])
    assert shared.allowance == D("27.00") and not shared.over
    assert shared.per_person == D("8.00")
    crowded_out = check_room(D("30.00"), [D("9.00"), D("9.00")])
    assert crowded_out.over and crowded_out.excess == D("12.00") and crowded_out.per_person == D("15.00")


def test_mixed_ranks_count_each_person_at_their_own_rank():
    mixed = check_room(D("21.00"), [D("12.00"), D("9.00")])
    assert mixed.allowance == D("21.00") and not mixed.over
    assert check_room(D("21.01"), [D("12.00"), D("9.00")]).excess == D("0.01")


def test_per_person_area_is_rounded_half_up_to_the_cent():
    assert check_room(D("20.00"), [D("9.00")] * 3).per_person == D("6.67")
    assert check_room(D("0.05"), [D("9.00")] * 2).per_person == D("0.03")


def test_an_exception_is_not_over_but_still_shows_its_excess():
    room = check_room(D("40.00"), [D("12.00")], exempt=True)
    assert room.excess == D("28.00") and not room.over


def test_an_empty_office_is_vacant_not_over():
    empty = check_room(D("30.00"), [])
    assert empty.occupants == 0 and not empty.over and empty.per_person is None


def test_a_unit_counts_its_empty_offices_and_leaves_exceptions_out():
    unit = check_unit([
        check_room(D("18.00"), [D("9.00"), D("9.00")]),   # within
        check_room(D("24.00"), []),                         # empty: its area counts
        check_room(D("60.00"), [D("12.00")], exempt=True),  # approved: left out on both sides
    ])
    assert unit.office_area == D("42.00") and unit.allowance == D("18.00")
    assert unit.over and unit.excess == D("24.00") and unit.occupants == 2 and unit.rooms_over == 0


def test_a_unit_within_its_total_may_still_have_one_room_over():
    unit = check_unit([check_room(D("20.00"), [D("12.00")]), check_room(D("18.00"), [D("9.00"), D("9.00"), D("9.00")])])
    assert unit.rooms_over == 1 and not unit.over and unit.excess == D("0.00")
