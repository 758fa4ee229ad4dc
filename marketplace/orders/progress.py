"""One status for the customer, derived from the order, its parts and their shipments.

The order, each group's part and each shipment keep their own state machines; a customer wants one answer to
"where is my order?". The answer is the stage of the part furthest behind among the parts still on their way
(a partly delivered order is "on the way" until its last parcel arrives), with the shipment's state standing
in for a part once it has left the group. Cancelling is offered only while it can still happen.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from marketplace.orders.models import CANCELLABLE, CLOSED, Order, OrderStatus, SellerOrderStatus

# customer-facing stages, in the order an order goes through them
PLACED, PREPARING, AT_HOUSE, ON_THE_WAY, DELIVERED = "placed", "preparing", "at_house", "on_the_way", "delivered"
STAGES = (PLACED, PREPARING, AT_HOUSE, ON_THE_WAY, DELIVERED)
LABELS = {
    "awaiting_payment": _l("Waiting for payment"),
    "review": _l("Being checked by Haat"),
    "expired": _l("Not paid in time"),
    "cancelled": _l("Cancelled"),
    "returned": _l("Returned by the courier"),
    PLACED: _l("Order placed: waiting for the group"),
    PREPARING: _l("Being made ready by the group"),
    AT_HOUSE: _l("Being packed at the packaging house"),
    ON_THE_WAY: _l("On the way"),
    DELIVERED: _l("Delivered"),
}
STEP_LABELS = {  # short, for the progress bar under the status
    PLACED: _l("Ordered"), PREPARING: _l("Being made"), AT_HOUSE: _l("Packing"), ON_THE_WAY: _l("On the way"),
    DELIVERED: _l("Delivered"),
}
_PART_STAGE = {
    SellerOrderStatus.AWAITING_PAYMENT: PLACED,
    SellerOrderStatus.PLACED: PLACED,
    SellerOrderStatus.ACCEPTED: PREPARING,
    SellerOrderStatus.READY: PREPARING,
    SellerOrderStatus.HANDED_OVER: AT_HOUSE,
    SellerOrderStatus.DELIVERED: DELIVERED,
}
_SHIPMENT_STAGE = {"packing": AT_HOUSE, "packed": AT_HOUSE, "dispatched": ON_THE_WAY, "delivered": DELIVERED}


@dataclass(frozen=True)
class Progress:
    code: str  # one of LABELS
    step: int  # 1..len(STAGES) for an order on its way, 0 otherwise (for a progress bar)
    can_cancel_all: bool  # every open part can still be cancelled
    cancellable_part_ids: frozenset[int]  # parts that may be cancelled one by one

    @property
    def label(self) -> str:
        return str(LABELS[self.code])


def derive(order: Order, shipment_status_by_part: dict[int, str] | None = None) -> Progress:
    """`shipment_status_by_part`: part id -> status of the shipment carrying it (from fulfilment)."""
    shipped = shipment_status_by_part or {}
    open_parts = [p for p in order.parts if p.status not in CLOSED]
    cancellable = frozenset(p.id for p in open_parts if p.status in CANCELLABLE)
    may_cancel = order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CONFIRMED)
    can_all = may_cancel and bool(open_parts) and len(cancellable) == len(open_parts)
    singles = cancellable if may_cancel and order.status == OrderStatus.CONFIRMED and len(open_parts) > 1 \
        else frozenset()
    special = {OrderStatus.PENDING_PAYMENT: "awaiting_payment", OrderStatus.REVIEW: "review",
               OrderStatus.EXPIRED: "expired", OrderStatus.CANCELLED: "cancelled"}
    if order.status in special or not open_parts:
        return Progress(special.get(order.status, "cancelled"), 0, can_all, singles)
    stages = []
    for part in open_parts:
        if part.status == SellerOrderStatus.RETURNED:
            continue
        stage = _PART_STAGE.get(part.status, PLACED)
        if part.status == SellerOrderStatus.HANDED_OVER:
            stage = _SHIPMENT_STAGE.get(shipped.get(part.id), AT_HOUSE)
        stages.append(stage)
    if not stages:
        return Progress("returned", 0, can_all, singles)
    code = min(stages, key=STAGES.index)
    return Progress(code, STAGES.index(code) + 1, can_all, singles)
