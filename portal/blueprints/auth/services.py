"""Passwords, accounts, logins and login throttling — plain functions, no request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import LoginFailure, Role, Unit, User
from portal.rules import RuleViolation

MIN_PASSWORD_LENGTH = 10
# zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" (about 10^8
# guesses and more); common words, keyboard runs, repeats and dates score lower.
MIN_PASSWORD_SCORE = 3

# Verified when the username is unknown (or has no password), so that a wrong
# username costs exactly as much as a wrong password: one hash check with the
# configured method. Computed once per method, never during a login.
_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str, method: str) -> str:
    return generate_password_hash(password, method=method)


def dummy_hash(method: str) -> str:
    dummy = _DUMMY_HASHES.get(method)
    if dummy is None:
        dummy = _DUMMY_HASHES[method] = generate_password_hash("no account has this password", method=method)
    return dummy


def _hash_method_of(password_hash: str) -> str:
    """``pbkdf2:sha256:1000000`` of a Werkzeug hash (``method$salt$hash``)."""
    return password_hash.split("$", 1)[0]


def authenticate(username: str, password: str, *, hash_method: str) -> User | None:
    """The active user with this username and password, or None.

    Exactly one password hash is verified whatever the outcome.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.password_hash:
        check_password_hash(dummy_hash(hash_method), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    if _hash_method_of(user.password_hash) != _hash_method_of(dummy_hash(hash_method)):
        # Hashed by an earlier configuration (scrypt, fewer rounds): the password
        # is at hand only now, so it is hashed again the configured way.
        user.password_hash = hash_password(password, hash_method)
    return user


# ---------------------------------------------------------------- strength


def password_problem(password: str, *, username: str = "", names: Iterable[str] = ()) -> str | None:
    """Why ``password`` may not be used (translated), or None.

    Refused: shorter than 10 characters, containing the username, and anything
    zxcvbn (a maintained strength estimator with lists of common passwords,
    words and keyboard patterns) scores below 3.
    """
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD_LENGTH:
        return str(_l("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH))
    lowered = password.casefold()
    if len(username) >= 3 and username.casefold() in lowered:
        return str(_l("The password must not contain the username."))
    hints = [username, *names, "portal", "admin", "行政中心"]
    result = zxcvbn(password[:100], user_inputs=[h for h in hints if h])
    if result["score"] < MIN_PASSWORD_SCORE:
        return str(
            _l("This password is too easy to guess (common words, repeats, sequences or your name). "
               "Use a longer phrase of unrelated words.")
        )
    return None


def check_password_strength(password: str, *, username: str = "", names: Iterable[str] = ()) -> None:
    problem = password_problem(password, username=username, names=names)
    if problem:
        raise RuleViolation(problem, field="password")


# ---------------------------------------------------------------- throttling


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failed logins slow down further tries; they never lock an account.

    After ``max_failures`` failures for one username from one address (or four
    times as many for any usernames from one address) within ``window``, that
    address must wait before trying again: 30 seconds, doubling with each
    further failure, at most ``window``. The same username from another address
    is not slowed, so nobody can lock someone else out.
    """

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(seconds=30)

    @property
    def address_max_failures(self) -> int:
        return 4 * self.max_failures

    def delay(self, failures: int, limit: int) -> timedelta | None:
        if failures < limit:
            return None
        return min(self.first_delay * 2 ** min(failures - limit, 20), self.window)


def blocked_until(username: str, address: str, *, now: datetime, policy: ThrottlePolicy) -> datetime | None:
    """When this address may try this username again, or None if it may now."""
    since = now - policy.window
    recent = LoginFailure.at > since
    pair_count, pair_last = db.session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.username == username, LoginFailure.address == address, recent
        )
    ).one()
    address_count, address_last = db.session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(LoginFailure.address == address, recent)
    ).one()
    moments = []
    pair_delay = policy.delay(pair_count, policy.max_failures)
    if pair_delay is not None:
        moments.append(pair_last + pair_delay)
    address_delay = policy.delay(address_count, policy.address_max_failures)
    if address_delay is not None:
        moments.append(address_last + address_delay)
    until = max(moments, default=None)
    return until if until is not None and until > now else None


def record_failure(username: str, address: str, *, now: datetime) -> None:
    db.session.add(LoginFailure(username=username[:64], address=address[:64], at=now))


def clear_failures(username: str, address: str, *, now: datetime, window: timedelta) -> None:
    """Forget this username's failures from this address, and everybody's that have aged out."""
    db.session.execute(
        delete(LoginFailure).where(
            (and_(LoginFailure.username == username[:64], LoginFailure.address == address[:64]))
            | (LoginFailure.at <= now - window)
        )
    )


@dataclass(frozen=True)
class Throttle:
    """Recent failures from one address (``username`` empty) or for one username from it."""

    address: str
    username: str
    failures: int
    last_at: datetime
    blocked_until: datetime | None


def current_throttles(*, now: datetime, policy: ThrottlePolicy) -> list[Throttle]:
    """Addresses and (username, address) pairs with failures inside the window, most failures first."""
    since = now - policy.window
    recent = LoginFailure.at > since
    rows: list[Throttle] = []
    by_address = select(LoginFailure.address, func.count(), func.max(LoginFailure.at)).where(recent).group_by(
        LoginFailure.address
    )
    for address, count, last in db.session.execute(by_address):
        delay = policy.delay(count, policy.address_max_failures)
        until = last + delay if delay is not None and last + delay > now else None
        rows.append(Throttle(address, "", count, last, until))
    by_pair = (
        select(LoginFailure.address, LoginFailure.username, func.count(), func.max(LoginFailure.at))
        .where(recent)
        .group_by(LoginFailure.address, LoginFailure.username)
    )
    for address, username, count, last in db.session.execute(by_pair):
        delay = policy.delay(count, policy.max_failures)
        until = last + delay if delay is not None and last + delay > now else None
        rows.append(Throttle(address, username, count, last, until))
    rows.sort(key=lambda t: (t.blocked_until is None, -t.failures, t.address, t.username))
    return rows


def clear_throttle(address: str, username: str = "", *, actor: User, now: datetime) -> int:
    """Forget the failures from ``address`` (for ``username`` only, when given); audited."""
    condition = LoginFailure.address == address[:64]
    if username:
        condition = condition & (LoginFailure.username == username[:64])
    removed = db.session.execute(delete(LoginFailure).where(condition)).rowcount or 0
    audit.record(
        actor,
        "login.throttle_clear",
        object_type="login_failure",
        object_id=f"{username}@{address}" if username else address,
        summary=f"{removed} failure(s) forgotten",
    )
    return removed


# ---------------------------------------------------------------- sessions


def log_in(user: User, address: str, *, now: datetime, window: timedelta) -> None:
    """Bookkeeping of a successful login (the caller commits, then starts the session)."""
    clear_failures(user.username, address, now=now, window=window)
    user.last_login_at = now
    audit.record(user, "login", user, summary=f"login from {address}"[:255])


def log_out(user: User, *, now: datetime) -> None:
    """End every session of ``user``, on this computer and any other."""
    user.end_sessions()
    audit.record(user, "logout", user)


def change_own_password(user: User, current: str, new: str, *, now: datetime, hash_method: str) -> None:
    """The user's own password change; ends all their other sessions."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise RuleViolation(_l("The current password is wrong."), field="current")
    check_password_strength(new, username=user.username, names=[user.display_name])
    user.password_hash = hash_password(new, hash_method)
    user.end_sessions()
    audit.record(user, "user.password", user, summary="own password changed")


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
        session_version=0,
    )
    user.roles = set(roles)
    db.session.add(user)
    return user
