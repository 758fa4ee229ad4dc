"""Delivery in lots and the money of a requisition.

A group hands a lot (units that passed its own check) to its block's packaging house; the house counts and checks
it (accepted / rejected with a reason) exactly once (UPDATE … WHERE status = 'handed'). Accepted units are what the
group is paid for: a GST invoice from the group to the institution (the buyer's GSTIN and place of supply on it)
and a credit on the group's ledger, in the same transaction. The house dispatches accepted units to delivery
points; the point confirms what arrived, and a shortfall is recorded. The institution pays by bank transfer
(recorded by an admin with its reference) against its PO; its statement lists invoices and payments."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.fulfilment import houses
from marketplace.institutions.models import Institution
from marketplace.orders.pricing import gst_included
from marketplace.requisitions.models import (
    RUNNING,
    Allocation,
    Dispatch,
    Lot,
    Payment,
    ReqStatus,
    Requisition,
    RequisitionInvoice,
    RequisitionPoint,
)
from marketplace.requisitions.services import RequisitionError, _positive_int, transition
from marketplace.sellers.models import Seller


def hand_lot(req_id: int, seller_id: int, quantity, actor) -> Lot:
    req = db.session.get(Requisition, req_id)
    if req is None or req.status not in RUNNING:
        raise RequisitionError(_l("This requisition is not in production."), status=409)
    a = db.session.scalar(select(Allocation).where(Allocation.requisition_id == req_id,
                                                   Allocation.seller_id == seller_id))
    if a is None or a.committed == 0:
        raise RequisitionError(_l("Your group has no share in this requisition."), status=404)
    quantity = _positive_int(quantity, "quantity")
    handed = db.session.scalar(select(func.coalesce(func.sum(Lot.quantity), 0)).where(Lot.allocation_id == a.id))
    if handed + quantity > a.passed:
        raise RequisitionError(_l("You can hand over at most %(n)d: the units that passed your own check and are "
                                  "not handed over yet.", n=max(a.passed - handed, 0)), field="quantity")
    house = houses.house_for_block(a.block_id)
    if house is None:
        raise RequisitionError(_l("No packaging house serves your block yet."), status=409)
    lot = Lot(requisition_id=req_id, allocation_id=a.id, house_id=house.id, quantity=quantity)
    db.session.add(lot)
    db.session.commit()
    return lot


def _recipient_address(inst: Institution) -> str:
    return inst.billing_address


def _invoice(req: Requisition, inst: Institution, a: Allocation, lot: Lot, units: int) -> RequisitionInvoice:
    from marketplace.invoices import services as invoices

    seller = db.session.get(Seller, a.seller_id)
    price = a.price_paise or req.price_paise or 0
    total = price * units
    registered = bool(seller.gstin)
    tax = gst_included(total, req.gst_rate_bp) if registered else 0
    now = utcnow()
    fy = invoices.financial_year(now)
    seq = invoices.next_number(seller.id, fy)  # one series per group per year, shared with its shop invoices
    supplier_state = seller.block.district.state.code
    inv = RequisitionInvoice(
        requisition_id=req.id, institution_id=inst.id, lot_id=lot.id, seller_id=seller.id,
        number=invoices.invoice_number(seller.id, fy, seq), kind="tax_invoice" if registered else "bill_of_supply",
        issued_at=now, supplier_name=" / ".join(n for n in (seller.name_hi, seller.name_en) if n),
        supplier_gstin=seller.gstin, supplier_state_code=supplier_state, recipient_name=inst.name,
        recipient_gstin=inst.gstin, recipient_address=_recipient_address(inst), place_of_supply=inst.state_code,
        po_number=req.po_number, description=req.title, hsn_code=req.hsn_code, quantity=units,
        unit_price_paise=price, gst_rate_bp=req.gst_rate_bp if registered else 0, taxable_paise=total - tax,
        total_paise=total)
    if supplier_state == inst.state_code:
        inv.cgst_paise = tax // 2
        inv.sgst_paise = tax - inv.cgst_paise
    else:
        inv.igst_paise = tax
    db.session.add(inv)
    return inv


def check_lot(lot_id: int, accepted, rejected, reason: str | None, actor) -> RequisitionInvoice | None:
    """The packaging house's count: accepted + rejected = the lot; a reason for any rejection. Once only."""
    from marketplace.settlements import services as settlements

    lot = db.session.get(Lot, lot_id)
    if lot is None:
        raise RequisitionError(_l("We could not find that lot."), status=404)
    accepted = _positive_int(accepted, "accepted", allow_zero=True)
    rejected = _positive_int(rejected, "rejected", allow_zero=True)
    if accepted + rejected != lot.quantity:
        raise RequisitionError(_l("Accepted and rejected must add up to the %(n)d units handed over.",
                                  n=lot.quantity), field="accepted")
    reason = (reason or "").strip()[:300] or None
    if rejected and not reason:
        raise RequisitionError(_l("Please give a reason for the rejected units."), field="reason")
    done = db.session.execute(update(Lot).where(Lot.id == lot.id, Lot.status == "handed").values(
        status="checked", accepted=accepted, rejected=rejected, reason=reason,
        checked_by_id=actor.id if actor else None).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise RequisitionError(_l("This lot was already checked."), status=409)
    db.session.execute(update(Allocation).where(Allocation.id == lot.allocation_id).values(
        accepted=Allocation.accepted + accepted, rejected=Allocation.rejected + rejected)
        .execution_options(synchronize_session=False))
    invoice = None
    if accepted:
        a = db.session.get(Allocation, lot.allocation_id)
        req = db.session.get(Requisition, lot.requisition_id)
        inst = db.session.get(Institution, req.institution_id)
        invoice = _invoice(req, inst, a, lot, accepted)
        settlements.credit_requisition_lot(a.seller_id, lot.id, invoice.total_paise,
                                           actor.id if actor else None, f"{req.title[:150]} · {invoice.number}")
    db.session.commit()
    return invoice


def dispatch(lot_id: int, point_id: int, quantity, actor) -> Dispatch:
    lot = db.session.get(Lot, lot_id)
    point = db.session.get(RequisitionPoint, point_id)
    if lot is None or point is None or point.requisition_id != lot.requisition_id:
        raise RequisitionError(_l("We could not find that lot or delivery point."), status=404)
    quantity = _positive_int(quantity, "quantity")
    done = db.session.execute(update(Lot).where(Lot.id == lot.id, Lot.status == "checked",
                                                Lot.dispatched + quantity <= Lot.accepted)
                              .values(dispatched=Lot.dispatched + quantity)
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise RequisitionError(_l("Only accepted units not yet sent can be dispatched."), field="quantity")
    row = Dispatch(requisition_id=lot.requisition_id, point_id=point.id, lot_id=lot.id, quantity=quantity)
    db.session.add(row)
    db.session.commit()
    return row


def receive(dispatch_id: int, received, actor, note: str | None = None) -> None:
    """The delivery point confirms what arrived; anything missing is the shortfall."""
    row = db.session.get(Dispatch, dispatch_id)
    if row is None:
        raise RequisitionError(_l("We could not find that dispatch."), status=404)
    received = _positive_int(received, "received", maximum=row.quantity, allow_zero=True)
    short = row.quantity - received
    if short and not (note or "").strip():
        raise RequisitionError(_l("Please say what was missing or damaged."), field="note")
    done = db.session.execute(update(Dispatch).where(Dispatch.id == row.id, Dispatch.status == "sent").values(
        status="received", received=received, note=(note or "").strip()[:300] or None)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise RequisitionError(_l("This delivery was already confirmed."), status=409)
    db.session.execute(update(RequisitionPoint).where(RequisitionPoint.id == row.point_id).values(
        received=RequisitionPoint.received + received, shortfall=RequisitionPoint.shortfall + short)
        .execution_options(synchronize_session=False))
    lot = db.session.get(Lot, row.lot_id)
    db.session.execute(update(Allocation).where(Allocation.id == lot.allocation_id).values(
        delivered=Allocation.delivered + received).execution_options(synchronize_session=False))
    db.session.flush()
    req = db.session.get(Requisition, row.requisition_id)
    db.session.refresh(req)
    delivered = db.session.scalar(select(func.sum(Allocation.delivered)).where(
        Allocation.requisition_id == req.id)) or 0
    if req.status == ReqStatus.IN_PRODUCTION and delivered < req.quantity:
        transition(req.id, ReqStatus.PARTLY_DELIVERED, actor, "first delivery received", commit=False)
    elif req.status in (ReqStatus.IN_PRODUCTION, ReqStatus.PARTLY_DELIVERED) and delivered >= req.quantity:
        transition(req.id, ReqStatus.COMPLETED, actor, "everything delivered", commit=False)
    db.session.commit()


def record_payment(req_id: int, amount_paise: int, reference: str, actor) -> Payment:
    reference = (reference or "").strip().upper()
    if not 4 <= len(reference) <= 40:
        raise RequisitionError(_l("Enter the bank transfer's reference (UTR)."), field="reference")
    if not 0 < amount_paise <= 10_000_000_000_00:
        raise RequisitionError(_l("Enter an amount above ₹0."), field="amount")
    if db.session.get(Requisition, req_id) is None:
        raise RequisitionError(_l("We could not find that requisition."), status=404)
    if db.session.scalar(select(Payment.id).where(Payment.reference == reference)) is not None:
        raise RequisitionError(_l("This reference is already recorded."), field="reference", status=409)
    payment = Payment(requisition_id=req_id, amount_paise=amount_paise, reference=reference,
                      recorded_by_id=actor.id if actor else None)
    db.session.add(payment)
    db.session.commit()
    return payment


@dataclass(frozen=True)
class StatementRow:
    at: datetime
    what: str  # "invoice" or "payment"
    ref: str
    detail: str
    amount: int  # what the institution owes: invoices positive, payments negative
    balance: int


def institution_statement(institution_id: int, limit: int = 500) -> list[StatementRow]:
    """Invoices received and payments made, oldest first, each with the balance owed after it."""
    invoices = db.session.execute(select(RequisitionInvoice.issued_at, RequisitionInvoice.number,
                                         RequisitionInvoice.supplier_name, RequisitionInvoice.total_paise)
                                  .where(RequisitionInvoice.institution_id == institution_id)
                                  .order_by(RequisitionInvoice.id).limit(limit))
    payments = db.session.execute(select(Payment.at, Payment.reference, Requisition.title, Payment.amount_paise)
                                  .join(Requisition, Requisition.id == Payment.requisition_id)
                                  .where(Requisition.institution_id == institution_id).order_by(Payment.id)
                                  .limit(limit))
    rows = [(at, "invoice", ref, detail, amount) for at, ref, detail, amount in invoices]
    rows += [(at, "payment", ref, detail, -amount) for at, ref, detail, amount in payments]
    rows.sort(key=lambda r: r[0])
    balance, out = 0, []
    for at, what, ref, detail, amount in rows:
        balance += amount
        out.append(StatementRow(at, what, ref, detail, amount, balance))
    return out


def lots_at_house(house_id: int, limit: int = 200) -> list:
    stmt = (select(Lot, Seller.name_hi, Seller.name_en, Requisition.title)
            .join(Allocation, Allocation.id == Lot.allocation_id).join(Seller, Seller.id == Allocation.seller_id)
            .join(Requisition, Requisition.id == Lot.requisition_id)
            .where(Lot.house_id == house_id, (Lot.status == "handed") | (Lot.dispatched < Lot.accepted))
            .order_by(Lot.id).limit(limit))
    return list(db.session.execute(stmt))


def points_of(req_id: int) -> list[RequisitionPoint]:
    return list(db.session.scalars(select(RequisitionPoint).where(RequisitionPoint.requisition_id == req_id)
                                   .order_by(RequisitionPoint.name)))


def open_dispatches(req_id: int) -> list:
    stmt = (select(Dispatch, RequisitionPoint.name).join(RequisitionPoint, RequisitionPoint.id == Dispatch.point_id)
            .where(Dispatch.requisition_id == req_id, Dispatch.status == "sent").order_by(Dispatch.id))
    return list(db.session.execute(stmt))


def invoices_of(req_id: int, seller_ids=None, limit: int = 200) -> list[RequisitionInvoice]:
    stmt = select(RequisitionInvoice).where(RequisitionInvoice.requisition_id == req_id)
    if seller_ids is not None:
        stmt = stmt.where(RequisitionInvoice.seller_id.in_(list(seller_ids)))
    return list(db.session.scalars(stmt.order_by(RequisitionInvoice.id.desc()).limit(limit)))


def get_invoice(invoice_id: int) -> RequisitionInvoice | None:
    return db.session.get(RequisitionInvoice, invoice_id)


def paid_total(req_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Payment.amount_paise), 0))
                             .where(Payment.requisition_id == req_id))
