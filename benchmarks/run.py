"""Benchmark: page weight, latency under 20 concurrent clients, small vs 10-year
data, DOMContentLoaded in Chromium with 6× CPU throttling, worker peak RSS.

    .venv/bin/python -m benchmarks.run            # builds the datasets once, then measures
    .venv/bin/python -m benchmarks.run --quick    # shorter load phases

Prints a table and writes ``benchmarks/out/results.json``. Not part of the test
run: figures depend on the machine; ratios are measured in one run.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.dataset import DATASETS, ensure_dataset
from benchmarks.pages import PAGES, BenchPage

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
CLIENTS = 20
TARGETS = {
    "first_visit_gzip": 40 * 1024,
    "first_visit_requests": 3,
    "repeat_visit_gzip": 5 * 1024,
    "room_day_html": 25 * 1024,
    "room_day_html_gzip": 5 * 1024,
    "cold_throughput_vs_hello": 0.10,
    "partial_gzip": 5 * 1024,
    "p95_ms": 50.0,
    "throughput_vs_hello": 0.25,
    "ten_year_vs_demo": 1.5,
    "dom_content_loaded_ms": 500.0,
    "peak_rss_mb": 150.0,
    "search_fragment_demo_p95_ms": 20.0,  # issue 20: active search as people type
}


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


class Server:
    """The portal in a subprocess on a free loopback port, on one dataset.

    ``production``: gunicorn with gunicorn.conf.py (the README's Linux set-up: a
    process per core, threads, timeouts, connection limits). ``embedded``: the
    single-process waitress default (``WAITRESS_OPTIONS``, Windows and scripts/demo
    without gunicorn)."""

    def __init__(self, database_url: str, port: int, mode: str = "production") -> None:
        from portal.config import WAITRESS_OPTIONS

        self.port = port
        self.mode = mode
        env = dict(os.environ)
        env.update(
            PORTAL_DATABASE_URL=database_url,
            PORTAL_SECRET_KEY="benchmark-only-secret-key-0123456789",
            PORTAL_LOGIN_MAX_FAILURES="1000",
            PORTAL_BIND=f"127.0.0.1:{port}",
        )
        # A file, not a pipe: servers log warnings under load, and a full pipe
        # would block the server.
        self.log_path = OUT / f"server-{port}.log"
        self._log = self.log_path.open("wb")
        if mode == "production":
            command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "benchmarks.serve:create_benchmark_app()"]
        else:
            flags = [f"--{key.replace('_', '-')}={value}" for key, value in WAITRESS_OPTIONS.items()]
            command = [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", *flags,
                       "--call", "benchmarks.serve:create_benchmark_app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(port, "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start; see {self.log_path}")

    def peak_rss_mb(self) -> float:
        """The largest peak RSS of one serving process (gunicorn: of its workers)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists() and children.read_text().split():
            pids = [int(pid) for pid in children.read_text().split()]
        peaks = []
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return max(peaks) if peaks else float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self._log.close()


