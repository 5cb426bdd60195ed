"""The web's own validators over every page every role can open (issue 16).

The page list is the access matrix: for each role, each GET route whose
expected answer for that role is 200 and whose answer is HTML, with the demo
data loaded.

* The Nu Html Checker (``vnu.jar`` from the npm package ``vnu-jar``, run by
  Debian's Java) checks the server's HTML of every page: ONE run over a folder
  of all pages, zero errors.
* axe-core (npm ``axe-core``, injected by Playwright) checks every page in
  Debian's Chromium at 390×844 with JavaScript on against WCAG 2.0 A/AA and
  2.1 AA: zero violations. The same pass checks that no page is wider than the
  phone (the document scrolls nowhere sideways; wide tables scroll inside
  their own container).

Install the tools with ``npm ci`` at the repository root (and Java:
``apt-get install default-jre-headless``); .ci/run does both. Outside CI the
tests skip, saying which tool is missing; with ``PORTAL_REQUIRE_VALIDATORS=1``
(set by .ci/run) a missing tool fails them. All faults are collected and
reported together.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.access import ROLES
from tests.conftest import _postgres_url, log_in

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = Path(os.environ.get("PORTAL_NODE_MODULES", ROOT / "node_modules"))
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# And tap targets of at least 24×24 px (or spaced as far apart): WCAG 2.2's target-size, for phones.
AXE_RULES = {"target-size": {"enabled": True}}
PHONE = {"width": 390, "height": 844}

# scripts/test runs the suite twice; the pages' HTML does not depend on the
# database, so the validators run in the SQLite pass only (minutes saved).
pytestmark = pytest.mark.skipif(bool(_postgres_url()), reason="the validators run in the SQLite pass (the HTML does not depend on the database)")


def _require(what: str, present: bool, how: str) -> None:
    if present:
        return
    message = f"{what} is missing ({how})"
    if os.environ.get("PORTAL_REQUIRE_VALIDATORS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _report(name: str, faults: list[str]) -> None:
    """With PORTAL_STANDARDS_REPORT=<folder>, also write the faults there (pytest shortens long messages)."""
    folder = os.environ.get("PORTAL_STANDARDS_REPORT")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.txt").write_text("\n".join(sorted(faults)) + "\n", encoding="utf-8")


# PORTAL_STANDARDS_ONLY=/energy/ checks only the pages under that path (while working on one capability).
ONLY = os.environ.get("PORTAL_STANDARDS_ONLY", "")
ENOUGH_PAGES = 1 if ONLY else 100
ENOUGH_PAGES_PER_ROLE = 1 if ONLY else 10


def pages_for(role: str) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET page the matrix says ``role`` opens (200)."""
    from tests.test_access_matrix import collect_access

    pages = []
    for endpoint, entries in collect_access().items():
        for entry in entries:
            if entry.expected(role) == 200 and entry.url().startswith(ONLY):
                pages.append((endpoint, entry.url()))
    return pages


def html_pages(app, demo, roles=ROLES, only: list[tuple[str, str]] | None = None) -> dict[str, tuple[str, str, str]]:
    """name → (role, url, html) of every HTML page of each role (server HTML, as
    the test client gets it); ``only``: just these (endpoint, url) of one role."""
    from tests.conftest import AuthActions

    collected: dict[str, tuple[str, str, str]] = {}
    for role in roles:
        client = app.test_client()
        if role != "anonymous":
            AuthActions(client).login_as(demo[role])
        for _endpoint, url in (pages_for(role) if only is None else only):
            response = client.get(url)
            assert response.status_code == 200, f"{role} GET {url}: {response.status_code}"
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            if not html.lstrip()[:15].lower().startswith("<!doctype html"):
                continue  # files, feeds and htmx fragments (the pages that hold the fragments are checked)
            name = f"{role}__{re.sub(r'[^A-Za-z0-9]+', '_', url).strip('_') or 'home'}.html"
            collected[name] = (role, url, html)
    return collected


