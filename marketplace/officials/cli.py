"""`flask officials rollup`: rebuild the dashboards' nightly roll-up now."""

import click
from flask.cli import AppGroup

officials_cli = AppGroup("officials", help="Officials' dashboards.")


@officials_cli.command("rollup")
def rollup_command():
    """Rebuild the dashboards' roll-up (sales per group and day, stages, dispatch times, milestones)."""
    from marketplace.officials.rollup import rebuild

    run = rebuild()
    click.echo(f"rolled up in {run.seconds:.2f} s")