def request(port: int, path: str, headers: dict[str, str] | None = None, *, method: str = "GET",
            body: str | None = None, conn: http.client.HTTPConnection | None = None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        if own:
            conn.close()


def login(port: int, username: str, password: str) -> str:
    """A session cookie for ``username`` (through the real login form)."""
    status, headers, body = request(port, "/login")
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"username": username, "password": password, "csrf_token": token})
    status, headers, _ = request(
        port, "/login", {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, method="POST", body=form
    )
    if status != 303:
        raise RuntimeError(f"login as {username} failed: {status}")
    cookie = headers["Set-Cookie"].split(";")[0]
    # Follow the redirect as a browser does: the landing page shows (and so takes
    # out of the session) the login's flashed message.
    landing = urlsplit(headers["Location"])
    status, headers, _ = request(port, landing.path + (f"?{landing.query}" if landing.query else ""), {"Cookie": cookie})
    if "Set-Cookie" in headers:
        cookie = headers["Set-Cookie"].split(";")[0]
    return cookie


@dataclass
class Load:
    requests: int = 0
    errors: int = 0
    error_kinds: Counter = field(default_factory=Counter)  # "answered 500", "ConnectionResetError" …: how many
    retries: int = 0  # sent again on a new connection after the server closed a keep-alive one
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load(port: int, path: str, headers: dict[str, str], seconds: float) -> Load:
    """CLIENTS threads, each with a keep-alive connection, for ``seconds``."""
    result = Load()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        reused = False
        mine: list[float] = []
        errors = retries = 0
        kinds: Counter = Counter()
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                try:
                    status, _, _ = request(port, path, headers, conn=conn)
                except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                    if not reused:
                        raise
                    # The server closed a keep-alive connection (a worker recycled after
                    # max_requests) as the request went out: browsers and nginx send a GET
                    # again on a new connection (RFC 9112, 9.3.1), and so does this client.
                    retries += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    status, _, _ = request(port, path, headers, conn=conn)
                reused = True
                if status != 200:
                    errors += 1
                    kinds[f"answered {status}"] += 1
            except (OSError, http.client.HTTPException) as error:
                errors += 1
                kinds[type(error).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                reused = False
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            result.latencies_ms.extend(mine)
            result.errors += errors
            result.error_kinds.update(kinds)
            result.retries += retries

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    result.requests = len(result.latencies_ms)
    return result


def page_weight(port: int, page: BenchPage, cookie: str | None) -> dict[str, int]:
    headers = {"Cookie": cookie} if cookie else {}
    status, _, html = request(port, page.path, headers)
    if status != 200:
        raise RuntimeError(f"{page.name}: {page.path} answered {status}")
    css = js = css_gz = js_gz = 0
    for url in sorted(set(re.findall(rb'(?:src|href)="(/static/[^"]+)"', html))):
        _, _, data = request(port, url.decode())
        if b".css" in url:
            css, css_gz = css + len(data), css_gz + gz(data)
        elif b".js" in url:
            js, js_gz = js + len(data), js_gz + gz(data)
    weights = {
        "html": len(html), "html_gzip": gz(html), "css": css, "css_gzip": css_gz, "js": js, "js_gzip": js_gz,
        "first_visit_gzip": gz(html) + css_gz + js_gz, "repeat_visit_gzip": gz(html),
        "static_files": len({u for u in re.findall(rb'(?:src|href)="(/static/[^"?]+)', html) if b"favicon" not in u}),
    }
    if page.partial_headers:
        status, _, partial = request(port, page.partial_path or page.path, {**headers, **page.partial_headers})
        weights["partial"] = len(partial)
        weights["partial_gzip"] = gz(partial)
    return weights


def dom_content_loaded(port: int, pages: list[BenchPage], cookies: dict[str, str]) -> dict[str, float]:
    """DOMContentLoaded (ms) with 6× CPU throttling, via the DevTools protocol."""
    chromium = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        print(f"  DOMContentLoaded not measured: {chromium} is missing", file=sys.stderr)
        return {}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("  DOMContentLoaded not measured: Playwright is not installed (bash scripts/test installs it)", file=sys.stderr)
        return {}

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        for page_spec in pages:
            context = browser.new_context()
            cookie = cookies.get(page_spec.role or "")
            if cookie:
                name, value = cookie.split("=", 1)
                context.add_cookies([{"name": name, "value": value, "url": f"http://127.0.0.1:{port}"}])
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 6})
            timings = []
            for _ in range(6):  # the first visit is cold; the rest have the static files cached
                page.goto(f"http://127.0.0.1:{port}{page_spec.path}", wait_until="domcontentloaded")
                timings.append(float(page.evaluate(
                    "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
                )))
            results[page_spec.name] = {"cold": round(timings[0], 1), "warm_median": round(statistics.median(timings[1:]), 1)}
            context.close()
        browser.close()
    return results


def _headers(page: BenchPage, cookies: dict[str, str]) -> tuple[str, dict[str, str]]:
    headers = {"Cookie": cookies[page.role]} if page.role else {}
    headers.update(page.partial_headers if page.load == "partial" else {})
    return (page.partial_path if page.load == "partial" and page.partial_path else page.path), headers


