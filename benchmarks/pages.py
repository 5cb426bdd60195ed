"""The pages the benchmark measures. A page whose URL answers anything but 200
(a capability not installed) is reported as skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

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

PAGES = [
    BenchPage("home", "/"),
    BenchPage("login", "/login"),
    BenchPage("search", "/directory/search?q=rsj", partial_headers=HX, load="partial"),
    BenchPage("room_day", f"/rooms/day?date={today().isoformat()}", role="employee", partial_headers=HX, load="page"),
    BenchPage("visitors_onsite", "/visitors/on-site", role="security", partial_headers={**HX, "HX-Target": "on-site"}, load="page"),
    BenchPage("display", "/display/", partial_headers=HX, load="page"),
    BenchPage("shuttle", "/shuttle/"),
    BenchPage("services", "/services/"),
]
