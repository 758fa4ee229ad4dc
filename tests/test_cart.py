import re

import pytest
from sqlalchemy import func, select

from marketplace.cart.models import CartItem
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db

from .conftest import csrf_token, login, post
from .e2e import shop as shopping


@pytest.fixture
def shop(geo):
    return shopping.build(geo, stock=5, customer_login="9811000001")


def _add(client, product, quantity="1", **extra):
    return post(client, "/cart/add", {"product_id": product.id, "quantity": quantity, **extra})


def _cart_html(client) -> str:
    return client.get("/cart?lang=en").get_data(as_text=True)


def _rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(CartItem.id)))


def test_anonymous_cart_lives_in_the_session_and_prices_come_from_the_catalogue(client, shop):
    r = _add(client, shop.products[0], "2", price_paise="1", unit_price="1.00")
    assert r.status_code == 302
    html = _cart_html(client)
    assert "₹250" in html and "₹500" in html  # 2 × ₹250 from the catalogue; the posted "price" is ignored
    assert "₹0.01" not in html
    assert _rows() == 0  # no database rows for anonymous visitors


def test_items_of_two_sellers_make_two_shipments_with_their_delivery_charges(app, client, shop):
    app.config["FREE_DELIVERY_ABOVE_PAISE"] = 40000
    try:
        _add(client, shop.products[0], "2")  # ₹500 from seller 0: free delivery
        _add(client, shop.products[1], "1")  # ₹180 from seller 1: ₹40 delivery
        html = _cart_html(client)
    finally:
        app.config["FREE_DELIVERY_ABOVE_PAISE"] = 50000
    assert "Kosi Mithila SHG" in html and "Saharsa Bamboo Cluster" in html
    assert html.count("Free") >= 1 and "₹40" in html
    assert "₹720" in html  # 500 + 180 + 40


@pytest.mark.parametrize("quantity,message", [
    ("0", "at least 1"), ("-3", "at least 1"), ("1000000000", "Only 5 left"), ("abc", "whole number"),
    ("1.5", "whole number"), ("", "Enter the quantity"), ("6", "Only 5 left"),
])
def test_bad_quantities_are_refused_with_a_message_and_nothing_is_stored(client, shop, quantity, message):
    client.get("/?lang=en")
    login(client, "9811000001")
    r = _add(client, shop.products[0], quantity)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert _rows() == 0


def test_updating_to_a_bad_quantity_keeps_the_old_one(client, shop):
    login(client, "9811000001")
    _add(client, shop.products[0], "2")
    for bad in ("0", "-1", "1000000000"):
        r = post(client, "/cart/update", {"product_id": shop.products[0].id, "quantity": bad})
        assert r.status_code == 422
    assert db.session.scalar(select(CartItem.quantity)) == 2
    assert post(client, "/cart/update", {"product_id": shop.products[0].id, "quantity": "4"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(CartItem.quantity)) == 4


def test_adding_more_than_the_stock_in_two_steps_is_refused(client, shop):
    client.get("/?lang=en")
    assert _add(client, shop.products[0], "3").status_code == 302
    r = _add(client, shop.products[0], "3")
    assert r.status_code == 422 and "Only 5 left" in r.get_data(as_text=True)


def test_minimum_order_quantity(client, shop):
    shop.products[2].min_order_qty = 3
    db.session.commit()
    client.get("/?lang=en")
    r = _add(client, shop.products[2], "2")
    assert r.status_code == 422 and "at least 3" in r.get_data(as_text=True)
    assert _add(client, shop.products[2], "3").status_code == 302


def test_products_with_variants_need_one_chosen_and_use_its_stock_and_price(client, shop):
    small, large = shopping.add_variants(shop.products[0], [1, 4], price=30000)
    client.get("/?lang=en")
    r = _add(client, shop.products[0], "1")
    assert r.status_code == 422 and "choose a size" in r.get_data(as_text=True)
    r = _add(client, shop.products[0], "2", variant_id=small.id)
    assert r.status_code == 422 and "Only 1 left" in r.get_data(as_text=True)
    assert _add(client, shop.products[0], "2", variant_id=large.id).status_code == 302
    assert "₹600" in _cart_html(client)


def test_unknown_products_are_404_and_withdrawn_ones_409(client, shop):
    assert _add(client, shop.products[0], "1", product_id="999999").status_code == 404
    assert post(client, "/cart/add", {"product_id": "x", "quantity": "1"}).status_code == 422
    shop.products[1].status = ProductStatus.PAUSED
    db.session.commit()
    r = _add(client, shop.products[1], "1")
    assert r.status_code == 409


def test_forms_without_a_csrf_token_are_refused(client, shop):
    r = client.post("/cart/add", data={"product_id": shop.products[0].id, "quantity": "1"})
    assert r.status_code == 400
    assert "₹250" not in _cart_html(client)


def test_cached_product_pages_ask_before_adding(client, shop):
    """Logged-out visitors' pages carry no token; their form asks on a page that has one."""
    r = client.get(f"/cart/add?product_id={shop.products[0].id}&quantity=2&next=/p/x&lang=en")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert _cart_html(client).count("₹250") == 0  # nothing added by the GET
    r = client.post("/cart/add", data={"product_id": shop.products[0].id, "quantity": "2", "next": "/p/x",
                                       "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith("/p/x")
    assert "₹500" in _cart_html(client)


def test_next_cannot_leave_the_site(client, shop):
    r = _add(client, shop.products[0], "1", next="//evil.example/")
    assert r.headers["Location"].endswith("/cart")


def test_remove_and_header_count(client, shop):
    login(client, "9811000001")
    _add(client, shop.products[0], "2")
    _add(client, shop.products[1], "1")
    assert "(3)" in client.get("/cart").get_data(as_text=True)
    post(client, "/cart/remove", {"product_id": shop.products[0].id})
    assert _rows() == 1
    assert "(1)" in client.get("/cart").get_data(as_text=True)


def test_the_session_cart_is_merged_into_the_saved_cart_at_login(app, client, shop):
    shopping.fill(app, shop.customer, [(shop.products[0], 2)])
    _add(client, shop.products[0], "2")  # as an anonymous visitor
    _add(client, shop.products[1], "1")
    shop.products[0].stock = 3
    db.session.commit()
    login(client, "9811000001")
    db.session.expire_all()
    saved = {row.product_id: row.quantity for row in db.session.scalars(select(CartItem))}
    assert saved == {shop.products[0].id: 3, shop.products[1].id: 1}  # 2 + 2 capped at the 3 in stock
    assert "(4)" in client.get("/cart").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert "(4)" not in client.get("/cart").get_data(as_text=True)  # the session cart was emptied


def test_a_line_that_sold_out_is_marked_in_the_cart_and_blocks_checkout(app, client, shop):
    login(client, "9811000001")
    _add(client, shop.products[0], "2")
    shop.products[0].stock = 1
    db.session.commit()
    html = client.get("/cart?lang=en").get_data(as_text=True)
    assert "Only 1 left" in html and "Go to checkout" not in html
    assert client.get("/checkout").status_code == 302


def test_cart_page_in_hindi(client, shop):
    _add(client, shop.products[0], "1")
    html = client.get("/cart?lang=hi").get_data(as_text=True)
    assert "आपका कार्ट" in html and "कुल" in html
