"""Factories for the visitor-log tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from portal import timeutil
from portal.blueprints.visitors.models import VisitorEntry
from portal.blueprints.visitors.services import new_submission_token
from portal.blueprints.visitors.validation import IdType, id_check_digit
from portal.db import db
from portal.models import Role, Unit, User

# Real-format examples: the two from GB 11643-1999 itself, and made-up ones.
STANDARD_EXAMPLE_IDS = ("11010519491231002X", "440524188001010014")
FULL_MODE_CONFIG = {"VISITOR_ID_STORAGE": "full", "VISITOR_ID_KEY": Fernet.generate_key().decode()}


def make_resident_id(region: str = "510921", born: str = "19850612", sequence: str = "123") -> str:
    first17 = region + born + sequence
    return first17 + id_check_digit(first17)


def random_resident_id(rng: random.Random) -> str:
    return make_resident_id(
        rng.choice(("510921", "510903", "110105", "440305")),
        f"{rng.randrange(1940, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}",
        f"{rng.randrange(0, 1000):03d}",
    )


@pytest.fixture
def units(app) -> dict[str, Unit]:
    made = {
        "rsj": Unit(name="县人力资源和社会保障局", short_name="人社局", sort_order=1),
        "czj": Unit(name="县财政局", short_name="财政局", sort_order=2),
        "hq": Unit(name="县机关事务服务中心", short_name="后勤管理中心", sort_order=3),
    }
    db.session.add_all(made.values())
    db.session.commit()
    return made


@pytest.fixture
def guard(make_user, auth) -> User:
    user = make_user(roles=[Role.SECURITY], username="desk_guard", display_name="门岗 刘师傅")
    auth.login_as(user)
    return user


@pytest.fixture
def make_entry(app, units) -> Callable[..., VisitorEntry]:
    """A visit as stored (masked document), checked in ``minutes_ago`` minutes ago."""

    def factory(minutes_ago: int = 30, *, out: bool = False, at: datetime | None = None, **fields) -> VisitorEntry:
        checked_in_at = at or timeutil.now() - timedelta(minutes=minutes_ago)
        values = {
            "submission_token": new_submission_token(),
            "name": "张伟",
            "id_type": IdType.RESIDENT_ID,
            "id_checked": True,
            "id_masked": "510921********1234",
            "unit_id": units["rsj"].id,
            "checked_in_at": checked_in_at,
            "checked_out_at": checked_in_at + timedelta(minutes=20) if out else None,
        } | fields
        entry = VisitorEntry(**values)
        db.session.add(entry)
        db.session.commit()
        return entry

    return factory


@pytest.fixture
def check_in_form() -> Callable[..., dict[str, str]]:
    """The desk form as a guard fills it in; override any field."""

    def factory(**overrides: str) -> dict[str, str]:
        data = {
            "submission_token": new_submission_token(),
            "name": "张伟",
            "id_type": "resident_id",
            "id_number": make_resident_id(),
            "id_checked": "y",
            "phone": "138 1234 5678",
            "unit": "rsj",
            "host_name": "王科长",
            "purpose": "办理社保",
            "organization": "",
            "companions": "1",
            "plate": "川J·A1234",
            "badge": "17",
        }
        data.update(overrides)
        return data

    return factory
