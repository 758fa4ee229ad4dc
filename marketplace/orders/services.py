"""Addresses, checkout and what customers and sellers read about their orders.

Checkout validates everything first (address, cart, prices, payment method) and reads what its messages need,
then in one transaction: the order row (its unique checkout token makes a double submission land on the same
order), one part per seller with snapshot lines, events, the payment record, messages, the cart emptied of what
was bought, and last the stock reservation (all lines or none), so the rows of popular products stay locked for
the shortest time. Any failure rolls all of it back. The rows are made in Python before the first write and
written with one INSERT per table, so the statements do not grow with the lines, parts or messages
(tests/test_query_counts_checkout.py); only the reservation takes one UPDATE per stock row.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached, selectinload

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.cart import services as cart
from marketplace.catalog import stock
from marketplace.core.formatting import IST, format_inr
from marketplace.core.pagination import Page, paginate
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.i18n import localized
from marketplace.notifications import services as notifications
from marketplace.orders import events, india, pricing
from marketplace.orders.errors import NotFound, OrderError, PriceChanged, StockProblem
from marketplace.orders.models import (
    Address,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    SellerOrder,
    SellerOrderStatus,
)
from marketplace.payments import services as payments
from marketplace.sellers import services as sellers

MAX_ADDRESSES = 20
ORDERS_PAGE = 20  # a customer's orders a page
SELLER_ORDERS_PAGE = 50  # a seller's parts a page, in each tab
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread over the phone


# ---------------------------------------------------------------- addresses

class AddressError(OrderError):
    def __init__(self, errors: dict):
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors


def _text(value: str | None) -> str:
    return " ".join(_CONTROL.sub(" ", value or "").split())


def _address_fields(data: dict) -> dict:
    """Cleaned address fields, or AddressError naming every wrong field."""
    errors, clean = {}, {}
    for name, low, high, message in (
        ("name", 1, 120, _l("Enter the name of the person who receives the parcel.")),
        ("line1", 3, 200, _l("Enter the house, street and village or locality.")),
        ("district", 2, 80, _l("Enter the district.")),
    ):
        clean[name] = _text(data.get(name))
        if not low <= len(clean[name]) <= high:
            errors[name] = message
    clean["landmark"] = _text(data.get("landmark")) or None
    if clean["landmark"] and len(clean["landmark"]) > 120:
        errors["landmark"] = _l("Keep the landmark under 120 characters.")
    try:
        clean["mobile"] = accounts.normalise_mobile(data.get("mobile") or "")
    except accounts.AccountError as exc:
        errors["mobile"] = str(exc)
    clean["state_code"] = data.get("state_code") or ""
    if clean["state_code"] not in india.BY_CODE:
        errors["state_code"] = _l("Choose the state.")
    clean["pin_code"] = india.normalise_pin(data.get("pin_code"))
    if clean["pin_code"] is None:
        errors["pin_code"] = _l("Enter the 6-digit PIN code.")
    elif "state_code" not in errors and not india.pin_matches_state(clean["pin_code"], clean["state_code"]):
        state = india.BY_CODE[clean["state_code"]]
        errors["pin_code"] = _l("This PIN code is not in %(state)s. Please check the PIN code and the state.",
                                state=localized(state, "name"))
    if errors:
        raise AddressError(errors)
    return clean


def addresses_of(user) -> list[Address]:
    return list(db.session.scalars(select(Address).where(Address.user_id == user.id).order_by(Address.id.desc())))


def get_address(user, address_id: int | None) -> Address:
    """The user's own address; anybody else's is NotFound, exactly like one that does not exist."""
    address = db.session.get(Address, address_id) if address_id else None
    if address is None or address.user_id != user.id:
        raise NotFound()
    return address


def save_address(user, data: dict, address: Address | None = None) -> Address:
    fields = _address_fields(data)
    if address is None:
        count = db.session.scalar(select(func.count(Address.id)).where(Address.user_id == user.id))
        if count >= MAX_ADDRESSES:
            raise OrderError(_l("You have saved %(n)d addresses. Please delete one first.", n=MAX_ADDRESSES))
        address = Address(user_id=user.id)
        db.session.add(address)
    for name, value in fields.items():
        setattr(address, name, value)
    db.session.commit()
    return address


def delete_address(user, address_id: int) -> None:
    db.session.delete(get_address(user, address_id))
    db.session.commit()


def state_name(code: str) -> str:
    state = india.BY_CODE.get(code)
    return localized(state, "name") if state else code


# ---------------------------------------------------------------- checkout

def new_checkout_token() -> str:
    return secrets.token_urlsafe(24)


def quote_for(user) -> pricing.Quote:
    return pricing.build_quote(cart.lines(user))


def payment_methods(quote: pricing.Quote) -> dict[str, bool]:
    """Which methods this order may use now."""
    return {PaymentMethod.CARD: payments.card_payments_available(),
            PaymentMethod.COD: quote.total_paise <= pricing.setting("COD_LIMIT_PAISE")}


def _new_number() -> str:
    day = datetime.now(IST).strftime("%y%m%d")
    return f"HT{day}-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(5))


_ORDER_BY_TOKEN = select(Order.id).where(Order.checkout_token == bindparam("token"))


def _order_by_token(token: str) -> Order | None:
    found = db.session.execute(_ORDER_BY_TOKEN, {"token": token}).scalar()
    return None if found is None else db.session.get(Order, found)


def _twin_order(user, token: str) -> Order | None:
    """The order placed with `token` by the same form submitted twice at once (a double tap on a slow network),
    read afresh after this transaction's rollback; None if there is none of this user's."""
    db.session.rollback()
    existing = _order_by_token(token)
    return existing if existing is not None and existing.customer_id == user.id else None


def _check_checkout(quote: pricing.Quote, method: str, quoted_total: int | None) -> None:
    if quote.is_empty:
        raise OrderError(_l("Your cart is empty."), status=409)
    if quote.problems:
        titles = ", ".join(localized(line.item, "title") for line in quote.problems if line.item) or "—"
        raise StockProblem(_l("Some items cannot be bought as they are: %(titles)s. Nothing has been charged. "
                              "Please look at your cart.", titles=titles))
    if quoted_total != quote.total_paise:
        raise PriceChanged(_l("The total has changed to %(total)s since you opened this page. Please check the "
                              "order again before placing it.", total=format_inr(quote.total_paise)))
    allowed = payment_methods(quote)
    if method not in allowed:
        raise OrderError(_l("Choose how you will pay."), field="method")
    if not allowed[method]:
        message = (_l("Cash on delivery is possible for orders up to %(limit)s. Please pay online.",
                      limit=format_inr(pricing.setting("COD_LIMIT_PAISE"))) if method == PaymentMethod.COD
                   else _l("Card payments are not available right now. Please choose cash on delivery."))
        raise OrderError(message, field="method")


def place_order(user, *, address_id: int | None, method: str, token: str, quoted_total: int | None) -> Order:
    """One order for the whole cart, split per seller; see the module's docstring. Idempotent per `token`."""
    if not _TOKEN.match(token or ""):
        raise OrderError(_l("This form has expired. Please open the checkout again."), status=400)
    existing = _order_by_token(token)
    if existing is not None:
        if existing.customer_id != user.id:
            raise NotFound()
        return existing
    address = get_address(user, address_id)
    quote = quote_for(user)
    try:
        _check_checkout(quote, method, quoted_total)
    except OrderError:
        # the twin may have placed the order (emptying the cart) after the look-up above: its order is the answer
        existing = _twin_order(user, token)
        if existing is None:
            raise
        return existing
    status = OrderStatus.PENDING_PAYMENT if method == PaymentMethod.CARD else OrderStatus.CONFIRMED
    contacts = sellers.message_contacts_of(s.seller_id for s in quote.shipments) \
        if status == OrderStatus.CONFIRMED else None
    try:
        order = _write_order(user, address, quote, method, token, status, contacts)
    except IntegrityError:
        existing = _twin_order(user, token)  # the twin claimed the token first
        if existing is None:
            raise
        return existing
    try:  # last, so the hot products' rows stay locked only until the commit just below
        stock.reserve(stock.StockLine(*line.key, line.quantity) for line in quote.lines)
    except stock.InsufficientStock as exc:
        db.session.rollback()
        raise _sold_out(quote, exc) from exc
    db.session.commit()
    return _known(Order, order)


