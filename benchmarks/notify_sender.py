"""How long the notification sender takes for 1 000 queued messages.

    python -m benchmarks.notify_sender [--messages 1000] [--batch 200] [--database sqlite:////tmp/notify-bench.db]

Builds a fresh database with the migrations, 12 units with 240 staff (about one
in six without an e-mail address, a few with e-mail switched off for some
kinds), a group robot per unit and one for the property company's role, then
emits events of every registered kind (one to five recipients each, the kinds'
own wording) until ``--messages`` deliveries are due: e-mails and group-robot
posts. It times the sender (``send_due`` rounds until nothing is due, as
``flask notify send --loop`` does) against a real SMTP server (aiosmtpd) and a
real HTTP receiver, both on loopback in a process of their own, checks that every message
arrived exactly once, and prints the figure beside its target (10 s) with ``ok``
or ``OVER``. Not part of the test run: the figure depends on the machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import random
import re
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_SECONDS = 10.0
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
SAMPLE_VALUES = {
    "room": "主楼 301 会议室", "when": "12月3日 09:00–11:00", "requester": "张伟", "reason": "与县委常委会冲突",
    "title": "全县安全生产工作会", "month": "2026-11", "count": "3", "name": "李娜", "visitor": "王强",
    "unit": "县人力资源和社会保障局", "host": "赵敏", "time": "09:40", "year": "2027", "number": "BX-2026-0412",
    "location": "主楼三层东侧卫生间", "target": "物业公司值班群",
}


def _mark(ok: bool) -> str:
    return "ok" if ok else "OVER"


class SmtpSink:
    def __init__(self) -> None:
        self.recipients = 0
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's hook
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.recipients += len(envelope.rcpt_tos)
        return "250 OK"


def receivers(pipe) -> None:
    """The SMTP server and the robots' HTTP server, in their own process (as
    they would be): sends their ports, and on "stop" what they received."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    posts = [0, 0]  # posts, connections
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as DingTalk's and WeCom's servers allow
        disable_nagle_algorithm = True  # headers and body leave at once, as any production server does

        def setup(self):
            super().setup()
            with lock:
                posts[1] += 1

        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            json.loads(body)["text"]["content"]
            with lock:
                posts[0] += 1
            answer = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pipe.send((smtp_port, server.server_address[1]))
    pipe.recv()
    pipe.send({"emails": sink.recipients, "smtp_connections": sink.connections, "posts": posts[0],
               "http_connections": posts[1]})
    server.shutdown()
    controller.stop()


