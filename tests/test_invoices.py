"""GST invoices and bills of supply: made at dispatch for what was really sent, numbered without gaps per seller
per financial year, taxes split by place of supply, amounts in words, and shown only to those concerned."""

import threading
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.invoices import services as invoices
from marketplace.invoices.models import Invoice, InvoiceCounter, InvoiceKind
from marketplace.invoices.words import number_in_words, rupees_in_words, rupees_in_words_hi
from marketplace.orders.models import SellerOrder

from .conftest import login
from .e2e import shop as shopping
from .test_fulfilment import CUSTOMER, build_world, hand_over, part_of, ready_order, ship
from .test_fulfilment_labels import _squeezed, _text


@pytest.fixture
def world(geo):
    return build_world(geo)


# ---------------------------------------------------------------- words and years

@pytest.mark.parametrize("paise,english,hindi", [
    (12740000, "One lakh twenty-seven thousand four hundred rupees only",
     "एक लाख सत्ताईस हज़ार चार सौ रुपये मात्र"),
    (12740050, "One lakh twenty-seven thousand four hundred rupees and fifty paise only",
     "एक लाख सत्ताईस हज़ार चार सौ रुपये और पचास पैसे मात्र"),
    (100, "One rupee only", "एक रुपया मात्र"),
    (1, "One paisa only", "एक पैसा मात्र"),
    (0, "Zero rupees only", "शून्य रुपये मात्र"),
    (59000, "Five hundred ninety rupees only", "पाँच सौ नब्बे रुपये मात्र"),
    (99999999900, "Ninety-nine crore ninety-nine lakh ninety-nine thousand nine hundred ninety-nine rupees only",
     "निन्यानवे करोड़ निन्यानवे लाख निन्यानवे हज़ार नौ सौ निन्यानवे रुपये मात्र"),
    (123456789000, "One hundred twenty-three crore forty-five lakh sixty-seven thousand eight hundred ninety "
                   "rupees only", "एक सौ तेईस करोड़ पैंतालीस लाख सड़सठ हज़ार आठ सौ नब्बे रुपये मात्र"),
])
def test_amounts_in_words_the_indian_way(paise, english, hindi):
    assert rupees_in_words(paise) == english
    assert rupees_in_words_hi(paise) == hindi


def test_every_hindi_number_below_a_hundred_has_its_own_word():
    words = [number_in_words(n, hindi=True) for n in range(100)]
    assert len(set(words)) == 100 and all(" " not in w for w in words)
    assert (words[19], words[29], words[45], words[79], words[99]) == ("उन्नीस", "उनतीस", "पैंतालीस", "उन्यासी",
                                                                       "निन्यानवे")


@pytest.mark.parametrize("utc,fy", [
    (datetime(2027, 3, 31, 18, 29, tzinfo=UTC), "2026-27"),  # 23:59 on 31 March in India
    (datetime(2027, 3, 31, 18, 30, tzinfo=UTC), "2027-28"),  # midnight, 1 April in India
    (datetime(2026, 4, 1, 0, 0, tzinfo=UTC), "2026-27"),
    (datetime(2000, 1, 15, tzinfo=UTC), "1999-00"),
])
def test_the_financial_year_runs_april_to_march_in_india(utc, fy):
    assert invoices.financial_year(utc) == fy


# ---------------------------------------------------------------- numbering

def _delivered_order(app, world, **kwargs):
    order = ready_order(app, world, **kwargs)
    for seller in world.sellers:
        part = next((p for p in order.parts if p.seller_id == seller.id), None)
        if part is not None:
            ship(app, world, hand_over(app, world, part).shipment_id)
    return shopping.reload(type(order), order.id)


def test_numbers_run_without_gaps_per_seller_and_restart_each_financial_year(app, world):
    orders = [ready_order(app, world) for _ in range(3)]
    parts_a = [part_of(o, world.sellers[0]) for o in orders]
    part_b = part_of(orders[0], world.sellers[1])
    with app.test_request_context():
        def issue(part, at):
            part = db.session.get(SellerOrder, part.id)
            invoice = invoices.issue(part, [invoices.Supplied(line, line.quantity) for line in part.lines], at)
            db.session.commit()
            return invoice.number

        march, april = datetime(2027, 3, 31, 12, tzinfo=UTC), datetime(2027, 4, 1, 12, tzinfo=UTC)
        a = invoices.series_code(world.sellers[0].id)
        assert issue(parts_a[0], march) == f"{a}/2627/00001"
        b = invoices.series_code(world.sellers[1].id)
        assert issue(part_b, march) == f"{b}/2627/00001"  # each seller counts its own
        # a dispatch that fails rolls its number back: the next invoice takes it, leaving no gap
        part = db.session.get(SellerOrder, parts_a[1].id)
        invoices.issue(part, [invoices.Supplied(line, line.quantity) for line in part.lines], march)
        db.session.rollback()
        assert issue(parts_a[1], march) == f"{a}/2627/00002"
        assert issue(parts_a[2], april) == f"{a}/2728/00001"
        assert issue(parts_a[0], april) == f"{a}/2627/00001"  # issued once: the same invoice again
    assert all(len(n) <= 16 for n in db.session.scalars(select(Invoice.number)))


