"""Pages of lists built in Python, shaped like a SQLAlchemy pagination for the ``pager`` macro.
(Queries page with :func:`portal.requestargs.paginate`.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class PageNavigation:
    """What the ``pager`` macro reads besides ``page`` and ``pages``, for pages built in
    Python (a SQLAlchemy pagination has the same attributes)."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class ListPage(PageNavigation):
    """One page of a list already in memory (ranked search hits, computed rows)."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, rows: list[Any], page: int, per_page: int) -> ListPage:
        return cls(rows[(page - 1) * per_page : page * per_page], page, per_page, len(rows))

    @property
    def pages(self) -> int:  # type: ignore[override]
        return max(1, -(-self.total // self.per_page))