def build_people(db, rng: random.Random, robot_url: str):
    from sqlalchemy import insert, select

    from portal.blueprints.notifications.models import NotificationProfile, WebhookTarget
    from portal.models import Role, Unit, User, UserRole

    kinds = []
    units = [Unit(name=f"测试单位{n:02d}", short_name=f"单位{n:02d}", sort_order=n) for n in range(12)]
    db.session.add_all(units)
    db.session.flush()
    db.session.execute(insert(User), [
        {"username": f"bench{n:04d}", "display_name": f"测试用户{n}", "unit_id": units[n % len(units)].id,
         "password_hash": "!", "active": True, "session_version": 0}
        for n in range(240)
    ])
    users = list(db.session.scalars(select(User.id).where(User.username.like("bench%")).order_by(User.id)))
    db.session.execute(insert(UserRole), [
        {"user_id": user_id, "role": Role.PROPERTY if n % 20 == 0 else Role.EMPLOYEE} for n, user_id in enumerate(users)
    ])
    from portal import events

    kinds = [k.code for k in events.registered_kinds()]
    profiles = []
    for n, user_id in enumerate(users):
        if n % 6 == 5:
            continue  # no e-mail address: in the portal only
        email_kinds = None if n % 10 else rng.sample(kinds, k=max(1, len(kinds) // 2))
        profiles.append({"user_id": user_id, "email": f"user{n}@example.gov.cn", "locale": "en" if n % 7 == 0 else "zh_CN",
                         "email_kinds": email_kinds, "note": ""})
    db.session.execute(insert(NotificationProfile), profiles)
    # Half the units have a group robot (every other one signed, DingTalk style).
    targets = [WebhookTarget(name=f"{u.short_name}群", url=robot_url, secret="SEC" if u.sort_order % 4 else "",
                             unit_id=u.id, kinds=[], locale="zh_CN", active=True) for u in units[::2]]
    targets.append(WebhookTarget(name="物业值班群", url=robot_url, role=Role.PROPERTY, kinds=[], locale="zh_CN", active=True))
    db.session.add_all(targets)
    db.session.commit()
    return users, {p["user_id"]: p for p in profiles}, {t.unit_id for t in targets if t.unit_id}


def queue(db, rng: random.Random, users, profiles, robot_units, wanted: int) -> tuple[int, int, int]:
    """Emit events until ``wanted`` deliveries (e-mails + robot posts) are due; returns (e-mails, posts, events)."""
    from sqlalchemy import select

    from portal import events, timeutil
    from portal.models import User

    unit_of = dict(db.session.execute(select(User.id, User.unit_id).where(User.id.in_(users))).all())
    property_ids = set(users[::20])
    registered = [k for k in events.registered_kinds() if k.code != "notifications.test"]
    emails = posts = emitted = 0
    now = timeutil.now()
    while emails + posts < wanted:
        kind = rng.choice(registered)
        left = wanted - emails - posts
        recipients = rng.sample(users, k=rng.choice((1, 1, 1, 2, 2, 3, 5)))
        mail = [r for r in recipients if r in profiles and (profiles[r]["email_kinds"] is None
                                                            or kind.code in profiles[r]["email_kinds"])]
        robots = len({unit_of[r] for r in recipients} & robot_units) + (1 if property_ids & set(recipients) else 0)
        if len(mail) + robots > left:
            # Top up exactly: one recipient with e-mail, or without, whatever fits.
            plain = [u for u in users if u not in property_ids and unit_of[u] not in robot_units]
            with_mail = [u for u in plain if u in profiles and profiles[u]["email_kinds"] is None]
            recipients = [rng.choice(with_mail)]
            mail, robots = recipients, 0
        args = {name: SAMPLE_VALUES.get(name, "示例") for name in PLACEHOLDER.findall(str(kind.subject) + str(kind.body))}
        events.emit(kind.code, recipients=recipients, now=now, args=args, todo_key=f"bench:{emitted}" if kind.todo else None)
        emails += len(mail)
        posts += robots
        emitted += 1
    db.session.commit()
    return emails, posts, emitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=200, help="messages claimed per round and channel")
    parser.add_argument("--database", default="", help="SQLAlchemy URL of an empty scratch database "
                        "(default: a new SQLite file in the temporary directory)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--profile", action="store_true", help="print where the sender's time goes (cProfile)")
    args = parser.parse_args()

    scratch = None
    if not args.database:
        scratch = Path(tempfile.mkdtemp(prefix="notify-bench-")) / "bench.db"
        args.database = f"sqlite:///{scratch}"
    os.environ["PORTAL_DATABASE_URL"] = args.database
    os.environ.setdefault("PORTAL_SECRET_KEY", "benchmark-only-secret-key-0123456789")
    os.environ.setdefault("PORTAL_BASE_URL", "https://portal.example.gov.cn")

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from portal import create_app, timeutil
    from portal.blueprints.notifications.channels import SmtpMailer, SmtpSettings, WebhookPoster
    from portal.blueprints.notifications.models import DeliveryStatus, Notification, WebhookDelivery
    from portal.blueprints.notifications.services import SendReport, send_due
    from portal.db import db
    from portal.extensions import attach_migrations

    pipe, child_end = multiprocessing.Pipe()
    child = multiprocessing.Process(target=receivers, args=(child_end,), daemon=True)
    child.start()
    smtp_port, http_port = pipe.recv()
    robot_url = f"http://127.0.0.1:{http_port}/robot/send?access_token=bench"

    app = create_app({"WTF_CSRF_ENABLED": False})
    logging.disable(logging.INFO)  # the migrations log every step
    rng = random.Random(args.seed)
    attach_migrations(app)
    with app.app_context():
        upgrade(revision="heads")
        users, profiles, robot_units = build_people(db, rng, robot_url)
        emails, posts, emitted = queue(db, rng, users, profiles, robot_units, args.messages)
        rows = db.session.scalar(select(func.count()).select_from(Notification))
        print(f"queued {emails + posts} messages: {emails} e-mails and {posts} group-robot posts "
              f"from {emitted} events ({rows} inbox rows; engine {db.engine.dialect.name})")
        db.session.remove()

        mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=smtp_port, sender="portal@example.gov.cn"))
        poster = WebhookPoster()
        total = SendReport()
        rounds = 0
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        while True:
            report = send_due(now=timeutil.now(), mailer=mailer, poster=poster, batch=args.batch)
            rounds += 1
            for name in ("emailed", "skipped", "retried", "failed", "webhooks_sent", "webhooks_failed"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            if report.total == 0:
                break
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        close = getattr(poster, "close", None)
        if close:
            close()

        left = db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.email_status == DeliveryStatus.PENDING))
        left += db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                                  .where(WebhookDelivery.status == DeliveryStatus.PENDING))
    pipe.send("stop")
    got = pipe.recv()
    child.join(timeout=10)
    mails_in, posts_in = got["emails"], got["posts"]
    print(f"sender: {rounds} rounds of --batch {args.batch}; e-mailed {total.emailed} over {got['smtp_connections']} SMTP "
          f"connection(s), skipped {total.skipped} (no address or not wanted), robot posts {total.webhooks_sent} over "
          f"{got['http_connections']} HTTP connection(s); failed {total.failed + total.webhooks_failed}; still waiting {left}")
    complete = (mails_in, posts_in) == (emails, posts) and not left
    ok = elapsed <= TARGET_SECONDS and complete
    print(f"{'metric':<34}{'value':>10}{'target':>10}")
    print(f"{'send 1 000 queued messages (s)' if args.messages == 1000 else f'send {args.messages} messages (s)':<34}"
          f"{elapsed:>10.2f}{TARGET_SECONDS:>10.1f}  {_mark(ok)}")
    print(f"  (the sender's own CPU time: {cpu:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: "
          f"on a busy machine the wall time mostly waits for a core)")
    if not complete:
        print(f"  NOT ALL DELIVERED ONCE: the SMTP server got {mails_in} of {emails} e-mails, "
              f"the receiver {posts_in} of {posts} posts")
    if scratch is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
        scratch.parent.rmdir()


if __name__ == "__main__":
    main()
