"""Test fixtures. The suite runs on SQLite, and again on PostgreSQL when HAAT_TEST_DATABASE=postgres
(the Makefile does this when TEST_DATABASE_URL is set)."""

import contextvars
import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from marketplace import create_app
from marketplace.extensions import db, limiter

from . import factories


class IsolatedClient(FlaskClient):
    """Runs every request in a fresh context, as a real server would. Without this, a request made while a
    test holds an app context (`ctx` fixture) reuses that context's `g`, so the logged-in user and the
    chosen language would leak from one request into the next."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


# pytest-xdist (`make test` runs `-n 2`): each worker process gets a PostgreSQL database and Redis databases of
# its own, because tests empty their tables and flush their Redis database. Worker 0 keeps the usual Redis
# databases 7 (cache) and 9 (Celery); worker N >= 1 takes 8+2N and 9+2N (8 is bench/load.py's).
_REDIS_PAIRS = {0: (7, 9), 1: (10, 11), 2: (12, 13), 3: (14, 15)}
_worker_database = None


def pytest_configure(config):
    global _worker_database
    worker = getattr(config, "workerinput", {}).get("workerid")  # "gw0", "gw1"… in an xdist worker only
    if not worker:
        return
    number = int(worker.removeprefix("gw"))
    if number not in _REDIS_PAIRS:
        raise pytest.UsageError(f"at most {len(_REDIS_PAIRS)} test workers: Redis has databases for that many")
    cache, celery = _REDIS_PAIRS[number]
    os.environ["HAAT_TEST_CACHE_REDIS"] = f"redis://127.0.0.1:6379/{cache}"
    os.environ["HAAT_TEST_CELERY_BROKER"] = f"redis://127.0.0.1:6379/{celery}"
    if os.environ.get("HAAT_TEST_DATABASE") == "postgres" and os.environ.get("TEST_DATABASE_URL"):
        from sqlalchemy.engine import make_url

        base = make_url(os.environ["TEST_DATABASE_URL"])
        _worker_database = base.set(database=f"{base.database}_{worker}")
        recreate_database(base, _worker_database.database, create=True)
        os.environ["TEST_DATABASE_URL"] = _worker_database.render_as_string(hide_password=False)


def pytest_unconfigure(config):
    if _worker_database is not None:
        recreate_database(_worker_database, _worker_database.database, create=False)


def recreate_database(connect_to, name: str, create: bool = True) -> None:
    """Drop the PostgreSQL database `name` (and make it anew when `create`) on the server of URL `connect_to`."""
    from sqlalchemy import create_engine

    admin = create_engine(connect_to.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _database_url(tmp_path_factory) -> str:
    if os.environ.get("HAAT_TEST_DATABASE") == "postgres":
        return os.environ["TEST_DATABASE_URL"]
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("instance")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "MEDIA_ROOT": str(tmp / "media"),
        "SEARCH_INDEX_DIR": str(tmp / "search-index"),
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # scrypt costs ~0.1 s a hash; test_accounts checks scrypt
        "SERVER_NAME": "haat.test",
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test starts with empty tables (committed data from threads included)."""
    limiter.reset()
    yield
    with app.app_context():
        db.session.remove()
        tables = reversed(db.metadata.sorted_tables)
        if db.engine.dialect.name == "postgresql":
            # one round trip instead of one per table: a third of the time each PostgreSQL test spent here
            quote = db.engine.dialect.identifier_preparer.format_table
            db.session.execute(text(";".join(f"DELETE FROM {quote(table)}" for table in tables)))
        else:
            for table in tables:
                db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def geo(ctx):
    """The geography from data/geography.csv; returns a lookup of blocks by English name."""
    return factories.load_geo()


def csrf_token(client) -> str:
    """Every page carries the session's CSRF token in a meta tag."""
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def login(client, login_name: str, password: str = factories.PASSWORD):
    return client.post("/login", data={"login": login_name, "password": password, "csrf_token": csrf_token(client)})


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)
