"""Search across machines: the Whoosh index lives on one machine's disk, so a second machine sharing nothing
(its own empty SEARCH_INDEX_DIR, the same database) refuses to start, with the reason and what to do, rather
than answer from a stale index. The PostgreSQL backend is the one for several machines (it keeps no state
outside the database)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.search import ownership, services
from marketplace.search.models import SearchIndexOwner

from . import factories as f

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def machine_dirs(app, tmp_path, monkeypatch):
    services.close_backends()
    yield tmp_path / "machine-a", tmp_path / "machine-b"
    services.close_backends()


def _start(app, monkeypatch, root):
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(root))
    services.close_backends()
    return services.get_backend()


def test_the_first_machine_claims_the_index_and_starts_again_freely(app, ctx, machine_dirs, monkeypatch):
    a, _ = machine_dirs
    _start(app, monkeypatch, a)
    from marketplace.extensions import db

    row = db.session.scalar(select(SearchIndexOwner))
    assert row.index_id == (a / "index-id").read_text().strip() and row.path == str(a.resolve())
    _start(app, monkeypatch, a)  # a restart of the same machine


def test_a_second_machine_sharing_nothing_refuses_to_start(app, ctx, geo, machine_dirs, monkeypatch):
    a, b = machine_dirs
    f.search_catalogue(geo)
    _start(app, monkeypatch, a)
    services.reindex()
    with pytest.raises(ownership.IndexElsewhere) as refused:
        _start(app, monkeypatch, b)
    message = str(refused.value)
    assert str(a.resolve()) in message and str(b.resolve()) in message
    assert "SEARCH_BACKEND=postgres" in message and "flask search reindex --take-over" in message
    with pytest.raises(ownership.IndexElsewhere):  # and the search itself never answers from b
        services.search("haldi")


def test_take_over_moves_the_index_and_the_old_machine_refuses_in_turn(app, ctx, geo, machine_dirs, monkeypatch):
    a, b = machine_dirs
    f.search_catalogue(geo)
    _start(app, monkeypatch, a)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(b))
    ownership.take_over(b)
    services.close_backends()
    services.reindex()
    assert services.search("haldi").total > 0  # b now answers, from a complete index
    with pytest.raises(ownership.IndexElsewhere):
        _start(app, monkeypatch, a)


def test_the_web_server_entry_point_refuses_to_start_on_a_second_machine(app, ctx, machine_dirs, monkeypatch):
    a, b = machine_dirs
    _start(app, monkeypatch, a)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x",
           "SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(b), "PYTHONWARNINGS": "ignore"}
    second = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert second.returncode != 0
    assert "IndexElsewhere" in second.stderr and "SEARCH_BACKEND=postgres" in second.stderr
    same = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env={**env, "SEARCH_INDEX_DIR": str(a)},
                          capture_output=True, text=True, timeout=120)
    assert same.returncode == 0, same.stderr