def measure(dataset: str, database_url: str, seconds: float, port: int, mode: str = "production",
            *, cold: bool = True, browser: bool = True) -> dict:
    server = Server(database_url, port, mode)
    try:
        cookies = {role: login(port, username, password) for role, (username, password) in DATASETS[dataset].logins.items()}
        available = []
        for page in PAGES:
            status, _, _ = request(port, page.path, {"Cookie": cookies[page.role]} if page.role else {})
            if status == 200:
                available.append(page)
            else:
                print(f"  [{dataset}/{mode}] skipped {page.name}: {page.path} answered {status}", file=sys.stderr)
        weights = {p.name: page_weight(port, p, cookies.get(p.role or "")) for p in available}
        loads = {"hello": load(port, "/_bench/hello", {}, seconds)}
        cold_loads = {}
        for page in available:
            if page.load:
                path, headers = _headers(page, cookies)
                loads[page.name] = load(port, path, headers, seconds)
                if cold:
                    cold_loads[page.name] = load(port, path, {**headers, "X-Bench-Cold": "1"}, seconds)
        dcl = dom_content_loaded(port, [p for p in available if p.browser], cookies) if browser else {}
        return {"weights": weights, "loads": loads, "cold_loads": cold_loads, "dom_content_loaded_ms": dcl,
                "peak_rss_mb": server.peak_rss_mb(), "mode": mode}
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3-second load phases instead of 10")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the datasets")
    parser.add_argument("--no-browser", action="store_true", help="skip DOMContentLoaded in Chromium")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    seconds = 3.0 if args.quick else 10.0

    results = {}
    for port_offset, name in enumerate(DATASETS):
        url = ensure_dataset(name, OUT, rebuild=args.rebuild)
        print(f"measuring on {name} ({url}), production (gunicorn.conf.py)", file=sys.stderr)
        results[name] = measure(name, url, seconds, 18700 + port_offset, cold=name == "ten_year",
                                browser=name == "ten_year" and not args.no_browser)
    url = ensure_dataset("ten_year", OUT)
    print("measuring on ten_year, embedded default (waitress, one process)", file=sys.stderr)
    results["embedded"] = measure("ten_year", url, seconds, 18710, "embedded", cold=False, browser=False)

    from benchmarks.search_quality import measure as measure_search_quality

    print("measuring search quality on the demo building", file=sys.stderr)
    results["search_quality"] = measure_search_quality()

    report = summarize(results)
    print_table(report)
    (OUT / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=_json_default))
    print(f"\nwritten: {OUT / 'results.json'}")
    return 0