def test_every_page_passes_the_nu_html_checker(app, demo, tmp_path):
    java = shutil.which("java")
    _require("Java", java is not None, "apt-get install default-jre-headless")
    _require("The Nu Html Checker", VNU_JAR.exists(), f"run `npm ci` in {ROOT} for {VNU_JAR}")

    pages = html_pages(app, demo)
    assert len(pages) >= ENOUGH_PAGES, "the page list is suspiciously short"
    for name, (_role, _url, html) in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    result = subprocess.run(
        [java, "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--skip-non-html", str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    faults = []
    for message in messages:
        name = Path(message.get("url", "")).name
        role, url, _html = pages.get(name, ("?", name, ""))
        faults.append(f"{role} {url} line {message.get('lastLine', '?')}: {message.get('message')}"
                      f" [{(message.get('extract') or '').strip()[:120]}]")
    _report("nu", faults)
    assert not faults, f"{len(faults)} Nu Html Checker errors:\n" + "\n".join(sorted(faults))


AXE_RUN = """async ([tags, rules]) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, rules, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1).join(' ')),
    count: v.nodes.length,
  }));
}"""

TOO_WIDE = """() => {
  const width = document.documentElement.scrollWidth;
  if (width <= 390) return null;
  const culprits = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > 391 && getComputedStyle(el).position !== 'fixed') {
      let inside = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const overflow = getComputedStyle(p).overflowX;
        if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') { inside = true; break; }
      }
      if (!inside) culprits.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
    }
    if (culprits.length >= 3) break;
  }
  return width + 'px wide: ' + culprits.join(', ');
}"""


PAGES_PER_PART = 40


def _axe_parts() -> list[tuple[str, int, int]]:
    """(role, part, parts): each role's pages in parts of about PAGES_PER_PART
    (the logistics center's 227 pages in one test made one worker finish four
    minutes after the other). The split uses only the matrix's expectations,
    which need no database."""
    from tests.test_access_matrix import collect_access

    access = collect_access()
    params = []
    for role in ROLES:
        count = sum(1 for entries in access.values() for entry in entries if entry.expected(role) == 200)
        parts = 1 if ONLY else max(1, round(count / PAGES_PER_PART))  # ONLY's few pages would leave parts empty
        params.extend((role, part, parts) for part in range(parts))
    return params


@pytest.mark.browser
@pytest.mark.parametrize(("role", "part", "parts"), _axe_parts(), ids=lambda v: str(v))
def test_every_page_passes_axe_and_fits_a_phone(app, demo, live_server, browser, role, part, parts):
    """Every page of the role in Chromium at 390×844, JavaScript on: axe-core
    (WCAG 2.1 AA, and tap targets of 24 px) finds nothing and the page is no wider than the phone."""
    _require("axe-core", AXE_JS.exists(), f"run `npm ci` in {ROOT} for {AXE_JS}")
    axe = AXE_JS.read_text(encoding="utf-8")
    faults: list[str] = []
    all_pages = pages_for(role)
    if ONLY and not all_pages:
        pytest.skip(f"{role} opens no page under {ONLY}")
    assert len(all_pages) >= ENOUGH_PAGES_PER_ROLE, "the page list is suspiciously short"
    urls = [url for _role, url, _html in html_pages(app, demo, roles=[role], only=all_pages[part::parts]).values()]
    assert urls, f"no HTML page in part {part + 1} of {parts} for {role}"
    # bypass_csp only so that axe's script can be injected; the CSP itself is tested elsewhere.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    # Given once to the context, Chromium runs axe's script in each page from its own
    # code cache; sent with every page it took a third of the test's time.
    context.add_init_script(script=axe)
    page = context.new_page()
    try:
        if role != "anonymous":
            from tests.conftest import ROLE_ACCOUNTS

            log_in(page, live_server.url, ROLE_ACCOUNTS[role])
        for url in urls:
            page.goto(live_server.url + url)
            for violation in page.evaluate(AXE_RUN, [AXE_TAGS, AXE_RULES]):
                faults.append(f"{role} {url}: axe {violation['id']} ({violation['impact']}, {violation['count']}×)"
                              f" {violation['help']}: " + " | ".join(violation["nodes"]))
            too_wide = page.evaluate(TOO_WIDE)
            if too_wide:
                faults.append(f"{role} {url}: wider than 390 px, {too_wide}")
    finally:
        context.close()
    _report(f"axe-{role}-{part + 1}", faults)
    assert not faults, f"{len(faults)} faults in {len(urls)} pages:\n" + "\n".join(faults)
