"""Pinyin keys for matching Chinese names by what people type: ``renshe``, ``rsj``.

pypinyin is imported on first use: its phrase dictionary costs a worker about
55 MB, and serving pages needs none of it (search and the visitor desk read the
keys the directory stores when names are saved).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def full_pinyin(text: str) -> str:
    """``人社局`` → ``rensheju``; lower case, no tones or spaces, ``ü`` typed as ``u``."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text, v_to_u=True)).lower().replace("ü", "u")


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """``人力资源和社会保障局`` → ``rlzyhshbzj``; other characters are kept as they are."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
