from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin, UTCDateTime, utcnow
from marketplace.extensions import db


class PaymentStatus(StrEnum):
    PENDING = "pending"  # waiting for the customer's card
    FAILED = "failed"  # the last attempt was declined; the customer may try again
    SUCCEEDED = "succeeded"
    REVIEW = "review"  # money arrived that does not match the order: never counted as paid
    CANCELLED = "cancelled"  # given up (order expired or cancelled before paying)
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"
    COD_DUE = "cod_due"  # cash on delivery: collected at the door (fulfilment)


PAYMENT_STATES = StateMachine.define("payment", {
    PaymentStatus.PENDING: (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REVIEW,
                            PaymentStatus.CANCELLED),
    PaymentStatus.FAILED: (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REVIEW,
                           PaymentStatus.CANCELLED),
    PaymentStatus.SUCCEEDED: (PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REFUNDED),
    PaymentStatus.PARTLY_REFUNDED: (PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REFUNDED),
    PaymentStatus.REVIEW: (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED),
    # A card payment that succeeds after the order gave up on it: kept, and looked at by a person.
    PaymentStatus.CANCELLED: (PaymentStatus.REVIEW,),
    PaymentStatus.REFUNDED: (),
    PaymentStatus.COD_DUE: (PaymentStatus.CANCELLED,),
})


class Payment(TimestampMixin, db.Model):
    """How one order is paid: a Stripe PaymentIntent, or cash on delivery."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_paise > 0", name="amount_positive"),
                      CheckConstraint("refunded_paise >= 0", name="refunded_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    order_number: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(8))  # card, cod
    status: Mapped[str] = mapped_column(String(16), index=True)
    amount_paise: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="inr")
    intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(128))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64))
    received_paise: Mapped[int] = mapped_column(default=0)
    refunded_paise: Mapped[int] = mapped_column(default=0)
    failure_message: Mapped[str | None] = mapped_column(String(300))  # Stripe's code for the last decline


class PaymentEvent(TransitionRecord, db.Model):
    """Every state change of a payment: who or what (return page, webhook, expiry), when, from, to, why."""

    __tablename__ = "payment_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # checkout, return, webhook, expiry, refund, admin


class RefundStatus(StrEnum):
    PENDING = "pending"  # recorded; Stripe not yet told (or it failed and will be retried)
    SUCCEEDED = "succeeded"


class Refund(TimestampMixin, db.Model):
    """Money going back for a cancelled or rejected part. Recorded first, then sent to Stripe with an
    idempotency key made from this row, so a retry after a crash never refunds twice."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_paise > 0", name="amount_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    amount_paise: Mapped[int]
    reason: Mapped[str] = mapped_column(String(40))  # e.g. the seller order number
    status: Mapped[str] = mapped_column(String(10), default=RefundStatus.PENDING, index=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))


class WebhookEvent(db.Model):
    """Each Stripe event id handled, so a re-sent event changes nothing the second time."""

    __tablename__ = "stripe_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
