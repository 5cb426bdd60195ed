"""The pages the benchmark measures. A page whose URL answers anything but 200
(a capability not installed) is reported as skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from portal.timeutil import today


@dataclass(frozen=True)
class BenchPage:
    name: str
    path: str
    role: str | None = None  # a key of Dataset.logins, or None for a visitor
    partial_path: str | None = None
    partial_headers: dict[str, str] = field(default_factory=dict)
    load: str | None = None  # "page" or "partial": measured under concurrent load
    browser: bool = True  # DOMContentLoaded measured in Chromium


HX = {"HX-Request": "true"}

_DAY = today().isoformat()
_MONTH = today().strftime("%Y-%m")

PAGES = [
    BenchPage("home", "/", load="page"),
    BenchPage("login", "/login"),
    BenchPage("search", "/directory/search?q=rsj", load="page"),
    BenchPage("search_fragment", "/directory/search?q=rsj", partial_headers=HX, load="partial", browser=False),
    BenchPage("room_day", f"/rooms/day?date={_DAY}", role="employee", partial_headers=HX, load="page"),
    BenchPage("room_day_anon", f"/rooms/day?date={_DAY}", load="page", browser=False),
    BenchPage("room_week", f"/rooms/1/week?date={_DAY}", role="employee", load="page", browser=False),
    BenchPage("visitors_desk", "/visitors/", role="security", load="page", browser=False),
    BenchPage("visitors_onsite", "/visitors/on-site", role="security", partial_headers={**HX, "HX-Target": "on-site"}, load="page"),
    BenchPage("display", "/display/", partial_headers=HX, load="page"),
    BenchPage("shuttle", "/shuttle/", load="page"),
    BenchPage("services", "/services/", load="page"),
    BenchPage("utilities_month", f"/utilities/months/{_MONTH}", role="logistics", load="page", browser=False),
    BenchPage("repairs_queue", "/repairs/queue", role="property", load="page", browser=False),
    BenchPage("vehicles_dispatch", "/vehicles/dispatch", role="logistics", load="page", browser=False),
    BenchPage("vehicles_mine", "/vehicles/", role="employee", load="page", browser=False),
    BenchPage("parking_lookup", "/vehicles/parking/lookup?plate=" + quote("川J5K728"), role="security", load="page", browser=False),
    BenchPage("supervision", "/supervision/", role="logistics", load="page", browser=False),
    BenchPage("patrols_log", "/supervision/patrols", role="security", load="page", browser=False),
    BenchPage("energy", "/energy/", role="logistics", load="page", browser=False),
    BenchPage("equipment", "/equipment/", role="property", load="page", browser=False),
    BenchPage("offices_ledger", "/offices/ledger", role="logistics", load="page", browser=False),
    BenchPage("offices_index", "/offices/", role="employee", load="page", browser=False),
    BenchPage("inbox", "/inbox/", role="employee", load="page", browser=False),
    BenchPage("equipment_budget", "/equipment/budget", role="logistics", load="page", browser=False),
]
