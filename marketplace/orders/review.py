"""Orders in review: money arrived that does not match the order (amount, currency) or arrived after the order
had expired or been cancelled. An admin either counts it as paid (approve) or gives it back (refund_and_cancel).

Each decision is one transaction: every transition is recorded with the admin as actor and their reason, and a
refused decision changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.catalog import stock
from marketplace.core.formatting import format_inr
from marketplace.core.states import IllegalTransition
from marketplace.extensions import db
from marketplace.orders import events
from marketplace.orders.errors import NotFound, OrderError, StaleState
from marketplace.orders.lifecycle import clean_reason, confirm_paid, lines_of
from marketplace.orders.models import (
    CLOSED,
    ORDER_STATES,
    SELLER_ORDER_STATES,
    Order,
    OrderEvent,
    OrderStatus,
    SellerOrder,
    SellerOrderStatus,
)
from marketplace.payments import services as payments
from marketplace.payments.models import Payment

LIST_LIMIT = 200


@dataclass(frozen=True)
class InReview:
    order: Order
    payment: Payment | None
    why: str | None  # the payment's own note (amounts and currency), else the order's
    since: datetime


def _review_event(order: Order) -> OrderEvent | None:
    """The order's latest move into review: its from_state tells whether the stock is still held."""
    moves = [e for e in order.events if e.seller_order_id is None and e.to_state == OrderStatus.REVIEW]
    return moves[-1] if moves else None


def _stock_held(order: Order) -> bool:
    event = _review_event(order)
    return event is not None and event.from_state == OrderStatus.PENDING_PAYMENT


def orders_in_review() -> list[InReview]:
    """Oldest first: the customer who waits longest is helped first."""
    stmt = (select(Order).where(Order.status == OrderStatus.REVIEW)
            .options(selectinload(Order.customer), selectinload(Order.events)).order_by(Order.id).limit(LIST_LIMIT))
    orders = list(db.session.scalars(stmt))
    paid = payments.payments_of([o.id for o in orders])
    notes = payments.review_notes([p.id for p in paid.values()])
    found = []
    for order in orders:
        payment, event = paid.get(order.id), _review_event(order)
        why = (notes.get(payment.id) if payment else None) or (event.reason if event else None)
        found.append(InReview(order, payment, why, event.at if event else order.created_at))
    return found


def order_in_review(number: str) -> Order:
    stmt = (select(Order).where(Order.number == number)
            .options(selectinload(Order.parts).selectinload(SellerOrder.lines), selectinload(Order.events)))
    order = db.session.scalar(stmt)
    if order is None:
        raise NotFound()
    return order


def _check_in_review(order: Order) -> Payment:
    if order.status != OrderStatus.REVIEW:
        raise OrderError(_l("This order is not waiting for a review any more."), status=409)
    payment = payments.payment_of(order.id)
    if payment is None:
        raise OrderError(_l("This order has no payment to decide about."), status=409)
    return payment


def _check_approvable(order: Order, payment: Payment) -> None:
    if not payments.received_in_full(payment) or payment.received_paise != order.total_paise:
        raise OrderError(_l("The money received (%(received)s) is not exactly the order total (%(total)s) in "
                            "rupees. Refund it instead.", received=format_inr(payment.received_paise),
                            total=format_inr(order.total_paise)), status=409)
    if any(part.status != SellerOrderStatus.AWAITING_PAYMENT for part in order.parts):
        raise OrderError(_l("Parts of this order were closed meanwhile. Refund it instead."), status=409)


def approve(admin, order: Order, reason: str | None) -> None:
    """Count the money as paid: stock taken again if it was given back, order confirmed, sellers told."""
    reason = clean_reason(reason, required=True)
    payment = _check_in_review(order)
    _check_approvable(order, payment)
    try:
        if not _stock_held(order):
            stock.reserve(lines_of(order.parts))
        payments.accept_in_review(payment, admin.id, reason)
        confirm_paid(order, actor_id=admin.id, reason=reason)
    except stock.InsufficientStock as exc:
        db.session.rollback()
        raise OrderError(_l("Some items of this order are no longer in stock. Refund the payment instead."),
                         status=409) from exc
    except (IllegalTransition, StaleState, payments.StaleState) as exc:
        db.session.rollback()
        raise StaleState() from exc
    db.session.commit()


def refund_and_cancel(admin, order: Order, reason: str | None) -> None:
    """Give back everything received, cancel the order and its open parts, and release stock still held."""
    reason = clean_reason(reason, required=True)
    payment = _check_in_review(order)
    held = _stock_held(order)
    try:
        refund = payments.request_refund(payment, payment.received_paise - payment.refunded_paise, order.number,
                                         "admin", actor_id=admin.id)
        open_parts = [part for part in order.parts if part.status not in CLOSED]
        for part in open_parts:
            events.move(part, SELLER_ORDER_STATES, SellerOrderStatus.CANCELLED, actor_id=admin.id, reason=reason)
            part.reason = reason
        events.move(order, ORDER_STATES, OrderStatus.CANCELLED, actor_id=admin.id, reason=reason)
        order.reserved_until = None
        if held:
            stock.release(lines_of(open_parts))
    except (IllegalTransition, StaleState, payments.StaleState) as exc:
        db.session.rollback()
        raise StaleState() from exc
    if refund is not None:
        events.tell_customer(order, "refund", amount=format_inr(refund.amount_paise))
    events.tell_customer_status(order, reason)
    db.session.commit()
    payments.send_refunds(payment.id)
