"""Issuing invoices: one per seller order when its goods leave the packaging house, the seller as supplier.

Numbers run without gaps per seller per financial year (1 April to 31 March, in India's time). The next
number is taken by an atomic `UPDATE … SET last_number = last_number + 1 RETURNING last_number` on the
seller's counter row, inside the transaction that issues the invoice: two dispatches at once queue on the
row lock, and if the transaction rolls back the number is given back with it, so no number is ever skipped.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.accounts.access import can_manage_seller
from marketplace.accounts.models import Role
from marketplace.catalog.units import pack_label
from marketplace.core.formatting import to_ist
from marketplace.core.pagination import Page, paginate
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.invoices.models import Invoice, InvoiceCounter, InvoiceKind, InvoiceLine
from marketplace.orders import india
from marketplace.orders.models import OrderLine, SellerOrder
from marketplace.orders.pricing import gst_included


@dataclass(frozen=True)
class Supplied:
    """Units of one order line that were really sent."""

    line: OrderLine
    quantity: int


def financial_year(moment: datetime) -> str:
    """'2026-27' for any moment from 1 April 2026 00:00 to 31 March 2027 23:59 in India."""
    day: date = to_ist(moment).date()
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def next_number(seller_id: int, fy: str) -> int:
    stmt = (update(InvoiceCounter).where(InvoiceCounter.seller_id == seller_id, InvoiceCounter.fy == fy)
            .values(last_number=InvoiceCounter.last_number + 1).returning(InvoiceCounter.last_number))
    number = db.session.execute(stmt).scalar()
    if number is not None:
        return number
    try:  # the seller's first invoice this year: make the counter (another transaction may make it first)
        with db.session.begin_nested():
            db.session.add(InvoiceCounter(seller_id=seller_id, fy=fy, last_number=0))
    except IntegrityError:
        pass
    return db.session.execute(stmt).scalar_one()


_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def series_code(seller_id: int) -> str:
    """A seller's own invoice series: its id in base 36 ('12' -> 'C', 1,000,000 -> 'LFLS', 2**31-1 -> 'ZIK0ZJ'),
    short enough that the whole number stays within 16 characters for any group."""
    if seller_id <= 0:
        raise ValueError("seller id must be positive")
    code = ""
    while seller_id:
        seller_id, digit = divmod(seller_id, 36)
        code = _BASE36[digit] + code
    return code


def invoice_number(seller_id: int, fy: str, seq: int) -> str:
    """'C/2627/00001': the seller's series, the financial year, the serial. At most 16 characters, as GST rule
    46(b) asks (letters, digits, '-' and '/'). Slashes, where the first numbering used hyphens ('H12-2627-00001'),
    keep every new number distinct from every old one. Room: serials up to 99,999 a year for the first
    60 million groups (five-character series), up to 999,999 for the first 1.6 million."""
    series, year = series_code(seller_id), f"{fy[2:4]}{fy[5:7]}"
    number = f"{series}/{year}/{seq:05d}"
    if len(number) > 16:  # a six-character series (ids above 60 million) keeps four-digit padding
        number = f"{series}/{year}/{seq:04d}"
    if len(number) > 16:
        raise ValueError("invoice number too long")
    return number


def _address(seller) -> str:
    places = [seller.village.name_en if seller.village else None, seller.block.name_en,
              seller.block.district.name_en, seller.block.district.state.name_en]
    return ", ".join(p for p in places if p)


def _recipient_address(order) -> str:
    state = india.BY_CODE.get(order.ship_state_code)
    places = [order.ship_line1, order.ship_landmark, order.ship_district, state.name_en if state else None,
              order.ship_pin_code]
    return ", ".join(p for p in places if p)


def _line(supplied: Supplied, registered: bool) -> InvoiceLine:
    line = supplied.line
    total = line.unit_price_paise * supplied.quantity
    tax = gst_included(total, line.gst_rate_bp) if registered else 0
    return InvoiceLine(description_hi=_describe(line.title_hi, _detail(line, "hi")),
                       description_en=_describe(line.title_en, _detail(line, "en")), hsn_code=line.hsn_code,
                       quantity=supplied.quantity,
                       unit_price_paise=line.unit_price_paise, gst_rate_bp=line.gst_rate_bp if registered else 0,
                       taxable_paise=total - tax, tax_paise=tax, total_paise=total)


def _detail(line, locale: str) -> str | None:
    """The option chosen and what one pack held ("Red, 200 g"), in the invoice's languages."""
    parts = (line.variant_label, pack_label(line.unit, line.pack_size, locale) if line.unit else "")
    return ", ".join(p for p in parts if p) or None


