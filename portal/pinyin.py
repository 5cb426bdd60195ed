"""Pinyin keys for matching Chinese names by what people type: ``renshe``, ``rsj``."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def full_pinyin(text: str) -> str:
    """``人社局`` → ``rensheju``; lower case, no tones or spaces, ``ü`` typed as ``u``."""
    return "".join(lazy_pinyin(text, v_to_u=True)).lower().replace("ü", "u")


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """``人力资源和社会保障局`` → ``rlzyhshbzj``; other characters are kept as they are."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