_INSERT_ORDER = insert(Order.__table__).returning(Order.__table__.c.id)
# The parts come back matched by their unique numbers: asking the database for the parameters' order instead
# would cost SQLite one INSERT per part.
_INSERT_PARTS = insert(SellerOrder.__table__).returning(SellerOrder.__table__.c.number, SellerOrder.__table__.c.id)
_INSERT_LINES = insert(OrderLine.__table__)
_INSERT_EVENTS = insert(OrderEvent.__table__)


def _write_order(user, address: Address, quote: pricing.Quote, method: str, token: str, status: str,
                 contacts: dict | None) -> dict:
    """Every row of a new order, one INSERT per table whatever the number of parts and lines: the order (its
    unique checkout token is claimed here, before any stock moves), parts, lines, events, payment, messages; and
    the cart emptied of what was bought. The rows are made before the first write, which on SQLite takes the
    database's write lock until the commit. Returns the order's row (its columns by name, id included)."""
    part_status = SellerOrderStatus.PLACED if status == OrderStatus.CONFIRMED else SellerOrderStatus.AWAITING_PAYMENT
    number, now = _new_number(), utcnow()
    card = method == PaymentMethod.CARD
    order = dict(
        created_at=now, updated_at=now, number=number, customer_id=user.id, checkout_token=token, status=status,
        payment_method=method, items_paise=quote.items_paise, delivery_paise=quote.delivery_paise,
        gst_paise=quote.gst_paise, total_paise=quote.total_paise, ship_name=address.name, ship_mobile=address.mobile,
        ship_line1=address.line1, ship_landmark=address.landmark, ship_district=address.district,
        ship_state_code=address.state_code, ship_pin_code=address.pin_code,
        reserved_until=now + timedelta(minutes=pricing.setting("ORDER_RESERVATION_MINUTES")) if card else None)
    parts = [dict(seller_id=s.seller_id, number=f"{number}-{n}", status=part_status, items_paise=s.items_paise,
                  delivery_paise=s.delivery_paise, gst_paise=s.gst_paise, total_paise=s.total_paise)
             for n, s in enumerate(quote.shipments, start=1)]
    lines = [[dict(product_id=item.product_id, variant_id=item.variant_id, title_hi=item.title_hi,
                   title_en=item.title_en, variant_label=item.variant_label, unit_price_paise=item.price_paise,
                   gst_rate_bp=item.gst_rate_bp, hsn_code=item.hsn_code, quantity=line.quantity,
                   total_paise=line.total_paise, gst_paise=line.gst_paise, unit=item.unit, pack_size=item.pack_size)
              for line in s.lines for item in (line.item,)] for s in quote.shipments]

    order["id"] = order_id = db.session.execute(_INSERT_ORDER, order).scalar_one()
    ids = dict(db.session.execute(_INSERT_PARTS, [{**part, "order_id": order_id} for part in parts]).all())
    part_ids = [ids[part["number"]] for part in parts]
    db.session.execute(_INSERT_LINES, [{**line, "seller_order_id": part_id}
                                       for part_id, part_lines in zip(part_ids, lines, strict=True)
                                       for line in part_lines])
    db.session.execute(_INSERT_EVENTS, [  # as events.record: the customer made the order, nobody its parts
        dict(order_id=order_id, seller_order_id=None, actor_id=user.id, from_state=None, to_state=status),
        *(dict(order_id=order_id, seller_order_id=part_id, actor_id=None, from_state=None, to_state=part_status)
          for part_id in part_ids)])
    payments.open_payment(order_id, number, method, quote.total_paise)
    if status == OrderStatus.CONFIRMED:
        notes = [events.PartNote(part_id, part["number"], s.seller_id, s.seller_name_hi, s.seller_name_en,
                                 sum(line.quantity for line in s.lines), s.total_paise)
                 for part_id, part, s in zip(part_ids, parts, quote.shipments, strict=True)]
        _announce(user, number, quote.total_paise, notes, contacts)
    cart.remove_ordered(user.id, [line.key for line in quote.lines])
    return order


