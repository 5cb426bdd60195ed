"""The building and its people: the core models every capability builds on.

Capabilities keep their own models in ``portal/blueprints/<name>/models.py``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import ACCOUNTS, watch
from portal.db import AwareDateTime, ScaledDecimal, db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum


class Role(LabelledEnum):
    """What an account may do. Anonymous visitors have no account and no role."""

    EMPLOYEE = "employee", _l("Employee")
    UNIT_ADMIN = "unit_admin", _l("Unit administrator")
    SECURITY = "security", _l("Security staff")
    PROPERTY = "property", _l("Property company")
    LOGISTICS_ADMIN = "logistics_admin", _l("Logistics center")
    SYSADMIN = "sysadmin", _l("System administrator")


class RoomKind(LabelledEnum):
    OFFICE = "office", _l("Office")
    MEETING = "meeting", _l("Meeting room")
    VIP_RECEPTION = "vip_reception", _l("VIP reception room")
    SERVICE_HALL = "service_hall", _l("Service hall")
    OTHER = "other", _l("Other")


class Equipment(LabelledEnum):
    """Meeting-room equipment, stored as codes in ``Room.equipment``."""

    PROJECTOR = "projector", _l("Projector")
    SCREEN = "screen", _l("Screen")
    MICROPHONES = "microphones", _l("Microphones")
    VIDEO_CONFERENCE = "video_conference", _l("Video conference")
    WELCOME_SCREEN = "welcome_screen", _l("Electronic welcome screen")


class Building(db.Model):
    __tablename__ = "building"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")

    floors: Mapped[list[Floor]] = relationship(
        back_populates="building", order_by="Floor.level", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Building {self.code}>"


class Floor(db.Model):
    __tablename__ = "floor"
    __table_args__ = (UniqueConstraint("building_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(20), default="")

    building: Mapped[Building] = relationship(back_populates="floors")
    rooms: Mapped[list[Room]] = relationship(back_populates="floor", order_by="Room.number")

    @property
    def display_label(self) -> str:
        return self.label or f"{self.level}F"

    def __repr__(self) -> str:
        return f"<Floor {self.building_id}/{self.level}>"


class Room(db.Model):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("floor_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floor.id", ondelete="RESTRICT"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[RoomKind] = mapped_column(
        db.Enum(RoomKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=RoomKind.OFFICE,
    )
    capacity: Mapped[int | None] = mapped_column(Integer)
    area_m2: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    # Codes from ``Equipment``; a handful per room, so a JSON list is enough.
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)

    floor: Mapped[Floor] = relationship(back_populates="rooms")
    unit: Mapped[Unit | None] = relationship(back_populates="rooms")

    @property
    def building(self) -> Building:
        return self.floor.building

    @property
    def label(self) -> str:
        """How people write it on a door or a form: 主楼 305."""
        return f"{self.floor.building.name} {self.number}"

    def __repr__(self) -> str:
        return f"<Room {self.number}>"


class Unit(db.Model):
    """A government unit (单位) housed in the building."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    short_name: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    office_hours: Mapped[str] = mapped_column(String(120), default="")
    duties: Mapped[str] = mapped_column(Text, default="")
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    rooms: Mapped[list[Room]] = relationship(back_populates="unit", order_by="Room.number")
    members: Mapped[list[User]] = relationship(back_populates="unit")

    def __repr__(self) -> str:
        return f"<Unit {self.short_name or self.name}>"


class User(UserMixin, db.Model):
    """A staff member. ``password_hash`` is empty for people listed in the
    directory who have no portal login yet."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(64), default="")
    phone_ext: Mapped[str] = mapped_column(String(30), default="")
    office_room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    last_login_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    # Part of the id a session stores: bumping it ends every session of the
    # account (logout, password, role or activation change).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    unit: Mapped[Unit | None] = relationship(back_populates="members")
    office_room: Mapped[Room | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What the session keeps: ``"<id>.<session version>"`` (see ``auth.views.load_user``)."""
        return f"{self.id}.{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Make every session of this account stale (the caller commits)."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @roles.setter
    def roles(self, roles: set[Role] | frozenset[Role] | list[Role]) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        have = {row.role for row in self.role_rows}
        self.role_rows.extend(UserRole(role=r) for r in sorted(wanted - have))

    def has_role(self, *roles: Role) -> bool:
        """True if the user holds any of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        primary_key=True,
    )

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginFailure(db.Model):
    """One failed login, kept for the throttling window only."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)


class AuditLog(db.Model):
    """Who changed what, when, with the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(60), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(255), default="")

    actor: Mapped[User | None] = relationship()


# Pages cached by portal.cache show these models' data.
watch("building", Building, Floor, Room, Unit)
# Pages kept per signed-in session are drawn from the account and its roles.
watch(ACCOUNTS, User, UserRole)
