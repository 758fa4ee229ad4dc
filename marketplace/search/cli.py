"""`flask search reindex` and `flask search apply`."""

import os
import time

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.catalog import indexing
from marketplace.search import services

search_cli = AppGroup("search", help="The product search index.")
PARALLEL_FROM = 10_000


def default_procs(products: int) -> int:
    """Writer processes for a rebuild: one per core (at most 4) for a big catalogue; a small one is quicker
    in one process than it takes to start more."""
    return min(4, os.cpu_count() or 1) if products >= PARALLEL_FROM else 1


@search_cli.command("reindex")
@click.option("--procs", type=int, default=None, help="Writer processes (default: one per core, up to 4, for "
              f"{PARALLEL_FROM:,} products or more).")
@click.option("--take-over", is_flag=True, help="Whoosh: make this machine's index directory the one that serves "
              "the database (another machine's index then stops being used).")
def reindex_command(procs: int | None, take_over: bool):
    """Rebuild the index from the catalogue; searches keep working while it runs."""
    if take_over and current_app.config.get("SEARCH_BACKEND", "whoosh") == "whoosh":
        from marketplace.search import ownership

        ownership.take_over(current_app.config["SEARCH_INDEX_DIR"])
        services.close_backends()
    total = indexing.count()
    with click.progressbar(length=total, label="Indexing products") as bar:
        n = services.reindex(progress=bar.update, procs=procs or default_procs(total))
    click.echo(f"{n} products indexed")


@search_cli.command("apply")
@click.option("--watch", is_flag=True, help="Keep running, applying changes as they come.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between looks at the outbox.")
def apply_command(watch: bool, interval: float):
    """Apply catalogue changes waiting in the outbox to the index."""
    while True:
        n = services.apply_pending(blocking=True)
        if n or not watch:
            click.echo(f"{n} changes applied")
        if not watch:
            return
        time.sleep(interval)
