"""The synonym table: everyday words people type and what the search looks for
instead (二手房过户 → 不动产转移登记, 社保局 → 人社局).

Logistics administrators keep every entry; a unit administrator adds and keeps
entries owned by their own unit. Every change is audited; the search uses the
table from the next query on (a change gives the directory a new version token,
see ``indexing``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.blueprints.directory.models import Synonym
from portal.blueprints.directory.search import normalize
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Unit, User
from portal.permissions import can_edit_unit, editable_unit_ids
from portal.rules import RuleViolation
from portal.text import contains

WORD_LENGTH = 40
MAX_TARGETS = 8
SYNONYM_FIELDS = ("word", "targets", "unit_id")
_SPLIT = re.compile(r"[\s,，、;；/]+")


@dataclass
class SynonymDraft:
    word: str = ""
    targets: str = ""  # as typed: words separated by commas, 、 or spaces
    unit_id: int | None = None  # owner; None: the whole building (logistics only)


def split_targets(text: str) -> list[str]:
    """The normalised words of ``text`` in order, each once."""
    return list(dict.fromkeys(value for part in _SPLIT.split(text or "") if (value := normalize(part))))


def synonyms_query(scope: frozenset[int] | None, *, q: str = ""):
    """The entries ``scope`` may keep (None: all), optionally those whose word or
    targets contain ``q``, by word."""
    query = select(Synonym).options(joinedload(Synonym.unit), joinedload(Synonym.updated_by)).order_by(Synonym.word)
    if scope is not None:
        query = query.where(Synonym.unit_id.in_(scope))
    needle = normalize(q)
    if needle:
        query = query.where(or_(contains(Synonym.word, needle), contains(Synonym.targets, needle)))
    return query


def save_synonym(synonym: Synonym | None, draft: SynonymDraft, *, actor: User | None, now: datetime) -> Synonym:
    """Add (``synonym`` None) or change an entry. A unit administrator's entries
    belong to their unit; only logistics administrators keep building-wide ones."""
    scope = None if actor is None else editable_unit_ids(actor)
    if synonym is not None and actor is not None and not can_edit_unit(actor, synonym.unit_id):
        raise RuleViolation(_l("You may only change your own unit's synonyms."), status=403)
    unit_id = draft.unit_id or None
    if scope is not None:
        if synonym is not None:
            unit_id = synonym.unit_id  # a unit administrator cannot hand an entry to another unit
        elif len(scope) == 1:
            unit_id = next(iter(scope))
        if unit_id is None or unit_id not in scope:
            raise RuleViolation(_l("You may only change your own unit's synonyms."), status=403)
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise RuleViolation(_l("Choose a unit from the list."), field="unit_id")
    word = normalize(draft.word or "")
    if not word:
        raise RuleViolation(_l("Type the word people use (letters, digits or Chinese characters)."), field="word")
    if len(word) < 2:
        raise RuleViolation(_l("At least two characters: a single one is in too many names."), field="word")
    if len(word) > WORD_LENGTH:
        raise RuleViolation(_l("At most %(n)s characters.", n=WORD_LENGTH), field="word")
    targets = [value for value in split_targets(draft.targets) if value != word]
    if not targets:
        raise RuleViolation(_l("Type at least one official name or keyword (other than the word itself)."), field="targets")
    if len(targets) > MAX_TARGETS:
        raise RuleViolation(_l("At most %(n)s names or keywords.", n=MAX_TARGETS), field="targets")
    if any(len(value) > WORD_LENGTH for value in targets):
        raise RuleViolation(_l("Each name or keyword has at most %(n)s characters.", n=WORD_LENGTH), field="targets")
    taken = select(Synonym.id).where(Synonym.word == word)
    if synonym is not None:
        taken = taken.where(Synonym.id != synonym.id)
    if db.session.scalar(taken) is not None:
        raise RuleViolation(_l("“%(word)s” is in the table already.", word=word), field="word")
    before = audit.snapshot(synonym, SYNONYM_FIELDS) if synonym is not None else None
    if synonym is None:
        synonym = Synonym()
        db.session.add(synonym)
    synonym.word, synonym.targets, synonym.unit_id = word, "\n".join(targets), unit_id
    after = {"word": word, "targets": synonym.targets, "unit_id": unit_id}
    if before == after:
        return synonym
    synonym.updated_by_id = actor.id if actor is not None else None
    synonym.updated_at = now
    db.session.flush()
    audit.record(actor, "synonym.create" if before is None else "synonym.update", synonym, before=before, after=after,
                 summary=f"{word} → {'、'.join(targets)}")
    return synonym


def delete_synonym(synonym: Synonym, *, actor: User | None, now: datetime) -> None:
    if actor is not None and not can_edit_unit(actor, synonym.unit_id):
        raise RuleViolation(_l("You may only change your own unit's synonyms."), status=403)
    before = audit.snapshot(synonym, SYNONYM_FIELDS)
    audit.record(actor, "synonym.delete", synonym, before=before, summary=synonym.word)
    db.session.delete(synonym)
    db.session.flush()


# ---------------------------------------------------------------- the demo building's obvious ones

# Everyday names of services and units → the words the directory uses (keys and
# values normalised). Seeded once; from then on the table is what counts.
DEMO_SYNONYMS: dict[str, tuple[str, ...]] = {
    "二手房过户": ("不动产转移登记",), "房子过户": ("不动产转移登记",), "房屋过户": ("不动产转移登记",),
    "买房过户": ("不动产转移登记",), "卖房": ("不动产转移登记",), "买房": ("不动产转移登记",), "过户": ("不动产转移登记",), "二手房": ("不动产转移登记",),
    "房产证": ("不动产首次登记", "不动产登记"), "办房产证": ("不动产首次登记",), "不动产登记": ("不动产",),
    "房产": ("不动产",), "土地证": ("不动产",), "抵押": ("不动产抵押登记",),
    "失业金": ("失业保险金申领",), "失业补助": ("失业保险金申领",), "失业保险": ("失业保险金申领",),
    "低保": ("最低生活保障申请",), "最低生活保障": ("最低生活保障申请",), "救济": ("临时救助申请",),
    "社保": ("人社局", "社会保障", "社保"), "社保中心": ("人社局",), "医保中心": ("医保局",),
    "交社保": ("人社局", "灵活就业人员参保登记"),
    "交医保": ("城乡居民基本医疗保险参保登记",), "生孩子": ("生育医疗费用报销",), "生小孩": ("生育医疗费用报销",),
    "贷款": ("不动产抵押登记", "创业担保贷款申请"), "饭店": ("食品经营许可证核发",), "社会保险": ("人社局", "社会保障"),
    "养老保险": ("养老保险",),
    "社保卡": ("社会保障卡",), "办社保卡": ("社会保障卡申领",), "补社保卡": ("社会保障卡挂失与补换",),
    "社保卡丢了": ("社会保障卡挂失与补换",), "社保卡丢": ("社会保障卡挂失与补换",), "社保卡掉了": ("社会保障卡挂失与补换",),
    "社保卡补办": ("社会保障卡挂失与补换",), "补办社保卡": ("社会保障卡挂失与补换",), "社保卡挂失": ("社会保障卡挂失与补换",),
    "医保卡": ("社会保障卡",),
    "婚姻登记": ("结婚登记", "离婚登记", "婚姻登记"), "领结婚证": ("结婚登记",), "结婚证": ("结婚登记",),
    "离婚": ("离婚登记",), "离婚证": ("离婚登记",),
    "营业执照": ("企业设立登记", "个体工商户设立登记"), "开公司": ("企业设立登记",), "注册公司": ("企业设立登记",),
    "开店": ("个体工商户设立登记", "食品经营许可证核发"), "个体户": ("个体工商户设立登记",),
    "劳动局": ("人社局",), "劳动保障局": ("人社局",), "人事局": ("人社局",), "社保局": ("人社局",),
    "房管局": ("自然资源局", "住建局"), "国土局": ("自然资源局",), "建设局": ("住建局",),
    "规划局": ("自然资源局",), "环保局": ("生态环境局",), "安监局": ("应急局",), "文化局": ("文广旅局",),
    "旅游局": ("文广旅局",), "卫生局": ("卫健局",), "计生局": ("卫健局",), "农业局": ("农业农村局",),
    "交警": ("交通局",), "后勤": ("后勤管理中心",), "机关事务局": ("机关事务服务中心",), "政务大厅": ("审批局",),
    "办事大厅": ("审批局",), "市民中心": ("审批局",), "政务服务中心": ("审批局",), "上访": ("信访局",),
    "报销": ("医疗费用手工报销",), "看病报销": ("医疗费用手工报销",), "医药费报销": ("医疗费用手工报销",),
    "异地医保": ("异地就医备案",), "慢病": ("门诊慢特病待遇认定",), "退休": ("企业职工退休待遇核定",),
    "工伤": ("工伤认定申请",), "讨薪": ("劳动人事争议仲裁申请",), "欠工资": ("劳动人事争议仲裁申请",),
    "打官司": ("法律援助申请",), "律师": ("法律援助申请",), "教资": ("教师资格认定",), "公租房": ("公共租赁住房申请",),
}


# Entries the units' own administrators keep (by the unit's short name); the others are building-wide.
DEMO_OWNERS: dict[str, tuple[str, ...]] = {
    "人社局": ("补社保卡", "社保卡丢了", "社保卡丢", "社保卡掉了", "社保卡补办", "补办社保卡", "社保卡挂失", "失业金", "失业补助",
               "讨薪", "欠工资", "工伤", "退休"),
    "民政局": ("低保", "最低生活保障", "救济", "领结婚证", "结婚证", "离婚", "离婚证"),
}


def seed_demo_synonyms(now: datetime) -> int:
    """Add the demo words the table does not have yet (an administrator's edits stay). Returns how many."""
    have = set(db.session.scalars(select(Synonym.word)))
    units = dict(db.session.execute(select(Unit.short_name, Unit.id).where(Unit.short_name.in_(DEMO_OWNERS))).all())
    owner = {word: units.get(short_name) for short_name, words in DEMO_OWNERS.items() for word in words}
    added = 0
    for word, targets in DEMO_SYNONYMS.items():
        if word not in have:
            db.session.add(Synonym(word=word, targets="\n".join(targets), unit_id=owner.get(word), updated_at=now))
            added += 1
    if added:
        db.session.flush()
    return added
