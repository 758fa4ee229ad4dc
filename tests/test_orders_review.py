"""Admin review of orders whose money did not match (amount, currency) or came after the order stopped waiting:
approve (count as paid) or refund and cancel."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Product
from marketplace.catalog.stock import stock_of
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.orders import lifecycle
from marketplace.orders.models import Order, OrderEvent, OrderStatus, SellerOrder, SellerOrderStatus
from marketplace.orders.services import order_by_number
from marketplace.payments import services as payments
from marketplace.payments.gateway import IntentState
from marketplace.payments.models import Payment, PaymentEvent, PaymentStatus, Refund

from . import factories
from .conftest import login, post
from .e2e import shop as shopping
from .e2e import stripe as fake_stripe

ADMIN, CUSTOMER = "9811000099", "9811000001"
TOTAL = 72000  # 2 × ₹250 + 1 × ₹180 + delivery, as in test_payments


@pytest.fixture
def stripe(app):
    with fake_stripe.using_localstripe(app) as server:
        yield server


@pytest.fixture
def shop(geo, stripe):
    shop = shopping.build(geo, stock=5, customer_login=CUSTOMER)
    shopping.quick_user(Role.ADMIN, name="Haat Admin", login=ADMIN, locale="en")
    return shop


@pytest.fixture
def order(app, shop):
    """A card order of 2 + 1 units from two groups, waiting for payment."""
    shopping.fill(app, shop.customer, [(shop.products[0], 2), (shop.products[1], 1)])
    placed = shopping.place(app, shop.customer, method="card")
    assert placed.total_paise == TOTAL
    return placed


@pytest.fixture
def admin(client, shop):
    client.get("/?lang=en")
    login(client, ADMIN)
    return client


def _payment(order) -> Payment:
    db.session.expire_all()
    return db.session.scalar(select(Payment).where(Payment.order_id == order.id))


def _into_review(app, order, *, amount=TOTAL, currency="inr", late=False):
    """Money arrives as a webhook would report it; `late`: only after the order expired (stock given back)."""
    with app.test_request_context():
        payment = payments.ensure_intent(_payment(order))
        if late:
            db.session.execute(update(Order).where(Order.id == order.id)
                               .values(reserved_until=utcnow() - timedelta(minutes=16)))
            db.session.commit()
            assert lifecycle.expire_unpaid() == 1
        state = IntentState(payment.intent_id, "succeeded", amount, currency, order.number)
        assert lifecycle.settle(order_by_number(order.number), state, "webhook") == "review"
    assert shopping.reload(Order, order.id).status == OrderStatus.REVIEW


def _snapshot(order, shop):
    """Everything a refused decision must leave alone."""
    db.session.expire_all()
    payment = _payment(order)
    return (shopping.reload(Order, order.id).status, payment.status, payment.refunded_paise,
            [p.status for p in db.session.scalars(select(SellerOrder).order_by(SellerOrder.id))],
            [stock_of(p.id) for p in shop.products[:2]],
            [db.session.scalar(select(func.count(model.id))) for model in (OrderEvent, PaymentEvent, Refund, Message)])


def _admin_id() -> int:
    return db.session.scalar(select(User.id).where(User.role == Role.ADMIN))


def _decide(client, order, decision, reason="Checked with the bank", number=None):
    url = f"/admin/orders/review/{number or order.number}/{decision}"
    return post(client, url, {f"{decision}-reason": reason})


# ---------------------------------------------------------------- approve

@pytest.mark.parametrize("amount,currency", [(100, "inr"), (TOTAL, "usd"), (TOTAL + 1, "inr")])
def test_money_that_does_not_match_cannot_be_approved(app, admin, order, shop, amount, currency):
    _into_review(app, order, amount=amount, currency=currency)
    before = _snapshot(order, shop)
    r = _decide(admin, order, "approve")
    assert r.status_code == 409
    assert "is not exactly the order total" in r.get_data(as_text=True)
    assert _snapshot(order, shop) == before


def test_a_late_payment_in_full_is_approved_and_its_stock_taken_again(app, admin, order, shop):
    _into_review(app, order, late=True)
    assert [stock_of(p.id) for p in shop.products[:2]] == [5, 5]  # expiry gave the stock back
    r = _decide(admin, order, "approve", "Paid in full, only late; items still in stock")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/orders/review")
    assert shopping.reload(Order, order.id).status == OrderStatus.CONFIRMED
    payment = _payment(order)
    assert (payment.status, payment.received_paise) == (PaymentStatus.SUCCEEDED, TOTAL)
    parts = db.session.scalars(select(SellerOrder).order_by(SellerOrder.id)).all()
    assert [p.status for p in parts] == [SellerOrderStatus.PLACED] * 2
    assert [stock_of(p.id) for p in shop.products[:2]] == [3, 4]
    decided = db.session.scalars(select(OrderEvent).where(OrderEvent.to_state.in_(
        [OrderStatus.CONFIRMED, SellerOrderStatus.PLACED]))).all()
    assert len(decided) == 3
    assert {(e.actor_id, e.reason) for e in decided} == {(_admin_id(), "Paid in full, only late; items still in stock")}
    paid = db.session.scalar(select(PaymentEvent).where(PaymentEvent.to_state == PaymentStatus.SUCCEEDED))
    assert (paid.from_state, paid.actor_id, paid.source) == (PaymentStatus.REVIEW, _admin_id(), "admin")
    told = set(db.session.scalars(select(Message.to).where(Message.kind == "new_order")))
    assert told == {shop.members[0].mobile, shop.members[1].mobile}


def test_a_late_payment_whose_stock_sold_out_meanwhile_is_refused(app, admin, order, shop):
    _into_review(app, order, late=True)
    db.session.execute(update(Product).where(Product.id == shop.products[0].id).values(stock=1))  # sold elsewhere
    db.session.commit()
    before = _snapshot(order, shop)
    r = _decide(admin, order, "approve")
    assert r.status_code == 409
    assert "no longer in stock. Refund the payment instead." in r.get_data(as_text=True)
    assert _snapshot(order, shop) == before  # the other product's units were not taken either


def test_an_order_no_longer_in_review_gets_409(app, admin, order, shop):
    _into_review(app, order, late=True)
    assert _decide(admin, order, "approve").status_code == 302
    before = _snapshot(order, shop)
    for decision in ("approve", "refund"):
        r = _decide(admin, order, decision)
        assert r.status_code == 409 and "not waiting for a review any more" in r.get_data(as_text=True)
    assert _snapshot(order, shop) == before


# ---------------------------------------------------------------- refund and cancel

@pytest.mark.parametrize("late,amount,stock_before", [(False, 100, [3, 4]), (True, TOTAL, [5, 5])])
def test_refund_and_cancel_gives_back_what_arrived_and_stock_once(app, admin, order, shop, late, amount,
                                                                  stock_before):
    _into_review(app, order, amount=amount, late=late)
    assert [stock_of(p.id) for p in shop.products[:2]] == stock_before
    r = _decide(admin, order, "refund", "Wrong amount; customer asked for the money back")
    assert r.status_code == 302
    refund = db.session.scalar(select(Refund))
    assert (refund.amount_paise, refund.reason) == (amount, order.number)
    payment = _payment(order)
    assert (payment.status, payment.refunded_paise) == (PaymentStatus.REFUNDED, amount)
    assert shopping.reload(Order, order.id).status == OrderStatus.CANCELLED
    parts = db.session.scalars(select(SellerOrder).order_by(SellerOrder.id)).all()
    assert [p.status for p in parts] == [SellerOrderStatus.CANCELLED] * 2
    assert [stock_of(p.id) for p in shop.products[:2]] == [5, 5]  # given back exactly once
    cancelled = db.session.scalars(select(OrderEvent).where(OrderEvent.to_state == OrderStatus.CANCELLED)).all()
    assert {(e.actor_id, e.reason) for e in cancelled} == {(_admin_id(),
                                                           "Wrong amount; customer asked for the money back")}
    refunded = db.session.scalar(select(PaymentEvent).where(PaymentEvent.to_state == PaymentStatus.REFUNDED))
    assert (refunded.from_state, refunded.actor_id) == (PaymentStatus.REVIEW, _admin_id())
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "refund")) == 1
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "new_order")) == 0


# ---------------------------------------------------------------- bad input and access

@pytest.mark.parametrize("reason,message", [("", "Please write the reason for this decision."),
                                            ("   ", "Please write the reason"),
                                            ("x" * 501, "Please keep this under 500 characters.")])
@pytest.mark.parametrize("decision", ["approve", "refund"])
def test_a_decision_without_a_proper_reason_is_422_and_changes_nothing(app, admin, order, shop, decision, reason,
                                                                       message):
    _into_review(app, order, late=True)
    before = _snapshot(order, shop)
    r = _decide(admin, order, decision, reason)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert _snapshot(order, shop) == before


def test_a_decision_without_csrf_is_refused(app, admin, order, shop):
    _into_review(app, order, late=True)
    before = _snapshot(order, shop)
    r = admin.post(f"/admin/orders/review/{order.number}/approve", data={"approve-reason": "ok"})
    assert r.status_code == 400
    assert _snapshot(order, shop) == before


def _pages(order) -> list[tuple[str, str]]:
    base = f"/admin/orders/review/{order.number}"
    return [("get", "/admin/orders/review"), ("get", base), ("post", base + "/approve"), ("post", base + "/refund")]


def test_only_admins_reach_the_pages(app, client, geo, order, shop):
    _into_review(app, order, late=True)
    official = factories.official(geo["Kahara"])
    before = _snapshot(order, shop)
    for who in (CUSTOMER, shop.members[0].mobile, official.mobile):
        other = app.test_client()
        login(other, who)
        for method, url in _pages(order):
            r = (other.get(url) if method == "get" else post(other, url, {"approve-reason": "x", "refund-reason": "x"}))
            assert r.status_code == 403, (who, url)
    for method, url in _pages(order):
        r = client.get(url) if method == "get" else post(client, url, {"approve-reason": "x"})
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _snapshot(order, shop) == before


def test_an_unknown_order_is_404(admin, order):
    assert admin.get("/admin/orders/review/HT000000-NOPE").status_code == 404
    assert _decide(admin, order, "approve", number="HT000000-NOPE").status_code == 404


def test_the_pages_show_what_arrived_and_why(app, admin, order, shop):
    _into_review(app, order, amount=100)
    html = admin.get("/admin/orders/review").get_data(as_text=True)
    assert order.number in html and "Ananya Sharma" in html and "₹720" in html and "₹1" in html
    assert f"received 100 inr for {order.number}, expected {TOTAL} inr" in html
    html = admin.get(f"/admin/orders/review/{order.number}").get_data(as_text=True)
    assert "Payment history" in html and "× 2" in html and "× 1" in html
    assert 'name="approve-reason"' in html and 'name="refund-reason"' in html
    assert "/admin/orders/review" in admin.get("/me").get_data(as_text=True)


def test_the_pages_speak_hindi(app, admin, order, shop):
    _into_review(app, order, late=True)
    assert "जाँच के लिए ऑर्डर" in admin.get("/admin/orders/review?lang=hi").get_data(as_text=True)
    r = _decide(admin, order, "refund", "")
    assert r.status_code == 422 and "कृपया इस फ़ैसले का कारण लिखें।" in r.get_data(as_text=True)
