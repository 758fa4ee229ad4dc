import click
from flask.cli import AppGroup

from marketplace.accounts import services as accounts
from marketplace.fulfilment import houses
from marketplace.fulfilment.errors import FulfilmentError

fulfilment_cli = AppGroup("fulfilment", help="Packaging houses and their operators.")


@fulfilment_cli.command("ensure-houses")
def ensure_houses_command():
    """Give every block without a packaging house one of its own."""
    click.echo(f"{houses.ensure_house_per_block()} packaging house(s) made")


@fulfilment_cli.command("add-operator")
@click.argument("login")
@click.argument("house_id", type=int)
def add_operator_command(login: str, house_id: int):
    """Let the operator with this mobile number or e-mail work at a house."""
    user, house = accounts.find_user(login), houses.get_house(house_id)
    if user is None or house is None:
        raise click.ClickException("no such user or house")
    try:
        houses.add_operator(house, user)
    except FulfilmentError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{user.name} works at {house.name_en or house.name_hi}")
