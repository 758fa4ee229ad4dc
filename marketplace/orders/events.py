"""State changes of orders and their parts (checked, compare-and-set, recorded), their labels, and the
messages they send. Nothing here commits."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.accounts import services as accounts
from marketplace.core.formatting import format_inr
from marketplace.core.states import StateMachine
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.orders.errors import StaleState
from marketplace.orders.models import Order, OrderEvent, OrderStatus, SellerOrder, SellerOrderStatus
from marketplace.sellers import services as sellers

ORDER_LABELS = {
    OrderStatus.PENDING_PAYMENT: _l("Waiting for payment"),
    OrderStatus.CONFIRMED: _l("Confirmed"),
    OrderStatus.REVIEW: _l("Being checked by Haat"),
    OrderStatus.EXPIRED: _l("Not paid in time"),
    OrderStatus.CANCELLED: _l("Cancelled"),
}
PART_LABELS = {
    SellerOrderStatus.AWAITING_PAYMENT: _l("Waiting for payment"),
    SellerOrderStatus.PLACED: _l("New order"),
    SellerOrderStatus.ACCEPTED: _l("Accepted"),
    SellerOrderStatus.REJECTED: _l("Rejected"),
    SellerOrderStatus.READY: _l("Packed, ready for handover"),
    SellerOrderStatus.CANCELLED: _l("Cancelled"),
    SellerOrderStatus.HANDED_OVER: _l("At the packaging house"),
    SellerOrderStatus.DELIVERED: _l("Delivered"),
    SellerOrderStatus.RETURNED: _l("Returned by the courier"),
}


def move(obj: Order | SellerOrder, machine: StateMachine, target: str, *, actor_id: int | None = None,
         reason: str | None = None) -> None:
    """Check the transition (IllegalTransition if the table forbids it), then change the row only if it still
    has the state we read (StaleState if someone else moved it first), and record the event."""
    current = obj.status
    machine.check(current, target)
    model = type(obj)
    result = db.session.execute(update(model).where(model.id == obj.id, model.status == current)
                                .values(status=target).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaleState()
    set_committed_value(obj, "status", target)
    record(obj, current, target, actor_id=actor_id, reason=reason)


def record(obj: Order | SellerOrder, from_state: str | None, to_state: str, *, actor_id: int | None = None,
           reason: str | None = None) -> None:
    is_order = isinstance(obj, Order)
    db.session.add(OrderEvent(order_id=obj.id if is_order else obj.order_id,
                              seller_order_id=None if is_order else obj.id,
                              actor_id=actor_id, from_state=from_state, to_state=to_state, reason=reason))


# ---------------------------------------------------------------- messages

def tell_customer(order: Order, kind: str, **params) -> None:
    notifications.notify(notifications.for_user(order.customer), kind, number=order.number,
                         link=notifications.link("orders.detail", number=order.number), **params)


def tell_customer_status(order: Order, detail="") -> None:
    """`detail` may be a lazy string: it is rendered in the customer's language."""
    tell_customer(order, "order_status", status=ORDER_LABELS[order.status], detail=detail)


def _name(seller, locale: str) -> str:
    return (seller.name_hi or seller.name_en) if locale == "hi" else (seller.name_en or seller.name_hi)


def tell_customer_part(part: SellerOrder, detail: str = "") -> None:
    order = part.order
    tell_customer(order, "part_status", seller=_name(part.seller, order.customer.locale or "hi"),
                  status=PART_LABELS[part.status], detail=detail)


def tell_sellers(part: SellerOrder, kind: str) -> None:
    """The group's chosen contacts (sellers.message_contacts), each in their own language."""
    seller = part.seller
    link = notifications.link("seller_orders.detail", part_id=part.id)
    units = sum(line.quantity for line in part.lines)
    for member in sellers.message_contacts(seller):
        user = accounts.get_user(member.user_id) if member.user_id else None
        recipient = notifications.for_member(member.name, member.mobile, user)
        notifications.notify(recipient, kind, number=part.number, seller=_name(seller, recipient.locale), units=units,
                             total=format_inr(part.total_paise), link=link)
