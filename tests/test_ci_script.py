"""Issue 9 #12: under CI=true, `.ci/run` fails (non-zero, with a clear message) when PostgreSQL cannot be
started, instead of going green on SQLite alone. Pointed at a port where nothing listens; `make` is replaced
by `true`, so no suite runs inside the test."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "run"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(ci: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGPORT": str(_free_port()), "CI_PG_WAIT": "1", "MAKE": "true"}
    env.pop("CI", None)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(shutil.which("pg_isready") is None, reason="pg_isready (PostgreSQL client) not installed")
def test_ci_fails_without_postgresql():
    result = _run("true")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr and "could not be started" in result.stderr


def test_outside_ci_it_warns_and_goes_on():
    result = _run(None)
    assert result.returncode == 0, result.stderr
    assert "runs on SQLite only" in result.stderr
