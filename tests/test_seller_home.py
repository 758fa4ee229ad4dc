"""The seller's home: big tiles with icons and counts (new orders, orders to make ready, low stock, money to
come), none of the shopper's chrome, no stray bullets."""

import re

from marketplace.extensions import db
from marketplace.orders.models import SellerOrder

from . import factories
from .conftest import login
from .e2e import shop as shopping


def _tiles(html: str) -> dict[str, str]:
    found = {}
    for figure, label in re.findall(r'<strong class="figure">([^<]*)</strong><span>([^<]*)</span>', html):
        found[label] = figure
    return found


def test_tiles_count_what_needs_doing(app, client, geo):
    shop = shopping.build(geo, stock=20, prices=(25000, 18000, 9000))
    low = factories.make_product(shop.sellers[0], factories.make_category(), stock=3)
    factories.make_product(shop.sellers[0], factories.make_category(), stock=0, lead_time_days=7)  # made to order
    assert low.stock == 3
    shopping.fill(app, shop.customer, [(shop.products[0], 1)])
    first = shopping.place(app, shop.customer)
    shopping.fill(app, shop.customer, [(shop.products[2], 1)])
    second = shopping.place(app, shop.customer)
    db.session.get(SellerOrder, second.parts[0].id).status = "accepted"
    db.session.commit()
    assert first.parts[0].status == "placed"
    client.get("/?lang=en")
    login(client, shop.members[0].mobile)
    html = client.get("/me?lang=en").get_data(as_text=True)
    tiles = _tiles(html)
    assert tiles == {"New orders": "1", "Orders to make ready": "1", "Low stock": "1", "Money to come": "₹0"}
    assert html.count('<svg class="icon"') == 6  # every tile has its picture
    assert 'class="search"' not in html and 'class="cats"' not in html and "cart-link" not in html
    assert "Kosi Mithila SHG" in html and "Saharsa Bamboo Cluster" not in html


def test_a_customer_keeps_the_shop_around(client, ctx):
    customer = factories.user()
    client.get("/?lang=en")
    login(client, customer.mobile)
    html = client.get("/me").get_data(as_text=True)
    assert 'class="search"' in html and 'class="tile' not in html


def test_the_groups_working_pages_drop_the_shoppers_chrome(client, geo):
    member = factories.user("seller")
    factories.seller(geo["Kahara"], members=[member])
    client.get("/?lang=en")
    login(client, member.mobile)
    for url in ("/seller/products", "/seller/stock", "/seller/add", "/seller/orders/"):
        html = client.get(url).get_data(as_text=True)
        assert 'class="search"' not in html and "cart-link" not in html and 'class="cats"' not in html, url
        assert "css/seller.css" in html, url
