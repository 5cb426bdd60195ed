"""One page, four blocks. Each block polls the page's URL with its own id as
``HX-Target`` and the version it shows; the server answers 204 (htmx swaps
nothing) while the block's data are unchanged, or the block's fragment."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Response, current_app, make_response, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from portal import timeutil
from portal.blueprints.display import bp, sources
from portal.cache import cached, read_tokens
from portal.htmx import add_vary, render, wants_partial

PAGE = "display/index.html"


@dataclass(frozen=True)
class Block:
    element_id: str
    template: str
    load: Callable[[datetime], dict[str, Any]]  # plain data, never ORM objects (it is cached)
    areas: tuple[str, ...]  # what the data are drawn from (portal.cache)


BLOCKS = (
    Block("display-today", "display/_today.html", lambda now: {"today": sources.today_status(now.date())}, ("calendar",)),
    Block("display-notices", "display/_notices.html", lambda now: {"notices": sources.public_notices(now)},
          ("notices", "building")),
    Block("display-meetings", "display/_meetings.html",
          lambda now: {"meetings": sources.meetings_today(now.date(), now)}, ("rooms", "building", "calendar")),
    Block("display-shuttle", "display/_shuttle.html", lambda now: {"board": sources.next_departures(now)},
          ("shuttle", "calendar")),
)
BLOCKS_BY_ID = {block.element_id: block for block in BLOCKS}


def version_of(data: dict[str, Any]) -> str:
    """A short fingerprint of a block's data (plain dataclasses) and language."""
    return hashlib.sha256(repr((str(get_locale()), sorted(data.items()))).encode()).hexdigest()[:16]


def drawn_block(block: Block, now: datetime, tokens: Mapping[str, str]) -> tuple[Markup, str]:
    """A block's fragment and the fingerprint of its data, the same for a whole
    minute: every screen in the building polls, and they share one drawing per
    process until the data change."""
    minute = timeutil.floor_to(now, timedelta(minutes=1))
    poll_seconds = current_app.config["DISPLAY_POLL_SECONDS"]

    def draw() -> tuple[Markup, str]:
        data = block.load(minute)
        version = version_of(data)
        html = render_template(block.template, now=minute, poll_seconds=poll_seconds,
                               versions={block.element_id: version}, **data)
        return Markup(html), version

    key = ("display", block.element_id, str(get_locale()), minute, poll_seconds)
    return cached(block.areas, key, draw, tokens=tokens)


@bp.route("/")
def index() -> Response:
    now = timeutil.now()
    polled = BLOCKS_BY_ID.get(request.headers.get("HX-Target", "")) if wants_partial() else None
    blocks = [polled] if polled else BLOCKS
    tokens = read_tokens(area for block in blocks for area in block.areas)
    drawn = [drawn_block(block, now, tokens) for block in blocks]
    if polled:
        fragment, version = drawn[0]
        response = make_response("", 204) if request.args.get("v") == version else make_response(str(fragment))
        add_vary(response, "HX-Request", "HX-Target")
    else:
        response = render(PAGE, blocks=[fragment for fragment, _version in drawn],
                          poll_seconds=current_app.config["DISPLAY_POLL_SECONDS"])
        add_vary(response, "HX-Target")
    response.headers["Cache-Control"] = "no-store"
    return response
