"""gunicorn's settings for the portal (Linux production; on Windows use waitress,
see the README): ``gunicorn -c gunicorn.conf.py wsgi:app``. The values and why
are in ``portal.config.gunicorn_settings``; the benchmark serves with this file."""

from portal.config import gunicorn_settings

globals().update(gunicorn_settings())
