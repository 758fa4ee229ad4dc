"""The Alembic history builds exactly the models' schema from empty, and takes it all down again."""

import os

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db

# PostgreSQL-only search objects made by raw DDL (generated tsvector column, GIN / trigram indexes): the
# models cannot declare them portably, so the comparison leaves them out.
POSTGRES_ONLY = {"tsv", "ix_search_documents_tsv", "ix_search_terms_trgm", "ix_search_terms_key"}


def _name(diff) -> str | None:
    """The column or index a difference is about (Alembic gives tuples, or lists of them for type changes)."""
    if isinstance(diff, list):
        diff = diff[0]
    for item in diff[1:]:
        name = getattr(item, "name", None)
        if name:
            return name
    return None


@pytest.fixture
def empty_database_url(tmp_path):
    if os.environ.get("HAAT_TEST_DATABASE") != "postgres":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{base.database}_migrations"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_the_models_and_downgrade_empties(empty_database_url, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "SEARCH_INDEX_DIR": str(tmp_path / "idx"), "MEDIA_ROOT": str(tmp_path / "media")})
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [d for d in compare_metadata(context, db.metadata) if _name(d) not in POSTGRES_ONLY]
            assert differences == []
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
