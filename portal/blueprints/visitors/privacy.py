"""How much of a visitor's document number is kept, and how it is shown.

The full number is validated at the desk in every mode, then reduced by
:func:`reduce_document` before anything is written:

- ``none``: only the document type and the guard's "checked" tick;
- ``partial`` (default): the masked form, i.e. region code and last 4 digits
  of a resident ID (``510921********1234``), last 4 characters otherwise;
- ``full``: the masked form plus the number encrypted with Fernet, under a key
  from configuration; only logistics admins can reveal it, and each reveal is
  audited.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from portal.blueprints.visitors.validation import IdType


class IdStorage(enum.StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class ConfigError(ValueError):
    pass


def mask_document(id_type: IdType, number: str) -> str:
    """``510921199001011234`` → ``510921********1234``; other documents keep their last 4."""
    if id_type is IdType.RESIDENT_ID and len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


def id_cipher(keys: str | None) -> MultiFernet | None:
    """The cipher for ``PORTAL_VISITOR_ID_KEY``: Fernet keys separated by commas.

    The first key encrypts; all of them decrypt, so a key can be rotated by
    putting the new one first.
    """
    parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
    if not parts:
        return None
    try:
        return MultiFernet([Fernet(k.encode("ascii")) for k in parts])
    except (ValueError, UnicodeEncodeError):
        raise ConfigError(
            "PORTAL_VISITOR_ID_KEY must be one or more Fernet keys (32 url-safe base64 bytes), separated by commas"
        ) from None


@dataclass(frozen=True)
class StoredDocument:
    """What is written for a visitor's document: never the plain number."""

    masked: str
    encrypted: str | None


def reduce_document(id_type: IdType, number: str, mode: IdStorage, cipher: MultiFernet | None) -> StoredDocument:
    if mode is IdStorage.NONE:
        return StoredDocument(masked="", encrypted=None)
    masked = mask_document(id_type, number)
    if mode is IdStorage.PARTIAL:
        return StoredDocument(masked=masked, encrypted=None)
    if cipher is None:
        raise ConfigError("full ID storage needs PORTAL_VISITOR_ID_KEY")
    return StoredDocument(masked=masked, encrypted=cipher.encrypt(number.encode("ascii")).decode("ascii"))


def decrypt_document(encrypted: str, cipher: MultiFernet) -> str | None:
    """The plain number, or None when no configured key opens it."""
    try:
        return cipher.decrypt(encrypted.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        return None


def document_digest(id_type: IdType, number: str, secret: str) -> str:
    """A keyed fingerprint of a document, for watchlist matching without storing the number."""
    key = hmac.new(secret.encode(), b"portal.visitors.watchlist", hashlib.sha256).digest()
    return hmac.new(key, f"{id_type.value}:{number}".encode(), hashlib.sha256).hexdigest()