def _known(model, row: dict):
    """The persistent object of a row this transaction inserted with every column given, without reading it
    back (make_transient_to_detached: its values count as loaded; relationships load when used)."""
    obj = model(**row)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


def _sold_out(quote: pricing.Quote, exc: stock.InsufficientStock) -> StockProblem:
    items = {line.key: line.item for line in quote.lines}
    titles = ", ".join(localized(items[(s.product_id, s.variant_id)], "title") for s in exc.shortages)
    return StockProblem(_l("Sorry, %(titles)s sold out while you were checking out. Nothing has been charged. "
                           "Please look at your cart.", titles=titles))


def announce(order: Order) -> None:
    """A confirmed order: the customer hears it is confirmed, each seller of its new part."""
    _announce(order.customer, order.number, order.total_paise, [events.PartNote.of(part) for part in order.parts])


def _announce(customer, number: str, total_paise: int, parts: list[events.PartNote],
              contacts: dict | None = None) -> None:
    notifications.notify_all([events.to_customer(customer, number, "order_confirmed", total=format_inr(total_paise)),
                              *events.to_groups(parts, "new_order", contacts)])


# ---------------------------------------------------------------- reading

def _with_parts(stmt):
    return stmt.options(selectinload(Order.parts).selectinload(SellerOrder.lines),
                        selectinload(Order.parts).selectinload(SellerOrder.seller))


