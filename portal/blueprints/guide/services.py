"""Service-guide rules as plain functions."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from portal.blueprints.guide.models import Service
from portal.db import db

SERVICE_FIELDS = (
    "name", "unit_id", "category", "room_id", "window", "materials", "steps", "hours", "fee", "fee_note",
    "legal_days", "promised_days", "phone", "notes", "keywords",
)

# "1." "2、" "（3）" "四、" at the start of a line people paste from a Word document.
LIST_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*[.、．)）]\s*|^\s*[（(]\d{1,2}[)）]\s*")


def split_lines(text: str | None) -> list[str]:
    """One item a line, without the numbering people type; blank lines dropped."""
    items = []
    for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = LIST_NUMBERING.sub("", line).strip()
        if line:
            items.append(line)
    return items


def join_lines(items: Iterable[str]) -> str:
    return "\n".join(items)


def service_name_taken(unit_id: int, name: str, exclude_id: int | None = None) -> bool:
    query = select(Service.id).where(Service.unit_id == unit_id, Service.name == name)
    if exclude_id is not None:
        query = query.where(Service.id != exclude_id)
    return db.session.scalar(query) is not None
