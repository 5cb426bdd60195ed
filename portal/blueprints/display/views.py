"""One page, four blocks. Each block polls the page's URL with its own id as
``HX-Target`` and the version it shows; the server answers 204 (htmx swaps
nothing) while the block's data are unchanged, or the block's fragment."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, current_app, make_response, request
from flask_babel import get_locale

from portal import timeutil
from portal.blueprints.display import bp, sources
from portal.htmx import add_vary, render, wants_partial

PAGE = "display/index.html"


@dataclass(frozen=True)
class Block:
    element_id: str
    template: str
    load: Callable[[datetime], dict[str, Any]]


BLOCKS = (
    Block("display-today", "display/_today.html", lambda now: {"today": sources.today_status(now.date())}),
    Block("display-notices", "display/_notices.html", lambda now: {"notices": sources.public_notices(now)}),
    Block("display-meetings", "display/_meetings.html", lambda now: {"meetings": sources.meetings_today(now.date(), now)}),
    Block("display-shuttle", "display/_shuttle.html", lambda now: {"board": sources.next_departures(now)}),
)
BLOCKS_BY_ID = {block.element_id: block for block in BLOCKS}
FRAGMENTS = {block.element_id: block.template for block in BLOCKS}


def version_of(data: dict[str, Any]) -> str:
    """A short fingerprint of a block's data (plain dataclasses) and language."""
    return hashlib.sha256(repr((str(get_locale()), sorted(data.items()))).encode()).hexdigest()[:16]


@bp.route("/")
def index() -> Response:
    now = timeutil.now()
    polled = BLOCKS_BY_ID.get(request.headers.get("HX-Target", "")) if wants_partial() else None
    context: dict[str, Any] = {"now": now, "poll_seconds": current_app.config["DISPLAY_POLL_SECONDS"], "versions": {}}
    for block in [polled] if polled else BLOCKS:
        data = block.load(now)
        context.update(data)
        context["versions"][block.element_id] = version_of(data)
    if polled and request.args.get("v") == context["versions"][polled.element_id]:
        response = add_vary(make_response("", 204), "HX-Request", "HX-Target")
    else:
        response = render(PAGE, FRAGMENTS, **context)
    response.headers["Cache-Control"] = "no-store"
    return response
