"""Service-guide rules as plain functions."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import case, select

from portal.blueprints.guide.models import Service
from portal.db import db

SERVICE_FIELDS = (
    "name", "unit_id", "category", "room_id", "window", "materials", "steps", "hours", "fee", "fee_note",
    "legal_days", "promised_days", "phone", "notes", "keywords",
)

# The order in which the guide lists its usual categories: what people come for
# most first, roughly as county service guides arrange them. Other categories
# follow in the database's order.
CATEGORY_ORDER = (
    "社会保障", "就业创业", "医疗保障", "婚姻家庭", "社会救助", "养老服务", "不动产登记", "住房保障",
    "企业开办", "行政许可", "工程建设", "教育", "卫生健康", "交通运输", "农业农村", "生态环境",
    "安全生产", "文化旅游", "法律服务", "劳动关系", "退役军人", "社会组织", "信访",
)


def category_order():
    """An ORDER BY expression for ``Service.category`` following ``CATEGORY_ORDER``."""
    return case({name: i for i, name in enumerate(CATEGORY_ORDER)}, value=Service.category, else_=len(CATEGORY_ORDER))


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
