"""Text as people type it, made comparable in one place.

Chinese input methods type full-width digits and letters (``５５``, ``ＡＢ``)
and ideographic spaces; identifiers (badge, ID and phone numbers, plates, room
and meter codes, extensions) are compared after :func:`normalise_identifier`.
Free text loses control characters (which break spreadsheets and terminals)
with :func:`clean_text`; forms apply both through ``portal.forms``.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls and DEL, except tab and newline (and the CR of CRLF).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


def normalise_identifier(value: str | None, *, upper: bool = False) -> str:
    """NFKC (full-width → ASCII), no spaces or controls anywhere; optionally upper-case.

    ``" ５５ "`` → ``"55"``; ``"川a 88888"`` → ``"川A88888"`` with ``upper=True``.
    """
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value)
    text = _SPACES.sub("", _CONTROL_SINGLE_LINE.sub("", text))
    return text.upper() if upper else text


def clean_text(value: str | None, *, multiline: bool = False) -> str | None:
    """Strip control characters (keeping tab/newline in multi-line text) and outer spaces."""
    if value is None:
        return None
    if multiline:
        return _CONTROL.sub("", value.replace("\r\n", "\n")).strip()
    return _CONTROL_SINGLE_LINE.sub(" ", value).strip()


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE/ILIKE with ``\\`` as the escape, so a typed ``_`` or ``%`` is literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, text: str):
    """A case-insensitive ``column`` contains ``text`` condition, wildcards typed literally."""
    return column.ilike(like_pattern(text), escape="\\")


_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A value for a CSV cell that reaches people's spreadsheets as the text it is:
    line breaks become spaces and a cell that a spreadsheet would run as a
    formula (``=``, ``+``, ``-``, ``@``) is prefixed with ``'``. Every CSV the
    portal writes passes its text cells through here."""
    text = _LINE_BREAKS.sub(" ", "" if value is None else str(value))
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text
