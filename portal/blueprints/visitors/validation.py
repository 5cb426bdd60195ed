"""Checks for what the guard types at the desk: identity documents, phone
numbers and vehicle plates. Plain functions: each returns the normalized value
or raises :class:`portal.rules.RuleViolation` whose message says exactly what is wrong.
Phone numbers and plates are checked by :mod:`portal.validators` (core).

Messages never repeat the number itself (they end up on screens and in logs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.rules import RuleViolation
from portal.text import normalise_identifier


class IdType(LabelledEnum):
    RESIDENT_ID = "resident_id", _l("Resident ID card")  # 居民身份证
    PASSPORT = "passport", _l("Passport")  # 护照
    HK_MACAO_TAIWAN = "hk_macao_taiwan", _l("HK / Macao / Taiwan travel permit")  # 港澳台通行证 / 居民来往内地通行证
    OTHER = "other", _l("Other document")


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
    number = _SEPARATORS.sub("", normalise_identifier(value, upper=True))
    if not number:
        raise RuleViolation(_l("Enter the ID number."))
    if len(number) != 18:
        raise RuleViolation(
            _l("A resident ID number has 18 characters; this one has %(count)s.", count=len(number))
        )
    if not number[:17].isdigit() or not number[:17].isascii():
        raise RuleViolation(_l("The first 17 characters of a resident ID number must be digits."))
    if not (number[17].isdigit() and number[17].isascii()) and number[17] != "X":
        raise RuleViolation(_l("The last character of a resident ID number must be a digit or X."))
    if int(number[:2]) not in PROVINCE_CODES:
        raise RuleViolation(_l("The first two digits are not a province code; check the beginning of the number."))
    try:
        born = ResidentId(number).birth_date
    except ValueError:
        raise RuleViolation(_l("Digits 7 to 14 are not a real birth date (YYYYMMDD); check the middle of the number.")) from None
    if born.year < 1900 or born > today:
        raise RuleViolation(_l("Digits 7 to 14 give a birth date that is not possible; check the middle of the number."))
    if id_check_digit(number[:17]) != number[17]:
        raise RuleViolation(
            _l("The check digit (last character) does not match the other 17 digits: one of them is mistyped.")
        )
    return ResidentId(number)


_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")
_PERMIT = re.compile(r"^[A-Z]{0,2}[0-9]{8,10}$")
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9\-]{4,30}$")


def validate_document(id_type: IdType, value: str, *, today: date) -> str:
    """The normalized document number for ``id_type``; raises :class:`RuleViolation`."""
    if id_type is IdType.RESIDENT_ID:
        return validate_resident_id(value, today=today).number
    number = normalise_identifier(value, upper=True)
    if not number:
        raise RuleViolation(_l("Enter the document number."))
    if id_type is IdType.PASSPORT and not _PASSPORT.match(number):
        raise RuleViolation(_l("A passport number has 5 to 17 letters and digits."))
    if id_type is IdType.HK_MACAO_TAIWAN and not _PERMIT.match(number):
        raise RuleViolation(
            _l("A travel permit number has 8 to 10 digits, optionally after one or two letters (e.g. H or M).")
        )
    if id_type is IdType.OTHER and not _OTHER_DOCUMENT.match(number):
        raise RuleViolation(_l("A document number has 4 to 30 letters, digits or dashes."))
    return number


def normalize_name(value: str) -> str:
    """A person's name as compared by the watchlist: no spaces, case-folded."""
    return re.sub(r"\s+", "", value or "").casefold()
