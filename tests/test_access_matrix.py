"""Every route × every role (anonymous included) gets exactly the expected answer,
for GET and, where a route takes it, for POST."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.access import ROLES, Access


def collect_access() -> dict[str, list[Access]]:
    table: dict[str, list[Access]] = {}
    for path in sorted(Path(__file__).parent.glob("*/access.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.access")
        for endpoint, entry in module.ACCESS.items():
            assert endpoint not in table, f"{endpoint} is listed twice"
            table[endpoint] = entry if isinstance(entry, list) else [entry]
    return table


def test_every_route_has_an_entry(app):
    table = collect_access()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - table.keys())
    stale = sorted(table.keys() - endpoints)
    assert not missing, f"routes without an access entry (add them to tests/<name>/access.py): {missing}"
    assert not stale, f"access entries for routes that do not exist: {stale}"
    for endpoint, entries in table.items():
        rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
        assert len(entries) >= len(rules), f"{endpoint} has {len(rules)} URL rules but {len(entries)} entries"


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_the_expected_answer_from_every_route(app, client, demo, auth, role):
    if role != "anonymous":
        auth.login_as(demo[role])
    wrong = []
    for endpoint, entries in collect_access().items():
        for entry in entries:
            url = entry.url()
            status = client.get(url).status_code
            if status != entry.expected(role):
                wrong.append(f"{endpoint} GET {url}: expected {entry.expected(role)}, got {status}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def _posting_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


@pytest.mark.parametrize("role", ROLES)
def test_roles_that_may_not_post_are_refused_and_change_nothing(app, client, demo, auth, role):
    """Every form's POST as every role that may not use it: the login page for
    visitors, 403 for the others, and no row written. (Roles that may post are
    exercised by the capability tests and the form fuzzer.)"""
    from tests.test_fuzz_forms import _row_counts

    if role != "anonymous":
        auth.login_as(demo[role])
    posting = _posting_endpoints(app)
    wrong = []
    for endpoint, entries in collect_access().items():
        if endpoint not in posting:
            continue
        for entry in entries:
            may_post = entry.post_roles or entry.allowed
            url = entry.url()
            if may_post is None and role == "anonymous":  # a public form really is public
                response = client.post(url, data={"next": "/"})
                if response.status_code == 403 or "/login" in response.headers.get("Location", ""):
                    wrong.append(f"{endpoint} POST {url}: listed as public, but refused ({response.status_code})")
                continue
            if may_post is None or role in may_post or role in entry.expect:
                continue
            before = _row_counts()
            response = client.post(url, data={"next": "/"})
            expected = 303 if role == "anonymous" else 403
            if response.status_code != expected:
                wrong.append(f"{endpoint} POST {url}: expected {expected}, got {response.status_code}")
            elif role == "anonymous" and "/login" not in response.headers.get("Location", ""):
                wrong.append(f"{endpoint} POST {url}: redirected to {response.headers.get('Location')}, not the login page")
            if _row_counts() != before:
                wrong.append(f"{endpoint} POST {url}: refused, but wrote to the database")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)
