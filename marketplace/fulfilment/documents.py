"""Printed papers: the seller's packing slip, the parcel's shipping label (100 x 150 mm, the common thermal
label) and the shipment's packing list. Hindi and English side by side; QR codes carry the numbers."""

from flask_babel import lazy_gettext as _l

from marketplace.catalog.units import pack_label
from marketplace.core.formatting import format_inr, to_ist
from marketplace.fulfilment import houses
from marketplace.fulfilment.models import Parcel, Shipment
from marketplace.fulfilment.services import cash_due, live_parcels
from marketplace.invoices.pdf import Document
from marketplace.invoices.render import both
from marketplace.orders import india
from marketplace.orders.models import SellerOrder


def _state(code: str) -> str:
    state = india.BY_CODE.get(code)
    return f"{state.name_hi} / {state.name_en}" if state else code


def _title(line) -> str:
    titles = " / ".join(t for t in dict.fromkeys((line.title_hi, line.title_en)) if t)
    pack = " / ".join(dict.fromkeys(pack_label(line.unit, line.pack_size, lang) for lang in ("hi", "en"))) \
        if line.unit else ""
    detail = ", ".join(p for p in (line.variant_label, pack) if p)
    return f"{titles} ({detail})" if detail else titles


def packing_slip_pdf(part: SellerOrder) -> bytes:
    """Goes with the goods to the packaging house; the operator scans its QR code to find the order."""
    doc = Document((148, 210), margin=10)
    doc.set_title(part.number)
    doc.add_page()
    doc.para(both(_l("Packing slip")), 14, bold=True)
    doc.qr(part.number, 98, 8, 40)
    doc.para(part.number, 16, bold=True)
    doc.para(" / ".join(n for n in (part.seller.name_hi, part.seller.name_en) if n), 11, w=85)
    doc.ln(2)
    house = houses.house_for_block(part.seller.block_id)
    if house is not None:
        doc.para(both(_l("Hand over at")), 9, bold=True, w=85)
        doc.para(f"{house.name_hi or house.name_en}\n{house.address_line}, {house.district} {house.pin_code}", 10,
                 w=85)
    doc.set_y(max(doc.get_y(), 52))
    doc.ln(2)
    for line in part.lines:
        doc.use(11, bold=True)
        doc.cell(14, 7, f"{line.quantity} ×")
        doc.use(11)
        doc.multi_cell(0, 7, _title(line), new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    doc.para(both(_l("Count the items and check them before handing over.")), 9)
    return doc.bytes()


def _address_lines(order) -> str:
    lines = [order.ship_name, order.ship_line1]
    if order.ship_landmark:
        lines.append(order.ship_landmark)
    lines.append(f"{order.ship_district}, {_state(order.ship_state_code)}")
    return "\n".join(lines)


def label_pdf(parcel: Parcel) -> bytes:
    """The shipping label: the customer's address as typed (Hindi or English), order and parcel numbers, a QR
    code of the parcel number, cash to collect, and the house's return address."""
    shipment = parcel.shipment
    order, house = shipment.order, shipment.house
    doc = Document((100, 150), margin=5)
    doc.set_title(parcel.number)
    doc.set_auto_page_break(False)
    doc.add_page()
    doc.para("हाट  Haat", 13, bold=True)
    doc.qr(parcel.number, 64, 3, 33)
    doc.para(both(_l("Parcel")) + f": {_position(parcel)}", 9, w=58)
    doc.para(parcel.number, 11, bold=True, w=58)
    doc.para(both(_l("Order")) + f": {order.number}", 9, w=58)
    doc.set_y(38)
    doc.para(both(_l("Deliver to")), 9, bold=True)
    doc.para(_address_lines(order), 12)
    doc.para(f"PIN {order.ship_pin_code}", 16, bold=True)
    doc.para(both(_l("Mobile")) + f": {order.ship_mobile}", 10)
    doc.ln(1)
    _cash_line(doc, shipment)
    doc.para(both(_l("Weight")) + f": {parcel.weight_g / 1000:.2f} kg  ·  "
             f"{parcel.length_cm}×{parcel.width_cm}×{parcel.height_cm} cm", 8)
    doc.set_y(max(doc.get_y() + 2, 118))
    doc.line(5, doc.get_y() - 1, 95, doc.get_y() - 1)
    doc.para(both(_l("If not delivered, return to")), 8, bold=True)
    doc.para(f"{house.name_hi or house.name_en}\n{house.address_line}, {house.district}, {_state(house.state_code)} "
             f"{house.pin_code}" + (f"\n{house.phone}" if house.phone else ""), 8)
    return doc.bytes()


def _position(parcel: Parcel) -> str:
    live = live_parcels(parcel.shipment)
    return f"{live.index(parcel) + 1}/{len(live)}" if parcel in live else "—"


def _cash_line(doc: Document, shipment: Shipment) -> None:
    due = shipment.cod_due_paise if shipment.courier else cash_due(shipment)
    if due:
        doc.para(both(_l("Collect cash for all parcels")) + f": {format_inr(due)}", 11, bold=True)
    else:
        doc.para(both(_l("Paid online: collect nothing")), 10, bold=True)


def packing_list_pdf(shipment: Shipment) -> bytes:
    """What is in each parcel of a shipment, for the operator's check and to put inside the first parcel."""
    order = shipment.order
    doc = Document("A4", margin=12)
    doc.set_title(shipment.number)
    doc.add_page()
    doc.para(both(_l("Packing list")), 15, bold=True)
    doc.para(f"{both(_l('Shipment'))}: {shipment.number}   {both(_l('Order'))}: {order.number}", 10)
    doc.para(f"{both(_l('Date'))}: {to_ist(order.created_at).strftime('%d-%m-%Y')}", 10)
    doc.para(f"{both(_l('Deliver to'))}: {order.ship_name}, {order.ship_district} {order.ship_pin_code}", 10)
    doc.ln(3)
    for parcel in live_parcels(shipment):
        doc.para(f"{both(_l('Parcel'))} {parcel.number} · {parcel.weight_g / 1000:.2f} kg · "
                 f"{parcel.length_cm}×{parcel.width_cm}×{parcel.height_cm} cm", 11, bold=True)
        with doc.table(col_widths=(150, 36), text_align=("LEFT", "RIGHT"), line_height=5.5) as table:
            table.row([both(_l("Item")), both(_l("Quantity"))])
            for item in parcel.items:
                table.row([_title(item.order_line), str(item.quantity)])
        doc.ln(3)
    return doc.bytes()
