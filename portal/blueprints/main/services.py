"""Reads for the home page (plain dataclasses, cacheable)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.db import db
from portal.models import Building, Floor, Room, RoomKind, Unit


@dataclass(frozen=True)
class BuildingLine:
    id: int
    name: str
    description: str | None
    floor_count: int


@dataclass(frozen=True)
class Overview:
    """The home page's own block: plain values, cached until the building data changes."""
    building_count: int
    unit_count: int
    meeting_room_count: int
    buildings: tuple[BuildingLine, ...]


def building_overview() -> Overview:
    counts = db.session.execute(
        select(
            select(func.count()).select_from(Building).scalar_subquery(),
            select(func.count()).select_from(Unit).scalar_subquery(),
            select(func.count()).select_from(Room).where(Room.kind.in_([RoomKind.MEETING, RoomKind.VIP_RECEPTION])).scalar_subquery(),
        )
    ).one()
    rows = db.session.execute(
        select(Building.id, Building.name, Building.description, func.count(Floor.id))
        .outerjoin(Floor).group_by(Building.id).order_by(Building.sort_order, Building.id)
    ).all()
    return Overview(counts[0], counts[1], counts[2], tuple(BuildingLine(*row) for row in rows))
