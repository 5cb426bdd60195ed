"""Uploaded files (manuals, certificates, photos), the same for every capability.

A capability keeps a :class:`StoredFile` for each upload and links it from its
own rows; this module names no capability. The bytes live in the database
(a deferred column, read only when the file is sent), so a file and the row
that points to it commit or roll back together, backups hold both, and tests
need no folder. Files are small: at most ``FILE_MAX_BYTES`` (10 MB; the
setting ``PORTAL_FILE_MAX_MB``), and the request body is bounded by
``MAX_CONTENT_LENGTH`` a little above that.

::

    stored = files.store(form.file.data, actor=actor, now=now)   # RuleViolation if refused
    return files.send(stored)                                     # a download, never shown inline
    files.delete(stored, actor=actor, now=now)

:func:`store` refuses an empty file, a file over the limit (413), and a file
whose content is not one of :data:`KINDS` (PDF, JPEG, PNG, Word, Excel) or does
not match its name's extension; the type is read from the content's signature,
never from the name or the browser's claim. The original name is kept without
any folder part (``..\\..\\a.pdf`` is ``a.pdf``). :func:`send` answers with
``Content-Disposition: attachment`` and the name encoded as RFC 5987 asks,
the type the content was found to be, ``nosniff``, and a sandboxing CSP.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from flask import Response, current_app, send_file
from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import audit
from portal.db import AwareDateTime, db
from portal.i18n import lazy_gettext as _l
from portal.models import User
from portal.rules import RuleViolation

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_NAME = 120


@dataclass(frozen=True)
class Kind:
    code: str
    mimetype: str
    extensions: tuple[str, ...]


PDF = Kind("pdf", "application/pdf", (".pdf",))
JPEG = Kind("jpeg", "image/jpeg", (".jpg", ".jpeg"))
PNG = Kind("png", "image/png", (".png",))
DOCX = Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
DOC = Kind("doc", "application/msword", (".doc",))
XLS = Kind("xls", "application/vnd.ms-excel", (".xls",))
KINDS = (PDF, JPEG, PNG, DOCX, XLSX, DOC, XLS)
IMAGES = (JPEG, PNG)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of the old Word and Excel files


class StoredFile(db.Model):
    """One uploaded file: its bytes, what it is, who brought it and when."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    kind: Mapped[str] = mapped_column(String(10))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(AwareDateTime)

    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<StoredFile {self.id} {self.name}>"


def max_bytes() -> int:
    return int(current_app.config.get("FILE_MAX_BYTES", DEFAULT_MAX_BYTES))


def kinds_label(kinds: tuple[Kind, ...] = KINDS) -> str:
    """``PDF, JPG, PNG …``: what a form's field accepts, for its description."""
    return ", ".join(kind.extensions[0][1:].upper() for kind in kinds)


def accept_attribute(kinds: tuple[Kind, ...] = KINDS) -> str:
    """The file input's ``accept`` (a hint to the browser; the content decides)."""
    return ",".join(ext for kind in kinds for ext in kind.extensions)


def clean_name(name: str | None) -> str:
    """The file's own name: no folders, no control characters, at most :data:`MAX_NAME` characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = stem[: MAX_NAME - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name


def _office_kind(data: bytes) -> Kind | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def detect(data: bytes, name: str) -> Kind | None:
    """What the content is, by its signature (the name only tells old Word from old Excel)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    if data.startswith(_OLE):
        lower = name.lower()
        return next((kind for kind in (DOC, XLS) if lower.endswith(kind.extensions)), None)
    return None


def _read(upload: Any, limit: int) -> tuple[bytes, str]:
    """The bytes (at most ``limit`` + 1 read) and the name given with them."""
    if isinstance(upload, tuple):
        data, name = upload
        return bytes(data[: limit + 1]), name
    return upload.read(limit + 1), getattr(upload, "filename", "") or ""


def store(upload: Any, *, actor: User | None, now: datetime, kinds: tuple[Kind, ...] = KINDS) -> StoredFile:
    """Keep an uploaded file (a werkzeug ``FileStorage``, or ``(bytes, name)``); refused with a message otherwise."""
    if upload is None:
        raise RuleViolation(_l("Choose a file."), field="file")
    limit = max_bytes()
    data, given_name = _read(upload, limit)
    name = clean_name(given_name)
    if len(data) > limit:
        raise RuleViolation(_l("The file is too large (at most %(limit)s MB).", limit=f"{limit / (1024 * 1024):g}"),
                            field="file", status=413)
    if not data:
        raise RuleViolation(_l("The file is empty."), field="file")
    kind = detect(data, name)
    allowed = kinds_label(kinds)
    if kind is None or kind not in kinds:
        raise RuleViolation(_l("Only these kinds of file can be kept: %(kinds)s.", kinds=allowed), field="file")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        name = (stem or name or "file") + kind.extensions[0]
    elif ("." + ext.lower()) not in kind.extensions:
        raise RuleViolation(_l("The file's content does not match its name (.%(ext)s).", ext=ext), field="file")
    stored = StoredFile(name=name, kind=kind.code, mimetype=kind.mimetype, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), content=data, uploaded_by=actor, uploaded_at=now)
    db.session.add(stored)
    db.session.flush()
    audit.record(actor, "file.store", stored, after={"name": name, "kind": kind.code, "size": len(data)},
                 summary=name)
    return stored


def open_file(stored: StoredFile) -> BytesIO:
    """The file's bytes to read."""
    return BytesIO(stored.content)


def send(stored: StoredFile) -> Response:
    """The file as a download: never shown inline, never sniffed, never cached by a shared proxy."""
    response = send_file(open_file(stored), mimetype=stored.mimetype, as_attachment=True, download_name=stored.name,
                         etag=stored.sha256, max_age=0, conditional=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def delete(stored: StoredFile, *, actor: User | None, now: datetime) -> None:
    """Remove the file for good (the caller removes its own link to it first)."""
    audit.record(actor, "file.delete", stored, before={"name": stored.name, "kind": stored.kind, "size": stored.size},
                 summary=stored.name)
    db.session.delete(stored)


audit.register_labels(
    actions={"file.store": _l("File kept"), "file.delete": _l("File removed")},
    object_types={"stored_file": _l("File")},
)
