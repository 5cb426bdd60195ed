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


# Surnames read otherwise than the character's everyday reading: 曾 is zēng, not
# céng. Several are read both ways as surnames (乐 yuè or lè), so a name gets
# these readings as well, never instead.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao", "盖": "ge",
    "缪": "miao", "翟": "zhai", "乐": "yue", "覃": "qin", "种": "chong", "召": "shao", "员": "yun", "秘": "bi",
    "繁": "po", "隗": "wei", "句": "gou", "祭": "zhai", "长孙": "zhangsun", "尉迟": "yuchi", "万俟": "moqi",
}


def surname_readings(name: str) -> list[tuple[str, str]]:
    """(full pinyin, initials) of ``name`` read with its surname's own reading,
    where that differs from the everyday one: ``曾伟`` → ``[("zengwei", "zw")]``."""
    for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
        if name.startswith(surname) and len(name) > len(surname):
            reading, given = SURNAME_READINGS[surname], name[len(surname):]
            full = reading + full_pinyin(given)
            if full == full_pinyin(name):
                return []
            first_letters = reading[0] if len(surname) == 1 else initials(surname)
            return [(full, first_letters + initials(given))]
    return []
