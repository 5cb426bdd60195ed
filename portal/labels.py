"""Enums that carry their own label and badge style.

A member is declared with its stored value, its (lazily translated) label and,
where it is shown as a badge, the badge style::

    class RepairStatus(LabelledEnum):
        OPEN = "open", _l("Reported"), "warn"
        DONE = "done", _l("Finished"), "ok"

Templates write ``{{ badge(repair.status) }}`` or ``{{ repair.status.label }}``;
forms take ``RepairStatus.choices()``. Badge styles: ``neutral``, ``info``,
``ok``, ``warn``, ``danger``, ``muted``.
"""

from __future__ import annotations

import enum
from functools import lru_cache
from typing import Any

from flask_babel import get_locale
from markupsafe import Markup, escape

BADGE_STYLES = frozenset({"neutral", "info", "ok", "warn", "danger", "muted"})


class LabelledEnum(enum.StrEnum):
    label: Any
    badge_style: str

    def __new__(cls, value: str, label: Any = None, badge_style: str = "neutral") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        if badge_style not in BADGE_STYLES:
            raise ValueError(f"unknown badge style {badge_style!r}")
        member.badge_style = badge_style
        return member

    @classmethod
    def choices(cls, members: Any = None) -> list[tuple[str, Any]]:
        """``(value, label)`` pairs for a select or radio field, in declaration order."""
        return [(member.value, member.label) for member in (members if members is not None else cls)]


def label(value: Any) -> Any:
    """The label of a labelled enum member; other values as they are (None: empty)."""
    if value is None:
        return ""
    return getattr(value, "label", value)


def badge(value: Any, text: Any = None, style: str | None = None) -> Markup:
    """``<span class="badge badge--warn">…</span>`` for a labelled member (or any text with a style)."""
    if value is None and text is None:
        return Markup("")
    if text is None and style is None and isinstance(value, LabelledEnum):
        return _member_badge(type(value), value, str(get_locale()))
    style = style or getattr(value, "badge_style", "neutral")
    return _badge_markup(style, text if text is not None else label(value))


def _badge_markup(style: str, text: Any) -> Markup:
    return Markup('<span class="badge badge--{}">{}</span>').format(style, escape(text))


@lru_cache(maxsize=512)
def _member_badge(kind: type, member: LabelledEnum, locale: str) -> Markup:
    # A list shows the same few statuses on every row: each is translated once per language.
    # ``kind`` is part of the key: members are strings, and two enums' "approved" are equal.
    return _badge_markup(member.badge_style, member.label)
