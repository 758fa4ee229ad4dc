"""What happens to an order after checkout: payment settlement (return page, webhook, expiry), seller actions,
cancellation with stock release and refunds, and expiry of unpaid orders.

Every change is a checked, compare-and-set transition (events.move), so a webhook and the return page
arriving together, or a double click, change an order once; the loser rolls back and changes nothing.
"""

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.catalog import stock
from marketplace.core.formatting import format_inr
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.orders import events
from marketplace.orders.errors import OrderError, StaleState
from marketplace.orders.models import (
    CANCELLABLE,
    CLOSED,
    ORDER_STATES,
    SELLER_ORDER_STATES,
    Order,
    OrderStatus,
    SellerOrder,
    SellerOrderStatus,
)
from marketplace.orders.pricing import setting
from marketplace.orders.services import announce, order_by_number
from marketplace.payments import services as payments
from marketplace.payments.gateway import GatewayError, IntentState, gateway

log = logging.getLogger(__name__)
REASON_MAX = 500


def lines_of(parts: list[SellerOrder]) -> list[stock.StockLine]:
    return [stock.StockLine(line.product_id, line.variant_id, line.quantity) for part in parts for line in part.lines]


# ---------------------------------------------------------------- payment settlement

def settle(order: Order, state: IntentState, source: str) -> str | None:
    """Apply Stripe's view of the order's PaymentIntent to the payment and the order; commits. Returns the
    payment outcome ("paid", "review", "failed", "cancelled", None when nothing changed)."""
    payment = payments.payment_of(order.id)
    if payment is None or payment.intent_id != state.id:
        return None
    try:
        outcome = payments.apply_intent(payment, state, source)
        if outcome == "paid":
            _paid(order)
        elif outcome == "review":
            _to_review(order, _l("We received a payment we need to check by hand. We will contact you."))
        db.session.commit()
    except (StaleState, payments.StaleState):
        db.session.rollback()  # the same news arrived by another way a moment earlier
        return None
    return outcome


def _paid(order: Order) -> None:
    if order.status != OrderStatus.PENDING_PAYMENT:
        # Paid after the order expired or was cancelled: the money is kept and a person decides.
        _to_review(order, _l("Your payment arrived after the order had stopped waiting. We will contact you."))
        return
    confirm_paid(order)


def confirm_paid(order: Order, actor_id: int | None = None, reason: str | None = None) -> None:
    """The money is in: the order is confirmed and its parts reach the sellers (also after a review). No commit."""
    events.move(order, ORDER_STATES, OrderStatus.CONFIRMED, actor_id=actor_id, reason=reason or "paid")
    order.reserved_until = None
    for part in order.parts:
        events.move(part, SELLER_ORDER_STATES, SellerOrderStatus.PLACED, actor_id=actor_id, reason=reason)
    announce(order)


def _to_review(order: Order, detail) -> None:
    if order.status != OrderStatus.REVIEW:
        events.move(order, ORDER_STATES, OrderStatus.REVIEW, reason="payment does not match the order")
        events.tell_customer_status(order, detail)


def refresh_payment(order: Order, source: str = "return") -> str | None:
    """Ask Stripe how the order's payment stands and settle (the return page: a lost webhook loses nothing)."""
    payment = payments.payment_of(order.id)
    gw = gateway()
    if payment is None or not payment.intent_id or gw is None:
        return None
    return settle(order, gw.retrieve(payment.intent_id), source)


def handle_stripe_event(event: dict) -> str:
    """A verified webhook event, handled once per event id whatever order events arrive in."""
    event_id, kind = event["id"], event["type"]
    obj = event["data"]["object"]
    intent_id = obj.get("payment_intent") if kind == "charge.refunded" else obj.get("id")
    payment = payments.payment_by_intent(intent_id) if intent_id else None
    if not payments.claim_event(event_id, kind):
        db.session.rollback()
        return "duplicate"
    if payment is None or kind not in ("payment_intent.succeeded", "payment_intent.payment_failed",
                                       "charge.refunded"):
        payments.set_event_outcome(event_id, "ignored")
        db.session.commit()
        return "ignored"
    try:
        order = db.session.get(Order, payment.order_id)
        if kind == "charge.refunded":
            outcome = payments.apply_refunded_charge(payment, int(obj.get("amount_refunded") or 0), "webhook")
        else:
            outcome = payments.apply_intent(payment, IntentState.from_dict(obj), "webhook")
            if outcome == "paid":
                _paid(order)
            elif outcome == "review":
                _to_review(order, _l("We received a payment we need to check by hand. We will contact you."))
        payments.set_event_outcome(event_id, outcome or "no change")
        db.session.commit()
    except BaseException:
        # the claim goes with the work: Stripe resends the event and the retry is handled, not dropped (and on
        # StaleState the return page settled it at the same moment)
        db.session.rollback()
        raise
    return outcome or "no change"


# ---------------------------------------------------------------- cancellation and rejection

