"""State changes of orders and their parts (checked, compare-and-set, recorded), their labels, and the
messages they send. Nothing here commits."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

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

def to_customer(customer, number: str, kind: str, **params) -> tuple[notifications.Recipient, str, dict]:
    """A message to the customer about order `number` (for notifications.notify_all)."""
    return (notifications.for_user(customer), kind,
            dict(number=number, link=notifications.link("orders.detail", number=number), **params))


def tell_customer(order: Order, kind: str, **params) -> None:
    recipient, kind, params = to_customer(order.customer, order.number, kind, **params)
    notifications.notify(recipient, kind, **params)


def tell_customer_status(order: Order, detail="") -> None:
    """`detail` may be a lazy string: it is rendered in the customer's language."""
    tell_customer(order, "order_status", status=ORDER_LABELS[order.status], detail=detail)


def _name(seller, locale: str) -> str:
    """`seller`: anything with name_hi and name_en (a Seller, a PartNote)."""
    return (seller.name_hi or seller.name_en) if locale == "hi" else (seller.name_en or seller.name_hi)


def tell_customer_part(part: SellerOrder, detail: str = "") -> None:
    order = part.order
    tell_customer(order, "part_status", seller=_name(part.seller, order.customer.locale or "hi"),
                  status=PART_LABELS[part.status], detail=detail)


@dataclass(frozen=True)
class PartNote:
    """What a group's message says about one part of an order."""

    id: int
    number: str
    seller_id: int
    name_hi: str | None  # the group's names
    name_en: str | None
    units: int
    total_paise: int

    @classmethod
    def of(cls, part: SellerOrder) -> "PartNote":
        seller = part.seller
        return cls(part.id, part.number, part.seller_id, seller.name_hi, seller.name_en,
                   sum(line.quantity for line in part.lines), part.total_paise)


def to_groups(parts: list[PartNote], kind: str, contacts: dict | None = None) -> list[tuple]:
    """Messages to the chosen contacts of each part's group (sellers.message_contacts), each in their own
    language, for notifications.notify_all. `contacts`: sellers.message_contacts_of, when read already."""
    if contacts is None:
        contacts = sellers.message_contacts_of(part.seller_id for part in parts)
    batch = []
    for part in parts:
        link = notifications.link("seller_orders.detail", part_id=part.id)
        for member, user in contacts.get(part.seller_id, ()):
            recipient = notifications.for_member(member.name, member.mobile, user)
            batch.append((recipient, kind, dict(number=part.number, seller=_name(part, recipient.locale),
                                                units=part.units, total=format_inr(part.total_paise), link=link)))
    return batch


def tell_sellers(part: SellerOrder, kind: str) -> None:
    notifications.notify_all(to_groups([PartNote.of(part)], kind))
