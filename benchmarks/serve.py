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

from collections.abc import Callable, Iterable

from flask import Flask

from portal import cache, create_app


def create_benchmark_app() -> Flask:
    app = create_app()
    portal_wsgi = app.wsgi_app

    def bench_cold_cache(environ: dict, start_response: Callable) -> Iterable[bytes]:
        # Before the visitors' kept pages too (portal.cache.VisitorPages), which are drawings.
        if environ.get("HTTP_X_BENCH_COLD") == "1":
            cache.forget_drawings()
        return portal_wsgi(environ, start_response)

    app.wsgi_app = bench_cold_cache  # type: ignore[method-assign]

    @app.route("/_bench/hello")
    def bench_hello() -> str:
        return "hello"

    return app
