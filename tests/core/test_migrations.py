"""The migration history produces exactly the schema the models declare; the `db` commands."""

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.db import db
from portal.extensions import attach_migrations
from tests.conftest import make_test_config, scratch_database


def test_migrations_match_the_models(worker_id):
    with scratch_database(f"portal_migrate_{worker_id}") as url:
        app = create_app(make_test_config(url))
        attach_migrations(app)
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
        attach_migrations(app)
        with app.app_context():
            upgrade(revision="heads")
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade(revision="heads")
            assert "user" in inspect(db.engine).get_table_names()
            db.engine.dispose()


def test_the_db_commands_run_flask_migrate(worker_id):
    with scratch_database(f"portal_commands_{worker_id}") as url:
        app = create_app(make_test_config(url))
        runner = app.test_cli_runner()
        upgraded = runner.invoke(args=["db", "upgrade", "heads"])
        assert upgraded.exit_code == 0, upgraded.output
        assert "--directory" in runner.invoke(args=["db", "--help"]).output
        with app.app_context():
            assert {"user", "alembic_version"} <= set(inspect(db.engine).get_table_names())
            db.engine.dispose()


def test_serving_pages_does_not_load_alembic():
    program = (
        "import sys\n"
        "from portal import create_app\n"
        "app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x' * 40})\n"
        "assert app.test_client().get('/healthz').status_code in (200, 503)\n"
        "print(sorted(name for name in ('alembic', 'flask_migrate') if name in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
