"""Real delivery peers on loopback: an SMTP server (aiosmtpd) and an HTTP
receiver for group-robot webhooks, both in this process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import lazy_gettext as _l

from portal import events

KIND = events.EventKind(
    code="test.greeting",
    label=_l("Meeting-room requests waiting for approval"),
    subject=_l("%(room)s is requested for %(when)s"),
    body=_l("Requested by %(requester)s."),
    todo=True,
)


@pytest.fixture
def greeting_kind() -> Iterator[events.EventKind]:
    events.register(KIND)
    yield KIND
    events._kinds.pop(KIND.code, None)


@dataclass
class SmtpSink:
    hostname: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    connections: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's hook name
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    from tests.conftest import _free_port

    sink = SmtpSink("127.0.0.1", _free_port())
    controller = Controller(sink, hostname=sink.hostname, port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@dataclass
class WebhookReceiver:
    url: str
    received: list[dict] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    status: int = 200  # what it answers; 500 plays a robot that is down
    connections: int = 0
    hang_up: bool = False  # close each connection after answering (as a server's idle timeout does), unannounced
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    state = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections alive, as the robots' servers do
        disable_nagle_algorithm = True

        def setup(self):
            super().setup()
            with state.lock:
                state.connections += 1

        def do_POST(self):  # noqa: N802 - http.server's hook name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if state.status != 200:
                self.send_response(state.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with state.lock:
                state.received.append(json.loads(body))
                state.queries.append(parse_qs(urlsplit(self.path).query))
            answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            if state.hang_up:
                self.close_connection = True

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=abc"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_unit(app):
    from portal.db import db
    from portal.models import Unit

    counter = iter(range(1, 1000))

    def factory(**overrides):
        n = next(counter)
        unit = Unit(name=overrides.pop("name", f"测试局{n}"), short_name=f"测{n}", **overrides)
        db.session.add(unit)
        db.session.commit()
        return unit

    return factory
