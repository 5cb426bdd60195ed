"""The portal as the benchmark serves it: the real app plus a bare hello route in
the same process, so the hot pages can be compared with the server's ceiling.

    waitress-serve --threads 8 --call benchmarks.serve:create_benchmark_app
"""

from __future__ import annotations

from flask import Flask

from portal import create_app


def create_benchmark_app() -> Flask:
    app = create_app()

    @app.route("/_bench/hello")
    def bench_hello() -> str:
        return "hello"

    return app
