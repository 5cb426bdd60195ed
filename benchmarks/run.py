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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.dataset import DATASETS, ensure_dataset
from benchmarks.pages import PAGES, BenchPage

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
CLIENTS = 20
TARGETS = {
    "first_visit_gzip": 40 * 1024,
    "repeat_visit_gzip": 10 * 1024,
    "partial_gzip": 5 * 1024,
    "p95_ms": 50.0,
    "throughput_vs_hello": 0.25,
    "ten_year_vs_demo": 1.5,
    "dom_content_loaded_ms": 500.0,
    "peak_rss_mb": 150.0,
}


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


class Server:
    """waitress in a subprocess on a free loopback port, on one dataset."""

    def __init__(self, database_url: str, port: int) -> None:
        self.port = port
        env = dict(os.environ)
        env.update(
            PORTAL_DATABASE_URL=database_url,
            PORTAL_SECRET_KEY="benchmark-only-secret-key-0123456789",
            PORTAL_LOGIN_MAX_FAILURES="1000",
        )
        # A file, not a pipe: waitress logs queue-depth warnings under load, and a
        # full pipe would block the server.
        self.log_path = OUT / f"server-{port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", "--threads=8",
             "--call", "benchmarks.serve:create_benchmark_app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self._log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(port, "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start; see {self.log_path}")

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024

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
    return headers["Set-Cookie"].split(";")[0]


@dataclass
class Load:
    requests: int = 0
    errors: int = 0
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
        mine: list[float] = []
        errors = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status, _, _ = request(port, path, headers, conn=conn)
                if status != 200:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            result.latencies_ms.extend(mine)
            result.errors += errors

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


def measure(dataset: str, database_url: str, seconds: float, port: int) -> dict:
    server = Server(database_url, port)
    try:
        cookies = {role: login(port, username, password) for role, (username, password) in DATASETS[dataset].logins.items()}
        available = []
        for page in PAGES:
            status, _, _ = request(port, page.path, {"Cookie": cookies[page.role]} if page.role else {})
            if status == 200:
                available.append(page)
            else:
                print(f"  [{dataset}] skipped {page.name}: {page.path} answered {status}", file=sys.stderr)
        weights = {p.name: page_weight(port, p, cookies.get(p.role or "")) for p in available}
        hello = load(port, "/_bench/hello", {}, seconds)
        loads = {"hello": hello}
        for page in available:
            if page.load:
                headers = {"Cookie": cookies[page.role]} if page.role else {}
                headers.update(page.partial_headers if page.load == "partial" else {})
                path = page.partial_path if page.load == "partial" and page.partial_path else page.path
                loads[page.name] = load(port, path, headers, seconds)
        dcl = dom_content_loaded(port, [p for p in available if p.browser], cookies)
        return {"weights": weights, "loads": loads, "dom_content_loaded_ms": dcl, "peak_rss_mb": server.peak_rss_mb()}
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3-second load phases instead of 10")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the datasets")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    seconds = 3.0 if args.quick else 10.0

    results = {}
    for port_offset, name in enumerate(DATASETS):
        url = ensure_dataset(name, OUT, rebuild=args.rebuild)
        print(f"measuring on {name} ({url})", file=sys.stderr)
        results[name] = measure(name, url, seconds, 18700 + port_offset)

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
    raise TypeError(type(value))


def summarize(results: dict) -> dict:
    big, small = results["ten_year"], results["demo"]
    hello = big["loads"]["hello"]
    rows = []
    for name, run in big["loads"].items():
        demo_run = small["loads"].get(name)
        rows.append({
            "page": name,
            "p50_ms": round(run.percentile(0.50), 2), "p95_ms": round(run.percentile(0.95), 2),
            "p99_ms": round(run.percentile(0.99), 2), "req_per_s": round(run.throughput, 1), "errors": run.errors,
            "vs_hello": round(run.throughput / hello.throughput, 3) if hello.throughput else None,
            "demo_p95_ms": round(demo_run.percentile(0.95), 2) if demo_run else None,
            "ten_year_vs_demo": round(run.percentile(0.95) / demo_run.percentile(0.95), 2) if demo_run else None,
        })
    return {
        "targets": TARGETS, "clients": CLIENTS, "cpu_count": os.cpu_count(),
        "weights": big["weights"], "latency": rows,
        "dom_content_loaded_ms": big["dom_content_loaded_ms"],
        "peak_rss_mb": {"demo": round(small["peak_rss_mb"], 1), "ten_year": round(big["peak_rss_mb"], 1)},
    }


def _mark(ok: bool) -> str:
    return "ok" if ok else "OVER"


def print_table(report: dict) -> None:
    t = report["targets"]
    print("\nPage weight (bytes; 10-year data)")
    print(f"{'page':<16}{'html':>8}{'html.gz':>9}{'css.gz':>8}{'js.gz':>8}{'first.gz':>10}{'repeat.gz':>10}{'partial.gz':>11}")
    for name, w in report["weights"].items():
        partial = w.get("partial_gzip")
        print(f"{name:<16}{w['html']:>8}{w['html_gzip']:>9}{w['css_gzip']:>8}{w['js_gzip']:>8}"
              f"{w['first_visit_gzip']:>10}{w['repeat_visit_gzip']:>10}{(partial if partial is not None else '-'):>11}  "
              f"{_mark(w['first_visit_gzip'] <= t['first_visit_gzip'] and w['repeat_visit_gzip'] <= t['repeat_visit_gzip'] and (partial is None or partial <= t['partial_gzip']))}")
    print(f"\nLatency, {report['clients']} concurrent clients, {report['cpu_count']} cores (10-year data)")
    print(f"{'page':<16}{'p50':>8}{'p95':>8}{'p99':>8}{'req/s':>9}{'vs hello':>10}{'demo p95':>10}{'10y/demo':>10}{'err':>5}")
    for r in report["latency"]:
        ok = r["page"] == "hello" or (
            r["p95_ms"] <= t["p95_ms"] and (r["vs_hello"] or 0) >= t["throughput_vs_hello"]
            and (r["ten_year_vs_demo"] or 0) <= t["ten_year_vs_demo"]
        )
        print(f"{r['page']:<16}{r['p50_ms']:>8}{r['p95_ms']:>8}{r['p99_ms']:>8}{r['req_per_s']:>9}"
              f"{str(r['vs_hello']):>10}{str(r['demo_p95_ms']):>10}{str(r['ten_year_vs_demo']):>10}{r['errors']:>5}  {_mark(ok)}")
    print("\nDOMContentLoaded with 6× CPU throttling (ms; target applies to the median repeat visit)")
    print(f"{'page':<16}{'cold':>8}{'repeat':>8}")
    for name, ms in report["dom_content_loaded_ms"].items():
        print(f"{name:<16}{ms['cold']:>8}{ms['warm_median']:>8}  {_mark(ms['warm_median'] <= t['dom_content_loaded_ms'])}")
    rss = report["peak_rss_mb"]
    print(f"\nWorker peak RSS (MB): demo {rss['demo']}, 10-year {rss['ten_year']}  {_mark(rss['ten_year'] <= t['peak_rss_mb'])}")


if __name__ == "__main__":
    sys.exit(main())
