"""What happens to a seller order after `ready_for_handover`: received at the packaging house, checked, then
delivered or returned. Called by fulfilment inside its own transactions: nothing here commits, except
`send_refunds`, which talks to Stripe after the caller has committed.

Money rules, in integer paise:
- Lines that were short or failed the quality check are refunded at the price paid (GST included), to the
  paisa. A card payment gets a Stripe (partial) refund; a cash order simply collects less at the door.
- If nothing of a part passed, the part is cancelled and its delivery charge goes back too.
- A returned parcel refunds what is left of the part (accepted goods and delivery) to a card payment.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from marketplace.accounts import services as accounts
from marketplace.core.formatting import format_inr
from marketplace.extensions import db
from marketplace.i18n import localized
from marketplace.notifications import services as notifications
from marketplace.orders import events
from marketplace.orders.models import (
    CLOSED,
    ORDER_STATES,
    SELLER_ORDER_STATES,
    Order,
    OrderLine,
    OrderStatus,
    SellerOrder,
    SellerOrderStatus,
)
from marketplace.payments import services as payments
from marketplace.payments.models import PaymentStatus
from marketplace.sellers import services as sellers


@dataclass(frozen=True)
class Shortfall:
    """Units of one line that will not be sent, and why (in words the customer and the group read)."""

    line: OrderLine
    units: int
    reason: str

    @property
    def paise(self) -> int:
        return self.line.unit_price_paise * self.units


def ready_part(part_id: int) -> SellerOrder | None:
    return db.session.get(SellerOrder, part_id)


def receive(part: SellerOrder, actor_id: int) -> None:
    """The goods reached the packaging house: from now on the customer can no longer cancel this part."""
    events.move(part, SELLER_ORDER_STATES, SellerOrderStatus.HANDED_OVER, actor_id=actor_id)
    events.tell_customer_part(part)


def accepted_paise(part: SellerOrder, shortfalls: list[Shortfall]) -> int:
    return part.items_paise - sum(s.paise for s in shortfalls)


def settle_check(part: SellerOrder, shortfalls: list[Shortfall], actor_id: int) -> int:
    """Apply the quality check's result: refund (or reduce the cash due for) what will not be sent, tell the
    customer and the group. Returns the amount given back in paise. No commit."""
    shortfalls = [s for s in shortfalls if s.units > 0]
    if not shortfalls:
        return 0
    nothing_left = accepted_paise(part, shortfalls) == 0
    amount = part.total_paise if nothing_left else sum(s.paise for s in shortfalls)
    detail = _short_detail(part, shortfalls)
    if nothing_left:
        events.move(part, SELLER_ORDER_STATES, SellerOrderStatus.CANCELLED, actor_id=actor_id,
                    reason="nothing passed the quality check")
        part.reason = detail[:500]
    _give_back(part, amount, f"{part.number} QC", actor_id)
    # a lazy string: the message is rendered in the customer's language
    events.tell_customer_part(part, _l("Not sent: %(detail)s. %(amount)s is taken off your bill or refunded.",
                                       detail=detail, amount=format_inr(amount)))
    _tell_sellers_short(part, detail, amount)
    if nothing_left:
        _close_order_if_done(part.order, actor_id)
    return amount


def _short_detail(part: SellerOrder, shortfalls: list[Shortfall]) -> str:
    return "; ".join(f"{localized(s.line, 'title')} × {s.units}: {s.reason}" for s in shortfalls)


def _give_back(part: SellerOrder, amount: int, reference: str, actor_id: int | None) -> None:
    payment = payments.payment_of(part.order_id)
    refund = payments.request_refund(payment, amount, reference[:40], "fulfilment", actor_id=actor_id)
    if refund is not None:
        events.tell_customer(part.order, "refund", amount=format_inr(refund.amount_paise))


def _tell_sellers_short(part: SellerOrder, detail: str, amount: int) -> None:
    for member in sellers.message_contacts(part.seller):
        user = accounts.get_user(member.user_id) if member.user_id else None
        notifications.notify(notifications.for_member(member.name, member.mobile, user), "handover_short",
                             number=part.number, detail=detail, amount=format_inr(amount),
                             link=notifications.link("seller_orders.detail", part_id=part.id))


def _close_order_if_done(order: Order, actor_id: int | None) -> None:
    if order.status == OrderStatus.CONFIRMED and all(p.status in CLOSED for p in order.parts):
        events.move(order, ORDER_STATES, OrderStatus.CANCELLED, actor_id=actor_id,
                    reason="nothing passed the quality check")
        payments.give_up(payments.payment_of(order.id), "fulfilment", actor_id=actor_id)


def deliver(part: SellerOrder, actor_id: int) -> None:
    events.move(part, SELLER_ORDER_STATES, SellerOrderStatus.DELIVERED, actor_id=actor_id)
    events.tell_customer_part(part)


def mark_returned(part: SellerOrder, remaining_paise: int, reason: str, actor_id: int) -> None:
    """The courier brought the parcel back: the part is closed and a card payment gets the rest back."""
    events.move(part, SELLER_ORDER_STATES, SellerOrderStatus.RETURNED, actor_id=actor_id, reason=reason)
    part.reason = reason
    if remaining_paise > 0:
        _give_back(part, remaining_paise, f"{part.number} return", actor_id)
    events.tell_customer_part(part, reason)


def refund_delivered(part: SellerOrder, amount: int, actor_id: int) -> int | None:
    """Money back after delivery (a complaint upheld). Returns the amount recorded for a card refund, None for
    a cash order (paid back by hand). No commit."""
    payment = payments.payment_of(part.order_id)
    refund = payments.request_refund(payment, amount, f"{part.number} after delivery"[:40], "admin",
                                     actor_id=actor_id)
    if refund is not None:
        events.tell_customer(part.order, "refund", amount=format_inr(refund.amount_paise))
        return refund.amount_paise
    return None


def refundable_paise(part: SellerOrder) -> int:
    """What a card payment can still give back (the payment's own limit)."""
    payment = payments.payment_of(part.order_id)
    if payment is None or payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTLY_REFUNDED):
        return 0
    return payment.received_paise - payment.refunded_paise


def is_cash(part: SellerOrder) -> bool:
    return part.order.payment_method == "cod"


def send_refunds(order_id: int) -> None:
    """After the caller's commit: tell Stripe about refunds recorded for this order."""
    payment = payments.payment_of(order_id)
    if payment is not None:
        payments.send_refunds(payment.id)
