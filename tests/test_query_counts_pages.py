"""Issue 9 #7: no list page runs more SQL statements when it shows more rows. Every list page (storefront,
search, customer orders, seller pages, operator queues at every stage, officials' and admins' lists, the
landing pages) is measured with N rows of everything and again with 3N; the counts must be equal.

Rows are made through the real services (orders placed, accepted, handed over, checked, packed, dispatched,
delivered), so each page has items in every state it lists."""

import pytest
from sqlalchemy import update

from marketplace.accounts.models import Role
from marketplace.catalog.models import Category
from marketplace.extensions import db
from marketplace.fulfilment import services as fulfilment
from marketplace.orders import lifecycle
from marketplace.orders.models import Order, OrderStatus, SellerOrder
from marketplace.search import services as search

from . import factories, req_factories
from .conftest import login
from .e2e import shop as shopping
from .test_fulfilment import build_world, hand_over, ready_order, ship
from .test_query_counts import counting

STAGES = ("handover", "check", "pack", "dispatch", "out")
SELLER_TABS = ("new", "accepted", "ready", "sent", "closed")


def _new_group(world, category):
    """A verified group in Kahara with a member and a product, joining the world (queues list groups by name)."""
    member = shopping.quick_user(Role.SELLER, name="Member")
    group = factories.seller(world.sellers[0].block, members=[member])
    product = factories.make_product(group, category, stock=50)
    factories.add_photos(product, 2)
    world.sellers.append(group)
    world.members.append(member)
    return product


def _add_rows(app, world, category) -> None:
    """One more of everything, each from groups not seen before: products with photos, a pending group, and
    orders in every stage."""
    block = world.sellers[0].block
    factories.seller(block, verified=False)
    req_factories.institution(block, approved=False, name="Waiting school")  # /institutions/pending
    inst, buyer = req_factories.institution(block, world.buyer)
    req_factories.requisition(inst, buyer, category, [("School", block, 10)])  # /requisitions
    factories.packaging_house(world.sellers[0].block, operators=[shopping.quick_user(Role.OPERATOR, name="Op")])
    ready_order(app, world, lines=[(_new_group(world, category), 1), (world.products[1], 1)])  # awaiting handover
    received = ready_order(app, world, lines=[(_new_group(world, category), 1)])  # received, not yet checked
    with app.test_request_context():
        part = fulfilment_part(received.parts[0])
        fulfilment.receive(world.operators[0], world.houses[0], part,
                           {f"received-{line.id}": str(line.quantity) for line in part.lines})
    for stage in ("pack", "dispatch", "out", "delivered"):
        order = ready_order(app, world, lines=[(_new_group(world, category), 1), (world.products[1], 1)])
        for part in order.parts:
            shipment_id = hand_over(app, world, part).shipment_id
            if stage == "pack":
                continue
            if stage == "dispatch":
                with app.test_request_context():
                    shipment = fulfilment.get_shipment(shipment_id)
                    operator = world.operators[[h.id for h in world.houses].index(shipment.house_id)]
                    form = {"weight_g": "1200", "length_cm": "30", "width_cm": "20", "height_cm": "10"}
                    form.update({f"qty-{row.line.id}": str(row.left) for row in fulfilment.pack_rows(shipment)})
                    fulfilment.add_parcel(operator, shipment, form)
                    fulfilment.finish_packing(operator, fulfilment.get_shipment(shipment_id))
                continue
            ship(app, world, shipment_id, deliver=stage == "delivered")
    # a new order (the seller's "new" tab), a cancelled one ("closed") and one held for review (admin)
    shopping.fill(app, world.customer, [(world.products[0], 1), (_new_group(world, category), 1)])
    shopping.place(app, world.customer)
    shopping.fill(app, world.customer, [(world.products[2], 1)])
    cancelled = shopping.place(app, world.customer)
    with app.test_request_context():
        lifecycle.cancel_by_customer(world.customer, shopping.reload(Order, cancelled.id))
    shopping.fill(app, world.customer, [(world.products[1], 1), (_new_group(world, category), 1)])
    review = shopping.place(app, world.customer)
    db.session.execute(update(Order).where(Order.id == review.id).values(status=OrderStatus.REVIEW))
    db.session.commit()
    with app.test_request_context():
        search.reindex()


