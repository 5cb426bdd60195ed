"""Database plumbing shared by every capability: the declarative base, column
types that behave the same on SQLite and PostgreSQL, and engine tuning."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from portal.timeutil import LOCAL_TZ

# Stable constraint names so that Alembic (and SQLite batch migrations) can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class AwareDateTime(TypeDecorator):
    """A timezone-aware datetime, stored as UTC, returned in Asia/Shanghai.

    PostgreSQL keeps it as ``timestamptz``; SQLite has no time zones, so the
    value is stored as naive UTC and made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone first")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(LOCAL_TZ)


class ScaledDecimal(TypeDecorator):
    """An exact ``Decimal`` with a fixed number of places, stored as an integer.

    SQLite has no exact decimal type (SQLAlchemy would go through float), so
    money (scale 2, fen) and meter readings are kept as scaled integers on every
    database; sums in SQL stay exact.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def process_bind_param(self, value: Any, dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            if isinstance(value, float):
                raise TypeError("use Decimal, not float, for exact amounts")
            value = Decimal(value)
        quantized = value.quantize(self._quantum, rounding=ROUND_HALF_UP)
        if quantized != value:
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(quantized.scaleb(self.scale))

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)

    @property
    def python_type(self) -> type:
        return Decimal


def Money() -> ScaledDecimal:  # noqa: N802 - reads like a type in column declarations
    """Yuan with two places (fen)."""
    return ScaledDecimal(2)


WRITE_LOCK_OPTION = "portal_write_lock"


def configure_engine(app: Flask) -> None:
    """Tune the engine once per app: SQLite gets WAL, foreign keys, a busy
    timeout, and explicit BEGIN so that :func:`begin_serialized_write` works."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "do_connect", _sqlite_private_files)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)


def _sqlite_private_files(dialect, connection_record, cargs, cparams) -> None:
    """The database holds personal data: only the portal's own user may read it.

    A new database file (and the -wal/-shm files SQLite later creates with the
    same permissions) is created 0600; an existing one readable by others is
    tightened to 0600 before it is opened.
    """
    path = _sqlite_file(cargs, cparams)
    if path is None:
        return
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        # Created by the connect that follows: make sure it is created 0600.
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # another connection created it meanwhile
            pass
        return
    if mode & 0o077:
        os.chmod(path, 0o600)
        for suffix in ("-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.chmod(path + suffix, 0o600)


def _sqlite_file(cargs, cparams) -> str | None:
    """The database's file path, or None for an in-memory or URI database."""
    database = cparams.get("database", cargs[0] if cargs else None)
    if not database or database == ":memory:" or str(database).startswith("file:") or cparams.get("uri"):
        return None
    return str(database)


def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    # Take transaction control away from the driver; _sqlite_on_begin issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # Deleted rows (visitors' ID numbers, purged personal data) are overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    if connection.get_execution_options().get(WRITE_LOCK_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def begin_serialized_write() -> None:
    """Start a transaction in which check-then-insert cannot race.

    On SQLite the transaction takes the database write lock up front
    (``BEGIN IMMEDIATE``), so a concurrent writer waits instead of both reading
    the same state. PostgreSQL relies on constraints (and, where a capability
    needs it, row or advisory locks) instead. Call it before the first query of
    the unit of work; a finished read-only transaction is ended first.
    """
    session = db.session()  # the Session itself: the scoped proxy has no in_transaction()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_serialized_write() called with unsaved changes pending")
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_LOCK_OPTION: True})


def engine_is(name: str, engine: Engine | None = None) -> bool:
    return (engine or db.engine).dialect.name == name


def enum_column(kind: type, length: int = 20) -> Any:
    """A ``str`` enum stored as its values in a VARCHAR (no native enum type: adding a member needs no ALTER TYPE)."""
    return db.Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])
