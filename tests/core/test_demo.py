from sqlalchemy import func, select

from portal.db import db
from portal.models import Building, Floor, Role, Room, RoomKind, Unit, User


def _counts():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Building, Floor, Room, Unit, User)
    }


def test_seed_demo_builds_the_building_and_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo", "--password", "p4ssword-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    assert counts["Building"] == 5 and counts["Floor"] == 6 + 4 * 3 and counts["Unit"] == 37
    rooms = db.session.execute(select(Room.kind, func.count()).group_by(Room.kind)).all()
    by_kind = dict(rooms)
    assert by_kind[RoomKind.MEETING] == 21 and by_kind[RoomKind.VIP_RECEPTION] == 1
    assert 500 <= counts["User"] <= 560
    assert "p4ssword-demo" in first.output

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == counts
    assert "p4ssword-demo" not in second.output  # existing passwords are kept, not reprinted


def test_demo_accounts_have_their_roles(runner, auth, client):
    runner.invoke(args=["seed-demo", "--password", "p4ssword-demo"])
    users = {u.username: u for u in db.session.scalars(select(User).where(User.password_hash != ""))}
    assert users["guard"].roles == {Role.SECURITY}
    assert users["logistics"].has_role(Role.LOGISTICS_ADMIN)
    assert users["unitadmin"].unit.short_name == "人社局"
    assert auth.login("admin", "p4ssword-demo").status_code == 303


def test_seed_without_password_prints_a_random_one(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.strip().startswith("admin"))
    assert len(line.split()[1]) >= 10
