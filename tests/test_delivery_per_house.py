"""Delivery is charged per shipment from a packaging house: groups of one block are packed together."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.orders import services as orders
from marketplace.orders.models import SellerOrder

from . import factories
from .conftest import login
from .e2e import shop as shopping

CUSTOMER = "9811000001"


@pytest.fixture
def shop(geo):
    # products[1] ₹180 from sellers[1]; products[2] ₹55 from sellers[0]: ₹235 of goods, both groups in Kahara
    shop = shopping.build(geo, stock=20, prices=(25000, 18000, 5500), customer_login=CUSTOMER)
    factories.packaging_house(geo["Kahara"])
    return shop


def _quote(app, shop):
    with app.test_request_context():
        return orders.quote_for(shop.customer)


def test_two_groups_of_one_block_pay_one_delivery_charge(app, shop):
    shopping.fill(app, shop.customer, [(shop.products[1], 1), (shop.products[2], 1)])
    quote = _quote(app, shop)
    assert quote.items_paise == 23500
    assert len(quote.shipments) == 2 and len(quote.dispatches) == 1
    assert quote.delivery_paise == 4000  # ₹40 once, not ₹80
    assert sorted(s.delivery_paise for s in quote.shipments) == [0, 4000]
    assert quote.dispatches[0].short_of_free_paise == 50000 - 23500


def test_goods_of_one_house_add_up_to_free_delivery(app, shop):
    shopping.fill(app, shop.customer, [(shop.products[0], 1), (shop.products[1], 1), (shop.products[2], 1)])
    quote = _quote(app, shop)  # ₹250 + ₹55 from one group, ₹180 from the other: ₹485, under ₹500
    assert quote.delivery_paise == 4000
    shopping.fill(app, shop.customer, [(shop.products[2], 1)])  # now ₹540 from the house
    quote = _quote(app, shop)
    assert quote.items_paise == 54000 and quote.delivery_paise == 0
    assert quote.dispatches[0].short_of_free_paise == 0


def test_a_group_of_another_block_ships_and_pays_separately(app, geo, shop):
    far = factories.seller(geo["Kanti"], name="Kanti Lac Cluster")
    bangle = factories.make_product(far, factories.make_category(), price=12000, stock=5)
    shopping.fill(app, shop.customer, [(shop.products[1], 1), (shop.products[2], 1), (bangle, 1)])
    quote = _quote(app, shop)
    assert len(quote.dispatches) == 2
    assert quote.delivery_paise == 8000  # one charge from the Kahara house, one for the Kanti group
    assert [s.seller_id for s in quote.dispatches[0].shipments] == [shop.sellers[1].id, shop.sellers[0].id]


def test_the_order_stores_one_charge_on_the_first_part_of_the_house(app, shop):
    shopping.fill(app, shop.customer, [(shop.products[1], 1), (shop.products[2], 1)])
    order = shopping.place(app, shop.customer)
    parts = list(db.session.scalars(select(SellerOrder).where(SellerOrder.order_id == order.id)
                                    .order_by(SellerOrder.id)))
    assert [p.delivery_paise for p in parts] == [4000, 0]
    assert all(p.total_paise == p.items_paise + p.delivery_paise for p in parts)
    assert order.delivery_paise == 4000 and order.total_paise == 27500


def test_the_cart_shows_the_charge_and_the_free_delivery_threshold(app, client, shop):
    shopping.fill(app, shop.customer, [(shop.products[1], 1), (shop.products[2], 1)])
    client.get("/?lang=en")
    login(client, CUSTOMER)
    html = client.get("/cart").get_data(as_text=True)
    assert html.count("₹40") == 1
    assert "packed together in one parcel" in html
    assert "Free delivery from ₹500: add ₹265 more" in html
    checkout = client.get("/checkout").get_data(as_text=True)
    assert checkout.count("₹40") == 1 and "₹275" in checkout


def test_the_product_page_states_the_delivery_terms(client, shop):
    html = client.get(f"/p/{shop.products[0].slug}?lang=en").get_data(as_text=True)
    assert "Delivery ₹40 per parcel, free from ₹500." in html
