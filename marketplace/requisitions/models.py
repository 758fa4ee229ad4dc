"""A requisition is one bulk demand of an institution (e.g. 9 lakh masks), split into allocations, one per group,
reported on daily and delivered in lots.

Invariant kept by the services: sum(allocation.quantity) + requisition.unallocated == requisition.quantity.
Every change of the split bumps `requisitions.version` with a compare-and-set UPDATE, so two officials editing the
same requisition at once never both succeed."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin, UTCDateTime, utcnow
from marketplace.extensions import db


class ReqStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ALLOCATING = "allocating"
    IN_PRODUCTION = "in_production"
    PARTLY_DELIVERED = "partly_delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


REQUISITION = StateMachine.define("requisition", {
    ReqStatus.DRAFT: (ReqStatus.SUBMITTED, ReqStatus.CANCELLED),
    ReqStatus.SUBMITTED: (ReqStatus.APPROVED, ReqStatus.DRAFT, ReqStatus.CANCELLED),
    ReqStatus.APPROVED: (ReqStatus.ALLOCATING, ReqStatus.CANCELLED),
    ReqStatus.ALLOCATING: (ReqStatus.IN_PRODUCTION, ReqStatus.CANCELLED),
    ReqStatus.IN_PRODUCTION: (ReqStatus.PARTLY_DELIVERED, ReqStatus.COMPLETED, ReqStatus.CANCELLED),
    ReqStatus.PARTLY_DELIVERED: (ReqStatus.COMPLETED, ReqStatus.CANCELLED),
    ReqStatus.COMPLETED: (),
    ReqStatus.CANCELLED: (),
})
# While these hold, groups may report and the split may still be edited.
RUNNING = (ReqStatus.ALLOCATING, ReqStatus.IN_PRODUCTION, ReqStatus.PARTLY_DELIVERED)


class AllocStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class QuoteStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Requisition(TimestampMixin, db.Model):
    __tablename__ = "requisitions"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unallocated >= 0 AND unallocated <= quantity", name="unallocated_in_range"),
        CheckConstraint("price_paise IS NULL OR price_paise > 0", name="price_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(160))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    spec: Mapped[str | None] = mapped_column(Text)
    sample_image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    unit: Mapped[str] = mapped_column(String(12), default="piece")
    quantity: Mapped[int]
    unallocated: Mapped[int]
    price_paise: Mapped[int | None]  # per unit, GST included; None: "quote me"
    gst_rate_bp: Mapped[int] = mapped_column(default=0)
    hsn_code: Mapped[str | None] = mapped_column(String(8))
    deadline: Mapped[date] = mapped_column(Date)
    quality_standard: Mapped[str | None] = mapped_column(String(300))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)  # whose officials allocate
    run_by_buyer: Mapped[bool] = mapped_column(default=False)  # the buyer's coordinator allocates
    status: Mapped[str] = mapped_column(String(20), default=ReqStatus.DRAFT, index=True)
    version: Mapped[int] = mapped_column(default=1)  # compare-and-set for every change of the split
    started_on: Mapped[date | None] = mapped_column(Date)  # production start (first split saved)
    po_number: Mapped[str | None] = mapped_column(String(40))
    advance_paise: Mapped[int] = mapped_column(default=0)
    last_summary_on: Mapped[date | None] = mapped_column(Date)

    points: Mapped[list["RequisitionPoint"]] = relationship(order_by="RequisitionPoint.id")
    history: Mapped[list["RequisitionEvent"]] = relationship(order_by="RequisitionEvent.id")


class RequisitionPoint(db.Model):
    """A delivery point of one requisition with the quantity it should receive."""

    __tablename__ = "requisition_points"
    __table_args__ = (UniqueConstraint("requisition_id", "name"), CheckConstraint("quantity > 0", name="qty_pos"))
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"), index=True)
    quantity: Mapped[int]
    received: Mapped[int] = mapped_column(default=0)
    shortfall: Mapped[int] = mapped_column(default=0)


class RequisitionEvent(TransitionRecord, db.Model):
    """Every change: state changes, and split changes (from = to, reason says what)."""

    __tablename__ = "requisition_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)


class Allocation(db.Model):
    """One group's share. Running totals (made, passed, accepted, delivered) are kept here so the progress page
    reads a few aggregates rather than every report."""

    __tablename__ = "requisition_allocations"
    __table_args__ = (
        UniqueConstraint("requisition_id", "seller_id"),
        CheckConstraint("committed >= 0 AND committed <= quantity", name="committed_within_share"),
        Index("ix_requisition_allocations_req_block", "requisition_id", "block_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"))
    federation_name: Mapped[str | None] = mapped_column(String(120))  # the block's nodal CLF it goes through
    quantity: Mapped[int]  # the group's share: what it committed to plus what is still offered to it
    committed: Mapped[int] = mapped_column(default=0)  # what the group accepted
    price_paise: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default=AllocStatus.OFFERED)
    made: Mapped[int] = mapped_column(default=0)
    passed: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)  # by the packaging house
    rejected: Mapped[int] = mapped_column(default=0)
    delivered: Mapped[int] = mapped_column(default=0)
    over_note: Mapped[str | None] = mapped_column(String(300))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AllocationEvent(TransitionRecord, db.Model):
    __tablename__ = "requisition_allocation_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("requisition_allocations.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)


class Quote(TimestampMixin, db.Model):
    __tablename__ = "requisition_quotes"
    __table_args__ = (UniqueConstraint("requisition_id", "seller_id"),
                      CheckConstraint("quantity > 0 AND price_paise > 0", name="quote_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    price_paise: Mapped[int]
    quantity: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=QuoteStatus.OPEN)


class DailyReport(db.Model):
    """A group's output for one day. A correction adds a new row and marks the old one not current, so history
    stays; a partial unique index keeps one current row per group per day."""

    __tablename__ = "requisition_daily_reports"
    __table_args__ = (
        CheckConstraint("made >= 0 AND passed >= 0 AND passed <= made", name="report_sane"),
        Index("uq_requisition_daily_reports_current", "requisition_id", "seller_id", "day", unique=True,
              sqlite_where=text("current"), postgresql_where=text("current")),
        Index("ix_requisition_daily_reports_day", "requisition_id", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"))
    allocation_id: Mapped[int] = mapped_column(ForeignKey("requisition_allocations.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"))
    day: Mapped[date] = mapped_column(Date)
    made: Mapped[int]
    passed: Mapped[int]
    over_note: Mapped[str | None] = mapped_column(String(300))
    current: Mapped[bool] = mapped_column(default=True)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequisitionDay(db.Model):
    """Made and passed per requisition, block and day: kept with each report (by difference) so the daily chart
    reads days × blocks rows, not every group's report."""

    __tablename__ = "requisition_days"
    __table_args__ = (UniqueConstraint("requisition_id", "block_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"))
    day: Mapped[date] = mapped_column(Date)
    made: Mapped[int] = mapped_column(default=0)
    passed: Mapped[int] = mapped_column(default=0)


