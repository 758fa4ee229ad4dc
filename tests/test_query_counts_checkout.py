"""Checkout costs a fixed number of SQL statements: one per table it writes, whatever the number of lines, parts
and messages; only the stock reservation adds one conditional UPDATE per stock row. The cart and the quote read
the catalogue in one query."""

import re

import pytest
from flask import g
from sqlalchemy import func, select, update

from marketplace.catalog import stock
from marketplace.catalog.models import PriceBreak, Product
from marketplace.core import outbox
from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.orders import services as orders
from marketplace.orders.errors import StockProblem
from marketplace.orders.models import Order, OrderEvent, OrderLine, SellerOrder
from marketplace.sellers import services as sellers

from . import factories
from .conftest import csrf_token, login
from .e2e import shop as shopping
from .test_query_counts import counting

CUSTOMER = "9811000001"
MAX_CHECKOUT = 16  # reads: token, address, cart, catalogue, houses, contacts; one write per table; cart emptied


def _reservations(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().startswith(("UPDATE products", "UPDATE product_variants"))]


def _place(app, user, address) -> tuple[Order, list[str]]:
    with app.test_request_context():
        quote = orders.quote_for(user)
        with counting() as statements:
            order = orders.place_order(user, address_id=address.id, method="cod", token=orders.new_checkout_token(),
                                       quoted_total=quote.total_paise)
        return order, statements


@pytest.fixture
def shop(geo):
    return shopping.build(geo, stock=50)


