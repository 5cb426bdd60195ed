"""The migration history produces exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.db import db
from tests.conftest import make_test_config, scratch_database


def test_migrations_match_the_models(worker_id):
    with scratch_database(f"portal_migrate_{worker_id}") as url:
        app = create_app(make_test_config(url))
        with app.app_context():
            upgrade(revision="heads")
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, db.metadata)
            db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask --app portal db migrate`: {diff}"


def test_migrations_downgrade_to_nothing_and_back(worker_id):
    with scratch_database(f"portal_downgrade_{worker_id}") as url:
        app = create_app(make_test_config(url))
        with app.app_context():
            upgrade(revision="heads")
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade(revision="heads")
            assert "user" in inspect(db.engine).get_table_names()
            db.engine.dispose()