def fulfilment_part(part):
    return db.session.get(SellerOrder, part.id)


def _pages(world, category, official, slug) -> list[tuple[str, object, str]]:
    """(visitor, user, url) for every list page."""
    customer, member, operator, admin = world.customer, world.members[0], world.operators[0], world.admin
    kahara = world.houses[0].id
    pages = [("anonymous", None, "/"), ("anonymous", None, f"/c/{category.slug}"),
             ("anonymous", None, "/search?q=product"), ("anonymous", None, f"/sellers/{slug}"),
             ("anonymous", None, "/sitemap.xml"),
             # logged in: the storefront pages without the visitors' page cache
             ("customer", customer, "/"), ("customer", customer, f"/c/{category.slug}"),
             ("customer", customer, "/search?q=product"), ("customer", customer, f"/sellers/{slug}"),
             ("customer", customer, "/orders"), ("customer", customer, "/account/addresses"),
             ("customer", customer, "/me"),
             ("seller", member, "/seller/products"), ("seller", member, "/seller/stock"),
             ("seller", member, "/seller/invoices"), ("seller", member, "/seller/money"),
             ("seller", member, "/shg"), ("seller", member, "/me"),
             ("operator", operator, "/me"),
             ("official", official, "/officials/sellers"), ("official", official, "/moderation/products"),
             ("official", official, "/institutions/pending"), ("official", official, "/requisitions"),
             ("buyer", world.buyer, "/requisitions"), ("admin", admin, "/institutions/pending"),
             ("admin", admin, "/requisitions"),
             ("official", official, "/me"),
             ("admin", admin, "/admin/orders/review"), ("admin", admin, "/moderation/products"),
             ("admin", admin, "/officials/sellers"), ("admin", admin, "/admin/payouts"),
             ("admin", admin, "/admin/notifications"), ("admin", admin, "/admin/houses/"),
             ("admin", admin, "/me")]
    pages += [("seller", member, f"/seller/orders/?show={tab}") for tab in SELLER_TABS]
    pages += [("operator", operator, f"/house/?stage={stage}") for stage in STAGES]
    pages += [("admin", admin, f"/house/?house={kahara}&stage={stage}") for stage in STAGES]
    return pages


def _measure(app, pages) -> dict[str, int]:
    counts = {}
    clients = {}
    for who, user, url in pages:
        if who not in clients:
            clients[who] = app.test_client()
            clients[who].get("/?lang=en")
            if user is not None:
                assert login(clients[who], user.mobile or user.email).status_code == 302
        client = clients[who]
        first = client.get(url)  # warm up: anything done once per process is not what we measure
        assert first.status_code == 200, (who, url, first.status_code)
        with counting() as statements:
            assert client.get(url).status_code == 200
        counts[f"{who} {url}"] = len(statements)
    return counts


@pytest.fixture
def world(geo):
    world = build_world(geo)
    world.buyer = factories.user(Role.BUYER)  # the requisitions' buyer (institutions grow with the rows)
    return world


def test_no_list_page_runs_more_statements_with_three_times_the_rows(app, world, geo):
    category = db.session.get(Category, world.products[0].category_id)
    official = factories.official(geo["Kahara"], "district")
    slug = world.sellers[0].slug
    pages = _pages(world, category, official, slug)
    _add_rows(app, world, category)
    small = _measure(app, pages)
    _add_rows(app, world, category)
    _add_rows(app, world, category)
    large = _measure(app, pages)
    grown = {page: (small[page], large[page]) for page in pages_keys(pages) if large[page] != small[page]}
    assert not grown, grown
    # and the pages did show more: e.g. three groups' orders waiting at the house, each named
    client = app.test_client()
    login(client, world.operators[0].mobile)
    queue = client.get("/house/?stage=handover&lang=en").get_data(as_text=True)
    assert queue.count("waiting ") >= 3


def pages_keys(pages):
    return [f"{who} {url}" for who, _user, url in pages]
