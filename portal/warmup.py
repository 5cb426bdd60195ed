"""What a serving process prepares before it answers anyone.

gunicorn loads the app once (``preload_app``) and forks its workers from that
process; a worker recycled after ``max_requests`` is forked again from it. What
the app works out on first use and then keeps for good (the ORM's mappers, the
compiled templates, the locale data and translation catalogs, what capabilities
keep under a version token, such as the directory's search keys) is worked out
here, once, in that process, so that every worker, the first and each
replacement, starts with it instead of spending over a second of its first
requests on it while it already has visitors.

Nothing time-bounded (:func:`portal.cache.cached_facts`, drawings) is read:
that would be stale by the time a later worker is forked.
"""

from __future__ import annotations

import gc

from flask import Flask
from flask_babel import get_locale, get_translations
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers


def compile_templates(app: Flask) -> int:
    """Compile every template the app can load; how many. (Jinja keeps the 400 used last; the
    portal has some 300, so all stay.)"""
    names = app.jinja_env.list_templates()
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def load_languages(app: Flask) -> None:
    """Each language's catalogs (every capability's merged) and its locale data."""
    for code in app.config["LANGUAGES"]:
        with app.test_request_context(headers={"Cookie": f"{app.config['LANGUAGE_COOKIE']}={code}"}):
            get_translations()
            get_locale().number_symbols  # loads all of the locale's data (dates, numbers, names)


def warm_up(app: Flask) -> None:
    """Prepare ``app`` in the process workers fork from, then leave the database to them."""
    from portal.blueprints import capabilities
    from portal.db import db

    configure_mappers()
    compile_templates(app)
    load_languages(app)
    with app.app_context():
        try:
            for declared in capabilities():
                if declared.warm_up is not None:
                    declared.warm_up()
        except SQLAlchemyError:
            # The database may come up after the portal (a reboot): the server starts all the same, and
            # each worker reads what it keeps on first use, as it would without the warm-up.
            app.logger.warning("warm-up: the database could not be read; workers read it on first use", exc_info=True)
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()  # the parent keeps no connection; workers open their own
    # What is kept for good is set aside from the collector here, so no worker's collections walk it
    # (nor write to its pages, which stay shared with the parent).
    gc.collect()
    gc.freeze()
