"""The invoice as a PDF: headings and amounts in words in Hindi and English, the seller as supplier."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.core.formatting import format_inr, to_ist
from marketplace.invoices.models import Invoice, InvoiceKind
from marketplace.invoices.pdf import Document
from marketplace.invoices.words import rupees_in_words, rupees_in_words_hi
from marketplace.orders import india

TITLES = {InvoiceKind.TAX_INVOICE: _l("Tax invoice"), InvoiceKind.BILL_OF_SUPPLY: _l("Bill of supply")}


def both(text) -> str:
    """A lazy string in English and in Hindi: 'Ship to / भेजें'."""
    with force_locale("en"):
        en = str(text)
    with force_locale("hi"):
        hi = str(text)
    return en if en == hi else f"{en} / {hi}"


def _state(code: str) -> str:
    state = india.BY_CODE.get(code)
    return f"{state.name_en} / {state.name_hi} ({code})" if state else code


def _percent(bp: int) -> str:
    return f"{bp / 100:g}%"


def invoice_pdf(invoice: Invoice) -> bytes:
    doc = Document("A4", margin=12)
    doc.set_title(f"{invoice.number}")
    doc.add_page()
    doc.para(both(TITLES[invoice.kind]), 16, bold=True, align="C")
    doc.ln(2)
    _header(doc, invoice)
    doc.ln(3)
    _lines(doc, invoice)
    doc.ln(2)
    _totals(doc, invoice)
    doc.ln(3)
    doc.para(both(_l("Amount in words")), 9, bold=True)
    doc.para(rupees_in_words(invoice.total_paise), 10)
    doc.para(rupees_in_words_hi(invoice.total_paise), 10)
    doc.ln(3)
    if invoice.kind == InvoiceKind.BILL_OF_SUPPLY:
        doc.para(both(_l("The supplier is not registered under GST, so no GST is charged.")), 9)
    doc.para(both(_l("Sold through Haat. This invoice was made by computer and needs no signature.")), 8)
    return doc.bytes()


def _header(doc: Document, invoice: Invoice) -> None:
    facts = [
        (both(_l("Invoice number")), invoice.number),
        (both(_l("Date")), to_ist(invoice.issued_at).strftime("%d-%m-%Y")),
        (both(_l("Order")), invoice.order_number),
        (both(_l("Place of supply")), _state(invoice.recipient_state_code)),
    ]
    for label, value in facts:
        doc.use(9, bold=True)
        doc.cell(60, 5.5, label)
        doc.use(10)
        doc.cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    gstin = invoice.supplier_gstin or both(_l("Not registered under GST"))
    doc.para(both(_l("Supplier")), 9, bold=True)
    doc.para(f"{invoice.supplier_name}\n{invoice.supplier_address}\nGSTIN: {gstin}", 10)
    doc.ln(1)
    doc.para(both(_l("Customer")), 9, bold=True)
    doc.para(f"{invoice.recipient_name}\n{invoice.recipient_address}", 10)


def _lines(doc: Document, invoice: Invoice) -> None:
    doc.use(8.5)
    heads = [_l("Item"), _l("HSN"), _l("Quantity"), _l("Price with GST"), _l("Taxable value"), _l("GST"), _l("Tax"),
             _l("Amount")]
    widths = (50, 14, 14, 20, 24, 14, 20, 30)
    with doc.table(col_widths=widths, text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=4.6, first_row_as_headings=True) as table:
        table.row([both(h) for h in heads])
        for line in invoice.lines:
            description = " / ".join(d for d in dict.fromkeys((line.description_hi, line.description_en)) if d)
            table.row([description, line.hsn_code or "", str(line.quantity), format_inr(line.unit_price_paise),
                       format_inr(line.taxable_paise), _percent(line.gst_rate_bp), format_inr(line.tax_paise),
                       format_inr(line.total_paise)])


def _totals(doc: Document, invoice: Invoice) -> None:
    rows = [(_l("Taxable value"), invoice.taxable_paise)]
    if invoice.kind == InvoiceKind.TAX_INVOICE:
        rows += ([(_l("Central GST (CGST)"), invoice.cgst_paise), (_l("State GST (SGST)"), invoice.sgst_paise)]
                 if invoice.intra_state else [(_l("Integrated GST (IGST)"), invoice.igst_paise)])
    rows.append((_l("Total"), invoice.total_paise))
    for label, amount in rows:
        doc.use(10, bold=label is rows[-1][0])
        doc.cell(140, 6, both(label), align="R")
        doc.cell(0, 6, format_inr(amount), align="R", new_x="LMARGIN", new_y="NEXT")
