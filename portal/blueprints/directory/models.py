"""Search keys for the directory's one search box."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import db


class SearchKey(db.Model):
    """What one searchable object is matched by, computed when it is saved.

    ``terms`` are the object's names and the spellings people type (normalised
    by ``search.normalize``); ``pinyin`` and ``initials`` are the pinyin keys of
    those terms. Each column holds its values one per line, with a leading line
    break, so ``LIKE '%\\nq%'`` means "some value starts with q".
    Kept current by ``indexing`` on every flush; ``flask directory reindex``
    rebuilds it for data loaded without the ORM.
    """

    __tablename__ = "directory_search_key"
    __table_args__ = (UniqueConstraint("kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(160))
    terms: Mapped[str] = mapped_column(Text)
    pinyin: Mapped[str] = mapped_column(Text)
    initials: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<SearchKey {self.kind}:{self.object_id}>"


class SearchKeyVersion(db.Model):
    """One row whose token changes (in the same transaction) whenever any search
    key does, so each process knows when to reload its in-memory ``KeyIndex``."""

    __tablename__ = "directory_search_key_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
