import click
from flask.cli import AppGroup

from marketplace.geo.services import load_geography

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load_command():
    """Load geography and demo data (safe to run again)."""
    load_geography()
    click.echo("demo data loaded")
