"""Lots through the packaging house, dispatch and receipt with shortfalls, per-group GST invoices to the
institution, the groups' ledger and the institution's statement."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.invoices import services as invoices
from marketplace.requisitions import delivery, services
from marketplace.requisitions.models import RequisitionInvoice
from marketplace.requisitions.services import RequisitionError, today_ist
from marketplace.settlements import services as settlements

from . import factories as f
from . import req_factories as rf


@pytest.fixture
def flow(geo):
    kahara = geo["Kahara"]
    operator = f.user(Role.OPERATOR)
    house = f.packaging_house(kahara, operators=[operator], serves=(kahara.id,))
    inst, buyer = rf.institution(kahara)
    made, category = rf.groups([kahara], 2, weekly=700)
    (g1, _), (g2, _) = made
    g1.gstin = "10AABCU9603R1ZM"
    db.session.commit()
    req = rf.requisition(inst, buyer, category, [("Bangaon", kahara, 600), ("Chainpur", kahara, 400)], price=2000)
    req.po_number, req.gst_rate_bp = "PO/SAH/2026/17", 500
    db.session.commit()
    services.save_split(req.id, req.version, {g1.id: 500, g2.id: 500}, None)
    services.answer(req.id, g1.id, None, None)
    services.answer(req.id, g2.id, None, None)
    services.report_day(req.id, g1.id, today_ist(), 500, 480, None)
    services.report_day(req.id, g2.id, today_ist(), 500, 500, None)
    return {"req": services.get(req.id), "inst": inst, "buyer": buyer, "g1": g1, "g2": g2, "house": house,
            "operator": operator}


def test_lot_check_invoice_ledger_dispatch_receipt(flow):
    req, g1 = flow["req"], flow["g1"]
    with pytest.raises(RequisitionError):
        delivery.hand_lot(req.id, g1.id, 481, None)  # only 480 passed its own check
    lot = delivery.hand_lot(req.id, g1.id, 480, None)
    with pytest.raises(RequisitionError):
        delivery.check_lot(lot.id, 470, 5, "", flow["operator"])  # does not add up
    with pytest.raises(RequisitionError):
        delivery.check_lot(lot.id, 470, 10, "", flow["operator"])  # rejection without a reason
    invoice = delivery.check_lot(lot.id, 470, 10, "loose stitching", flow["operator"])
    with pytest.raises(RequisitionError) as exc:
        delivery.check_lot(lot.id, 480, 0, None, flow["operator"])
    assert exc.value.status == 409
    assert invoice.quantity == 470 and invoice.total_paise == 470 * 2000
    assert invoice.recipient_gstin == flow["inst"].gstin and invoice.place_of_supply == "BR"
    assert invoice.kind == "tax_invoice" and invoice.cgst_paise + invoice.sgst_paise > 0 and invoice.igst_paise == 0
    assert invoice.po_number == "PO/SAH/2026/17"
    assert settlements.balance(g1.id) == 470 * 2000 - settlements.commission_on(470 * 2000)
    assert settlements.ledger_sum() == 0
    point = delivery.points_of(req.id)[0]
    with pytest.raises(RequisitionError):
        delivery.dispatch(lot.id, point.id, 471, flow["operator"])
    sent = delivery.dispatch(lot.id, point.id, 470, flow["operator"])
    with pytest.raises(RequisitionError):
        delivery.receive(sent.id, 460, flow["buyer"])  # a shortfall needs a note
    delivery.receive(sent.id, 460, flow["buyer"], "10 wet in the rain")
    db.session.expire_all()
    point = delivery.points_of(req.id)[0]
    assert (point.received, point.shortfall) == (460, 10)
    assert services.get(req.id).status == "partly_delivered"


def test_unregistered_group_issues_bill_of_supply_and_statement(flow):
    req = flow["req"]
    lot = delivery.hand_lot(req.id, flow["g2"].id, 500, None)
    invoice = delivery.check_lot(lot.id, 500, 0, None, flow["operator"])
    assert invoice.kind == "bill_of_supply" and invoice.total_paise == invoice.taxable_paise == 500 * 2000
    with pytest.raises(RequisitionError):
        delivery.record_payment(req.id, 0, "UTR123456", None)
    delivery.record_payment(req.id, 400_000, "sbin0000123", None)
    with pytest.raises(RequisitionError) as exc:
        delivery.record_payment(req.id, 100, "SBIN0000123", None)
    assert exc.value.status == 409
    rows = delivery.institution_statement(flow["inst"].id)
    assert [(r.what, r.amount) for r in rows] == [("invoice", 1_000_000), ("payment", -400_000)]
    assert rows[-1].balance == 600_000
    assert db.session.scalar(select(RequisitionInvoice.number)).startswith(invoices.series_code(flow['g2'].id) + "/")
