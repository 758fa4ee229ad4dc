"""Sign-up and login return to where you were (checkout included), only to paths of this site; mobile fields
bring up the phone keypad."""

import re

import pytest

from marketplace.core.redirects import local_path

from . import factories
from .conftest import csrf_token, post
from .e2e import shop as shopping

CUSTOMER = "9811000001"


@pytest.mark.parametrize("target,expected", [
    ("/checkout", "/checkout"), ("/c/spices?page=2", "/c/spices?page=2"),
    ("https://evil.example/", None), ("//evil.example/", None), ("/\\evil.example", None),
    ("/\\/evil.example", None), ("javascript:alert(1)", None), ("\t//evil.example", None),
    ("/ok\r\nLocation: https://evil.example", None), ("", None), (None, None), ("checkout", None),
    ("/" + "a" * 2000, None),
])
def test_only_local_paths_are_returned_to(target, expected):
    assert local_path(target) == expected


def test_checkout_sends_to_login_and_login_comes_back_to_checkout(app, client, geo):
    shop = shopping.build(geo, stock=5, customer_login=CUSTOMER)
    client.get("/?lang=en")
    post(client, "/cart/add", {"product_id": shop.products[0].id, "quantity": "1"})
    r = client.get("/checkout")
    assert r.status_code == 302 and "/login" in r.location and "next=%2Fcheckout" in r.location
    login_page = client.get(r.location).get_data(as_text=True).replace("%2F", "/")
    assert "/signup?next=/checkout" in login_page  # "create an account" keeps the way back too
    r = post(client, "/login?next=/checkout", {"login": CUSTOMER, "password": factories.PASSWORD})
    assert r.status_code == 302 and r.location.endswith("/checkout")
    assert "Place order" in client.get("/checkout").get_data(as_text=True)  # the session cart came along


def test_signing_up_returns_to_the_checkout(app, client, geo):
    shop = shopping.build(geo, stock=5)
    client.get("/?lang=en")
    post(client, "/cart/add", {"product_id": shop.products[0].id, "quantity": "1"})
    data = {"name": "Meena", "login": "98765 43219", "password": "mera-password", "confirm": "mera-password"}
    r = post(client, "/signup?next=/checkout", data)
    assert r.status_code == 302 and r.location.endswith("/checkout")


@pytest.mark.parametrize("evil", ["https://evil.example/x", "//evil.example", "/\\evil.example"])
def test_login_never_sends_to_another_site(client, ctx, evil):
    factories.user(login=CUSTOMER)
    r = post(client, "/login", {"login": CUSTOMER, "password": factories.PASSWORD}, query_string={"next": evil})
    assert r.status_code == 302 and r.location.endswith("/me")


def test_header_login_link_carries_the_page(client, geo):
    shop = shopping.build(geo, stock=5)
    html = client.get(f"/p/{shop.products[0].slug}?lang=en").get_data(as_text=True).replace("%2F", "/")
    assert f'/login?next=/p/{shop.products[0].slug}?lang%3Den"' in html


def test_mobile_fields_bring_up_the_phone_keypad(client, ctx):
    html = client.get("/login?lang=en").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="login"[^>]*>', html).group(0)
    assert 'type="tel"' in field and 'inputmode="tel"' in field and 'autocomplete="username"' in field
    html = client.get("/login?by=email&next=/checkout").get_data(as_text=True).replace("%2F", "/")
    field = re.search(r'<input[^>]*name="login"[^>]*>', html).group(0)
    assert 'type="email"' in field and 'inputmode="email"' in field
    assert "/login?next=/checkout" in html  # back to the phone keypad, keeping the way back
    html = client.get("/signup").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="login"[^>]*>', html).group(0)
    assert 'type="tel"' in field and 'autocomplete="tel"' in field
    assert csrf_token(client)