def order_by_number(number: str) -> Order | None:
    return db.session.scalar(_with_parts(select(Order).where(Order.number == number)))


def order_for_customer(user, number: str) -> Order:
    """The customer's own order (an admin sees any); NotFound for anybody else's."""
    order = order_by_number(number)
    if order is None or (order.customer_id != user.id and user.role != Role.ADMIN):
        raise NotFound()
    return order


def orders_of(user, page: int = 1) -> Page:
    """One page of the customer's orders, newest first (a long history stays reachable page by page)."""
    return paginate(_with_parts(select(Order).where(Order.customer_id == user.id).order_by(Order.id.desc())),
                    page, ORDERS_PAGE, count=select(func.count()).where(Order.customer_id == user.id))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    detail: str | None
    seller_order: SellerOrder | None


def timeline(order: Order) -> list[TimelineEntry]:
    """What happened to the order and its parts, oldest first."""
    stmt = (select(OrderEvent).where(OrderEvent.order_id == order.id)
            .options(selectinload(OrderEvent.part).selectinload(SellerOrder.seller)).order_by(OrderEvent.id))
    entries = []
    for event in db.session.scalars(stmt):
        labels = events.PART_LABELS if event.seller_order_id else events.ORDER_LABELS
        if event.seller_order_id and event.to_state == SellerOrderStatus.AWAITING_PAYMENT:
            continue  # the order's own "waiting for payment" says it once
        entries.append(TimelineEntry(event.at, str(labels.get(event.to_state, event.to_state)), event.reason,
                                     event.part))
    return entries


def incoming_for_seller(seller_id: int, statuses: tuple[str, ...], page: int = 1) -> Page:
    """One page of a seller's parts in these states, newest first; parts still waiting for payment are never
    shown."""
    visible = tuple(s for s in statuses if s != SellerOrderStatus.AWAITING_PAYMENT)
    where = (SellerOrder.seller_id == seller_id, SellerOrder.status.in_(visible))
    stmt = (select(SellerOrder).where(*where)
            .options(selectinload(SellerOrder.lines), selectinload(SellerOrder.order))
            .order_by(SellerOrder.id.desc()))
    return paginate(stmt, page, SELLER_ORDERS_PAGE, count=select(func.count()).where(*where))


def seller_part(part_id: int) -> SellerOrder:
    """A part a seller may look at (NotFound while it waits for payment: the seller has not got it yet)."""
    part = db.session.get(SellerOrder, part_id)
    if part is None or part.status == SellerOrderStatus.AWAITING_PAYMENT:
        raise NotFound()
    return part


def part_counts(seller_id: int) -> dict[str, int]:
    """How many of a seller's parts are in each state (one query), for the seller's home tiles."""
    stmt = (select(SellerOrder.status, func.count()).where(SellerOrder.seller_id == seller_id)
            .group_by(SellerOrder.status))
    return dict(db.session.execute(stmt).all())
