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
