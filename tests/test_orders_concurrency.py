"""Real concurrent checkouts from threads, each with its own session and committed transactions (on SQLite
and, with HAAT_TEST_DATABASE=postgres, on PostgreSQL)."""

import threading

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.catalog.stock import stock_of
from marketplace.extensions import db
from marketplace.orders import services as orders
from marketplace.orders.errors import StockProblem
from marketplace.orders.models import Order, OrderLine

from .e2e import shop as shopping


def _buyers(app, n: int, lines, prefix: str = "98") -> list[tuple[int, int, int]]:
    """n customers, each with an address and `lines` in the cart: (user id, address id, quoted total)."""
    buyers = []
    for i in range(n):
        user = shopping.quick_user(name=f"Buyer {prefix}-{i}", login=f"{prefix}{i:08d}")
        address = orders.save_address(user, shopping.ADDRESS)
        shopping.fill(app, user, lines)
        with app.test_request_context():
            buyers.append((user.id, address.id, orders.quote_for(user).total_paise))
    return buyers


def _race(app, buyers, tokens=None) -> list[str]:
    """Every buyer checks out at the same moment; returns what each one got."""
    start = threading.Barrier(len(buyers))
    results: list[str] = []

    def buy(i, user_id, address_id, total):
        token = tokens[i] if tokens else orders.new_checkout_token()
        start.wait(timeout=60)  # before taking a pooled connection: the pool has fewer than 20
        with app.test_request_context():
            try:
                user = db.session.get(User, user_id)
                order = orders.place_order(user, address_id=address_id, method="cod", token=token,
                                           quoted_total=total)
                results.append(order.number)
            except StockProblem:
                results.append("sold out")
            except Exception as exc:  # noqa: BLE001  (any other outcome is a failure to report)
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy, args=(i, *b)) for i, b in enumerate(buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_twenty_buyers_for_the_last_five_units(app, geo):
    shop = shopping.build(geo, stock=5)
    hot = shop.products[0]
    results = _race(app, _buyers(app, 20, [(hot, 1)]))
    sold = [r for r in results if r.startswith("HT")]
    assert len(results) == 20
    assert len(sold) == 5 and results.count("sold out") == 15, results
    db.session.expire_all()
    assert stock_of(hot.id) == 0
    assert db.session.scalar(select(func.count(Order.id))) == 5
    assert db.session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == hot.id)) == 5


def test_buyers_of_two_products_in_opposite_orders_neither_deadlock_nor_oversell(app, geo):
    shop = shopping.build(geo, stock=6)
    a, b = shop.products[0], shop.products[1]
    # Lines in opposite orders: row locks taken in cart order could deadlock; stock.reserve sorts them.
    buyers = _buyers(app, 6, [(a, 2), (b, 1)], "98") + _buyers(app, 6, [(b, 2), (a, 1)], "97")
    results = _race(app, buyers)
    assert all(r.startswith("HT") or r == "sold out" for r in results), results
    db.session.expire_all()

    def sold(product) -> int:
        return db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))
                                 .where(OrderLine.product_id == product.id))

    assert stock_of(a.id) == 6 - sold(a) >= 0 and stock_of(b.id) == 6 - sold(b) >= 0
    assert sum(r.startswith("HT") for r in results) >= 2


def test_the_same_checkout_submitted_twice_at_once_makes_one_order(app, geo):
    shop = shopping.build(geo, stock=5)
    buyer = _buyers(app, 1, [(shop.products[0], 2)])[0]
    token = orders.new_checkout_token()
    results = _race(app, [buyer, buyer], tokens=[token, token])
    assert len(set(results)) == 1 and results[0].startswith("HT"), results
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert stock_of(shop.products[0].id) == 3


def test_buyers_of_variants_and_products_in_mixed_orders_neither_deadlock_nor_oversell(app, geo):
    """Variant lines move two rows (the variant and its product); with lines in every order, reserve still
    takes products by id, then variants by id, so no two checkouts wait for each other in a circle."""
    shop = shopping.build(geo, stock=8)
    plain, dressed = shop.products[0], shop.products[1]
    small, large = shopping.add_variants(dressed, [5, 5])
    buyers = (_buyers(app, 4, [(plain, 2), (dressed, large, 1), (dressed, small, 1)], "96")
              + _buyers(app, 4, [(dressed, small, 2), (plain, 1), (dressed, large, 1)], "95")
              + _buyers(app, 4, [(dressed, large, 2), (dressed, small, 1), (plain, 1)], "94"))
    results = _race(app, buyers)
    assert all(r.startswith("HT") or r == "sold out" for r in results), results
    db.session.expire_all()

    def sold(product_id, variant_id=None) -> int:
        stmt = select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(OrderLine.product_id == product_id)
        if variant_id is not None:
            stmt = stmt.where(OrderLine.variant_id == variant_id)
        return db.session.scalar(stmt)

    assert stock_of(plain.id) == 8 - sold(plain.id) >= 0
    assert stock_of(dressed.id, small.id) == 5 - sold(dressed.id, small.id) >= 0
    assert stock_of(dressed.id, large.id) == 5 - sold(dressed.id, large.id) >= 0
    assert stock_of(dressed.id) == stock_of(dressed.id, small.id) + stock_of(dressed.id, large.id)
    assert sum(r.startswith("HT") for r in results) >= 2


def test_a_twin_submission_that_wins_after_the_look_up_gives_its_order_not_an_empty_cart(app, geo, monkeypatch):
    """The double tap, made certain: the same form's twin places the order (emptying the cart) after this
    submission looked the token up and before it read the cart. Both must answer with that one order."""
    shop = shopping.build(geo, stock=5)
    buyer_id, address_id, total = _buyers(app, 1, [(shop.products[0], 2)])[0]
    token = orders.new_checkout_token()
    real_quote_for, twin, started = orders.quote_for, [], []

    def quote_for(user):
        if not started:  # the first read of the cart: the twin, in its own thread and session, wins just before it
            started.append(True)
            thread = threading.Thread(target=lambda: twin.extend(_race(app, [(buyer_id, address_id, total)],
                                                                       tokens=[token])))
            thread.start()
            thread.join(timeout=60)
        return real_quote_for(user)

    monkeypatch.setattr(orders, "quote_for", quote_for)
    with app.test_request_context():
        order = orders.place_order(db.session.get(User, buyer_id), address_id=address_id, method="cod",
                                   token=token, quoted_total=total)
        number = order.number
    assert twin == [number], twin
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert stock_of(shop.products[0].id) == 3
