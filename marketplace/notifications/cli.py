import click
from flask.cli import AppGroup

from marketplace.notifications import services

notifications_cli = AppGroup("notifications", help="The message outbox.")


@notifications_cli.command("send")
def send_command():
    """Deliver waiting and due messages: e-mail by SMTP_URL, SMS by the DLT gateway (SMS_API_URL…), WhatsApp by
    the Cloud API (WHATSAPP_TOKEN…); a channel without settings is only logged. Failures are retried later."""
    click.echo(f"{services.deliver_pending()} message(s) delivered")
