"""Pack and unit: weight and volume shown as such, counts as counts, everywhere a product is shown or billed;
cart and checkout with pictures, the cart's order kept after a quantity change."""

import re

import pytest
from flask_babel import force_locale

from marketplace.catalog.units import pack_label
from marketplace.extensions import db
from marketplace.invoices.models import InvoiceLine
from marketplace.orders.models import OrderLine

from . import factories
from .conftest import login, post
from .e2e import shop as shopping

CUSTOMER = "9811000001"


@pytest.mark.parametrize("unit,size,en,hi", [
    ("g", 200, "200 g", "200 ग्राम"),
    ("g", 1500, "1.5 kg", "1.5 किलो"),
    ("kg", 1, "1 kg", "1 किलो"),
    ("ml", 500, "500 ml", "500 मि.ली."),
    ("ml", 1000, "1 litre", "1 लीटर"),
    ("litre", 2, "2 litres", "2 लीटर"),
    ("metre", 5, "5 metres", "5 मीटर"),
    ("piece", 5, "pack of 5", "5 का पैकेट"),
    ("pack", 12, "pack of 12", "12 का पैकेट"),
    ("pair", 1, "1 pair", "1 जोड़ी"),
    ("piece", 1, "", ""),
])
def test_pack_labels_in_both_languages(app, unit, size, en, hi):
    with app.test_request_context():
        assert pack_label(unit, size, "en") == en
        assert pack_label(unit, size, "hi") == hi
        with force_locale("en"):
            assert pack_label(unit, size) == en


@pytest.fixture
def shop(geo):
    shop = shopping.build(geo, stock=20, customer_login=CUSTOMER)
    turmeric = shop.products[0]
    turmeric.unit, turmeric.pack_size, turmeric.title_en = "g", 200, "Turmeric powder"
    db.session.commit()
    factories.add_photos(turmeric)
    return shop


def test_cards_product_page_cart_and_checkout_show_the_weight(app, client, shop):
    turmeric = shop.products[0]
    client.get("/?lang=en")
    product_page = client.get(f"/p/{turmeric.slug}").get_data(as_text=True)
    assert "200 g" in product_page and "pack of 200" not in product_page
    category = client.get(f"/c/{turmeric.category.slug}").get_data(as_text=True)
    assert '<span class="pack">200 g</span>' in category
    login(client, CUSTOMER)
    post(client, "/cart/add", {"product_id": turmeric.id, "quantity": "2"})
    post(client, "/cart/add", {"product_id": shop.products[2].id, "quantity": "1"})
    cart = client.get("/cart").get_data(as_text=True)
    assert '<span class="pack">200 g</span>' in cart
    assert cart.count('class="thumb"') == 2  # a picture (or a drawn box) for every line
    assert re.search(r'class="thumb"[^>]*>\s*<picture>', cart)  # the photo itself for the turmeric
    checkout = client.get("/checkout").get_data(as_text=True)
    assert checkout.count('class="thumb"') == 2 and "200 g" in checkout


def test_order_lines_invoices_and_slips_keep_the_pack(app, shop):
    from marketplace.fulfilment.documents import _title
    from marketplace.invoices.services import Supplied, _line

    shopping.fill(app, shop.customer, [(shop.products[0], 1)])
    order = shopping.place(app, shop.customer)
    line = db.session.query(OrderLine).filter_by(seller_order_id=order.parts[0].id).one()
    assert (line.unit, line.pack_size) == ("g", 200)
    with app.test_request_context():
        bill = _line(Supplied(line, 1), registered=True)
        assert isinstance(bill, InvoiceLine)
        assert bill.description_en == "Turmeric powder (200 g)" and bill.description_hi.endswith("(200 ग्राम)")
        assert _title(line).endswith("(200 ग्राम / 200 g)")


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_cart_keeps_its_order_after_a_quantity_change(client, shop, logged_in):
    client.get("/?lang=en")
    if logged_in:
        login(client, CUSTOMER)
    first, second, third = shop.products[0], shop.products[2], shop.products[1]
    for p in (first, second, third):
        post(client, "/cart/add", {"product_id": p.id, "quantity": "1"})

    def order():
        html = client.get("/cart").get_data(as_text=True)
        return [int(m) for m in re.findall(r'name="product_id" value="(\d+)">\s*<input type="hidden" name="variant_id"'
                                           r' value="">\s*<label', html)]

    before = order()
    assert post(client, "/cart/update", {"product_id": first.id, "quantity": "3"}).status_code == 302
    assert order() == before == [first.id, second.id, third.id]
