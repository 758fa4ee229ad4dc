"""`flask workers seed` (the 26 categories) and `flask workers expire` (requests nobody answered in time; run it
every few minutes from a scheduler, or Celery beat)."""

import click
from flask.cli import AppGroup

from marketplace.workers import services

workers_cli = AppGroup("workers", help="Local workers' directory.")


@workers_cli.command("seed")
def seed() -> None:
    """Add the work categories of data/workers/categories.csv that are missing."""
    click.echo(f"categories added: {services.seed_categories()}")


@workers_cli.command("expire")
def expire() -> None:
    """Expire booking requests that were not answered in time (frees the slots, tells the households)."""
    click.echo(f"requests expired: {services.expire_stale()}")
