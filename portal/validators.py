"""Checks for identifiers people type anywhere in the portal: phone numbers
and vehicle plates. Each returns the normalised value or raises
:class:`portal.rules.RuleViolation` saying exactly what is wrong (never
repeating the number: messages end up on screens and in logs).
"""

from __future__ import annotations

import re


from portal.i18n import lazy_gettext as _l
from portal.rules import RuleViolation


def _halfwidth(value: str | None) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", value or "")


# Mobile numbers: 11 digits, 13x–19x. Landlines: area code 010/02x + 8 digits,
# or a 4-character area code + 7 or 8 digits; an extension may follow.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def validate_phone(value: str) -> str:
    """A mainland mobile (``13812345678``) or landline (``0825-5421234``) number, normalized."""
    raw = _halfwidth(value).strip()
    if not raw:
        raise RuleViolation(_l("Enter a phone number."))
    extension = ""
    match = re.search(r"(?:转|ext\.?|x|#)\s*(\d{1,6})$", raw, flags=re.IGNORECASE)
    if match:
        extension, raw = match.group(1), raw[: match.start()]
    compact = re.sub(r"[\s\-()（）]", "", raw)
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("0086"):
        compact = compact[4:]
    elif compact.startswith("86") and len(compact) == 13:
        compact = compact[2:]
    if not compact.isdigit() or not compact.isascii():
        raise RuleViolation(_l("A phone number may contain only digits, spaces, dashes and brackets."))
    if compact.startswith("1"):
        if extension:
            raise RuleViolation(_l("A mobile number has no extension."))
        if len(compact) != 11:
            raise RuleViolation(_l("A mobile number has 11 digits; this one has %(count)s.", count=len(compact)))
        if not _MOBILE.match(compact):
            raise RuleViolation(_l("A mobile number starts with 13 to 19."))
        return compact
    if compact.startswith("0"):
        area_length = 3 if compact[1] in "12" else 4
        area, local = compact[:area_length], compact[area_length:]
        allowed = (8,) if area_length == 3 else (7, 8)
        if len(local) not in allowed or local[0] in "01":
            if area_length == 3:
                raise RuleViolation(_l("After area code %(area)s a landline number has 8 digits.", area=area))
            raise RuleViolation(_l("After area code %(area)s a landline number has 7 or 8 digits.", area=area))
        return f"{area}-{local}" + (f"-{extension}" if extension else "")
    if len(compact) in (7, 8) and compact[0] not in "01":
        return compact + (f"-{extension}" if extension else "")  # a local number in the county
    raise RuleViolation(
        _l("Enter an 11-digit mobile number, or a landline with its area code (e.g. 0825-5421234).")
    )


PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SERIAL_CHARS = set("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")  # I and O are never used
_SPECIAL_SUFFIXES = set("挂学警港澳领试超")
_NEV_SMALL_FIRST = set("DABCEFGHJK")  # D, A-C, E: battery electric; F-K: hybrids
_NEV_LARGE_LAST = set("DF")


def validate_plate(value: str) -> str:
    """A mainland plate (``川A12345``, new-energy ``川AD12345`` / ``川A12345D``), normalized."""
    plate = re.sub(r"[\s·•.\-]", "", _halfwidth(value)).upper()
    if not plate:
        raise RuleViolation(_l("Enter the plate number."))
    if plate[0] not in PROVINCE_ABBREVIATIONS:
        raise RuleViolation(_l("A plate starts with the province character, e.g. 川."))
    if len(plate) < 2 or not ("A" <= plate[1] <= "Z"):
        raise RuleViolation(_l("The second character of a plate is the city letter (A–Z)."))
    serial = plate[2:]
    if len(plate) not in (7, 8):
        raise RuleViolation(
            _l("A plate has 7 characters (8 for new-energy vehicles); this one has %(count)s.", count=len(plate))
        )
    if len(plate) == 7:
        body, last = serial[:-1], serial[-1]
        if not set(body) <= _SERIAL_CHARS or not (last in _SERIAL_CHARS or last in _SPECIAL_SUFFIXES):
            raise RuleViolation(_l("After the city letter come 5 letters or digits; I and O are not used."))
        return plate
    # New-energy plates: small vehicles D/F + 5 (letter or digit, then 4 digits);
    # large vehicles 5 digits + D/F.
    if serial[0] in _NEV_SMALL_FIRST and serial[1] in _SERIAL_CHARS and serial[2:].isdigit():
        return plate
    if serial[:5].isdigit() and serial[5] in _NEV_LARGE_LAST:
        return plate
    raise RuleViolation(
        _l("An 8-character new-energy plate has D or F (or A–K) then 5 characters, or 5 digits then D or F.")
    )


