import click
from flask.cli import AppGroup

from marketplace.notifications import services

notifications_cli = AppGroup("notifications", help="The message outbox.")


@notifications_cli.command("send")
def send_command():
    """Deliver waiting messages (SMTP for e-mail when SMTP_URL is set; the log otherwise)."""
    click.echo(f"{services.deliver_pending()} message(s) delivered")
