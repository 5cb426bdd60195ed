"""The matching and ranking rules, as plain functions (no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.blueprints.directory.indexing import floor_texts, room_texts, item_texts, unit_texts
from portal.blueprints.directory.search import (
    expansions,
    names_unit,
    pinyin_variants,
    strip_fillers,
    Candidate,
    KeyIndex,
    MatchRules,
    Rank,
    make_keys,
    normalize,
    rank,
    rank_candidates,
)
from portal.blueprints.guide.models import GuideItem
from portal.models import Building, Floor, Room, Unit

RENSHE = Unit(name="县人力资源和社会保障局", short_name="人社局")
MAIN = Building(code="ZL", name="主楼")
ANNEX = Building(code="XW", name="县委附楼")


def keys_of(texts):
    return make_keys(texts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  主楼 305 ", "主楼305"),
        ("３０５", "305"),  # full-width digits, as some input methods type them
        ("RSJ", "rsj"),
        ("人社局!", "人社局"),
        ("%_'\"<>;--", ""),
        ("lü", "lu"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_unit_keys_carry_pinyin_and_initials_of_every_name():
    keys = keys_of(unit_texts(RENSHE))
    assert "人社局" in keys.terms and "人力资源和社会保障局" in keys.terms  # without the county prefix 县
    assert "rsj" in keys.initials and "rensheju" in keys.pinyin
    assert "rlzyhshbzj" in keys.initials


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("人社局", Rank.EXACT),  # the short name, exactly
        ("县人力资源和社会保障局", Rank.EXACT),
        ("县人力", Rank.PREFIX),
        ("社会保障", Rank.SUBSTRING),
        ("rsj", Rank.PINYIN_EXACT),  # initials of the short name
        ("rensheju", Rank.PINYIN_EXACT),
        ("rensh", Rank.PINYIN_PREFIX),
        ("rlzy", Rank.PINYIN_PREFIX),  # initials of the name without 县
        ("shehuibaozhang", Rank.PINYIN_SUBSTRING),
        ("hsbz", None),  # not a run of initials of any name (…h s h b z…)
        ("民政局", None),
    ],
)
def test_rank_of_a_unit(query, expected):
    assert rank(query, keys_of(unit_texts(RENSHE))) == expected


def test_ranks_are_ordered_exact_prefix_substring_pinyin():
    assert Rank.EXACT < Rank.PREFIX < Rank.SUBSTRING < Rank.PINYIN_EXACT < Rank.PINYIN_PREFIX < Rank.PINYIN_SUBSTRING


def test_shebao_finds_social_security_services_by_their_short_word():
    card = keys_of(item_texts(GuideItem(name="社保卡办理", keywords="")))
    pension = keys_of(item_texts(GuideItem(name="城乡居民社保参保登记", keywords="")))
    marriage = keys_of(item_texts(GuideItem(name="结婚登记", keywords="领证")))
    assert rank("shebao", card) == Rank.PINYIN_PREFIX
    assert rank("shebao", pension) == Rank.PINYIN_SUBSTRING
    assert rank("shebao", marriage) is None
    assert rank("sbk", card) == Rank.PINYIN_PREFIX
    assert rank("lingzheng", marriage) == Rank.PINYIN_EXACT  # a keyword


def room(number, building, level, name=""):
    return Room(number=number, name=name, floor=Floor(level=level, label=f"{level}楼", building=building))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("305", Rank.EXACT),
        ("主楼305", Rank.EXACT),
        ("主楼 305", Rank.EXACT),
        ("305室", Rank.EXACT),
        ("zl305", Rank.PINYIN_EXACT),
        ("zhulou305", Rank.PINYIN_EXACT),
        ("30", Rank.PREFIX),
        ("县委305", None),
    ],
)
def test_room_number_spellings(query, expected):
    assert rank(normalize(query), keys_of(room_texts(room("305", MAIN, 3)))) == expected


def test_annex_rooms_are_found_by_the_short_building_name():
    keys = keys_of(room_texts(room("101", ANNEX, 1, "县委第一会议室")))
    assert rank("县委101", keys) == Rank.EXACT
    assert rank("县委附楼101", keys) == Rank.EXACT
    assert rank("第一会议室", keys) == Rank.SUBSTRING


@pytest.mark.parametrize("query", ["3楼", "3层", "三楼", "3f", "主楼3楼", "sanlou"])
def test_floor_spellings(query):
    keys = keys_of(floor_texts(Floor(level=3, label="3楼", building=MAIN)))
    assert rank(normalize(query), keys) is not None


def test_a_single_latin_character_only_matches_from_the_start():
    keys = keys_of(["张伟"])  # zhangwei, zw
    assert rank("z", keys) == Rank.PINYIN_PREFIX
    assert rank("w", keys) is None  # inside the pinyin: too weak to count
    assert rank("伟", keys) == Rank.SUBSTRING  # one Chinese character is a real query


def test_empty_query_matches_nothing():
    assert rank("", keys_of(["人社局"])) is None


def test_rank_candidates_groups_by_kind_and_orders_by_rank_then_length():
    def cand(kind, object_id, label, texts):
        return Candidate(kind, object_id, label, make_keys(texts))

    groups = rank_candidates(
        "社保",
        [
            cand("service", 1, "城乡居民社保参保登记", ["城乡居民社保参保登记"]),  # substring
            cand("service", 2, "社保卡补换", ["社保卡补换"]),  # prefix, longer
            cand("service", 3, "社保卡办理", ["社保卡办理"]),  # prefix
            cand("unit", 4, "社保经办网点", ["社保经办网点"]),  # prefix (社保中心 would name the unit: exact)
            cand("staff", 5, "社保", ["社保"]),  # exact: its group comes first
            cand("unit", 6, "民政局", ["民政局"]),  # no match
        ],
    )
    assert [g.kind for g in groups] == ["staff", "unit", "service"]
    services = groups[2]
    assert [h.object_id for h in services.hits] == [3, 2, 1]
    assert [h.rank for h in services.hits] == [Rank.PREFIX, Rank.PREFIX, Rank.SUBSTRING]
    assert groups[1].total == 1


def test_rank_candidates_with_a_limit_keeps_the_best_and_counts_all():
    candidates = [Candidate("service", i, name, make_keys([name])) for i, name in
                  enumerate(["城乡居民社保参保登记", "社保卡补换", "社保", "社保卡办理", "灵活就业社保"])]
    [group] = rank_candidates("社保", candidates, limit=2)
    assert group.total == 5 and [h.label for h in group.hits] == ["社保", "社保卡办理"]
    [full] = rank_candidates("社保", candidates)
    assert [h.label for h in full.hits][:2] == ["社保", "社保卡办理"] and len(full.hits) == 5


@given(st.text(min_size=1, max_size=30))
def test_normalize_is_idempotent_and_a_name_matches_itself_exactly(text):
    normalized = normalize(text)
    assert normalize(normalized) == normalized
    assert len(normalized) <= len(text) * 3  # NFKC may expand ligatures, never wildly
    if normalized:
        assert rank(normalized, make_keys([text])) == Rank.EXACT


NAMES = ["人社局", "县人力资源和社会保障局", "社保卡办理", "城乡居民社保参保登记", "结婚登记", "张伟", "主楼305", "3楼", "TV会议室", ""]


@given(
    st.lists(st.lists(st.sampled_from(NAMES), max_size=3), max_size=12),
    st.sampled_from(["rsj", "shebao", "社保", "z", "3", "305", "登记", "zw", "sb", "hui", "楼", "tv", "xrl"]),
)
def test_key_index_finds_exactly_what_rank_would_match(entries, query):
    candidates = [Candidate("service" if i % 2 else "unit", i, "x", make_keys(texts)) for i, texts in enumerate(entries)]
    index = KeyIndex(candidates)
    rules = MatchRules.for_query(query)
    found = {c.object_id for c in index.candidates(rules, ["unit", "service"])}
    expected = {c.object_id for c in candidates if rank(query, c.keys) is not None}
    assert found == expected
    assert {c.object_id for c in index.candidates(rules, ["unit"])} == {i for i in expected if i % 2 == 0}


def test_a_unit_named_without_its_ending_ranks_as_its_name():
    keys = make_keys(["县医疗保障局", "医保局"])
    assert names_unit("医保", keys) and names_unit("yibao", keys)
    assert not names_unit("医", keys) and not names_unit("医保局", keys)
    [group] = rank_candidates("医保", [Candidate("unit", 1, "县医疗保障局", keys)])
    assert group.best == Rank.EXACT


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("办理社保卡", "社保卡"), ("信访局在哪", "信访局"), ("怎么办营业执照", "营业执照"), ("人社局在几楼", "人社局"),
     ("如何办理结婚登记", "结婚登记"), ("办理", "办理"), ("县委办", "县委办"), ("去民政局", "民政局")],
)
def test_filler_words_are_dropped(typed, meant):
    assert strip_fillers(typed) == meant


def test_pinyin_variants_are_one_typo_away():
    variants = pinyin_variants("shebo")
    assert "shebao" in variants and "sehbo" in variants and "shbo" in variants and "shebo" not in variants
    assert all(len(v) >= 4 for v in variants)


def test_everyday_words_expand_to_the_directory_names():
    table = {"二手房过户": ("不动产转移登记",), "失业金": ("失业保险金申领",)}
    assert expansions("二手房过户", table) == ["不动产转移登记"]
    assert expansions("失业金申领", table, partial=True) == ["失业保险金申领"]
    assert expansions("人社局", table) == []


def test_an_index_changed_in_one_entry_shares_the_other_kinds_and_finds_the_new_name():
    unit = Candidate("unit", 1, "县民政局", make_keys(["县民政局", "民政局"]))
    room = Candidate("room", 7, "主楼305", make_keys(["305", "主楼305"]))
    index = KeyIndex([unit, room, Candidate("unit", 2, "县司法局", make_keys(["县司法局"]))], {"低保": ("民政局",)})
    renamed = Candidate("unit", 1, "县民政和养老局", make_keys(["县民政和养老局"]))
    changed = index.changed({("unit", 1): renamed, ("unit", 3): None}, {"养老": ("养老局",)})
    assert changed.rekeyed == 1 + 1 and len(changed) == 3 and len(index) == 3
    assert changed.shares_kind_with(index, "room") and not changed.shares_kind_with(index, "unit")
    rules = MatchRules.for_query("养老局")
    assert [c.label for c in changed.candidates(rules, ["unit"])] == ["县民政和养老局"]
    assert index.candidates(rules, ["unit"]) == []  # the old index stays as it was for its readers
    assert [c.label for c in changed.candidates(MatchRules.for_query("司法"), ["unit"])] == ["县司法局"]
    assert changed.synonyms == {"养老": ("养老局",)} and index.synonyms == {"低保": ("民政局",)}
    dropped = changed.changed({("unit", 2): None})
    assert dropped.candidates(MatchRules.for_query("司法"), ["unit"]) == [] and len(dropped) == 2
