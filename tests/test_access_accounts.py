"""Who may use the login-code, new-password and message-delivery routes (issue 9 #9/#10, issue 13 #8)."""

import pytest

from marketplace.accounts.models import Role

from . import factories
from .conftest import login, post

PUBLIC = ["/login/code", "/login/code?reset=1", "/login/code/enter", "/login/code/enter?reset=1"]


@pytest.mark.parametrize("who", [None, Role.CUSTOMER, Role.SELLER, Role.OPERATOR, Role.ADMIN])
def test_code_pages_are_open_to_everyone(client, ctx, who):
    if who:
        login(client, factories.user(who).mobile)
    for path in PUBLIC:
        assert client.get(path).status_code == 200, path


def test_new_password_page_needs_a_login_and_a_fresh_code_login(client, ctx):
    r = client.get("/account/password/new")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert post(client, "/account/password/new", {"new": "x y z 12345", "confirm": "x y z 12345"}).status_code == 302
    login(client, factories.user().mobile)
    r = client.get("/account/password/new")  # logged in with a password, not a code
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/password")
