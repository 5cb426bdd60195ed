"""Search keys for the directory's one search box."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import AwareDateTime, db
from portal.models import Unit, User


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
    # Renewed when every key is rebuilt (or the table starts afresh): a process whose
    # index is of another epoch reloads it whole instead of applying the change log.
    epoch: Mapped[str] = mapped_column(String(32), default="", server_default="")


class SearchKeyChange(db.Model):
    """One entry per object whose keys were rewritten (or dropped), in order: a
    process brings its in-memory index up to date by re-reading only the keys of
    the entries it has not applied yet. Old entries are pruned."""

    __tablename__ = "directory_search_key_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[int] = mapped_column(Integer)


class Synonym(db.Model):
    """An everyday word and what the search looks for instead (二手房过户 →
    不动产转移登记). ``word`` and ``targets`` are stored normalised
    (``search.normalize``); ``targets`` one per line. Logistics administrators
    keep every entry; a unit administrator the entries owned by their unit."""

    __tablename__ = "directory_synonym"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(40), unique=True)
    targets: Mapped[str] = mapped_column(String(400))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)

    unit: Mapped[Unit | None] = relationship(Unit)
    updated_by: Mapped[User | None] = relationship(User, foreign_keys=[updated_by_id])

    @property
    def target_list(self) -> list[str]:
        return [value for value in self.targets.split("\n") if value]

    def __repr__(self) -> str:
        return f"<Synonym {self.word}>"
