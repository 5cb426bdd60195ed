"""Hostile input to every form: random and malicious values are posted to every
POST route, as a role allowed to use it.

Whatever arrives, the answer is never a 5xx, a script fragment is never echoed
unescaped, and a refused submission (4xx) stores nothing.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.db import db
from tests.access import Access
from tests.test_access_matrix import collect_access

# Examples per form; raise it for a deeper sweep (PORTAL_FUZZ_EXAMPLES=300 bash scripts/test -k fuzz).
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "20"))
SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE \"user\"; --",
    "1 OR 1=1",
    "\x00\x01\x02\x1b[31m",
    "\u202e\ufeff\u200b",
    "9" * 40,
    "-1",
    "1e309",
    "NaN",
    "2026-02-30",
    "2026-13-01",
    "25:61",
    "0000-00-00T00:00",
    "../../etc/passwd",
    "{{7*7}}",
    "%s%s%n",
    "x" * 5000,
    "",
    " ",
    "张" * 300,
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.dates().map(str),
)


class _FormFields(HTMLParser):
    """Names of the fields of the POST forms on a page, by form action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self._current: set[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._current = set()
            self.forms.append((attributes.get("action") or "", self._current))
        elif tag in {"input", "select", "textarea", "button"} and self._current is not None:
            name = attributes.get("name")
            if name and name != "csrf_token":
                self._current.add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _fields_for(html: str, path: str) -> set[str] | None:
    """The fields of the forms on a page posting to path; None when no form posts there."""
    parser = _FormFields()
    parser.feed(html)
    names: set[str] | None = None
    for action, fields in parser.forms:
        if not action or urlsplit(action).path == path:
            names = (names or set()) | fields
    return names


def _post_targets() -> list[tuple[str, Access]]:
    from portal import create_app
    from tests.conftest import make_test_config

    app = create_app(make_test_config("sqlite://"))
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    return [(endpoint, entry) for endpoint, entries in sorted(collect_access().items()) if endpoint in posting for entry in entries]


def _row_counts() -> dict[str, int]:
    """Rows per table, in one query (twice per example: a query per table made up half the run's time)."""
    tables = [table for table in db.metadata.sorted_tables if table.name not in {"login_failure", "audit_log"}]
    counts = db.session.execute(select(*(
        select(func.count()).select_from(table).scalar_subquery().label(table.name) for table in tables
    ))).one()
    return dict(zip((table.name for table in tables), counts, strict=True))


@pytest.mark.parametrize(("endpoint", "entry"), _post_targets(), ids=lambda v: v if isinstance(v, str) else "")
def test_hostile_values_never_break_a_form(app, client, demo, auth, endpoint, entry):
    role = entry.poster()
    if role != "anonymous":
        auth.login_as(demo[role])
    url = entry.url()  # once: a first accepted post may change what the entry would point to next
    path = urlsplit(url).path
    fields: set[str] = set()
    form_page = entry.form_url() if entry.post_only else url
    if form_page:
        found = _fields_for(client.get(form_page).get_data(as_text=True), path)
        if entry.post_only:
            assert found is not None, f"{endpoint}: no form posting to {path} on {form_page}"
        fields = found or set()
    fields |= {"q", "next"}

    # Every field hostile at once first, then random mixes.
    explicit = [{name: value for name in fields} for value in (SCRIPT, "x" * 5000, "\x00\x1b", "2026-02-30", "-1")]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.fixed_dictionaries({}, optional={name: values for name in sorted(fields)}))
    def post(data):
        before = _row_counts()
        response = client.post(url, data=data)
        assert response.status_code < 500, f"{endpoint}: {response.status_code} for {data!r}"
        body = response.get_data(as_text=True)
        assert SCRIPT not in body, f"{endpoint} echoed a script unescaped"
        if 400 <= response.status_code < 500:
            assert _row_counts() == before, f"{endpoint} stored something while refusing {data!r}"
        if role != "anonymous":
            auth.login_as(demo[role])  # a logout form logs out; stay in role

    for hostile in explicit:
        post = example(data=hostile)(post)
    post()
