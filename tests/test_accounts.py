from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.accounts.services import AccountError, normalise_mobile
from marketplace.extensions import db

from . import factories
from .conftest import csrf_token, login, post


@pytest.mark.parametrize("raw", ["9876543210", "+91 98765 43210", "098765-43210", "919876543210"])
def test_mobile_numbers_are_stored_in_e164(raw):
    assert normalise_mobile(raw) == "+919876543210"


@pytest.mark.parametrize("raw", ["5876543210", "98765", "98765432101", "abcdefghij", "", "+1 415 555 0100"])
def test_malformed_mobile_numbers_are_refused(raw):
    with pytest.raises(AccountError):
        normalise_mobile(raw)


def _signup(client, **over):
    data = {"name": "Sita Devi", "login": "98765 43210", "password": "mera-password", "confirm": "mera-password"}
    return post(client, "/signup", {**data, **over})


def test_signup_logs_in_and_stores_e164(client, ctx):
    r = _signup(client)
    assert r.status_code == 302
    assert db.session.scalar(select(User.mobile)) == "+919876543210"
    assert client.get("/me").status_code == 200


def test_duplicate_mobile_is_refused_with_a_message_in_hindi(client, ctx):
    _signup(client)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    r = client.get("/?lang=hi")
    r = _signup(client, login="+91-9876543210", name="दूसरी")
    assert r.status_code == 422
    assert "पहले से" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_malformed_number_gets_a_clear_message_and_nothing_is_saved(client, ctx):
    client.get("/?lang=en")
    r = _signup(client, login="12345")
    assert r.status_code == 422
    assert "10-digit Indian mobile number" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_html_in_name_is_shown_escaped(client, ctx):
    _signup(client, name="<script>alert(1)</script>")
    html = client.get("/me").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_over_long_name_is_refused(client, ctx):
    r = _signup(client, name="क" * 121)
    assert r.status_code == 422
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_wrong_csrf_token_is_400_and_nothing_saved(client, ctx):
    r = client.post("/signup", data={"name": "X", "login": "9876543210", "password": "mera-password",
                                     "confirm": "mera-password", "csrf_token": "forged"})
    assert r.status_code == 400
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_login_with_email_or_any_spelling_of_mobile(client, ctx):
    factories.user(login="9123456780")
    assert login(client, "+91 91234 56780").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert login(client, "09123456780", "wrong password").status_code == 401
    e = factories.user(login="Meera@Example.in")
    assert e.email == "meera@example.in"
    assert login(client, "MEERA@example.in").status_code == 302


def test_next_parameter_cannot_send_users_off_site(client, ctx):
    factories.user(login="9123456780")
    data = {"login": "9123456780", "password": factories.PASSWORD, "csrf_token": csrf_token(client)}
    r = client.post("/login?next=//evil.example/x", data=data)
    assert r.headers["Location"].endswith("/me")


def test_login_attempts_are_rate_limited(app, client, ctx):
    factories.user(login="9123456780")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [login(client, "9123456780", "wrong one!").status_code for _ in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes == [401, 401, 401, 429]


def test_password_change(client, ctx):
    factories.user(login="9123456780")
    login(client, "9123456780")
    r = post(client, "/account/password",
             {"current": "nope-nope", "new": "new-password-1", "confirm": "new-password-1"})
    assert r.status_code == 422
    r = post(client, "/account/password", {"current": factories.PASSWORD, "new": "new-password-1",
                                           "confirm": "new-password-1"})
    assert r.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert login(client, "9123456780", "new-password-1").status_code == 302


def test_passwords_are_hashed_with_scrypt_by_default(ctx):
    from marketplace.config import load_config

    assert load_config(Path("/nonexistent"), {"SECRET_KEY": "x"})["PASSWORD_HASH_METHOD"] == "scrypt"
    current_app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    try:
        u = factories.user()
    finally:
        current_app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    assert u.password_hash.startswith("scrypt:") and factories.PASSWORD not in u.password_hash
    assert u.check_password(factories.PASSWORD) and not u.check_password("wrong password")
