"""Parking rules without HTTP: registrations, the guard's lookup, rounds and repeat offenders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import timeutil
from portal.blueprints.vehicles import parking
from portal.blueprints.vehicles.models import (
    ParkingArea,
    ParkingSpace,
    RegistrationStatus,
    SpaceKind,
    Vehicle,
)
from portal.blueprints.visitors.models import VisitorEntry
from portal.blueprints.visitors.validation import IdType
from portal.db import db
from portal.rules import RuleViolation


@pytest.fixture
def spaces(people, unit) -> dict:
    area = ParkingArea(name="前广场")
    spaces = {
        "unit": ParkingSpace(area=area, number="A01", kind=SpaceKind.UNIT, unit=unit),
        "person": ParkingSpace(area=area, number="A02", kind=SpaceKind.PERSON, holder=people["leader"]),
        "shared": ParkingSpace(area=area, number="B01", kind=SpaceKind.SHARED),
    }
    db.session.add(area)
    db.session.commit()
    return spaces


def _approved(people, who: str, plate: str):
    registration = parking.register_vehicle(parking.RegistrationDraft(plate), actor=people[who], now=timeutil.now())
    parking.decide(registration, True, actor=people["dispatcher"], now=timeutil.now())
    db.session.commit()
    return registration


def test_plates_are_normalised_and_wrong_ones_refused(people):
    registration = parking.register_vehicle(parking.RegistrationDraft("川ａ·12345"), actor=people["staff"], now=timeutil.now())
    assert registration.plate == "川A12345" and registration.status is RegistrationStatus.PENDING
    with pytest.raises(RuleViolation) as error:
        parking.register_vehicle(parking.RegistrationDraft("A12345"), actor=people["staff"], now=timeutil.now())
    assert error.value.field == "plate"


def test_a_plate_belongs_to_one_person(people):
    parking.register_vehicle(parking.RegistrationDraft("川A12345"), actor=people["staff"], now=timeutil.now())
    with pytest.raises(RuleViolation):
        parking.register_vehicle(parking.RegistrationDraft("川A12345"), actor=people["other"], now=timeutil.now())


def test_at_most_n_per_person_and_withdrawn_ones_do_not_count(people):
    first = parking.register_vehicle(parking.RegistrationDraft("川A12345"), actor=people["staff"], now=timeutil.now(), limit=1)
    with pytest.raises(RuleViolation):
        parking.register_vehicle(parking.RegistrationDraft("川A12346"), actor=people["staff"], now=timeutil.now(), limit=1)
    parking.withdraw(first, actor=people["staff"], now=timeutil.now())
    parking.register_vehicle(parking.RegistrationDraft("川A12346"), actor=people["staff"], now=timeutil.now(), limit=1)


def test_only_the_owners_unit_admin_decides(people):
    registration = parking.register_vehicle(parking.RegistrationDraft("川A12345"), actor=people["staff"], now=timeutil.now())
    assert parking.may_decide(people["leader"], registration)
    assert not parking.may_decide(people["other"], registration)
    assert parking.approvals_query(people["leader"]) is not None
    assert [r.id for r in db.session.scalars(parking.approvals_query(people["leader"]))] == [registration.id]
    assert list(db.session.scalars(parking.approvals_query(people["other"]))) == []
    with pytest.raises(RuleViolation) as error:
        parking.decide(registration, True, actor=people["other"], now=timeutil.now())
    assert error.value.status == 403


def test_lookup_finds_staff_official_cars_and_visitors(people):
    _approved(people, "staff", "川J5K728")
    db.session.add(Vehicle(plate="川J0A101", seats=5))
    db.session.add(VisitorEntry(submission_token="t1", name="赵先生", id_type=IdType.RESIDENT_ID, plate="川A88888",
                                organization="某建筑公司", checked_in_at=timeutil.now() - timedelta(hours=2)))
    db.session.commit()
    staff = parking.lookup("川j5k728")
    assert [h.owner for h in staff.staff] == ["李明"] and staff.found
    assert parking.lookup("川J0A101").official is not None
    visit = parking.lookup("川A88888")
    assert [v.name for v in visit.visits] == ["赵先生"] and not visit.staff
    assert not parking.lookup("川A99999").found
    with pytest.raises(RuleViolation):
        parking.lookup("12345")


def test_a_round_flags_plates_on_spaces_they_may_not_use(people, spaces):
    _approved(people, "staff", "川J5K728")
    _approved(people, "leader", "川J8M316")
    now = timeutil.now()
    sightings = parking.record_round({spaces["unit"].id: "川J5K728", spaces["person"].id: "川J5K728"},
                                     actor=people["guard"], now=now)
    assert [s.allowed for s in sightings] == [True, False]  # the unit's space yes, the leader's own space no
    sightings = parking.record_round({spaces["person"].id: "川J8M316"}, actor=people["guard"], now=now)
    assert sightings[0].allowed
    with pytest.raises(RuleViolation):
        parking.record_round({spaces["shared"].id: "川J5K728"}, actor=people["guard"], now=now)
    with pytest.raises(RuleViolation):
        parking.record_round({}, actor=people["guard"], now=now)


def test_repeat_offenders_within_ninety_days(people, spaces):
    now = timeutil.now()
    for days in (100, 30, 3):
        parking.record_round({spaces["unit"].id: "川A77777"}, actor=people["guard"], now=now - timedelta(days=days))
    parking.record_round({spaces["unit"].id: "川A66666"}, actor=people["guard"], now=now - timedelta(days=1))
    db.session.commit()
    offenders = parking.repeat_offenders(now)
    assert [(o.plate, o.times) for o in offenders] == [("川A77777", 2)]
    assert offenders[0].last_space == "前广场 A01"
