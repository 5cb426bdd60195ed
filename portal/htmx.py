"""The one place that decides between a full page and an htmx fragment.

A fragment is sent only for a plain htmx request. Boosted navigation and
history restoration need the whole page, and so does every request without
JavaScript. Pages ``{% include %}`` their fragments, so markup lives once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, make_response, render_template, request
from markupsafe import Markup


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_partial() -> bool:
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    page: str,
    partial: str | Markup | Mapping[str, str] | None = None,
    /,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    """Render ``page``, or ``partial`` for an htmx fragment request.

    ``partial`` may map ``HX-Target`` values to fragment templates when one page
    serves several swap targets; an unknown target gets the full page. It may
    also be a fragment rendered already (``Markup``, e.g. from ``portal.cache``),
    which the page shows from its context.
    """
    template = page
    varies = ["HX-Request"]
    if partial is not None and wants_partial():
        if isinstance(partial, Markup):
            return add_vary(make_response(str(partial), status), *varies)
        if isinstance(partial, str):
            template = partial
        else:
            varies.append("HX-Target")
            template = partial.get(request.headers.get("HX-Target", ""), page)
    response = make_response(render_template(template, **context), status)
    add_vary(response, *varies)
    return response


def add_vary(response: Response, *headers: str) -> Response:
    for header in headers:
        response.vary.add(header)
    return response


def redirect_to(location: str, status: int = 303) -> Response:
    """Redirect after a POST; htmx gets ``HX-Redirect`` so the whole page follows."""
    if is_htmx() and not request.headers.get("HX-Boosted"):
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    response = make_response("", status)
    response.headers["Location"] = location
    return response
