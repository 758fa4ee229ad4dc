import click
from flask.cli import AppGroup

from marketplace.catalog import services

catalog_cli = AppGroup("catalog", help="Catalogue: categories.")


@catalog_cli.command("seed-categories")
def seed_categories_command():
    """Load data/categories.csv (idempotent: adds what is missing, updates names and order)."""
    click.echo(f"categories added: {services.seed_categories()}")
