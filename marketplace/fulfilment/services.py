"""At the packaging house: handover and quality check, packing into parcels, dispatch, delivery or return.

Each step validates everything first, then changes rows with checked, compare-and-set transitions (a double
click or two operators at once change a thing once; the loser gets Stale), records every transition, and
commits once. Refunds are recorded in the same transaction and sent to Stripe after the commit.
"""

import os
import re
from dataclasses import dataclass
from urllib.parse import quote

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core.formatting import format_inr, parse_rupees
from marketplace.core.states import StateMachine
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.fulfilment import houses
from marketplace.fulfilment.errors import FulfilmentError, NotHere, Stale
from marketplace.fulfilment.models import (
    HANDOVER_STATES,
    PARCEL_STATES,
    SHIPMENT_STATES,
    FulfilmentEvent,
    Handover,
    HandoverLine,
    HandoverStatus,
    PackagingHouse,
    Parcel,
    ParcelItem,
    ParcelStatus,
    Shipment,
    ShipmentStatus,
)
from marketplace.invoices import services as invoices
from marketplace.notifications import services as notifications
from marketplace.orders import handover as parts
from marketplace.orders.models import Order, OrderLine, SellerOrder, SellerOrderStatus
from marketplace.settlements import services as ledger

REASON_MAX = 300
MAX_WEIGHT_G = 50_000
MAX_SIDE_CM = 200
_TRACKING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /-]{2,59}$")
_EVENT_KEY = {Handover: "handover_id", Shipment: "shipment_id", Parcel: "parcel_id"}

SHIPMENT_LABELS = {
    ShipmentStatus.PACKING: _l("Being packed"),
    ShipmentStatus.PACKED: _l("Packed, waiting for the courier"),
    ShipmentStatus.DISPATCHED: _l("On its way"),
    ShipmentStatus.DELIVERED: _l("Delivered"),
    ShipmentStatus.RETURNED: _l("Returned by the courier"),
}