def _count(model, **where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_place_order_statements_do_not_grow_with_lines_parts_or_messages(app, geo, shop):
    shopping.fill(app, shop.customer, [(shop.products[0], 1)])
    small, small_statements = _place(app, shop.customer, shop.address)

    # A third group with two chosen contacts, selling a product in two sizes.
    helpers = [shopping.quick_user(name="Meena", locale="hi"), shopping.quick_user(name="Gita", locale="en")]
    third = factories.seller(geo["Kahara"], members=helpers)
    for member in third.members:
        member.gets_messages = True
    db.session.commit()
    sized = factories.make_product(third, db.session.get(Product, shop.products[0].id).category, stock=0)
    variants = shopping.add_variants(sized, [5, 5])
    shopping.fill(app, shop.customer, [(shop.products[0], 2), (shop.products[1], 1), (shop.products[2], 1),
                                       (sized, variants[0], 1), (sized, variants[1], 2)])
    big, big_statements = _place(app, shop.customer, shop.address)

    other = [s for s in big_statements if s not in _reservations(big_statements)]
    assert len(other) == len(small_statements) - len(_reservations(small_statements)) <= MAX_CHECKOUT
    assert len(_reservations(small_statements)) == 1
    assert len(_reservations(big_statements)) == 4 + 2  # four product rows, two variant rows
    # ... and every row is there.
    assert _count(SellerOrder, order_id=big.id) == 3
    assert db.session.scalar(select(func.count()).select_from(OrderLine).join(SellerOrder)
                             .where(SellerOrder.order_id == big.id)) == 5
    assert _count(OrderEvent, order_id=big.id) == 1 + 3
    numbers = [p.number for p in big.parts]
    to_groups = db.session.scalars(select(Message.to).where(Message.kind == "new_order",
                                                            Message.body.contains(f"{big.number}-"))).all()
    assert sorted(to_groups) == sorted([shop.members[0].mobile, shop.members[1].mobile, *(u.mobile for u in helpers)])
    assert numbers == [f"{big.number}-{n}" for n in (1, 2, 3)]
    assert [stock.stock_of(sized.id, v.id) for v in variants] == [4, 3] and stock.stock_of(sized.id) == 7
    assert big.status == "confirmed" and big.total_paise == sum(p.total_paise for p in big.parts)


def test_the_returned_order_needs_no_reading_back_and_loads_its_parts_when_asked(app, shop):
    customer_id = shop.customer.id
    shopping.fill(app, shop.customer, [(shop.products[0], 1), (shop.products[1], 1)])
    order, _ = _place(app, shop.customer, shop.address)
    with counting() as statements:
        assert (order.status, order.number[:2], order.customer_id) == ("confirmed", "HT", customer_id)
    assert statements == []
    assert [line.quantity for part in order.parts for line in part.lines] == [1, 1]
    assert order.payment_method == "cod" and order.created_at.tzinfo is not None


def test_cart_and_quote_read_the_catalogue_once(app, shop):
    user, product_id = shop.customer, shop.products[0].id
    with app.test_request_context():
        user.id  # noqa: B018  (loaded, as a request's user is)
        with counting() as adding:
            orders.cart.add(user, product_id, None, 1)
        user.id  # noqa: B018
        with counting() as quoting:
            quote = orders.quote_for(user)
    writes = [s for s in adding if not s.lstrip().startswith("SELECT")]
    assert len(adding) - len(writes) == 2  # the cart's rows, the product with its seller and variants
    assert len(quoting) == 3  # the cart's rows, the catalogue, the packaging houses
    assert quote.total_paise > 0


def test_price_breaks_are_read_only_for_listings_that_have_them(app, shop):
    db.session.add(PriceBreak(product_id=shop.products[1].id, min_quantity=2, price_paise=15000))
    db.session.commit()
    shopping.fill(app, shop.customer, [(shop.products[0], 2)])
    with app.test_request_context(), counting() as plain:
        orders.quote_for(shop.customer)
    shopping.fill(app, shop.customer, [(shop.products[1], 2)])
    with app.test_request_context(), counting() as broken:
        quote = orders.quote_for(shop.customer)
    assert len(broken) == len(plain) + 1
    assert {line.key[0]: line.item.price_paise for line in quote.lines}[shop.products[1].id] == 15000


def test_items_answer_only_the_keys_asked_for(app, shop):
    sized = shop.products[2]
    variants = shopping.add_variants(sized, [2, 3])
    with app.test_request_context():
        found = stock.items([(sized.id, variants[1].id), (sized.id, None), (shop.products[0].id, variants[0].id),
                             (shop.products[1].id, None), (10**6, None)])
    assert set(found) == {(sized.id, variants[1].id), (sized.id, None), (shop.products[1].id, None)}
    assert found[(sized.id, variants[1].id)].stock == 3 and found[(sized.id, variants[1].id)].variant_label == "Size 1"
    assert found[(sized.id, None)].has_variants and not found[(shop.products[1].id, None)].has_variants
    assert found[(shop.products[1].id, None)].sellable and not found[(shop.products[1].id, None)].bulk_priced


def test_an_order_bumps_the_catalogue_generation_and_notes_the_search_outbox(app, shop):
    shopping.fill(app, shop.customer, [(shop.products[0], 1)])
    with app.test_request_context():
        before = outbox.generation()
        quote = orders.quote_for(shop.customer)
        orders.place_order(shop.customer, address_id=shop.address.id, method="cod",
                           token=orders.new_checkout_token(), quoted_total=quote.total_paise)
        assert outbox.generation() == before + 1  # kept pages showing the old stock are dropped
        assert g.get("search_outbox_committed")  # the index learns the new stock after the response
    assert db.session.scalar(select(func.count()).select_from(outbox.OutboxEntry)) >= 1


def test_a_reservation_that_fails_leaves_nothing_behind(app, shop, monkeypatch):
    shopping.fill(app, shop.customer, [(shop.products[0], 1), (shop.products[1], 1)])
    remove_ordered = orders.cart.remove_ordered

    def sold_meanwhile(user_id, keys):  # another buyer took the last units after the quote was made
        remove_ordered(user_id, keys)
        db.session.execute(update(Product).where(Product.id == shop.products[1].id).values(stock=0))

    monkeypatch.setattr(orders.cart, "remove_ordered", sold_meanwhile)
    counts = {model: _count(model) for model in (Order, SellerOrder, OrderLine, OrderEvent, Message,
                                                 outbox.OutboxEntry)}
    with app.test_request_context():
        before = outbox.generation()
        quote = orders.quote_for(shop.customer)
        with pytest.raises(StockProblem):
            orders.place_order(shop.customer, address_id=shop.address.id, method="cod",
                               token=orders.new_checkout_token(), quoted_total=quote.total_paise)
        assert outbox.generation() == before
        assert not g.get("search_outbox_committed")
    assert {model: _count(model) for model in counts} == counts
    assert stock.stock_of(shop.products[0].id) == 50 and stock.stock_of(shop.products[1].id) == 50
    assert len(orders.cart.lines(shop.customer)) == 2  # the cart is as it was


def test_batched_contacts_follow_the_same_rule_as_one_groups(app, geo, shop):
    people = [shopping.quick_user(name=f"Member {i}", locale="en") for i in range(3)]
    chosen = factories.seller(geo["Kahara"], members=people)
    chosen.members[2].gets_messages = True
    left = factories.seller(geo["Kahara"], members=[people[0]])
    left.members[0].active = False
    db.session.commit()
    ids = [shop.sellers[0].id, chosen.id, left.id]
    batched = sellers.message_contacts_of(ids)
    for seller_id in ids:
        one = sellers.message_contacts(db.session.get(type(shop.sellers[0]), seller_id))
        assert [(m.name, m.mobile) for m, _user in batched.get(seller_id, [])] == [(m.name, m.mobile) for m in one]
    assert [(user.id, user.locale) for _m, user in batched[chosen.id]] == [(people[2].id, "en")]
    assert left.id not in batched


def test_the_checkout_form_prices_the_cart_once_when_it_places_the_order(app, client, geo):
    shop = shopping.build(geo, stock=5, customer_login=CUSTOMER)
    shopping.fill(app, shop.customer, [(shop.products[0], 2), (shop.products[1], 1)])
    login(client, CUSTOMER)
    html = client.get("/checkout?lang=en").get_data(as_text=True)
    form = {name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)
            for name in ("token", "quoted_total")}
    data = {**form, "address_id": shop.address.id, "method": "cod", "csrf_token": csrf_token(client)}
    with counting() as statements:
        response = client.post("/checkout", data=data)
    assert response.status_code == 302 and "placed=1" in response.headers["Location"]
    assert sum(s.lstrip().startswith("SELECT cart_items") for s in statements) == 1  # place_order's own quote


def test_a_cart_line_whose_row_went_meanwhile_is_written_again(app, shop):
    """cart.add reads the rows once and writes from what it read: a row deleted in between (the same customer's
    checkout in another tab) does not swallow the addition."""
    user, product_id = shop.customer, shop.products[0].id
    shopping.fill(app, user, [(shop.products[0], 1)])
    with app.test_request_context():
        rows = orders.cart._rows(user.id)
        orders.cart.remove_ordered(user.id, [(product_id, None)])
        db.session.commit()
        orders.cart._store(user, (product_id, None), 3, rows)
        assert orders.cart.lines(user) == {(product_id, None): 3}
