"""One page, four blocks. Each block polls the page's URL with its own id as
``HX-Target``, the version it shows and the next ``turn``; the server answers
204 (htmx swaps nothing) while the block's data are unchanged and fit on one
page, or the block's fragment (the next page of a long list).

Nothing is cut to fit the screen: a list longer than a block shows a page at a
time and turns the page at every refresh, by htmx polling with JavaScript and
by the meta refresh (``?turn=n+1``) without it.
"""

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
from portal.cache import cached, kept_page, read_tokens
from portal.htmx import add_vary, render, wants_partial
from portal.requestargs import arg_int

PAGE = "display/index.html"
# Pages turn round: any block has at most this many (a multiple of 1…6 pages).
TURNS = 60
# What each block holds, in lines of its type (sources.*_lines), with room to spare at 16:9 and 9:16.
NOTICE_LINES = 12
MEETING_LINES = 7
SHUTTLE_LINES = 5


def _shuttle_page(data: dict[str, Any], turn: int) -> dict[str, Any]:
    board = data["board"]
    warnings = sum(sources.text_lines(notice, sources.LINE_CHARS) for notice in board.notices)
    capacity = max(2, SHUTTLE_LINES - warnings - (1 if board.unknown_from else 0))
    return {"page": sources.page_of(board.departures, capacity, turn, sources.departure_lines)}


@dataclass(frozen=True)
class Block:
    element_id: str
    template: str
    load: Callable[[datetime], dict[str, Any]]  # plain data, never ORM objects (it is cached)
    areas: tuple[str, ...]  # what the data are drawn from (portal.cache)
    # The page of the data shown at a turn: {"page": sources.Page}; None for a block that never pages.
    paged: Callable[[dict[str, Any], int], dict[str, Any]] | None = None


BLOCKS = (
    Block("display-today", "display/_today.html", lambda now: {"today": sources.today_status(now.date())}, ("calendar",)),
    Block("display-notices", "display/_notices.html", lambda now: {"notices": sources.public_notices(now)},
          ("notices", "building"),
          lambda data, turn: {"page": sources.page_of(data["notices"], NOTICE_LINES, turn, sources.notice_lines)}),
    Block("display-meetings", "display/_meetings.html",
          lambda now: {"meetings": sources.meetings_today(now.date(), now)}, ("rooms", "building", "calendar"),
          lambda data, turn: {"page": sources.page_of(data["meetings"].rooms,
                                                      MEETING_LINES - (1 if data["meetings"].more_rooms else 0),
                                                      turn, sources.room_lines)}),
    Block("display-shuttle", "display/_shuttle.html", lambda now: {"board": sources.next_departures(now)},
          ("shuttle", "calendar"), _shuttle_page),
)
BLOCKS_BY_ID = {block.element_id: block for block in BLOCKS}
DISPLAY_DATA = tuple(sorted({area for block in BLOCKS for area in block.areas}))


def version_of(data: dict[str, Any]) -> str:
    """A short fingerprint of a block's data (plain dataclasses) and language."""
    return hashlib.sha256(repr((str(get_locale()), sorted(data.items()))).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Drawn:
    html: Markup
    version: str
    pages: int


def drawn_block(block: Block, now: datetime, tokens: Mapping[str, str], turn: int = 0) -> Drawn:
    """A block's fragment at ``turn`` and the fingerprint of its data, the same
    for a whole minute: every screen in the building polls, and they share one
    drawing per process until the data change."""
    minute = timeutil.floor_to(now, timedelta(minutes=1))
    poll_seconds = current_app.config["DISPLAY_POLL_SECONDS"]

    def draw() -> Drawn:
        data = block.load(minute)
        version = version_of(data)
        extra = block.paged(data, turn) if block.paged else {}
        page = extra.get("page")
        html = render_template(block.template, now=minute, poll_seconds=poll_seconds,
                               versions={block.element_id: version}, next_turn=(turn + 1) % TURNS,
                               **data, **extra)
        return Drawn(Markup(html), version, page.count if page is not None else 1)

    key = ("display", block.element_id, str(get_locale()), minute, poll_seconds, turn)
    return cached(block.areas, key, draw, tokens=tokens)


@bp.route("/")
@kept_page(DISPLAY_DATA)
def index() -> Response:
    now = timeutil.now()
    turn = (arg_int("turn", 0, maximum=10**6) or 0) % TURNS
    polled = BLOCKS_BY_ID.get(request.headers.get("HX-Target", "")) if wants_partial() else None
    blocks = [polled] if polled else BLOCKS
    tokens = read_tokens(area for block in blocks for area in block.areas)
    drawn = [drawn_block(block, now, tokens, turn) for block in blocks]
    if polled:
        block = drawn[0]
        unchanged = request.args.get("v") == block.version and block.pages == 1
        response = make_response("", 204) if unchanged else make_response(str(block.html))
        add_vary(response, "HX-Request", "HX-Target")
    else:
        response = render(PAGE, blocks=[block.html for block in drawn], next_turn=(turn + 1) % TURNS,
                          poll_seconds=current_app.config["DISPLAY_POLL_SECONDS"])
        add_vary(response, "HX-Target")
    response.headers["Cache-Control"] = "no-store"
    return response
