"""Passwords, accounts and login throttling — plain functions, no request."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.db import db
from portal.models import LoginFailure, Role, Unit, User

# Compared against when the username is unknown, so that a wrong username costs
# as much time as a wrong password and does not reveal which accounts exist.
_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str, method: str) -> str:
    return generate_password_hash(password, method=method)


def authenticate(username: str, password: str, *, hash_method: str) -> User | None:
    """The active user with this username and password, or None."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.password_hash:
        dummy = _DUMMY_HASHES.setdefault(hash_method, generate_password_hash("x", method=hash_method))
        check_password_hash(dummy, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user if user.active else None


def blocked_until(username: str, address: str, *, now: datetime, max_failures: int, window: timedelta) -> datetime | None:
    """When login may be tried again for this username or address, or None if it may now.

    A username is blocked after ``max_failures`` failures inside ``window``; an
    address (many people may share one) after four times as many.
    """
    since = now - window
    by_user = select(func.count(), func.max(LoginFailure.at)).where(
        LoginFailure.username == username, LoginFailure.at > since
    )
    user_count, user_last = db.session.execute(by_user).one()
    by_address = select(func.count(), func.max(LoginFailure.at)).where(
        LoginFailure.address == address, LoginFailure.at > since
    )
    address_count, address_last = db.session.execute(by_address).one()
    lasts = []
    if user_count >= max_failures:
        lasts.append(user_last)
    if address_count >= 4 * max_failures:
        lasts.append(address_last)
    if not lasts:
        return None
    return max(lasts) + window


def record_failure(username: str, address: str, *, now: datetime) -> None:
    db.session.add(LoginFailure(username=username[:64], address=address[:64], at=now))


def clear_failures(username: str, *, now: datetime, window: timedelta) -> None:
    """Forget this username's failures, and everybody's that have aged out."""
    db.session.execute(
        delete(LoginFailure).where(or_(LoginFailure.username == username, LoginFailure.at <= now - window))
    )


def create_user(
    username: str,
    display_name: str,
    password: str | None,
    roles: Iterable[Role],
    *,
    hash_method: str,
    unit: Unit | None = None,
    title: str = "",
) -> User:
    """Add an account to the session (the caller commits)."""
    user = User(
        username=username,
        display_name=display_name,
        unit=unit,
        title=title,
        password_hash=hash_password(password, hash_method) if password else "",
    )
    user.roles = set(roles)
    db.session.add(user)
    return user
