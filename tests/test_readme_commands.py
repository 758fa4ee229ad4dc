"""Issue 9 #13: every command the README's command table lists exists, with the options it shows: each runs
with `--help` (an unknown command or option fails). `make` targets must exist in the Makefile."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _table_commands() -> list[str]:
    """The commands of the README's "Commands" table, one per command: `flask orders expire` / `refunds` is
    two; `[--limit N]` is passed as `--limit 1`, `KEYS` and other placeholders as sample values."""
    section = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    commands = []
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        first_cell = row.split(" | ")[0]
        spans = re.findall(r"`([^`]+)`", first_cell)
        head = spans[0]
        commands.append(head)
        if head.startswith(".venv/bin/flask "):
            group = head.split()[1]
            commands += [f".venv/bin/flask {group} {extra}" for extra in spans[1:]]
    return commands


def _args(command: str) -> list[str]:
    words = command.replace("[", "").replace("]", "").split()[1:]  # without ".venv/bin/flask"
    samples = {"N": "1", "KEYS": "kosi-mithila", "LOGIN": "9811000002", "HOUSE_ID": "1"}
    return [samples.get(w, w) for w in words]


COMMANDS = _table_commands()


def test_the_table_was_read():
    assert len(COMMANDS) >= 10 and any("demo load" in c for c in COMMANDS)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.startswith(".venv/bin/flask ")])
def test_each_flask_command_runs_with_help(app, command):
    result = app.test_cli_runner().invoke(args=[*_args(command), "--help"], catch_exceptions=False)
    assert result.exit_code == 0, (command, result.output)
    assert "Usage:" in result.output


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.startswith("make ")] + ["make run", "make test"])
def test_each_make_target_exists(command):
    target = command.split()[1]
    assert re.search(rf"^{re.escape(target)}:", (ROOT / "Makefile").read_text(), re.M), command


def test_demo_load_limit_loads_only_that_many_groups(app):
    from sqlalchemy import func, select

    from marketplace.extensions import db
    from marketplace.sellers.models import Seller

    result = app.test_cli_runner().invoke(args=["demo", "load", "--limit", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Seller.id))) == 2