def test_invoices_issued_at_the_same_moment_get_different_consecutive_numbers(app, world):
    orders = [ready_order(app, world, lines=[(world.products[0], 1)]) for _ in range(5)]
    part_ids = [o.parts[0].id for o in orders]
    with app.test_request_context():  # the seller's counter row exists
        first = db.session.get(SellerOrder, part_ids.pop())
        invoices.issue(first, [invoices.Supplied(first.lines[0], 1)])
        db.session.commit()
    errors = []

    def issue(part_id):
        with app.app_context():
            try:
                part = db.session.get(SellerOrder, part_id)
                invoices.issue(part, [invoices.Supplied(part.lines[0], 1)])
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(pid,)) for pid in part_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Invoice.seq))) == [1, 2, 3, 4, 5]
    assert db.session.scalar(select(InvoiceCounter.last_number)) == 5


# ---------------------------------------------------------------- contents

def test_an_unregistered_group_issues_a_bill_of_supply_for_what_was_sent(app, world):
    order = ready_order(app, world)
    part = part_of(order, world.sellers[0])
    record = hand_over(app, world, part, received={part.lines[0].id: 1})  # one ₹250 item short
    ship(app, world, record.shipment_id, deliver=False)
    invoice = db.session.scalar(select(Invoice))
    assert invoice.kind == InvoiceKind.BILL_OF_SUPPLY and invoice.supplier_gstin is None
    assert (invoice.total_paise, invoice.taxable_paise, invoice.cgst_paise + invoice.sgst_paise + invoice.igst_paise
            ) == (34000, 34000, 0)
    assert [(line.quantity, line.total_paise) for line in invoice.lines] == [(1, 25000), (1, 9000)]
    assert invoice.recipient_state_code == "DL" and invoice.supplier_state_code == "BR"


def test_a_registered_group_charges_integrated_gst_across_states_and_split_gst_within_one(app, world):
    world.sellers[0].gstin = "10ABCDE1234F1Z5"
    db.session.commit()
    order = _delivered_order(app, world, lines=[(world.products[0], 2)])  # ₹500 at 5% GST, Bihar to Delhi
    invoice = db.session.scalar(select(Invoice))
    assert invoice.kind == InvoiceKind.TAX_INVOICE and not invoice.intra_state
    assert (invoice.total_paise, invoice.igst_paise, invoice.taxable_paise) == (50000, 2381, 47619)
    assert invoice.cgst_paise == invoice.sgst_paise == 0
    # the same goods to an address in Bihar: half central, half state GST
    with app.test_request_context():
        from marketplace.orders import services as orders

        address = orders.save_address(world.customer, {**shopping.ADDRESS, "state_code": "BR", "pin_code": "852201",
                                                       "district": "Saharsa"})
    shopping.fill(app, world.customer, [(world.products[0], 2)])
    local = shopping.place(app, world.customer, address=address)
    assert local.id != order.id
    with app.test_request_context():
        part = db.session.get(SellerOrder, local.parts[0].id)
        inv = invoices.issue(part, [invoices.Supplied(part.lines[0], 2)])
        db.session.commit()
        assert inv.intra_state and (inv.cgst_paise, inv.sgst_paise, inv.igst_paise) == (1190, 1191, 0)


def test_the_invoice_pdf_shows_the_number_the_totals_and_the_amount_in_words(app, client, world):
    world.sellers[0].gstin = "10ABCDE1234F1Z5"
    world.products[0].hsn_code = "63079090"  # the HSN at checkout is what the invoice must show
    db.session.commit()
    _delivered_order(app, world, lines=[(world.products[0], 2), (world.products[2], 1)])
    world.products[0].hsn_code = "9999"  # a later edit of the listing changes no issued invoice
    db.session.commit()
    invoice = db.session.scalar(select(Invoice))
    login(client, CUSTOMER)
    r = client.get(f"/invoices/{invoice.id}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = _text(r.data)
    assert "9999" not in text
    for value in (invoice.number, "Taxinvoice", "10ABCDE1234F1Z5", "₹590", "IGST", "63079090",
                  rupees_in_words(59000), rupees_in_words_hi(59000), world.sellers[0].name_hi):
        assert _squeezed(value) in text, value
    assert len(PdfReader(BytesIO(r.data)).pages) == 1


def test_only_the_customer_the_group_and_admins_see_an_invoice(app, client, world):
    _delivered_order(app, world)
    mine, theirs = (db.session.scalar(select(Invoice).where(Invoice.seller_id == s.id)) for s in world.sellers)
    login(client, world.members[0].mobile)
    assert client.get(f"/invoices/{mine.id}.pdf").status_code == 200
    assert client.get(f"/invoices/{theirs.id}.pdf").status_code == 403
    assert client.get("/invoices/999999.pdf").status_code == 404
    listing = client.get("/seller/invoices?lang=en").get_data(as_text=True)
    assert mine.number in listing and theirs.number not in listing
    assert client.get(f"/seller/invoices?seller={world.sellers[1].id}").status_code == 403
    stranger = app.test_client()
    login(stranger, shopping.quick_user(name="Someone else", login="9811000077").mobile)
    assert stranger.get(f"/invoices/{mine.id}.pdf").status_code == 403
    admin = app.test_client()
    login(admin, world.admin.email)
    assert admin.get(f"/invoices/{theirs.id}.pdf").status_code == 200
    assert app.test_client().get(f"/invoices/{mine.id}.pdf").status_code == 302  # log in first


def test_the_customer_finds_each_invoice_on_the_order_page(app, client, world):
    order = _delivered_order(app, world)
    login(client, CUSTOMER)
    html = client.get(f"/orders/{order.number}?lang=en").get_data(as_text=True)
    for invoice in db.session.scalars(select(Invoice)):
        assert f"/invoices/{invoice.id}.pdf" in html and invoice.number in html