def _close_parts(order: Order, parts: list[SellerOrder], target: str, actor_id: int | None, reason: str | None,
                 source: str) -> None:
    """Close parts (cancel or reject), give their stock back, refund them if paid, close the order with the
    last part. No commit."""
    payment = payments.payment_of(order.id)
    for part in parts:
        events.move(part, SELLER_ORDER_STATES, target, actor_id=actor_id, reason=reason)
        part.reason = reason
        refund = payments.request_refund(payment, part.total_paise, part.number, source, actor_id=actor_id)
        if refund is not None:
            events.tell_customer(order, "refund", amount=format_inr(refund.amount_paise))
    stock.release(lines_of(parts))
    if all(part.status in CLOSED for part in order.parts):
        events.move(order, ORDER_STATES, OrderStatus.CANCELLED, actor_id=actor_id, reason=reason)
        order.reserved_until = None
        payments.give_up(payment, source, actor_id=actor_id, reason=reason)


def clean_reason(reason: str | None, required: bool) -> str | None:
    reason = " ".join((reason or "").split())[:REASON_MAX] or None
    if required and not reason:
        raise OrderError(_l("Please write the reason, so the customer understands."), field="reason")
    return reason


def cancel_by_customer(user, order: Order, part_ids: set[int] | None = None, reason: str | None = None) -> None:
    """The customer cancels the whole order or some parts, as long as the goods have not been handed over."""
    reason = clean_reason(reason, required=False)
    if order.status == OrderStatus.PENDING_PAYMENT:
        _stop_intent(order, "customer")  # nothing may be charged for a cancelled order; if it was paid
        # meanwhile, that was settled just now and the order is cancelled below as a paid one
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.CONFIRMED):
        raise OrderError(_l("This order cannot be cancelled any more."), status=409)
    parts = [p for p in order.parts if p.status in CANCELLABLE and (part_ids is None or p.id in part_ids)]
    still_open = [p for p in order.parts if p.status not in CLOSED]
    whole_but_too_late = part_ids is None and len(parts) != len(still_open)  # some goods already handed over
    if not parts or whole_but_too_late or (order.status == OrderStatus.PENDING_PAYMENT
                                           and len(parts) != len(order.parts)):
        raise OrderError(_l("This order cannot be cancelled any more."), status=409)
    told_sellers = [p for p in parts if p.status != SellerOrderStatus.AWAITING_PAYMENT]
    _close_parts(order, parts, SellerOrderStatus.CANCELLED, user.id, reason, "customer")
    for part in told_sellers:
        events.tell_sellers(part, "part_cancelled")
    if order.status == OrderStatus.CANCELLED:
        events.tell_customer_status(order)
    else:
        for part in parts:
            events.tell_customer_part(part)
    db.session.commit()
    payments.send_refunds(payments.payment_of(order.id).id)


def _stop_intent(order: Order, source: str) -> None:
    """Cancel the PaymentIntent at Stripe; if it turns out to be paid already, settle that first."""
    payment = payments.payment_of(order.id)
    gw = gateway()
    if payment is None or not payment.intent_id or gw is None:
        return
    try:
        gw.cancel(payment.intent_id)
    except GatewayError:
        try:
            refresh_payment(order, source)
        except GatewayError as exc:  # Stripe unreachable: go on; a late payment ends up in review
            log.warning("could not stop the payment of %s: %s", order.number, exc)


# ---------------------------------------------------------------- seller actions

def _seller_move(part: SellerOrder, target: str, actor_id: int) -> None:
    events.move(part, SELLER_ORDER_STATES, target, actor_id=actor_id)
    events.tell_customer_part(part)
    db.session.commit()


def accept(user, part: SellerOrder) -> None:
    _seller_move(part, SellerOrderStatus.ACCEPTED, user.id)


def mark_ready(user, part: SellerOrder) -> None:
    _seller_move(part, SellerOrderStatus.READY, user.id)


def reject(user, part: SellerOrder, reason: str | None) -> None:
    """The seller cannot make this part: stock back, money back for this part, the customer told why."""
    reason = clean_reason(reason, required=True)
    order = part.order
    _close_parts(order, [part], SellerOrderStatus.REJECTED, user.id, reason, "seller")
    events.tell_customer_part(part, reason)
    if order.status == OrderStatus.CANCELLED:
        events.tell_customer_status(order)
    db.session.commit()
    payments.send_refunds(payments.payment_of(order.id).id)


# ---------------------------------------------------------------- expiry

def expire_unpaid(now: datetime | None = None) -> int:
    """Release the stock of online orders not paid within the reservation time. Asks Stripe first, so a
    payment whose webhook was lost is settled instead of expired. Returns how many orders expired."""
    now = now or utcnow()
    due = db.session.scalars(select(Order.number).where(Order.status == OrderStatus.PENDING_PAYMENT,
                                                        Order.reserved_until <= now).order_by(Order.id))
    expired = 0
    for number in list(due):
        _stop_intent(order_by_number(number), "expiry")
        try:
            expired += _expire(order_by_number(number))
        except (StaleState, payments.StaleState):
            db.session.rollback()
    return expired


def _expire(order: Order) -> int:
    if order.status != OrderStatus.PENDING_PAYMENT:
        return 0  # paid while we asked
    events.move(order, ORDER_STATES, OrderStatus.EXPIRED, reason="not paid in time")
    order.reserved_until = None
    stock.release(lines_of(order.parts))
    payments.give_up(payments.payment_of(order.id), "expiry")
    events.tell_customer_status(order, _l("We kept the items for you for %(n)d minutes. You can order them again "
                                          "from the shop.", n=setting("ORDER_RESERVATION_MINUTES")))
    db.session.commit()
    return 1
