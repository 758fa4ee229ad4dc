"""`make test` runs the suite in several processes (pytest-xdist): each must have the database and the Redis
databases it empties to itself (tests/conftest.py `pytest_configure`), or one process's cleaning would delete
another's rows mid-test."""

import os

import pytest
from sqlalchemy.engine import make_url

from marketplace.extensions import db


def test_each_test_process_has_a_database_and_redis_databases_of_its_own(app):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        pytest.skip("one test process: nothing is shared")
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        assert url.database.endswith(f"_{worker}")
        with app.app_context():
            assert db.session.connection().exec_driver_sql("select current_database()").scalar() == url.database
    else:  # SQLite: a file under this process's own temporary folder
        assert worker in url.database
    redis_databases = {os.environ["HAAT_TEST_CACHE_REDIS"], os.environ["HAAT_TEST_CELERY_BROKER"]}
    assert len(redis_databases) == 2
    others = {"gw0": {"redis://127.0.0.1:6379/7", "redis://127.0.0.1:6379/9"},
              "gw1": {"redis://127.0.0.1:6379/10", "redis://127.0.0.1:6379/11"}}
    assert redis_databases == others.get(worker, redis_databases)
    assert all(not (redis_databases & theirs) for name, theirs in others.items() if name != worker)
