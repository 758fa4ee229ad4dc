"""Bulk prices and weekly capacity on listings; the cart applies the break; institutions order made-to-order
listings up to capacity × lead time with a promised date."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.catalog import bulk
from marketplace.catalog.models import PriceBreak
from marketplace.extensions import db
from marketplace.orders import pricing
from marketplace.requisitions import services as requisitions
from marketplace.requisitions.models import Allocation

from . import factories as f
from . import req_factories as rf
from .conftest import login, post


@pytest.fixture
def listing(geo):
    president = f.user(Role.SELLER)
    org = f.seller(geo["Kahara"], members=[president])
    item = f.make_product(org, f.make_category(), price=5000, stock=100, lead_time_days=14)
    return item, president


def test_terms_validated_all_or_nothing(listing):
    item, _ = listing
    with pytest.raises(bulk.BulkTermsError) as exc:
        bulk.set_terms(item, "700", [("100", "45"), ("1000", "48"), ("1", "40")])
    assert set(exc.value.errors) == {"break-2", "breaks"}
    with pytest.raises(bulk.BulkTermsError) as exc:
        bulk.set_terms(item, "", [("100", "45")])
    assert "weekly_capacity" in exc.value.errors
    with pytest.raises(bulk.BulkTermsError):
        bulk.set_terms(item, "700", [("100", "55")])  # above the listed ₹50
    assert db.session.query(PriceBreak).count() == 0
    bulk.set_terms(item, "700", [("1000", "40"), ("100", "45"), ("", "")])
    assert bulk.breaks_for([item.id]) == {item.id: [(1000, 4000), (100, 4500)]}
    assert item.weekly_capacity == 700


@pytest.mark.parametrize("quantity,unit", [(1, 5000), (99, 5000), (100, 4500), (999, 4500), (1000, 4000)])
def test_cart_quote_applies_the_break(listing, quantity, unit):
    item, _ = listing
    item.stock = 5000
    db.session.commit()
    bulk.set_terms(item, "700", [("100", "45"), ("1000", "40")])
    quote = pricing.build_quote({(item.id, None): quantity})
    assert quote.lines[0].item.price_paise == unit and quote.items_paise == unit * quantity


def test_seller_page_saves_terms_and_product_page_shows_them(app, listing):
    item, president = listing
    client = app.test_client()
    login(client, president.login_name)
    url = f"/seller/products/{item.id}/bulk"
    assert client.get(url).status_code == 200
    assert post(client, url, {"weekly_capacity": "700", "qty-0": "100", "price-0": "60"}).status_code == 422
    assert post(client, url, {"weekly_capacity": "700", "qty-0": "100", "price-0": "45"}).status_code == 303
    other = app.test_client()
    login(other, f.user(Role.SELLER).login_name)
    assert other.get(url).status_code == 403
    html = app.test_client().get(f"/p/{item.slug}?lang=en").get_data(as_text=True)
    assert "100 or more: ₹45" in html


def test_institution_orders_beyond_stock_up_to_capacity_times_lead_time(app, geo, listing):
    item, _ = listing
    bulk.set_terms(item, "700", [("1000", "40")])
    inst, buyer = rf.institution(geo["Kahara"])
    assert bulk.made_to_order_limit(item) == 100 + 700 * 2
    with pytest.raises(requisitions.RequisitionError):
        requisitions.order_listing(inst, buyer, item.id, "1601", "Collectorate")
    req = requisitions.order_listing(inst, buyer, item.id, "1100", "Collectorate")
    assert req.price_paise == 4000 and req.deadline == requisitions.today_ist() + timedelta(days=10)  # 1000 at 700/week
    a = db.session.scalar(select(Allocation).where(Allocation.requisition_id == req.id))
    assert (a.seller_id, a.quantity, a.status) == (item.seller_id, 1100, "offered")
    client = app.test_client()
    login(client, buyer.login_name)
    page = client.get(f"/products/{item.id}/institution-order?quantity=1100&lang=en").get_data(as_text=True)
    assert "₹40" in page and "Promised by" in page
