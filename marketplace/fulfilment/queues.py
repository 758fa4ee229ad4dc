"""The operator's work queues at one house, by stage, oldest first, with the time each item has waited."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from marketplace.extensions import db
from marketplace.fulfilment import houses
from marketplace.fulfilment.models import Handover, HandoverStatus, PackagingHouse, Shipment, ShipmentStatus
from marketplace.orders.models import OrderEvent, SellerOrder, SellerOrderStatus
from marketplace.sellers.models import Seller

STAGES = {  # key: label
    "handover": _l("Awaiting handover"),
    "check": _l("Quality check"),
    "pack": _l("To pack"),
    "dispatch": _l("To dispatch"),
    "out": _l("Out for delivery"),
}
_SHIPMENT_STAGE = {"pack": ShipmentStatus.PACKING, "dispatch": ShipmentStatus.PACKED,
                   "out": ShipmentStatus.DISPATCHED}
LIMIT = 200


@dataclass(frozen=True)
class Item:
    kind: str  # "part", "handover" or "shipment": which page opens it
    id: int
    number: str
    since: datetime
    seller: Seller | None = None


def _awaiting(house: PackagingHouse) -> list[Item]:
    """Seller orders marked ready by groups of the blocks this house serves, by when they were marked."""
    ready_at = (select(OrderEvent.seller_order_id, func.max(OrderEvent.at).label("at"))
                .where(OrderEvent.to_state == SellerOrderStatus.READY).group_by(OrderEvent.seller_order_id)
                .subquery())
    stmt = (select(SellerOrder, ready_at.c.at).join(Seller, Seller.id == SellerOrder.seller_id)
            .join(ready_at, ready_at.c.seller_order_id == SellerOrder.id)
            .where(SellerOrder.status == SellerOrderStatus.READY,
                   Seller.block_id.in_(houses.served_block_ids(house.id)))
            .order_by(ready_at.c.at, SellerOrder.id).limit(LIMIT)
            .options(contains_eager(SellerOrder.seller)))  # the group's name on every row, in this one query
    return [Item("part", part.id, part.number, at, part.seller) for part, at in db.session.execute(stmt)]


def _checks(house: PackagingHouse) -> list[Item]:
    stmt = (select(Handover, SellerOrder).join(SellerOrder, SellerOrder.id == Handover.seller_order_id)
            .join(Seller, Seller.id == SellerOrder.seller_id)
            .where(Handover.house_id == house.id, Handover.status == HandoverStatus.RECEIVED)
            .order_by(Handover.status_at, Handover.id).limit(LIMIT)
            .options(contains_eager(SellerOrder.seller)))
    return [Item("handover", h.id, part.number, h.status_at, part.seller) for h, part in db.session.execute(stmt)]


def _shipments(house: PackagingHouse, status: str) -> list[Item]:
    stmt = (select(Shipment).where(Shipment.house_id == house.id, Shipment.status == status)
            .order_by(Shipment.status_at, Shipment.id).limit(LIMIT))
    return [Item("shipment", s.id, s.number, s.status_at) for s in db.session.scalars(stmt)]


def items(house: PackagingHouse, stage: str) -> list[Item]:
    if stage == "handover":
        return _awaiting(house)
    if stage == "check":
        return _checks(house)
    return _shipments(house, _SHIPMENT_STAGE[stage])


def counts(house: PackagingHouse) -> dict[str, int]:
    ready = (select(func.count(SellerOrder.id)).join(Seller, Seller.id == SellerOrder.seller_id)
             .where(SellerOrder.status == SellerOrderStatus.READY,
                    Seller.block_id.in_(houses.served_block_ids(house.id))))
    checks = select(func.count(Handover.id)).where(Handover.house_id == house.id,
                                                   Handover.status == HandoverStatus.RECEIVED)
    by_status = dict(db.session.execute(select(Shipment.status, func.count(Shipment.id))
                                        .where(Shipment.house_id == house.id).group_by(Shipment.status)).all())
    result = {"handover": db.session.scalar(ready), "check": db.session.scalar(checks)}
    result.update({stage: by_status.get(status, 0) for stage, status in _SHIPMENT_STAGE.items()})
    return result