def _describe(title: str | None, variant: str | None) -> str | None:
    return f"{title} ({variant})"[:250] if title and variant else title  # the column's width


def issue(part: SellerOrder, supplied: list[Supplied], at: datetime | None = None) -> Invoice | None:
    """The invoice of a seller order for what was really sent (no commit). Issued once: a second call returns
    the first invoice. None when nothing was sent."""
    existing = invoice_of_part(part.id)
    if existing is not None:
        return existing
    supplied = [s for s in supplied if s.quantity > 0]
    if not supplied:
        return None
    at = at or utcnow()
    seller, order = part.seller, part.order
    registered = bool(seller.gstin)
    fy = financial_year(at)
    seq = next_number(seller.id, fy)
    invoice = Invoice(
        seller_order_id=part.id, order_id=order.id, seller_id=seller.id, fy=fy, seq=seq,
        number=invoice_number(seller.id, fy, seq), issued_at=at, order_number=part.number,
        kind=InvoiceKind.TAX_INVOICE if registered else InvoiceKind.BILL_OF_SUPPLY,
        supplier_name=" / ".join(n for n in (seller.name_hi, seller.name_en) if n), supplier_gstin=seller.gstin,
        supplier_address=_address(seller), supplier_state_code=seller.block.district.state.code,
        recipient_name=order.ship_name, recipient_address=_recipient_address(order),
        recipient_state_code=order.ship_state_code, taxable_paise=0, total_paise=0)
    invoice.lines = [_line(s, registered) for s in supplied]
    _add_taxes(invoice)
    db.session.add(invoice)
    return invoice


def _add_taxes(invoice: Invoice) -> None:
    """Within one state the tax is half central, half state GST; across states it is integrated GST."""
    tax = sum(line.tax_paise for line in invoice.lines)
    invoice.total_paise = sum(line.total_paise for line in invoice.lines)
    invoice.taxable_paise = invoice.total_paise - tax
    if invoice.intra_state:
        invoice.cgst_paise = tax // 2
        invoice.sgst_paise = tax - invoice.cgst_paise
    else:
        invoice.igst_paise = tax


# ---------------------------------------------------------------- reading

def invoice_of_part(part_id: int) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.seller_order_id == part_id))


def invoices_of_order(order_id: int) -> dict[int, Invoice]:
    """Seller order id -> its invoice."""
    return {i.seller_order_id: i for i in db.session.scalars(select(Invoice).where(Invoice.order_id == order_id))}


INVOICES_PAGE = 50  # a seller's invoices a page


def invoices_of_seller(seller_id: int, page: int = 1) -> Page:
    """One page of the seller's invoices, newest first ((fy, seq) is unique per seller: a total order)."""
    stmt = select(Invoice).where(Invoice.seller_id == seller_id).order_by(Invoice.fy.desc(), Invoice.seq.desc())
    return paginate(stmt, page, INVOICES_PAGE, count=select(func.count()).where(Invoice.seller_id == seller_id))


def get_invoice(invoice_id: int) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).options(selectinload(Invoice.lines)))


def may_see(user, invoice: Invoice) -> bool:
    """The supplier's members, the customer who bought, and admins."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.ADMIN or can_manage_seller(user, invoice.seller_id):
        return True
    part = db.session.get(SellerOrder, invoice.seller_order_id)
    return part is not None and part.order.customer_id == user.id
