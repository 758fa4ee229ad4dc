import click
from flask.cli import AppGroup

from marketplace.orders import lifecycle
from marketplace.payments import services as payments

orders_cli = AppGroup("orders", help="Orders: expiry of unpaid orders, refunds.")


@orders_cli.command("expire")
def expire_command():
    """Release the stock of online orders not paid in time (run every minute or so)."""
    click.echo(f"{lifecycle.expire_unpaid()} unpaid order(s) expired")


@orders_cli.command("refunds")
def refunds_command():
    """Send refunds that could not reach Stripe before."""
    click.echo(f"{payments.send_refunds()} refund(s) sent")
