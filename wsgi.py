"""WSGI entry point: ``waitress-serve --call`` is not needed, use ``wsgi:app``."""

from portal import create_app

app = create_app()
