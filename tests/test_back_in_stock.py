"""Out of stock: "tell me when it is back" through the outbox, and sold-out items after available ones in every
listing (category, group, home, related, search in every order)."""

import re

import pytest
from sqlalchemy import func, select

from marketplace.catalog import alerts
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product, StockAlert
from marketplace.extensions import db
from marketplace.notifications.models import Message

from . import factories
from .conftest import login, post


@pytest.fixture
def shop(geo):
    member = factories.user("seller")
    org = factories.seller(geo["Kahara"], members=[member])
    category = factories.seeded_category("spices")
    # newest first by default: the sold-out one is the newest and the cheapest
    available = [factories.make_product(org, category, title_en=f"Turmeric {n}", price=20000 + n, stock=5)
                 for n in range(3)]
    sold_out = factories.make_product(org, category, title_en="Turmeric sold out", price=100, stock=0)
    return {"member": member, "seller": org, "category": category, "available": available, "sold_out": sold_out}


def _titles(html: str) -> list[str]:
    return re.findall(r'<h[23] class="title">([^<]*)</h[23]>', html)


@pytest.mark.parametrize("sort", ["new", "price_asc", "price_desc", "popular"])
def test_sold_out_comes_last_in_category_pages_whatever_the_order(client, shop, sort):
    html = client.get(f"/c/{shop['category'].slug}?sort={sort}&lang=en").get_data(as_text=True)
    titles = _titles(html)
    assert titles[-1] == "Turmeric sold out" and len(titles) == 4


def test_sold_out_comes_last_on_the_group_and_home_pages(client, shop):
    assert _titles(client.get(f"/sellers/{shop['seller'].slug}?lang=en").get_data(as_text=True))[-1] == \
        "Turmeric sold out"
    home = _titles(client.get("/?lang=en").get_data(as_text=True))
    assert home.index("Turmeric sold out") > max(home.index(f"Turmeric {n}") for n in range(3))


@pytest.mark.parametrize("sort", ["relevance", "price_asc", "price_desc", "newest"])
def test_sold_out_comes_last_in_search_whatever_the_order(client, shop, sort):
    from marketplace.search import services as search

    search.reindex()
    html = client.get(f"/search?q=turmeric&sort={sort}&lang=en").get_data(as_text=True)
    titles = _titles(html)
    assert titles and titles[-1] == "Turmeric sold out", titles


def _alerts() -> list[tuple]:
    db.session.expire_all()
    return list(db.session.execute(select(StockAlert.channel, StockAlert.address, StockAlert.sent_at.is_(None))))


def test_a_visitor_asks_and_hears_once_when_it_is_back(app, client, shop):
    product = shop["sold_out"]
    client.get("/?lang=en")
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Tell me when it is back" in page
    assert "Tell me when it is back" not in client.get(f"/p/{shop['available'][0].slug}").get_data(as_text=True)
    r = post(client, f"/p/{product.slug}/notify", {"address": "98765 43210"})
    assert r.status_code == 302
    assert post(client, f"/p/{product.slug}/notify", {"address": "+919876543210"}).status_code == 302  # again
    assert post(client, f"/p/{product.slug}/notify", {"address": "Asha@Example.in"}).status_code == 302
    assert sorted(_alerts()) == [("email", "asha@example.in", True), ("sms", "+919876543210", True)]
    with app.test_request_context():
        catalog.set_stocks(db.session.get(Product, product.id).seller, {("product", product.id): 4},
                           shop["member"])
    db.session.expire_all()
    sent = list(db.session.execute(select(Message.channel, Message.to, Message.kind, Message.body)))
    assert sorted((c, t, k) for c, t, k, _b in sent) == [("email", "asha@example.in", "back_in_stock"),
                                                         ("sms", "+919876543210", "back_in_stock")]
    assert all("Turmeric sold out" in body and f"/p/{product.slug}" in body for *_x, body in sent)
    assert all(not waiting for *_x, waiting in _alerts())
    with app.test_request_context():  # more stock later: no second message
        catalog.set_stocks(db.session.get(Product, product.id).seller, {("product", product.id): 9},
                           shop["member"])
    assert db.session.scalar(select(func.count(Message.id))) == 2


@pytest.mark.parametrize("address,status,message", [
    ("", 422, "Enter a 10-digit mobile number or an e-mail address."),
    ("12345", 422, "Enter a 10-digit mobile number"), ("not an email@", 422, "Enter a 10-digit mobile number"),
])
def test_bad_addresses_are_refused(client, shop, address, status, message):
    client.get("/?lang=en")
    r = post(client, f"/p/{shop['sold_out'].slug}/notify", {"address": address})
    assert r.status_code == status and message in r.get_data(as_text=True)
    assert _alerts() == []


def test_a_logged_in_customer_asks_with_one_press(client, shop):
    customer = factories.user()
    client.get("/?lang=en")
    login(client, customer.mobile)
    assert 'name="address"' not in client.get(f"/p/{shop['sold_out'].slug}").get_data(as_text=True)
    assert post(client, f"/p/{shop['sold_out'].slug}/notify").status_code == 302
    assert _alerts() == [("sms", customer.mobile, True)]


def test_one_address_cannot_wait_for_the_whole_catalogue(app, shop):
    products = [factories.make_product(shop["seller"], shop["category"], stock=0)
                for _ in range(alerts.MAX_WAITING_PER_ADDRESS)]
    with app.test_request_context():
        for p in products:
            alerts.ask(p, "9876543210", None, "en")
        with pytest.raises(alerts.AlertError) as caught:
            alerts.ask(shop["sold_out"], "9876543210", None, "en")
    assert caught.value.status == 429


def test_unknown_products_are_not_found(client, shop):
    assert post(client, "/p/no-such-thing/notify", {"address": "9876543210"}).status_code == 404
    draft = factories.make_product(shop["seller"], shop["category"], status="draft", stock=0)
    assert post(client, f"/p/{draft.slug}/notify", {"address": "9876543210"}).status_code == 404
