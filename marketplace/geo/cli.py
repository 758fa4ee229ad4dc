import click
from flask.cli import AppGroup

from marketplace.geo.services import load_geography

geo_cli = AppGroup("geo", help="Geography: states, districts, blocks, villages.")


@geo_cli.command("load")
def load_command():
    """Load data/geography.csv (idempotent)."""
    click.echo(f"villages added: {load_geography()}")