def _json_default(value):
    if isinstance(value, Load):
        data = asdict(value)
        data.pop("latencies_ms")
        return data
    if callable(value):  # a server hook (gunicorn's post_worker_init): its name
        return f"{value.__module__}.{value.__qualname__}"
    raise TypeError(type(value))


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def summarize(results: dict) -> dict:
    """Every figure beside its target; ``over`` lists what misses one."""
    big, small, embedded = results["ten_year"], results["demo"], results["embedded"]
    t = TARGETS
    hello = big["loads"]["hello"]
    rows, over = [], []
    for name, run in big["loads"].items():
        demo_run = small["loads"].get(name)
        cold_run = big["cold_loads"].get(name)
        emb_run = embedded["loads"].get(name)
        row = {
            "page": name,
            "p50_ms": round(run.percentile(0.50), 2), "p95_ms": round(run.percentile(0.95), 2),
            "p95_target_ms": t["p95_ms"],
            "p99_ms": round(run.percentile(0.99), 2), "req_per_s": round(run.throughput, 1), "errors": run.errors + (cold_run.errors if cold_run else 0),
            "error_kinds": dict(run.error_kinds + (cold_run.error_kinds if cold_run else Counter())),
            "retries": run.retries,
            "vs_hello": _ratio(run.throughput, hello.throughput), "vs_hello_target": t["throughput_vs_hello"],
            "cold_vs_hello": _ratio(cold_run.throughput, hello.throughput) if cold_run else None,
            "cold_vs_hello_target": t["cold_throughput_vs_hello"],
            "cold_p95_ms": round(cold_run.percentile(0.95), 2) if cold_run else None,
            "demo_p95_ms": round(demo_run.percentile(0.95), 2) if demo_run else None,
            "ten_year_vs_demo": _ratio(run.percentile(0.95), demo_run.percentile(0.95)) if demo_run else None,
            "ten_year_vs_demo_target": t["ten_year_vs_demo"],
            "embedded_req_per_s": round(emb_run.throughput, 1) if emb_run else None,
            "embedded_p95_ms": round(emb_run.percentile(0.95), 2) if emb_run else None,
            "embedded_vs_hello": _ratio(emb_run.throughput, embedded["loads"]["hello"].throughput) if emb_run else None,
        }
        if name != "hello":
            misses = []
            if row["p95_ms"] > t["p95_ms"]:
                misses.append(f"p95 {row['p95_ms']} ms > {t['p95_ms']}")
            if (row["vs_hello"] or 0) < t["throughput_vs_hello"]:
                misses.append(f"throughput {row['vs_hello']} of hello < {t['throughput_vs_hello']}")
            if row["cold_vs_hello"] is not None and row["cold_vs_hello"] < t["cold_throughput_vs_hello"]:
                misses.append(f"cache missed {row['cold_vs_hello']} of hello < {t['cold_throughput_vs_hello']}")
            if row["ten_year_vs_demo"] is not None and row["ten_year_vs_demo"] > t["ten_year_vs_demo"]:
                misses.append(f"10-year/demo {row['ten_year_vs_demo']} > {t['ten_year_vs_demo']}")
            if row["errors"]:
                kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(row["error_kinds"].items()))
                misses.append(f"{row['errors']} errors ({kinds})")
            if name == "search_fragment" and demo_run and row["demo_p95_ms"] > t["search_fragment_demo_p95_ms"]:
                misses.append(f"demo p95 {row['demo_p95_ms']} ms > {t['search_fragment_demo_p95_ms']}")
            row["ok"] = not misses
            over += [f"{name}: {m}" for m in misses]
        rows.append(row)
    weights = big["weights"]
    for name, w in weights.items():
        w["first_visit_requests"] = 1 + w.pop("static_files", 0)
        misses = []
        if w["first_visit_gzip"] > t["first_visit_gzip"]:
            misses.append(f"first visit {w['first_visit_gzip']} B gz > {t['first_visit_gzip']}")
        if w["first_visit_requests"] > t["first_visit_requests"]:
            misses.append(f"first visit {w['first_visit_requests']} requests > {t['first_visit_requests']}")
        if w["repeat_visit_gzip"] > t["repeat_visit_gzip"]:
            misses.append(f"repeat visit {w['repeat_visit_gzip']} B gz > {t['repeat_visit_gzip']}")
        if w.get("partial_gzip") is not None and w["partial_gzip"] > t["partial_gzip"]:
            misses.append(f"partial {w['partial_gzip']} B gz > {t['partial_gzip']}")
        if name == "room_day" and (w["html"] > t["room_day_html"] or w["html_gzip"] > t["room_day_html_gzip"]):
            misses.append(f"day grid {w['html']} B ({w['html_gzip']} gz) > {t['room_day_html']} ({t['room_day_html_gzip']})")
        w["ok"] = not misses
        over += [f"{name} weight: {m}" for m in misses]
    rss = {"demo": round(small["peak_rss_mb"], 1), "ten_year": round(big["peak_rss_mb"], 1),
           "embedded": round(embedded["peak_rss_mb"], 1), "target": t["peak_rss_mb"]}
    if rss["ten_year"] > t["peak_rss_mb"]:
        over.append(f"worker peak RSS {rss['ten_year']} MB > {t['peak_rss_mb']}")
    for name, ms in big["dom_content_loaded_ms"].items():
        if ms["warm_median"] > t["dom_content_loaded_ms"]:
            over.append(f"{name}: DOMContentLoaded {ms['warm_median']} ms > {t['dom_content_loaded_ms']}")
    quality = results.get("search_quality")
    if quality:
        for name in ("top1", "top3"):
            if quality[name] < quality[f"{name}_target"]:
                over.append(f"search quality: {name} {quality[name]:.1%} < {quality[f'{name}_target']:.0%}")
    from portal.config import WAITRESS_OPTIONS, gunicorn_settings

    production = {k: v for k, v in gunicorn_settings().items() if k not in {"bind", "accesslog"}}
    return {
        "targets": TARGETS, "clients": CLIENTS, "cpu_count": os.cpu_count(),
        "production_server": {"gunicorn": production}, "embedded_server": {"waitress": WAITRESS_OPTIONS},
        "weights": weights, "latency": rows,
        "dom_content_loaded_ms": big["dom_content_loaded_ms"],
        "peak_rss_mb": rss, "search_quality": quality, "over": over,
    }


