"""Absolute URLs, from the configured base URL only.

QR codes, iCalendar feeds and the GTFS export leave the portal and outlive
the request that made them, so they never take their host from the request's
``Host`` header: ``PORTAL_BASE_URL`` (e.g. ``https://portal.xian.gov.cn``) is
their one source. Until it is set the default is ``http://localhost:5000``
and the admin page warns in production.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for

DEFAULT_BASE_URL = "http://localhost:5000"

# A stable name for iCalendar UIDs: never a host name that can change.
UID_DOMAIN = "portal.invalid"


def base_url() -> str:
    return (current_app.config.get("BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def base_url_is_configured() -> bool:
    return bool(current_app.config.get("BASE_URL"))


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` made absolute against the base URL."""
    return base_url() + url_for(endpoint, **values)


def validate_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("expected http(s)://host[:port][/path]")
    return value.rstrip("/")


def path_for(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` without a request (for messages sent from cron)."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    return adapter.build(endpoint, values, force_external=False)
