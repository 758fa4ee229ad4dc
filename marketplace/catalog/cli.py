import click
from flask.cli import AppGroup

from marketplace.catalog import services

catalog_cli = AppGroup("catalog", help="Catalogue: categories.")


@catalog_cli.command("seed-categories")
def seed_categories_command():
    """Load data/categories.csv (idempotent: adds what is missing, updates names and order)."""
    click.echo(f"categories added: {services.seed_categories()}")


@catalog_cli.command("alerts")
def alerts_command():
    """Queue back-in-stock messages for products that can be bought again (e.g. stock given back by a
    cancelled order); the catalogue's own changes queue them at once."""
    from marketplace.catalog import alerts
    from marketplace.extensions import db

    sent = alerts.send_due()
    db.session.commit()
    click.echo(f"{sent} back-in-stock message(s) queued")
