"""Who may edit which unit's data: logistics (and system) administrators every
unit's, a unit administrator only their own unit's. Shared with the guide."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from portal.models import Role, User
from portal.security import ADMINS


def editable_unit_ids(user: User) -> frozenset[int] | None:
    """The units ``user`` may edit: None for all of them, else a set (maybe empty)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.has_role(*ADMINS):
        return None
    if user.has_role(Role.UNIT_ADMIN) and user.unit_id is not None:
        return frozenset({user.unit_id})
    return frozenset()


def can_edit_unit(user: User, unit_id: int | None) -> bool:
    allowed = editable_unit_ids(user)
    return allowed is None or (unit_id is not None and unit_id in allowed)


def edits_everything(user: User) -> bool:
    return editable_unit_ids(user) is None


def require_unit(unit_id: int | None) -> None:
    """403 unless the current user may edit this unit's data."""
    if not can_edit_unit(current_user, unit_id):
        abort(403)
