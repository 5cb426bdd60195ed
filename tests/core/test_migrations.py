"""The migration history produces exactly the schema the models declare."""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.db import db
from tests.conftest import _postgres_url, make_test_config


@pytest.fixture
def empty_database_url(tmp_path, worker_id):
    base = _postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"portal_migrate_{re.sub(r'[^a-z0-9_]', '_', worker_id)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_the_models(empty_database_url):
    app = create_app(make_test_config(empty_database_url))
    with app.app_context():
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask --app portal db migrate`: {diff}"
