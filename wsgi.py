"""WSGI entry point.

Linux (production): ``gunicorn -c gunicorn.conf.py wsgi:app`` (a process per core).
Windows: ``waitress-serve --host 127.0.0.1 --port 8000 --threads 8 --connection-limit 500 --channel-timeout 30 wsgi:app``.
"""

from portal import create_app

app = create_app()
