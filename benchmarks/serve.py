"""The portal as the benchmark serves it: the real app plus a bare hello route in
the same process, so the hot pages can be compared with the server's ceiling.

    gunicorn -c gunicorn.conf.py 'benchmarks.serve:create_benchmark_app()'    # production
    waitress-serve --threads 8 --call benchmarks.serve:create_benchmark_app     # embedded default

A request carrying ``X-Bench-Cold: 1`` finds every drawing and kept page gone
(``portal.cache.forget_drawings``), which measures a page's cost when its cached
blocks are missed. The facts they are drawn from (``portal.cache.cached_facts``)
stay: a request for another date or filter finds them too.
"""

from __future__ import annotations

from flask import Flask, request

from portal import create_app


def create_benchmark_app() -> Flask:
    app = create_app()

    @app.before_request
    def bench_cold_cache() -> None:
        if request.headers.get("X-Bench-Cold") == "1":
            from portal import cache

            cache.forget_drawings()

    @app.route("/_bench/hello")
    def bench_hello() -> str:
        return "hello"

    return app
