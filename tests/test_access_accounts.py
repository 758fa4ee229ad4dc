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


@pytest.mark.parametrize("who", [None, Role.CUSTOMER, Role.SELLER, Role.OPERATOR, Role.OFFICIAL, Role.BUYER])
def test_only_admins_see_undelivered_messages_and_retry_them(app, client, geo, who):
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.notifications.models import Delivery, Message

    dead = Message(channel="sms", to="+919811000001", locale="hi", kind="order_status", subject="s", body="b",
                   status=Delivery.DEAD, attempts=6, last_error="HTTP 400")
    db.session.add(dead)
    db.session.commit()
    if who == Role.OFFICIAL:
        login(client, factories.official(geo["Kahara"]).mobile)
    elif who:
        login(client, factories.user(who).mobile)
    expected = 302 if who is None else 403
    assert client.get("/admin/notifications/problems").status_code == expected
    assert post(client, f"/admin/notifications/{dead.id}/retry").status_code == expected
    db.session.expire_all()
    assert db.session.scalar(select(Message.status)) == Delivery.DEAD  # nothing changed
    admin = app.test_client()
    login(admin, factories.user(Role.ADMIN).mobile)
    assert admin.get("/admin/notifications/problems").status_code == 200
    assert post(admin, f"/admin/notifications/{dead.id}/retry").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Message.status)) == Delivery.PENDING
