import click
from flask.cli import AppGroup

requisitions_cli = AppGroup("requisitions", help="Institutional requisitions.")


@requisitions_cli.command("summaries")
def summaries() -> None:
    """Queue yesterday's progress summary of every running requisition (once a day; safe to repeat)."""
    from marketplace.requisitions.summary import send_all

    click.echo(f"{send_all()} messages queued")