class Lot(db.Model):
    """Goods a group hands to its block's packaging house; the house counts and checks them."""

    __tablename__ = "requisition_lots"
    __table_args__ = (CheckConstraint("quantity > 0", name="lot_positive"),
                      CheckConstraint("accepted + rejected <= quantity", name="lot_checked_within"))
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("requisition_allocations.id"), index=True)
    house_id: Mapped[int | None] = mapped_column(ForeignKey("packaging_houses.id"))
    quantity: Mapped[int]
    accepted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    dispatched: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="handed")  # handed -> checked
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dispatch(db.Model):
    """Accepted goods sent to a delivery point; the point confirms what arrived (shortfall recorded)."""

    __tablename__ = "requisition_dispatches"
    __table_args__ = (CheckConstraint("quantity > 0", name="dispatch_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("requisition_points.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("requisition_lots.id"), index=True)
    quantity: Mapped[int]
    received: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="sent")  # sent -> received
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(db.Model):
    """A bank transfer from the institution, recorded by an admin with its reference."""

    __tablename__ = "requisition_payments"
    __table_args__ = (UniqueConstraint("reference"), CheckConstraint("amount_paise > 0", name="payment_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    amount_paise: Mapped[int]
    reference: Mapped[str] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequisitionInvoice(db.Model):
    """A group's GST invoice to the institution for the units its packaging house accepted in one lot. Numbered in
    the group's own series (invoices.services), with the buyer's GSTIN and the place of supply; a snapshot."""

    __tablename__ = "requisition_invoices"
    __table_args__ = (CheckConstraint("total_paise = taxable_paise + cgst_paise + sgst_paise + igst_paise",
                                      name="req_invoice_adds_up"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("requisition_lots.id"), unique=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    supplier_name: Mapped[str] = mapped_column(String(250))
    supplier_gstin: Mapped[str | None] = mapped_column(String(15))
    supplier_state_code: Mapped[str] = mapped_column(String(4))
    recipient_name: Mapped[str] = mapped_column(String(160))
    recipient_gstin: Mapped[str | None] = mapped_column(String(15))
    recipient_address: Mapped[str] = mapped_column(String(400))
    place_of_supply: Mapped[str] = mapped_column(String(4))
    po_number: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(250))
    hsn_code: Mapped[str | None] = mapped_column(String(8))
    quantity: Mapped[int]
    unit_price_paise: Mapped[int]
    gst_rate_bp: Mapped[int]
    taxable_paise: Mapped[int]
    cgst_paise: Mapped[int] = mapped_column(default=0)
    sgst_paise: Mapped[int] = mapped_column(default=0)
    igst_paise: Mapped[int] = mapped_column(default=0)
    total_paise: Mapped[int]
