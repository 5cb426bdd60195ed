"""Search answers what people type (issue 20): scored on a realistic query set."""

from portal.blueprints.directory.search import search
from tests.directory.search_queries import COMPLETE, QUERIES, score


def labels(text):
    return [hit.label for hit in search(text, include_staff=False).ranked]


def test_the_query_set_is_realistic_and_large_enough():
    assert len(QUERIES) >= 60


def test_top1_and_top3_hit_rates(demo):
    top1, top3, misses = score(labels)
    print(f"top-1 {top1:.1%}  top-3 {top3:.1%}")
    assert top1 >= 0.95, misses
    assert top3 >= 0.98, misses


def test_families_and_pairs_are_listed_whole(demo):
    for text, expected in COMPLETE:
        found = labels(text)
        assert set(expected) <= set(found), (text, found)


def test_a_corrected_query_says_did_you_mean(demo, client):
    results = search("人设局", include_staff=False)
    assert results.suggestion == "县人力资源和社会保障局" and results.ranked[0].label == "县人力资源和社会保障局"
    assert search("人社局", include_staff=False).suggestion is None
    assert search("办理社保卡", include_staff=False).suggestion is None  # fillers dropped: no correction to show
    page = client.get("/directory/search?q=人设局").get_data(as_text=True)
    assert "search-correction" in page and "县人力资源和社会保障局" in page
