"""`flask demo load`: realistic demo data in Hindi and English (idempotent)."""

import click
from flask.cli import AppGroup

from marketplace.demo.loader import load_demo, totals
from marketplace.search import services as search

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--limit", "--sellers", "limit", type=click.IntRange(min=0), default=None,
              help="Load only the first N demo groups (quick demos and tests).")
@click.option("--only", default=None, help="Comma-separated keys of demo groups (see data/demo/sellers.json).")
def load_command(limit, only):
    """Load geography, categories, demo users, groups and products, then update the search index (safe to
    run again)."""
    keys = [k.strip() for k in only.split(",") if k.strip()] if only else None
    try:
        summary = load_demo(only=keys, limit=limit)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    for line in summary.lines():
        click.echo(line)
    click.echo("now: " + ", ".join(f"{n} {what}" for what, n in totals().items()))
    # The site applies catalogue changes to the search index after web requests; a CLI load does it here.
    click.echo(f"search index: {search.apply_pending(blocking=True)} changes applied")
