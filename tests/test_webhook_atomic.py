"""Issue 9 #3: a webhook event's claim and its handling commit together or not at all. A first delivery that
fails after the claim must leave the event unclaimed, so Stripe's retry of the same event id pays the order.
(On SQLite the claim used to commit through a SAVEPOINT released outside any transaction.)"""

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.orders import lifecycle
from marketplace.orders.models import OrderStatus
from marketplace.payments.models import PaymentStatus, WebhookEvent

from .test_payments import _open_intent, _order, _payment, _send, _succeeded_event, order, shop, stripe  # noqa: F401


def _claims(event_id: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(WebhookEvent.id)).where(WebhookEvent.event_id == event_id))


@pytest.mark.parametrize("failure", [ValueError, RuntimeError])
def test_a_delivery_failing_after_its_claim_is_handled_on_retry(app, client, order, monkeypatch, failure):  # noqa: F811
    _open_intent(app, order)
    event = _succeeded_event(order, event_id="evt_fails_once")
    real_paid, calls = lifecycle._paid, []

    def paid_failing_once(order):
        calls.append(order.id)
        if len(calls) == 1:
            raise failure("the database went away halfway")
        return real_paid(order)

    monkeypatch.setattr(lifecycle, "_paid", paid_failing_once)
    if failure is ValueError:
        assert _send(client, event).status_code == 400  # the view's answer to an event it could not use
    else:
        with pytest.raises(RuntimeError):  # TESTING propagates it; in production a 500
            _send(client, event)
    assert calls and _claims("evt_fails_once") == 0
    assert _payment(order).status != PaymentStatus.SUCCEEDED
    assert _order(order).status == OrderStatus.PENDING_PAYMENT

    retry = _send(client, event)
    assert retry.status_code == 200 and retry.get_json()["outcome"] == "paid"
    assert _order(order).status == OrderStatus.CONFIRMED
    assert _claims("evt_fails_once") == 1
    assert _send(client, event).get_json()["outcome"] == "duplicate"
