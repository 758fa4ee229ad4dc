"""Card payments against localstripe (a local stand-in for the Stripe API), the return page and the webhook."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.catalog.stock import stock_of
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.orders import lifecycle
from marketplace.orders.models import Order, OrderStatus, SellerOrder, SellerOrderStatus
from marketplace.payments.models import Payment, PaymentEvent, PaymentStatus, Refund, RefundStatus, WebhookEvent

from .conftest import login, post
from .e2e import shop as shopping
from .e2e import stripe as fake_stripe

CUSTOMER = "9811000001"
GOOD_CARD, DECLINED_CARD = "4242424242424242", "4000000000000002"




@pytest.fixture
def stripe(app):
    with fake_stripe.using_localstripe(app) as server:
        yield server


@pytest.fixture
def shop(geo, stripe):
    return shopping.build(geo, stock=5, customer_login=CUSTOMER)


@pytest.fixture
def order(app, shop):
    """A card order of 2 + 1 units from two groups (₹720), waiting for payment."""
    shopping.fill(app, shop.customer, [(shop.products[0], 2), (shop.products[1], 1)])
    return shopping.place(app, shop.customer, method="card")


def _payment(order) -> Payment:
    db.session.expire_all()
    return db.session.scalar(select(Payment).where(Payment.order_id == order.id))


def _order(order) -> Order:
    return shopping.reload(Order, order.id)


def _pay(client, order, card=GOOD_CARD):
    client.get("/?lang=en")
    login(client, CUSTOMER)
    assert client.get(f"/payments/{order.number}").status_code == 200  # creates the PaymentIntent
    return post(client, f"/payments/{order.number}/card", {"stripe_token": fake_stripe.card_token(card)})


def _send(client, event):
    payload, header = fake_stripe.signed(event)
    return client.post("/payments/stripe/webhook", data=payload, headers={"Stripe-Signature": header},
                       content_type="application/json")


def _succeeded_event(order, event_id="evt_ok_1", amount=None, currency="inr"):
    payment = _payment(order)
    obj = fake_stripe.intent_object(payment.intent_id, "succeeded", amount or order.total_paise, order.number,
                                    currency)
    return fake_stripe.event(event_id, "payment_intent.succeeded", obj)


def _failed_event(order, event_id="evt_fail_1"):
    payment = _payment(order)
    obj = fake_stripe.intent_object(payment.intent_id, "requires_payment_method", order.total_paise, order.number,
                                    error_code="card_declined")
    return fake_stripe.event(event_id, "payment_intent.payment_failed", obj)


def _open_intent(app, order) -> Payment:
    from marketplace.payments import services as payments

    with app.test_request_context():
        return payments.ensure_intent(_payment(order))


# ---------------------------------------------------------------- the card flow

def test_the_payment_intent_carries_paise_inr_and_the_order_number(app, order):
    payment = _open_intent(app, order)
    intent = fake_stripe.retrieve_intent(payment.intent_id)
    assert (intent["amount"], intent["currency"], intent["metadata"]["order_number"]) == (72000, "inr", order.number)
    assert _open_intent(app, order).intent_id == payment.intent_id  # asked again: the same intent


def test_paying_with_a_good_card_confirms_the_order_and_tells_both_sellers(client, order, shop):
    r = _pay(client, order)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/payments/{order.number}/return")
    r = client.get(r.headers["Location"])
    assert r.status_code == 302 and "placed=1" in r.headers["Location"]
    assert _order(order).status == OrderStatus.CONFIRMED
    assert _payment(order).status == PaymentStatus.SUCCEEDED and _payment(order).received_paise == 72000
    parts = db.session.scalars(select(SellerOrder).order_by(SellerOrder.id)).all()
    assert [p.status for p in parts] == [SellerOrderStatus.PLACED, SellerOrderStatus.PLACED]
    told = set(db.session.scalars(select(Message.to).where(Message.kind == "new_order")))
    assert told == {shop.members[0].mobile, shop.members[1].mobile}
    assert "Thank you" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_a_declined_card_gets_a_clear_message_and_the_order_stays_unpaid(client, order, shop):
    r = _pay(client, order, DECLINED_CARD)
    assert r.status_code == 402
    assert "Your card was declined. No money was taken." in r.get_data(as_text=True)
    assert _order(order).status == OrderStatus.PENDING_PAYMENT
    assert _payment(order).status == PaymentStatus.FAILED
    assert stock_of(shop.products[0].id) == 3  # still reserved until the order expires
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "new_order")) == 0
    # a second try with a good card on the same order works
    r = post(client, f"/payments/{order.number}/card", {"stripe_token": fake_stripe.card_token(GOOD_CARD)})
    client.get(r.headers["Location"])
    assert _order(order).status == OrderStatus.CONFIRMED


def test_a_forged_or_missing_token_is_refused(client, order):
    login(client, CUSTOMER)
    client.get("/?lang=en")
    for token in ("", "not-a-token", "tok_" + "x" * 200):
        r = post(client, f"/payments/{order.number}/card", {"stripe_token": token})
        assert r.status_code == 422
    assert _order(order).status == OrderStatus.PENDING_PAYMENT


def test_the_return_page_settles_a_payment_whose_webhook_was_lost(app, client, order):
    from marketplace.payments.gateway import gateway

    payment = _open_intent(app, order)
    with app.test_request_context():  # pay straight at "Stripe", as if the browser did it and no webhook came
        gw = gateway()
        customer = gw.create_customer(order.number)
        gw.pay_with_token(payment.intent_id, customer, fake_stripe.card_token(GOOD_CARD))
    assert _order(order).status == OrderStatus.PENDING_PAYMENT
    login(client, CUSTOMER)
    client.get(f"/payments/{order.number}/return")
    assert _order(order).status == OrderStatus.CONFIRMED


# ---------------------------------------------------------------- webhook

def test_a_forged_signature_is_400_and_changes_nothing(app, client, order):
    _open_intent(app, order)
    payload, header = fake_stripe.signed(_succeeded_event(order), secret="whsec_someone_else")
    r = client.post("/payments/stripe/webhook", data=payload, headers={"Stripe-Signature": header},
                    content_type="application/json")
    assert r.status_code == 400
    payload, _ = fake_stripe.signed(_succeeded_event(order))
    assert client.post("/payments/stripe/webhook", data=payload, content_type="application/json").status_code == 400
    assert _order(order).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0


def test_the_same_event_five_times_changes_the_order_once(app, client, order):
    _open_intent(app, order)
    event = _succeeded_event(order)
    outcomes = [_send(client, event).get_json()["outcome"] for _ in range(5)]
    assert outcomes == ["paid", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert _order(order).status == OrderStatus.CONFIRMED
    assert db.session.scalar(select(func.count(PaymentEvent.id)).where(PaymentEvent.to_state == "succeeded")) == 1
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "order_confirmed")) == 1


def test_payment_failed_after_succeeded_does_not_unpay(app, client, order):
    _open_intent(app, order)
    assert _send(client, _succeeded_event(order)).get_json()["outcome"] == "paid"
    assert _send(client, _failed_event(order)).get_json()["outcome"] == "no change"
    assert _payment(order).status == PaymentStatus.SUCCEEDED
    assert _order(order).status == OrderStatus.CONFIRMED


def test_events_in_any_order_end_paid(app, client, order):
    _open_intent(app, order)
    assert _send(client, _failed_event(order)).get_json()["outcome"] == "failed"
    assert _send(client, _succeeded_event(order)).get_json()["outcome"] == "paid"
    assert _order(order).status == OrderStatus.CONFIRMED


@pytest.mark.parametrize("amount,currency", [(100, "inr"), (72000, "usd"), (72001, "inr")])
def test_a_payment_that_does_not_match_goes_to_review_never_paid(app, client, order, amount, currency):
    _open_intent(app, order)
    assert _send(client, _succeeded_event(order, amount=amount, currency=currency)).get_json()["outcome"] == "review"
    assert _payment(order).status == PaymentStatus.REVIEW
    assert _order(order).status == OrderStatus.REVIEW
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "new_order")) == 0


def test_events_for_unknown_intents_are_ignored(client, order):
    event = fake_stripe.event("evt_x", "payment_intent.succeeded",
                              fake_stripe.intent_object("pi_unknown", "succeeded", 100, "HT-nope"))
    assert _send(client, event).get_json()["outcome"] == "ignored"
    assert _order(order).status == OrderStatus.PENDING_PAYMENT


def test_charge_refunded_records_refunds_made_at_stripe_once(app, client, order):
    _open_intent(app, order)
    _send(client, _succeeded_event(order))
    payment = _payment(order)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": payment.intent_id, "amount": 72000,
              "amount_refunded": 22000}
    event = fake_stripe.event("evt_refund_1", "charge.refunded", charge)
    assert _send(client, event).get_json()["outcome"] == "refunded"
    assert _send(client, event).get_json()["outcome"] == "duplicate"
    older = fake_stripe.event("evt_refund_0", "charge.refunded", {**charge, "amount_refunded": 10000})
    assert _send(client, older).get_json()["outcome"] == "no change"  # an older running total arriving late
    payment = _payment(order)
    assert (payment.status, payment.refunded_paise) == (PaymentStatus.PARTLY_REFUNDED, 22000)


# ---------------------------------------------------------------- refunds

def _paid(client, order):
    r = _pay(client, order)
    client.get(r.headers["Location"])
    assert _order(order).status == OrderStatus.CONFIRMED


def test_cancelling_one_groups_part_refunds_just_that_part(app, client, order, shop):
    _paid(client, order)
    part = _order(order).parts[1]  # ₹180 + ₹40 delivery
    r = post(client, f"/orders/{order.number}/cancel", {"part_id": part.id})
    assert r.status_code == 302
    payment = _payment(order)
    assert (payment.status, payment.refunded_paise) == (PaymentStatus.PARTLY_REFUNDED, 22000)
    refund = db.session.scalar(select(Refund))
    assert refund.status == RefundStatus.SUCCEEDED and refund.stripe_refund_id.startswith("re_")
    charge = fake_stripe.retrieve_intent(payment.intent_id)["latest_charge"]
    assert charge["amount_refunded"] == 22000  # localstripe took the refund
    assert _order(order).status == OrderStatus.CONFIRMED and stock_of(shop.products[1].id) == 5
    assert "₹220" in db.session.scalar(select(Message.body).where(Message.kind == "refund"))


def test_a_seller_rejecting_the_last_part_refunds_everything(app, client, order, shop):
    _paid(client, order)
    seller_a, seller_b = app.test_client(), app.test_client()
    login(seller_a, shop.members[0].mobile)
    login(seller_b, shop.members[1].mobile)
    parts = _order(order).parts
    assert post(seller_a, f"/seller/orders/{parts[0].id}/reject", {"reason": "Loom broken"}).status_code == 302
    assert post(seller_b, f"/seller/orders/{parts[1].id}/reject", {"reason": "No bamboo"}).status_code == 302
    payment = _payment(order)
    assert (payment.status, payment.refunded_paise) == (PaymentStatus.REFUNDED, 72000)
    assert _order(order).status == OrderStatus.CANCELLED
    assert db.session.scalar(select(func.sum(Refund.amount_paise))) == 72000


def test_a_refund_stripe_could_not_take_is_sent_later_exactly_once(app, client, order, monkeypatch):
    from marketplace.payments import services as payments
    from marketplace.payments.gateway import Gateway, GatewayError

    _paid(client, order)

    def unreachable(*args, **kwargs):
        raise GatewayError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(Gateway, "refund", unreachable)
        post(client, f"/orders/{order.number}/cancel")
    assert db.session.scalars(select(Refund.status)).all() == [RefundStatus.PENDING] * 2  # one per part
    with app.test_request_context():
        assert payments.send_refunds() == 2
        assert payments.send_refunds() == 0
    intent = fake_stripe.retrieve_intent(_payment(order).intent_id)
    assert intent["latest_charge"]["amount_refunded"] == 72000


# ---------------------------------------------------------------- expiry

def _age(order, minutes=16):
    db.session.execute(Order.__table__.update().where(Order.id == order.id)
                       .values(reserved_until=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def test_an_unpaid_order_expires_and_its_stock_comes_back(app, client, order, shop):
    payment = _open_intent(app, order)
    with app.test_request_context():
        assert lifecycle.expire_unpaid() == 0  # not yet due
    _age(order)
    result = app.test_cli_runner().invoke(args=["orders", "expire"])
    assert "1 unpaid order(s) expired" in result.output
    assert _order(order).status == OrderStatus.EXPIRED
    assert (stock_of(shop.products[0].id), stock_of(shop.products[1].id)) == (5, 5)
    assert _payment(order).status == PaymentStatus.CANCELLED
    assert fake_stripe.retrieve_intent(payment.intent_id)["status"] == "canceled"  # cannot be paid any more
    login(client, CUSTOMER)
    r = post(client, f"/payments/{order.number}/card", {"stripe_token": fake_stripe.card_token(GOOD_CARD)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/orders/{order.number}")


def test_expiry_asks_stripe_first_and_settles_a_payment_whose_webhook_was_lost(app, order):
    from marketplace.payments.gateway import gateway

    payment = _open_intent(app, order)
    with app.test_request_context():
        gw = gateway()
        gw.pay_with_token(payment.intent_id, gw.create_customer(order.number), fake_stripe.card_token(GOOD_CARD))
    _age(order)
    with app.test_request_context():
        assert lifecycle.expire_unpaid() == 0
    assert _order(order).status == OrderStatus.CONFIRMED


def test_a_payment_arriving_after_expiry_goes_to_review(app, client, order):
    _open_intent(app, order)
    _age(order)
    with app.test_request_context():
        lifecycle.expire_unpaid()
    assert _send(client, _succeeded_event(order)).get_json()["outcome"] == "review"
    assert _order(order).status == OrderStatus.REVIEW and _payment(order).status == PaymentStatus.REVIEW


def test_customer_cancels_before_paying_and_the_intent_is_cancelled(app, client, order, shop):
    payment = _open_intent(app, order)
    login(client, CUSTOMER)
    assert post(client, f"/orders/{order.number}/cancel").status_code == 302
    assert _order(order).status == OrderStatus.CANCELLED
    assert fake_stripe.retrieve_intent(payment.intent_id)["status"] == "canceled"
    assert stock_of(shop.products[0].id) == 5
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_pay_page_in_hindi_loads_stripe_js_from_localstripe(client, order, stripe):
    login(client, CUSTOMER)
    html = client.get(f"/payments/{order.number}?lang=hi").get_data(as_text=True)
    assert f'src="{stripe.url}/js.stripe.com/v3/"' in html
    assert "का भुगतान करें" in html
    assert re.search(r'data-secret="pi_\w+_secret_\w+"', html)
