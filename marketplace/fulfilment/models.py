"""Packaging houses, and what happens there: handover and quality check, parcels, shipments.

Handover, shipment and parcel each follow a state machine; every transition is recorded in
`fulfilment_events` (who, when, from, to, why).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin, UTCDateTime, utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block
from marketplace.orders.models import Order, OrderLine, SellerOrder


class PackagingHouse(TimestampMixin, db.Model):
    """Where SHGs of the blocks it serves hand their goods over; its address is the parcels' return address."""

    __tablename__ = "packaging_houses"
    __table_args__ = (CheckConstraint("length(pin_code) = 6", name="pin_six_digits"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name_hi: Mapped[str | None] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)  # where it stands
    address_line: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(80))
    state_code: Mapped[str] = mapped_column(String(4))
    pin_code: Mapped[str] = mapped_column(String(6))
    phone: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)

    block: Mapped[Block] = relationship()
    served: Mapped[list["HouseBlock"]] = relationship(order_by="HouseBlock.id")


class HouseBlock(db.Model):
    """A block a house serves: the sellers of that block hand over there."""

    __tablename__ = "packaging_house_blocks"
    __table_args__ = (UniqueConstraint("house_id", "block_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("packaging_houses.id"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)

    block: Mapped[Block] = relationship()


class HouseOperator(db.Model):
    """A user with the operator role who works at this house."""

    __tablename__ = "packaging_house_operators"
    __table_args__ = (UniqueConstraint("house_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("packaging_houses.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user: Mapped[User] = relationship()


# ---------------------------------------------------------------- handover and quality check

class HandoverStatus(StrEnum):
    RECEIVED = "received"  # counted in; waiting for the quality check
    CHECKED = "checked"


HANDOVER_STATES = StateMachine.define("handover", {
    HandoverStatus.RECEIVED: (HandoverStatus.CHECKED,),
    HandoverStatus.CHECKED: (),
})


class Handover(TimestampMixin, db.Model):
    """A seller order received at a house: what came, and what passed the quality check."""

    __tablename__ = "handovers"
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"), unique=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("packaging_houses.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    status_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    given_back_paise: Mapped[int] = mapped_column(default=0)  # refunded or taken off the cash due

    part: Mapped[SellerOrder] = relationship()
    lines: Mapped[list["HandoverLine"]] = relationship(back_populates="handover", order_by="HandoverLine.id")

    @property
    def accepted_paise(self) -> int:
        return sum(line.accepted * line.order_line.unit_price_paise for line in self.lines)


class HandoverLine(db.Model):
    __tablename__ = "handover_lines"
    __table_args__ = (CheckConstraint("received >= 0 AND received <= ordered", name="received_in_range"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    ordered: Mapped[int]
    received: Mapped[int]
    passed: Mapped[bool | None]  # None until checked
    fail_reason: Mapped[str | None] = mapped_column(String(300))

    handover: Mapped[Handover] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()

    @property
    def accepted(self) -> int:
        return self.received if self.passed else 0


# ---------------------------------------------------------------- shipments and parcels

class ShipmentStatus(StrEnum):
    PACKING = "packing"
    PACKED = "packed"  # every accepted unit is in a parcel with its label; waiting for the courier
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    RETURNED = "returned"


SHIPMENT_STATES = StateMachine.define("shipment", {
    ShipmentStatus.PACKING: (ShipmentStatus.PACKED,),
    ShipmentStatus.PACKED: (ShipmentStatus.DISPATCHED, ShipmentStatus.PACKING),  # reopened for a late part
    ShipmentStatus.DISPATCHED: (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED),
    ShipmentStatus.DELIVERED: (),
    ShipmentStatus.RETURNED: (),
})


class Shipment(TimestampMixin, db.Model):
    """What one house sends to one customer order: an order spanning several blocks ships as several."""

    __tablename__ = "shipments"
    __table_args__ = (CheckConstraint("cod_due_paise >= 0", name="cod_due_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("packaging_houses.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    status_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    courier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    cod_due_paise: Mapped[int] = mapped_column(default=0)  # fixed at dispatch
    cod_collected_paise: Mapped[int | None]

    order: Mapped[Order] = relationship()
    house: Mapped[PackagingHouse] = relationship()
    handovers: Mapped[list[Handover]] = relationship(order_by="Handover.id", viewonly=True)
    parcels: Mapped[list["Parcel"]] = relationship(back_populates="shipment", order_by="Parcel.id")
    events: Mapped[list["FulfilmentEvent"]] = relationship(order_by="FulfilmentEvent.id", viewonly=True)


class ParcelStatus(StrEnum):
    PACKED = "packed"
    UNPACKED = "unpacked"  # opened again while packing; its items are free to pack anew
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    RETURNED = "returned"


PARCEL_STATES = StateMachine.define("parcel", {
    ParcelStatus.PACKED: (ParcelStatus.UNPACKED, ParcelStatus.DISPATCHED),
    ParcelStatus.UNPACKED: (),
    ParcelStatus.DISPATCHED: (ParcelStatus.DELIVERED, ParcelStatus.RETURNED),
    ParcelStatus.DELIVERED: (),
    ParcelStatus.RETURNED: (),
})


class Parcel(TimestampMixin, db.Model):
    __tablename__ = "parcels"
    __table_args__ = (
        CheckConstraint("weight_g > 0", name="weight_positive"),
        CheckConstraint("length_cm > 0 AND width_cm > 0 AND height_cm > 0", name="size_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(34), unique=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("packaging_houses.id"), index=True)  # for the access check
    status: Mapped[str] = mapped_column(String(12), index=True)
    status_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    weight_g: Mapped[int]
    length_cm: Mapped[int]
    width_cm: Mapped[int]
    height_cm: Mapped[int]

    shipment: Mapped[Shipment] = relationship(back_populates="parcels")
    items: Mapped[list["ParcelItem"]] = relationship(back_populates="parcel", order_by="ParcelItem.id")


class ParcelItem(db.Model):
    __tablename__ = "parcel_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int]

    parcel: Mapped[Parcel] = relationship(back_populates="items")
    order_line: Mapped[OrderLine] = relationship()


class FulfilmentEvent(TransitionRecord, db.Model):
    """Every transition of a handover, shipment or parcel (exactly one of the three ids is set)."""

    __tablename__ = "fulfilment_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"), index=True)