def _mark(ok: bool) -> str:
    return "ok" if ok else "OVER"


def print_table(report: dict) -> None:
    t = report["targets"]
    print(f"\nProduction server: gunicorn {report['production_server']['gunicorn']}")
    print(f"Embedded default: waitress {report['embedded_server']['waitress']}")
    print(f"\nPage weight (bytes; 10-year data; target first ≤{t['first_visit_gzip']} gz in ≤{t['first_visit_requests']} requests,"
          f" repeat ≤{t['repeat_visit_gzip']}, partial ≤{t['partial_gzip']})")
    print(f"{'page':<16}{'html':>8}{'html.gz':>9}{'css.gz':>8}{'js.gz':>8}{'first.gz':>10}{'reqs':>5}{'repeat.gz':>10}{'partial.gz':>11}")
    for name, w in report["weights"].items():
        partial = w.get("partial_gzip")
        print(f"{name:<16}{w['html']:>8}{w['html_gzip']:>9}{w['css_gzip']:>8}{w['js_gzip']:>8}"
              f"{w['first_visit_gzip']:>10}{w['first_visit_requests']:>5}{w['repeat_visit_gzip']:>10}"
              f"{(partial if partial is not None else '-'):>11}  {_mark(w['ok'])}")
    print(f"\nLatency, {report['clients']} concurrent clients, {report['cpu_count']} cores, 10-year data, production server"
          f" (targets: p95 ≤{t['p95_ms']} ms, ≥{t['throughput_vs_hello']} of hello, cache missed ≥{t['cold_throughput_vs_hello']},"
          f" 10y/demo ≤{t['ten_year_vs_demo']}); last columns: the embedded default")
    print(f"{'page':<16}{'p50':>7}{'p95':>7}{'/tgt':>5}{'req/s':>8}{'vs hello':>9}{'/tgt':>6}{'cold':>7}{'/tgt':>6}"
          f"{'10y/demo':>9}{'/tgt':>5}{'err':>4}{'emb req/s':>10}{'emb p95':>8}")
    for r in report["latency"]:
        print(f"{r['page']:<16}{r['p50_ms']:>7}{r['p95_ms']:>7}{t['p95_ms']:>5.0f}{r['req_per_s']:>8}"
              f"{str(r['vs_hello']):>9}{t['throughput_vs_hello']:>6}{str(r['cold_vs_hello']):>7}{t['cold_throughput_vs_hello']:>6}"
              f"{str(r['ten_year_vs_demo']):>9}{t['ten_year_vs_demo']:>5}{r['errors']:>4}"
              f"{str(r['embedded_req_per_s']):>10}{str(r['embedded_p95_ms']):>8}  {_mark(r.get('ok', True))}")
    if report["dom_content_loaded_ms"]:
        print(f"\nDOMContentLoaded with 6× CPU throttling (ms; target ≤{t['dom_content_loaded_ms']} for the median repeat visit)")
        print(f"{'page':<16}{'cold':>8}{'repeat':>8}")
        for name, ms in report["dom_content_loaded_ms"].items():
            print(f"{name:<16}{ms['cold']:>8}{ms['warm_median']:>8}  {_mark(ms['warm_median'] <= t['dom_content_loaded_ms'])}")
    rss = report["peak_rss_mb"]
    print(f"\nWorker peak RSS (MB): demo {rss['demo']}, 10-year {rss['ten_year']}, embedded {rss['embedded']}"
          f" (target ≤{rss['target']})  {_mark(rss['ten_year'] <= rss['target'])}")
    if report.get("search_quality"):
        from benchmarks.search_quality import print_quality

        print(f"\nSearch quality (demo building; search fragment demo p95 target ≤{t['search_fragment_demo_p95_ms']} ms):")
        print_quality(report["search_quality"])
    print("\nOver target:" if report["over"] else "\nEvery figure is within its target.")
    for line in report["over"]:
        print(f"  - {line}")


if __name__ == "__main__":
    sys.exit(main())
