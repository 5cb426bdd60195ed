"""Checks for what the guard types at the desk: identity documents, phone
numbers and vehicle plates. Plain functions: each returns the normalized value
or raises :class:`InvalidInput` whose message says exactly what is wrong.

Messages never repeat the number itself (they end up on screens and in logs).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l


class InvalidInput(ValueError):
    """The input is wrong; ``message`` (a lazy string) says how."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message


class IdType(enum.StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    PASSPORT = "passport"  # 护照
    HK_MACAO_TAIWAN = "hk_macao_taiwan"  # 港澳台通行证 / 居民来往内地通行证
    OTHER = "other"


# Province-level codes that begin a resident ID number (GB/T 2260); 83 is used
# for residence permits of Taiwan residents, 81/82 for Hong Kong and Macao.
PROVINCE_CODES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
    + [50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)
# ISO 7064 MOD 11-2 as used by GB 11643: weight of position i is 2^(17-i) mod 11.
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
ID_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11

_SEPARATORS = re.compile(r"[\s\-·.]")


def _halfwidth(value: str | None) -> str:
    """Full-width digits and letters (typed with a Chinese input method) as ASCII."""
    return unicodedata.normalize("NFKC", value or "")


def id_check_digit(first17: str) -> str:
    """The check character for the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str

    @property
    def region_code(self) -> str:
        return self.number[:6]

    @property
    def birth_date(self) -> date:
        n = self.number
        return date(int(n[6:10]), int(n[10:12]), int(n[12:14]))

    @property
    def last4(self) -> str:
        return self.number[-4:]


def validate_resident_id(value: str, *, today: date) -> ResidentId:
    """An 18-character resident ID number: format, region, birth date and check digit."""
    number = _SEPARATORS.sub("", _halfwidth(value)).upper()
    if not number:
        raise InvalidInput(_l("Enter the ID number."))
    if len(number) != 18:
        raise InvalidInput(
            _l("A resident ID number has 18 characters; this one has %(count)s.", count=len(number))
        )
    if not number[:17].isdigit() or not number[:17].isascii():
        raise InvalidInput(_l("The first 17 characters of a resident ID number must be digits."))
    if not (number[17].isdigit() and number[17].isascii()) and number[17] != "X":
        raise InvalidInput(_l("The last character of a resident ID number must be a digit or X."))
    if int(number[:2]) not in PROVINCE_CODES:
        raise InvalidInput(_l("The first two digits are not a province code; check the beginning of the number."))
    try:
        born = ResidentId(number).birth_date
    except ValueError:
        raise InvalidInput(_l("Digits 7 to 14 are not a real birth date (YYYYMMDD); check the middle of the number.")) from None
    if born.year < 1900 or born > today:
        raise InvalidInput(_l("Digits 7 to 14 give a birth date that is not possible; check the middle of the number."))
    if id_check_digit(number[:17]) != number[17]:
        raise InvalidInput(
            _l("The check digit (last character) does not match the other 17 digits: one of them is mistyped.")
        )
    return ResidentId(number)


_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")
_PERMIT = re.compile(r"^[A-Z]{0,2}[0-9]{8,10}$")
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9\-]{4,30}$")


def validate_document(id_type: IdType, value: str, *, today: date) -> str:
    """The normalized document number for ``id_type``; raises :class:`InvalidInput`."""
    if id_type is IdType.RESIDENT_ID:
        return validate_resident_id(value, today=today).number
    number = re.sub(r"\s", "", _halfwidth(value)).upper()
    if not number:
        raise InvalidInput(_l("Enter the document number."))
    if id_type is IdType.PASSPORT and not _PASSPORT.match(number):
        raise InvalidInput(_l("A passport number has 5 to 17 letters and digits."))
    if id_type is IdType.HK_MACAO_TAIWAN and not _PERMIT.match(number):
        raise InvalidInput(
            _l("A travel permit number has 8 to 10 digits, optionally after one or two letters (e.g. H or M).")
        )
    if id_type is IdType.OTHER and not _OTHER_DOCUMENT.match(number):
        raise InvalidInput(_l("A document number has 4 to 30 letters, digits or dashes."))
    return number


# Mobile numbers: 11 digits, 13x–19x. Landlines: area code 010/02x + 8 digits,
# or a 4-character area code + 7 or 8 digits; an extension may follow.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def validate_phone(value: str) -> str:
    """A mainland mobile (``13812345678``) or landline (``0825-5421234``) number, normalized."""
    raw = _halfwidth(value).strip()
    if not raw:
        raise InvalidInput(_l("Enter a phone number."))
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
        raise InvalidInput(_l("A phone number may contain only digits, spaces, dashes and brackets."))
    if compact.startswith("1"):
        if extension:
            raise InvalidInput(_l("A mobile number has no extension."))
        if len(compact) != 11:
            raise InvalidInput(_l("A mobile number has 11 digits; this one has %(count)s.", count=len(compact)))
        if not _MOBILE.match(compact):
            raise InvalidInput(_l("A mobile number starts with 13 to 19."))
        return compact
    if compact.startswith("0"):
        area_length = 3 if compact[1] in "12" else 4
        area, local = compact[:area_length], compact[area_length:]
        allowed = (8,) if area_length == 3 else (7, 8)
        if len(local) not in allowed or local[0] in "01":
            if area_length == 3:
                raise InvalidInput(_l("After area code %(area)s a landline number has 8 digits.", area=area))
            raise InvalidInput(_l("After area code %(area)s a landline number has 7 or 8 digits.", area=area))
        return f"{area}-{local}" + (f"-{extension}" if extension else "")
    if len(compact) in (7, 8) and compact[0] not in "01":
        return compact + (f"-{extension}" if extension else "")  # a local number in the county
    raise InvalidInput(
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
        raise InvalidInput(_l("Enter the plate number."))
    if plate[0] not in PROVINCE_ABBREVIATIONS:
        raise InvalidInput(_l("A plate starts with the province character, e.g. 川."))
    if len(plate) < 2 or not ("A" <= plate[1] <= "Z"):
        raise InvalidInput(_l("The second character of a plate is the city letter (A–Z)."))
    serial = plate[2:]
    if len(plate) not in (7, 8):
        raise InvalidInput(
            _l("A plate has 7 characters (8 for new-energy vehicles); this one has %(count)s.", count=len(plate))
        )
    if len(plate) == 7:
        body, last = serial[:-1], serial[-1]
        if not set(body) <= _SERIAL_CHARS or not (last in _SERIAL_CHARS or last in _SPECIAL_SUFFIXES):
            raise InvalidInput(_l("After the city letter come 5 letters or digits; I and O are not used."))
        return plate
    # New-energy plates: small vehicles D/F + 5 (letter or digit, then 4 digits);
    # large vehicles 5 digits + D/F.
    if serial[0] in _NEV_SMALL_FIRST and serial[1] in _SERIAL_CHARS and serial[2:].isdigit():
        return plate
    if serial[:5].isdigit() and serial[5] in _NEV_LARGE_LAST:
        return plate
    raise InvalidInput(
        _l("An 8-character new-energy plate has D or F (or A–K) then 5 characters, or 5 digits then D or F.")
    )


def normalize_name(value: str) -> str:
    """A person's name as compared by the watchlist: no spaces, case-folded."""
    return re.sub(r"\s+", "", value or "").casefold()
