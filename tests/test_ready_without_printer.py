"""Marking an order ready needs no printer: the number is shown large (with a QR code) to write on the packet,
and the packaging house finds the order by that number however it was written."""

import pytest

from marketplace.extensions import db
from marketplace.fulfilment import services as fulfilment
from marketplace.fulfilment.errors import NotHere
from marketplace.orders.models import SellerOrder

from . import factories
from .conftest import login, post
from .e2e import shop as shopping


@pytest.mark.parametrize("typed,number", [
    ("HT261129-QQ3QD-1", "HT261129-QQ3QD-1"), ("ht261129 qq3qd 1", "HT261129-QQ3QD-1"),
    ("261129QQ3QD1", "HT261129-QQ3QD-1"), (" 261129-qq3qd-12 ", "HT261129-QQ3QD-12"), ("", ""),
    ("nonsense", "NONSENSE"),
])
def test_hand_written_numbers_are_read(typed, number):
    assert fulfilment.written_number(typed) == number


def test_seller_sees_the_number_large_and_the_house_finds_it_as_written(app, client, geo):
    shop = shopping.build(geo, stock=5)
    house = factories.packaging_house(geo["Kahara"])
    shopping.fill(app, shop.customer, [(shop.products[0], 1)])
    order = shopping.place(app, shop.customer)
    part = db.session.get(SellerOrder, order.parts[0].id)
    client.get("/?lang=en")
    login(client, shop.members[0].mobile)
    html = client.get(f"/seller/orders/{part.id}?lang=en").get_data(as_text=True)
    assert "Write this number on the packet" not in html  # not before the group accepts
    assert post(client, f"/seller/orders/{part.id}/accept").status_code == 302
    html = client.get(f"/seller/orders/{part.id}").get_data(as_text=True)
    assert f'<p class="order-number" lang="en">{part.number}</p>' in html
    assert '<svg' in html and 'class="qr"' in html and "only if you have a printer" in html
    assert post(client, f"/seller/orders/{part.id}/ready").status_code == 302
    written = part.number.replace("HT", "").replace("-", " ").lower()
    with app.test_request_context():
        assert fulfilment.find_part(house, written).id == part.id
        with pytest.raises(NotHere):
            fulfilment.find_part(house, written[:-1] + "9")
