from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin, UTCDateTime
from marketplace.extensions import db
from marketplace.sellers.models import Seller


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"  # online payment awaited; stock reserved until reserved_until
    CONFIRMED = "confirmed"  # paid, or cash on delivery
    REVIEW = "review"  # money and order disagree (amount, currency, paid after expiry): a person decides
    EXPIRED = "expired"  # not paid in time; stock released
    CANCELLED = "cancelled"  # every part cancelled or rejected


ORDER_STATES = StateMachine.define("customer order", {
    OrderStatus.PENDING_PAYMENT: (OrderStatus.CONFIRMED, OrderStatus.REVIEW, OrderStatus.EXPIRED,
                                  OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.CANCELLED,),
    OrderStatus.REVIEW: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    # A payment that lands after expiry (its stock is gone again): a person refunds or fulfils it.
    OrderStatus.EXPIRED: (OrderStatus.REVIEW,),
    OrderStatus.CANCELLED: (OrderStatus.REVIEW,),  # paid although cancelled meanwhile: refund by hand
})


class SellerOrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"  # not shown to the seller yet
    PLACED = "placed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    READY = "ready_for_handover"  # the packaging-house steps follow (fulfilment)
    CANCELLED = "cancelled"
    HANDED_OVER = "handed_over"  # received at the packaging house (orders/handover.py); no cancelling after this
    DELIVERED = "delivered"
    RETURNED = "returned"  # the courier brought it back


SELLER_ORDER_STATES = StateMachine.define("seller order", {
    SellerOrderStatus.AWAITING_PAYMENT: (SellerOrderStatus.PLACED, SellerOrderStatus.CANCELLED),
    SellerOrderStatus.PLACED: (SellerOrderStatus.ACCEPTED, SellerOrderStatus.REJECTED, SellerOrderStatus.CANCELLED),
    SellerOrderStatus.ACCEPTED: (SellerOrderStatus.READY, SellerOrderStatus.CANCELLED),
    SellerOrderStatus.READY: (SellerOrderStatus.CANCELLED, SellerOrderStatus.HANDED_OVER),
    # cancelled from here: nothing passed the packaging house's quality check
    SellerOrderStatus.HANDED_OVER: (SellerOrderStatus.DELIVERED, SellerOrderStatus.RETURNED,
                                    SellerOrderStatus.CANCELLED),
    SellerOrderStatus.DELIVERED: (),
    SellerOrderStatus.RETURNED: (),
    SellerOrderStatus.REJECTED: (),
    SellerOrderStatus.CANCELLED: (),
})

# Parts the customer may still cancel: the goods have not been handed over.
CANCELLABLE = frozenset({SellerOrderStatus.AWAITING_PAYMENT, SellerOrderStatus.PLACED, SellerOrderStatus.ACCEPTED,
                         SellerOrderStatus.READY})
CLOSED = frozenset({SellerOrderStatus.REJECTED, SellerOrderStatus.CANCELLED})


class PaymentMethod(StrEnum):
    CARD = "card"
    COD = "cod"


class Address(TimestampMixin, db.Model):
    """A customer's saved delivery address. Orders copy it, so editing or deleting it changes no order."""

    __tablename__ = "addresses"
    __table_args__ = (CheckConstraint("length(pin_code) = 6", name="pin_six_digits"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    mobile: Mapped[str] = mapped_column(String(16))  # E.164
    line1: Mapped[str] = mapped_column(String(200))  # house, street, village or locality
    landmark: Mapped[str | None] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(80))
    state_code: Mapped[str] = mapped_column(String(4))
    pin_code: Mapped[str] = mapped_column(String(6))


class Order(TimestampMixin, db.Model):
    """What the customer bought in one checkout and pays for once; split into one SellerOrder per seller."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_paise = items_paise + delivery_paise", name="total_adds_up"),
        CheckConstraint("items_paise > 0 AND delivery_paise >= 0", name="amounts_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    checkout_token: Mapped[str] = mapped_column(String(64), unique=True)  # one order per checkout form
    status: Mapped[str] = mapped_column(String(16), index=True)
    payment_method: Mapped[str] = mapped_column(String(8))
    items_paise: Mapped[int]
    delivery_paise: Mapped[int]
    gst_paise: Mapped[int]  # included in the prices
    total_paise: Mapped[int]
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ship_name: Mapped[str] = mapped_column(String(120))
    ship_mobile: Mapped[str] = mapped_column(String(16))
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_landmark: Mapped[str | None] = mapped_column(String(120))
    ship_district: Mapped[str] = mapped_column(String(80))
    ship_state_code: Mapped[str] = mapped_column(String(4))
    ship_pin_code: Mapped[str] = mapped_column(String(6))

    customer: Mapped[User] = relationship()
    parts: Mapped[list["SellerOrder"]] = relationship(back_populates="order", order_by="SellerOrder.id")
    events: Mapped[list["OrderEvent"]] = relationship(order_by="OrderEvent.id", viewonly=True)


class SellerOrder(TimestampMixin, db.Model):
    """One seller's part of an order: its own lines, delivery charge (one shipment) and state."""

    __tablename__ = "seller_orders"
    __table_args__ = (CheckConstraint("total_paise = items_paise + delivery_paise", name="total_adds_up"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    items_paise: Mapped[int]
    delivery_paise: Mapped[int]
    gst_paise: Mapped[int]
    total_paise: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was rejected or cancelled

    order: Mapped[Order] = relationship(back_populates="parts")
    seller: Mapped[Seller] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="part", order_by="OrderLine.id")


class OrderLine(db.Model):
    """A snapshot of what was bought: title, price and GST as they were at checkout."""

    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("total_paise = unit_price_paise * quantity", name="total_adds_up"))
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id", ondelete="SET NULL"))
    title_hi: Mapped[str | None] = mapped_column(String(160))
    title_en: Mapped[str | None] = mapped_column(String(160))
    variant_label: Mapped[str | None] = mapped_column(String(80))
    unit_price_paise: Mapped[int]
    gst_rate_bp: Mapped[int]
    hsn_code: Mapped[str | None] = mapped_column(String(8))  # for the GST invoice
    quantity: Mapped[int]
    total_paise: Mapped[int]
    gst_paise: Mapped[int]
    unit: Mapped[str | None] = mapped_column(String(12))  # what one pack held (None on older lines)
    pack_size: Mapped[int | None]

    part: Mapped[SellerOrder] = relationship(back_populates="lines")


class OrderEvent(TransitionRecord, db.Model):
    """Every state change of an order or one of its parts: who, when, from, to, why."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_order_id: Mapped[int | None] = mapped_column(ForeignKey("seller_orders.id"), index=True)

    part: Mapped[SellerOrder | None] = relationship()
