import click
from flask.cli import AppGroup

from marketplace.settlements import services

settlements_cli = AppGroup("settlements", help="The seller ledger.")


@settlements_cli.command("check")
def check_command():
    """Fail unless every ledger transaction balances."""
    unbalanced = services.unbalanced_transactions()
    if unbalanced or services.ledger_sum() != 0:
        raise click.ClickException(f"ledger out of balance: transactions {unbalanced}")
    click.echo("ledger balances")