def _move(obj, machine: StateMachine, target: str, actor_id: int | None, reason: str | None = None) -> None:
    """Check the transition (IllegalTransition), change the row only if it still has the state we read
    (Stale otherwise), record the event."""
    current = obj.status
    machine.check(current, target)
    model, now = type(obj), utcnow()
    result = db.session.execute(update(model).where(model.id == obj.id, model.status == current)
                                .values(status=target, status_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Stale()
    set_committed_value(obj, "status", target)
    set_committed_value(obj, "status_at", now)
    db.session.add(FulfilmentEvent(**{_EVENT_KEY[model]: obj.id}, actor_id=actor_id, from_state=current,
                                   to_state=target, reason=reason))


def _created(obj, actor_id: int | None) -> None:
    db.session.flush()
    db.session.add(FulfilmentEvent(**{_EVENT_KEY[type(obj)]: obj.id}, actor_id=actor_id, from_state=None,
                                   to_state=obj.status))


def _clean(text: str | None, limit: int = REASON_MAX) -> str:
    return " ".join((text or "").split())[:limit]


def _count(text, field: str, low: int, high: int, message) -> int:
    """A whole number in [low, high] typed into a form, or a FulfilmentError for that field."""
    value = str(text if text is not None else "").strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise FulfilmentError(message, field=field)
    return int(value)


# ---------------------------------------------------------------- handover

def written_number(text: str | None) -> str:
    """An order number as written by hand on a packet and typed at the house: spaces, dashes and the "HT" may be
    missing ("261129 qq3qd 1" is HT261129-QQ3QD-1)."""
    cleaned = re.sub(r"[^A-Z0-9]", "", (text or "").upper())
    parts = re.fullmatch(r"(?:HT)?(\d{6})([A-Z2-9]{5})(\d{1,3})", cleaned)
    return f"HT{parts[1]}-{parts[2]}-{parts[3]}" if parts else re.sub(r"\s+", "", (text or "").upper())


def find_part(house: PackagingHouse, number: str) -> SellerOrder:
    """A seller order by its number (typed, or read from the packing slip's QR code) that this house serves."""
    number = written_number(number)
    part = db.session.scalar(select(SellerOrder).where(SellerOrder.number == number)) if number else None
    if part is None or part.status == SellerOrderStatus.AWAITING_PAYMENT:
        raise NotHere(_l("There is no order with the number %(number)s.", number=number or "—"))
    if not houses.serves(house.id, part.seller.block_id):
        raise NotHere(_l("Order %(number)s is handed over at another packaging house.", number=number))
    return part


def part_for_house(house: PackagingHouse, part_id: int) -> SellerOrder:
    part = db.session.get(SellerOrder, part_id)
    if part is None or part.status == SellerOrderStatus.AWAITING_PAYMENT or not houses.serves(
            house.id, part.seller.block_id):
        raise NotHere()
    return part


def handover_of(part_id: int) -> Handover | None:
    return db.session.scalar(select(Handover).where(Handover.seller_order_id == part_id))


def receive(user, house: PackagingHouse, part: SellerOrder, received: dict) -> Handover:
    """Count the goods in: `received` maps order line id -> the number that came (as typed). Commits."""
    if not houses.serves(house.id, part.seller.block_id):
        raise NotHere(_l("Order %(number)s is handed over at another packaging house.", number=part.number))
    if part.status != SellerOrderStatus.READY:
        message = (_l("Order %(number)s has already been received.", number=part.number)
                   if handover_of(part.id) else _l("Order %(number)s is not ready for handover.", number=part.number))
        raise FulfilmentError(message, status=409)
    counts, errors = {}, {}
    for line in part.lines:
        field = f"received-{line.id}"
        try:
            counts[line.id] = _count(received.get(field), field, 0, line.quantity,
                                     _l("Enter a number from 0 to %(n)d.", n=line.quantity))
        except FulfilmentError as exc:
            errors[field] = exc.message
    if errors:
        raise FulfilmentError(_l("Please correct the marked numbers."), errors=errors)
    parts.receive(part, user.id)
    record = Handover(seller_order_id=part.id, house_id=house.id, status=HandoverStatus.RECEIVED)
    record.lines = [HandoverLine(order_line_id=line.id, ordered=line.quantity, received=counts[line.id])
                    for line in part.lines]
    db.session.add(record)
    _created(record, user.id)
    db.session.commit()
    return record


def get_handover(handover_id: int) -> Handover | None:
    stmt = (select(Handover).where(Handover.id == handover_id)
            .options(selectinload(Handover.lines).selectinload(HandoverLine.order_line)))
    return db.session.scalar(stmt)


def check(user, record: Handover, decisions: dict) -> int:
    """The quality check: for each line that came, "pass" or "fail" with a reason (form fields
    `qc-<line id>` and `reason-<line id>`). Short and failed units become a partial fulfilment: refunded,
    or taken off the cash due. Returns the amount given back. Commits, then sends refunds."""
    if record.status != HandoverStatus.RECEIVED:
        raise FulfilmentError(_l("This handover has already been checked."), status=409)
    shortfalls = _decide(record, decisions)
    part = record.part
    record.given_back_paise = parts.settle_check(part, shortfalls, user.id)
    _move(record, HANDOVER_STATES, HandoverStatus.CHECKED, user.id)
    if any(line.accepted for line in record.lines):
        record.shipment_id = _open_shipment(part.order, record.house_id, user.id).id
    db.session.commit()
    parts.send_refunds(part.order_id)
    return record.given_back_paise


def _decide(record: Handover, decisions: dict) -> list[parts.Shortfall]:
    """Read every line's verdict first (nothing changes if one is missing), then record them."""
    errors, verdicts = {}, {}
    for line in record.lines:
        verdict = decisions.get(f"qc-{line.order_line_id}") if line.received else "fail"
        reason = _clean(decisions.get(f"reason-{line.order_line_id}")) if line.received else None
        if verdict not in ("pass", "fail"):
            errors[f"qc-{line.order_line_id}"] = _l("Choose pass or fail.")
        elif verdict == "fail" and line.received and not reason:
            errors[f"reason-{line.order_line_id}"] = _l("Write why it failed, so the group can do better.")
        verdicts[line.id] = (verdict == "pass", reason if verdict == "fail" else None)
    if errors:
        raise FulfilmentError(_l("Please check every item."), errors=errors)
    shortfalls = []
    for line in record.lines:
        line.passed, line.fail_reason = verdicts[line.id]
        if line.ordered > line.received:
            shortfalls.append(parts.Shortfall(line.order_line, line.ordered - line.received, str(_l("not received"))))
        if line.received and not line.passed:
            shortfalls.append(parts.Shortfall(line.order_line, line.received, line.fail_reason))
    return shortfalls


def _open_shipment(order: Order, house_id: int, actor_id: int) -> Shipment:
    """The shipment still being packed for this order at this house, reopened if it was already packed, or a
    new one."""
    stmt = select(Shipment).where(Shipment.order_id == order.id, Shipment.house_id == house_id,
                                  Shipment.status.in_((ShipmentStatus.PACKING, ShipmentStatus.PACKED)))
    shipment = db.session.scalar(stmt)
    if shipment is not None:
        if shipment.status == ShipmentStatus.PACKED:
            _move(shipment, SHIPMENT_STATES, ShipmentStatus.PACKING, actor_id, "more goods for this order arrived")
        return shipment
    count = db.session.scalar(select(func.count(Shipment.id)).where(Shipment.order_id == order.id))
    shipment = Shipment(number=f"{order.number}-S{count + 1}", order_id=order.id, house_id=house_id,
                        status=ShipmentStatus.PACKING)
    db.session.add(shipment)
    _created(shipment, actor_id)
    return shipment


# ---------------------------------------------------------------- packing

@dataclass(frozen=True)
class PackRow:
    line: OrderLine
    accepted: int
    packed: int

    @property
    def left(self) -> int:
        return self.accepted - self.packed


def get_shipment(shipment_id: int) -> Shipment | None:
    stmt = (select(Shipment).where(Shipment.id == shipment_id)
            .options(selectinload(Shipment.parcels).selectinload(Parcel.items).selectinload(ParcelItem.order_line),
                     selectinload(Shipment.order)))
    return db.session.scalar(stmt)


def get_parcel(parcel_id: int) -> Parcel | None:
    return db.session.get(Parcel, parcel_id)


def live_parcels(shipment: Shipment) -> list[Parcel]:
    return [p for p in shipment.parcels if p.status != ParcelStatus.UNPACKED]


def pack_rows(shipment: Shipment) -> list[PackRow]:
    """Every accepted line of the shipment with how many units are already in parcels."""
    packed: dict[int, int] = {}
    for parcel in live_parcels(shipment):
        for item in parcel.items:
            packed[item.order_line_id] = packed.get(item.order_line_id, 0) + item.quantity
    stmt = (select(HandoverLine).join(Handover).where(Handover.shipment_id == shipment.id)
            .options(selectinload(HandoverLine.order_line)).order_by(HandoverLine.id))
    return [PackRow(line.order_line, line.accepted, packed.get(line.order_line_id, 0))
            for line in db.session.scalars(stmt) if line.accepted]


def add_parcel(user, shipment: Shipment, form: dict) -> Parcel:
    """A parcel with some of the shipment's units (`qty-<line id>`), its weight in grams and size in cm."""
    if shipment.status != ShipmentStatus.PACKING:
        raise FulfilmentError(_l("This shipment is not being packed."), status=409)
    errors, sizes = {}, {}
    for field, high, message in (("weight_g", MAX_WEIGHT_G, _l("Weight in grams, from 1 to %(n)d.", n=MAX_WEIGHT_G)),
                                 ("length_cm", MAX_SIDE_CM, _l("Centimetres, from 1 to %(n)d.", n=MAX_SIDE_CM)),
                                 ("width_cm", MAX_SIDE_CM, _l("Centimetres, from 1 to %(n)d.", n=MAX_SIDE_CM)),
                                 ("height_cm", MAX_SIDE_CM, _l("Centimetres, from 1 to %(n)d.", n=MAX_SIDE_CM))):
        try:
            sizes[field] = _count(form.get(field), field, 1, high, message)
        except FulfilmentError as exc:
            errors[field] = exc.message
    quantities = _parcel_quantities(shipment, form, errors)
    if errors:
        raise FulfilmentError(_l("Please correct the marked fields."), errors=errors)
    if not quantities:
        raise FulfilmentError(_l("Put at least one item in the parcel."), field="items")
    seq = len(shipment.parcels) + 1
    parcel = Parcel(number=f"{shipment.number}-P{seq}", shipment_id=shipment.id, house_id=shipment.house_id,
                    status=ParcelStatus.PACKED, **sizes)
    parcel.items = [ParcelItem(order_line_id=line_id, quantity=n) for line_id, n in quantities.items()]
    db.session.add(parcel)
    _created(parcel, user.id)
    db.session.commit()
    return parcel


def _parcel_quantities(shipment: Shipment, form: dict, errors: dict) -> dict[int, int]:
    quantities = {}
    for row in pack_rows(shipment):
        field = f"qty-{row.line.id}"
        if not str(form.get(field) or "").strip():
            continue
        try:
            n = _count(form.get(field), field, 0, row.left, _l("Enter a number from 0 to %(n)d.", n=row.left))
        except FulfilmentError as exc:
            errors[field] = exc.message
            continue
        if n:
            quantities[row.line.id] = n
    return quantities


def unpack(user, parcel: Parcel) -> None:
    """Open a parcel again while the shipment is being packed: its units are free to pack anew."""
    if parcel.shipment.status != ShipmentStatus.PACKING:
        raise FulfilmentError(_l("This parcel has left the packing table."), status=409)
    _move(parcel, PARCEL_STATES, ParcelStatus.UNPACKED, user.id)
    db.session.commit()


def finish_packing(user, shipment: Shipment) -> None:
    """Everything accepted is in parcels: the shipment waits for the courier."""
    if shipment.status != ShipmentStatus.PACKING:
        raise FulfilmentError(_l("This shipment is not being packed."), status=409)
    if any(row.left for row in pack_rows(shipment)) or not live_parcels(shipment):
        raise FulfilmentError(_l("Some items are not in a parcel yet."), status=409)
    waiting = select(Handover.id).join(SellerOrder, SellerOrder.id == Handover.seller_order_id).where(
        SellerOrder.order_id == shipment.order_id, Handover.house_id == shipment.house_id,
        Handover.status == HandoverStatus.RECEIVED)
    if db.session.scalar(waiting.limit(1)) is not None:
        raise FulfilmentError(_l("Goods of another group for this order are here: check them first."), status=409)
    _move(shipment, SHIPMENT_STATES, ShipmentStatus.PACKED, user.id)
    db.session.commit()


# ---------------------------------------------------------------- dispatch and delivery

def parts_of(shipment: Shipment) -> list[Handover]:
    stmt = (select(Handover).where(Handover.shipment_id == shipment.id).order_by(Handover.id)
            .options(selectinload(Handover.lines).selectinload(HandoverLine.order_line),
                     selectinload(Handover.part)))
    return list(db.session.scalars(stmt))


def cash_due(shipment: Shipment) -> int:
    """For a cash order: the accepted goods and the delivery charge of every part in this shipment."""
    if shipment.order.payment_method != "cod":
        return 0
    return sum(h.accepted_paise + h.part.delivery_paise for h in parts_of(shipment))


def dispatch(user, shipment: Shipment, courier: str | None, tracking: str | None) -> None:
    """Handed to the courier: each part gets its invoice (numbered now, in this transaction)."""
    SHIPMENT_STATES.check(shipment.status, ShipmentStatus.DISPATCHED)
    problem = houses.address_problem(shipment.house)  # its address is the label's return address
    if problem is not None:
        raise FulfilmentError(problem, status=409)
    courier, tracking = _clean(courier, 60), _clean(tracking, 60)
    errors = {}
    if len(courier) < 2:
        errors["courier"] = _l("Write the courier's name.")
    if not _TRACKING.match(tracking):
        errors["tracking_number"] = _l("Write the tracking number from the courier's receipt.")
    if errors:
        raise FulfilmentError(_l("Please correct the marked fields."), errors=errors)
    _move(shipment, SHIPMENT_STATES, ShipmentStatus.DISPATCHED, user.id, f"{courier} {tracking}")
    shipment.courier, shipment.tracking_number = courier, tracking
    shipment.cod_due_paise = cash_due(shipment)
    for parcel in live_parcels(shipment):
        _move(parcel, PARCEL_STATES, ParcelStatus.DISPATCHED, user.id)
    for record in parts_of(shipment):
        invoices.issue(record.part, [invoices.Supplied(line.order_line, line.accepted) for line in record.lines])
    _tell_customer(shipment, _l("%(courier)s, tracking number %(tracking)s.", courier=courier, tracking=tracking))
    db.session.commit()


def deliver(user, shipment: Shipment, cash: str | None = None) -> None:
    """Delivered: for a cash order the cash collected must be the amount due. Each part is delivered and its
    sale credited to its seller."""
    SHIPMENT_STATES.check(shipment.status, ShipmentStatus.DELIVERED)  # not yet dispatched: refused before the cash
    collected = None
    if shipment.order.payment_method == "cod":
        try:
            collected = parse_rupees(cash or "")
        except ValueError:
            collected = None
        if collected != shipment.cod_due_paise:
            raise FulfilmentError(_l("Enter the cash collected: %(amount)s is due.",
                                     amount=format_inr(shipment.cod_due_paise)), field="cash")
    _move(shipment, SHIPMENT_STATES, ShipmentStatus.DELIVERED, user.id)
    shipment.cod_collected_paise = collected
    for parcel in live_parcels(shipment):
        _move(parcel, PARCEL_STATES, ParcelStatus.DELIVERED, user.id)
    for record in parts_of(shipment):
        parts.deliver(record.part, user.id)
        ledger.credit_delivery(record.part, record.accepted_paise, user.id)
    _tell_customer(shipment)
    db.session.commit()


def mark_returned(user, shipment: Shipment, reason: str | None) -> None:
    """The courier brought it back: nothing is credited, and a card payment gets the rest of the money back."""
    SHIPMENT_STATES.check(shipment.status, ShipmentStatus.RETURNED)
    reason = _clean(reason)
    if not reason:
        raise FulfilmentError(_l("Write why it came back."), field="reason")
    _move(shipment, SHIPMENT_STATES, ShipmentStatus.RETURNED, user.id, reason)
    for parcel in live_parcels(shipment):
        _move(parcel, PARCEL_STATES, ParcelStatus.RETURNED, user.id)
    for record in parts_of(shipment):
        part = record.part
        remaining = 0 if parts.is_cash(part) else record.accepted_paise + part.delivery_paise
        parts.mark_returned(part, remaining, reason, user.id)
    _tell_customer(shipment, reason)
    db.session.commit()
    parts.send_refunds(shipment.order_id)


def _tell_customer(shipment: Shipment, detail="") -> None:
    order = shipment.order
    notifications.notify(notifications.for_user(order.customer), "shipment_status", number=order.number,
                         shipment=shipment.number, status=SHIPMENT_LABELS[shipment.status], detail=detail,
                         link=notifications.link("orders.detail", number=order.number))


# ---------------------------------------------------------------- for the customer's order page

def shipments_of_order(order_id: int) -> list[Shipment]:
    stmt = (select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.id)
            .options(selectinload(Shipment.events), selectinload(Shipment.house),
                     selectinload(Shipment.parcels)))
    return list(db.session.scalars(stmt))


def shipment_status_by_part(*order_ids: int) -> dict[int, str]:
    """Seller-order id -> the status of the shipment carrying it (parts of these orders, one query), for the
    customer's one derived status."""
    if not order_ids:
        return {}
    stmt = (select(Handover.seller_order_id, Shipment.status).join(Shipment, Shipment.id == Handover.shipment_id)
            .join(SellerOrder, SellerOrder.id == Handover.seller_order_id)
            .where(SellerOrder.order_id.in_(order_ids)))
    return dict(db.session.execute(stmt).all())


# Courier name -> its tracking page, "{number}" standing for the tracking number. COURIER_TRACKING_URLS
# (environment or config) replaces these: "Name=https://…{number};Other=https://…{number}".
TRACKING_URLS = ("Delhivery=https://www.delhivery.com/track/package/{number};"
                 "Blue Dart=https://www.bluedart.com/web/guest/trackdartresult?trackFor=0&trackNo={number};"
                 "India Post=https://www.indiapost.gov.in/_layouts/15/DOP.Portal.Tracking/TrackConsignment.aspx"
                 "?consignmentnumber={number}")


def _tracking_templates() -> dict[str, str]:
    from flask import current_app

    raw = current_app.config.get("COURIER_TRACKING_URLS") or os.environ.get("COURIER_TRACKING_URLS") \
        or TRACKING_URLS
    found = {}
    for entry in raw.split(";"):
        name, _sep, url = entry.partition("=")
        if url.startswith("https://") and "{number}" in url:  # only web pages on a secure link
            found[" ".join(name.split()).casefold()] = url.strip()
    return found


def tracking_url(courier: str | None, number: str | None) -> str | None:
    """The courier's tracking page for this number, or None for a courier without a known page."""
    if not courier or not number:
        return None
    template = _tracking_templates().get(" ".join(courier.split()).casefold())
    return template.replace("{number}", quote(number.strip(), safe="")) if template else None
