"""Invoices are snapshots: supplier, recipient, lines and taxes as they were at issue; nothing recomputes them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.types import UTCDateTime, utcnow
from marketplace.extensions import db


class InvoiceKind(StrEnum):
    TAX_INVOICE = "tax_invoice"  # the seller is registered for GST
    BILL_OF_SUPPLY = "bill_of_supply"  # not registered: no GST is charged


class InvoiceCounter(db.Model):
    """The next invoice number per seller per financial year, taken with an atomic UPDATE … RETURNING."""

    __tablename__ = "invoice_counters"
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), primary_key=True)
    fy: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-27"
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("seller_id", "fy", "seq"),
        CheckConstraint("total_paise = taxable_paise + cgst_paise + sgst_paise + igst_paise", name="total_adds_up"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    fy: Mapped[str] = mapped_column(String(7))
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(16), unique=True)  # GST rules: at most 16 characters
    kind: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    order_number: Mapped[str] = mapped_column(String(24))
    supplier_name: Mapped[str] = mapped_column(String(250))
    supplier_gstin: Mapped[str | None] = mapped_column(String(15))
    supplier_address: Mapped[str] = mapped_column(String(300))
    supplier_state_code: Mapped[str] = mapped_column(String(4))
    recipient_name: Mapped[str] = mapped_column(String(120))
    recipient_address: Mapped[str] = mapped_column(String(400))
    recipient_state_code: Mapped[str] = mapped_column(String(4))  # the place of supply
    taxable_paise: Mapped[int]
    cgst_paise: Mapped[int] = mapped_column(default=0)
    sgst_paise: Mapped[int] = mapped_column(default=0)
    igst_paise: Mapped[int] = mapped_column(default=0)
    total_paise: Mapped[int]

    lines: Mapped[list["InvoiceLine"]] = relationship(back_populates="invoice", order_by="InvoiceLine.id")

    @property
    def intra_state(self) -> bool:
        return self.supplier_state_code == self.recipient_state_code


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("total_paise = taxable_paise + tax_paise", name="total_adds_up"))
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    description_hi: Mapped[str | None] = mapped_column(String(250))
    description_en: Mapped[str | None] = mapped_column(String(250))
    hsn_code: Mapped[str | None] = mapped_column(String(8))
    quantity: Mapped[int]
    unit_price_paise: Mapped[int]  # GST included, as the customer paid
    gst_rate_bp: Mapped[int]
    taxable_paise: Mapped[int]
    tax_paise: Mapped[int]
    total_paise: Mapped[int]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
