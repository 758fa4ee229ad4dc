"""A double-entry ledger of what Haat owes each seller, and payout batches.

Every transaction's entries sum to zero: a seller's account on one side, a platform account on the other.
A seller's balance is the sum of the entries on their seller account (credits positive, debits negative).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin, UTCDateTime, utcnow
from marketplace.extensions import db


class Account(StrEnum):
    SELLER = "seller"  # what Haat owes the seller (one per seller, by seller_id)
    SALES_CLEARING = "sales_clearing"  # customers' money for sellers' goods, held by Haat
    COMMISSION = "commission"  # Haat's income
    PACKAGING_FEES = "packaging_fees"  # the packaging houses' income
    PAYOUTS_IN_TRANSIT = "payouts_in_transit"  # in a payout batch, not yet confirmed paid by the bank
    BANK = "bank"  # left Haat's bank account


class EntryKind(StrEnum):
    SALE = "sale"
    COMMISSION = "commission"
    PACKAGING_FEE = "packaging_fee"
    REFUND = "refund"  # a sale reversed (money back to the customer after delivery)
    COMMISSION_BACK = "commission_back"  # the commission on a reversed sale
    PAYOUT = "payout"
    PAYOUT_CANCELLED = "payout_cancelled"
    PAYOUT_PAID = "payout_paid"


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)  # makes posting idempotent: "sale:17"
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), index=True)
    seller_order_id: Mapped[int | None] = mapped_column(ForeignKey("seller_orders.id"), index=True)
    payout_batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list["LedgerEntry"]] = relationship(back_populates="transaction", order_by="LedgerEntry.id")


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("amount_paise <> 0", name="amount_not_zero"),
                      Index("ix_ledger_entries_account_seller", "account", "seller_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account: Mapped[str] = mapped_column(String(20))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"))
    kind: Mapped[str] = mapped_column(String(20))
    amount_paise: Mapped[int]  # + credit to the account's holder, - debit

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")


class PayoutStatus(StrEnum):
    OPEN = "open"  # made; the CSV goes to the bank
    PAID = "paid"
    CANCELLED = "cancelled"


PAYOUT_STATES = StateMachine.define("payout batch", {
    PayoutStatus.OPEN: (PayoutStatus.PAID, PayoutStatus.CANCELLED),
    PayoutStatus.PAID: (),
    PayoutStatus.CANCELLED: (),
})


class PayoutBatch(TimestampMixin, db.Model):
    __tablename__ = "payout_batches"
    __table_args__ = (CheckConstraint("total_paise > 0", name="total_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    total_paise: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bank_reference: Mapped[str | None] = mapped_column(String(60))

    items: Mapped[list["PayoutItem"]] = relationship(back_populates="batch", order_by="PayoutItem.id")
    events: Mapped[list["PayoutEvent"]] = relationship(order_by="PayoutEvent.id", viewonly=True)


class PayoutItem(db.Model):
    """One seller's transfer in a batch, with the bank details as they were when the batch was made."""

    __tablename__ = "payout_items"
    __table_args__ = (UniqueConstraint("batch_id", "seller_id"),
                      CheckConstraint("amount_paise > 0", name="amount_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    seller_name: Mapped[str] = mapped_column(String(120))
    amount_paise: Mapped[int]
    account_name: Mapped[str] = mapped_column(String(120))
    account_number: Mapped[str] = mapped_column(String(20))
    ifsc: Mapped[str] = mapped_column(String(11))

    batch: Mapped[PayoutBatch] = relationship(back_populates="items")


class PayoutEvent(TransitionRecord, db.Model):
    __tablename__ = "payout_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
