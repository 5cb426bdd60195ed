"""Who may edit which unit's data: logistics (and system) administrators every
unit's, a unit administrator only their own unit's. The directory and the
guide (and any other capability keeping per-unit data) ask here."""

from __future__ import annotations

from portal.models import Role, User
from portal.security import ADMINS

# Who edits unit data at all: administrators, and unit administrators for their own unit.
UNIT_EDITORS = ADMINS + (Role.UNIT_ADMIN,)


def editable_unit_ids(user: User | None) -> frozenset[int] | None:
    """The units ``user`` may edit: None for all of them, else a set (maybe empty)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.has_role(*ADMINS):
        return None
    if user.has_role(Role.UNIT_ADMIN) and user.unit_id is not None:
        return frozenset({user.unit_id})
    return frozenset()


def can_edit_unit(user: User | None, unit_id: int | None) -> bool:
    allowed = editable_unit_ids(user)
    return allowed is None or (unit_id is not None and unit_id in allowed)


def edits_everything(user: User | None) -> bool:
    return editable_unit_ids(user) is None
