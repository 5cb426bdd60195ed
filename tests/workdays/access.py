"""The workday calendar is for the logistics center (and the system administrator)."""

from __future__ import annotations

from tests.access import Access

ADMINS = ("logistics_admin", "sysadmin")


def _post(path) -> Access:
    return Access(path, post_only=True, post_roles=ADMINS)


ACCESS = {
    "workdays.calendar_page": Access("/workdays/", allowed=ADMINS),
    "workdays.delete_day": _post("/workdays/2026-10-01/delete"),
    "workdays.fill_year": _post("/workdays/2027/fill"),
    "workdays.tidy_year": _post("/workdays/2027/tidy"),
}
