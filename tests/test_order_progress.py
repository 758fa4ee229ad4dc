"""One derived status for the customer, cancel offered only while possible, tracking links per courier."""

from types import SimpleNamespace as NS

import pytest

from marketplace.extensions import db
from marketplace.fulfilment import services as fulfilment
from marketplace.orders import progress
from marketplace.orders.models import Order, SellerOrder

from .conftest import login, post
from .e2e import shop as shopping

CUSTOMER = "9811000001"


def _order(status, *parts):
    return NS(status=status, parts=[NS(id=n, status=s) for n, s in enumerate(parts, start=1)])


@pytest.mark.parametrize("order_status,parts,shipped,code,all_,singles", [
    ("pending_payment", ["awaiting_payment"], {}, "awaiting_payment", True, set()),
    ("confirmed", ["placed", "placed"], {}, "placed", True, {1, 2}),
    ("confirmed", ["accepted", "placed"], {}, "placed", True, {1, 2}),  # the one furthest behind
    ("confirmed", ["ready_for_handover", "accepted"], {}, "preparing", True, {1, 2}),
    ("confirmed", ["handed_over", "accepted"], {1: "packing"}, "preparing", False, {2}),
    ("confirmed", ["handed_over", "handed_over"], {1: "dispatched", 2: "packed"}, "at_house", False, set()),
    ("confirmed", ["handed_over", "handed_over"], {1: "dispatched", 2: "dispatched"}, "on_the_way", False, set()),
    ("confirmed", ["delivered", "handed_over"], {2: "dispatched"}, "on_the_way", False, set()),
    ("confirmed", ["delivered", "cancelled"], {}, "delivered", False, set()),
    ("confirmed", ["returned"], {}, "returned", False, set()),
    ("confirmed", ["placed", "rejected"], {}, "placed", True, set()),  # one open part: cancel the order
    ("cancelled", ["cancelled", "rejected"], {}, "cancelled", False, set()),
    ("review", ["placed"], {}, "review", False, set()),
    ("expired", ["cancelled"], {}, "expired", False, set()),
])
def test_one_status_is_derived_from_parts_and_shipments(order_status, parts, shipped, code, all_, singles):
    now = progress.derive(_order(order_status, *parts), shipped)
    assert (now.code, now.can_cancel_all, set(now.cancellable_part_ids)) == (code, all_, singles)
    assert now.label


@pytest.fixture
def shop(geo):
    return shopping.build(geo, stock=5, customer_login=CUSTOMER)


def test_order_page_shows_one_status_and_offers_cancel_only_while_possible(app, client, shop):
    shopping.fill(app, shop.customer, [(shop.products[0], 1), (shop.products[1], 1)])
    order = shopping.place(app, shop.customer)
    client.get("/?lang=en")
    login(client, CUSTOMER)
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Order placed: waiting for the group" in html
    assert "Cancel the whole order" in html and html.count("Cancel the items from this group") == 2
    first, second = sorted(order.parts, key=lambda p: p.id)
    db.session.get(SellerOrder, first.id).status = "handed_over"  # the goods are at the packaging house
    db.session.commit()
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Cancel the whole order" not in html
    assert html.count("Cancel the items from this group") == 1  # the part still with its group
    assert post(client, f"/orders/{order.number}/cancel", {"reason": ""}).status_code == 409
    history = client.get("/orders").get_data(as_text=True)
    assert "Order placed: waiting for the group" in history
    r = post(client, f"/orders/{order.number}/cancel", {"part_id": second.id})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(SellerOrder, second.id).status == "cancelled"
    assert db.session.get(Order, order.id).status == "confirmed"


def test_tracking_numbers_link_to_the_couriers_page(app):
    with app.test_request_context():
        assert fulfilment.tracking_url("delhivery ", "AB 12/3") == "https://www.delhivery.com/track/package/AB%2012%2F3"
        assert fulfilment.tracking_url("Unknown Couriers", "X1") is None
        assert fulfilment.tracking_url("Delhivery", None) is None
        app.config["COURIER_TRACKING_URLS"] = ("Ekart=https://ekart.example/track?id={number};"
                                               "Bad=javascript:alert({number});Plain=http://x/{number}")
        try:
            assert fulfilment.tracking_url("Ekart", "E9") == "https://ekart.example/track?id=E9"
            assert fulfilment.tracking_url("Bad", "1") is None and fulfilment.tracking_url("Plain", "1") is None
            assert fulfilment.tracking_url("Delhivery", "1") is None  # the setting replaces the defaults
        finally:
            del app.config["COURIER_TRACKING_URLS"]
