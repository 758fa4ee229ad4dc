"""What a cart costs now: lines priced from the catalogue, grouped into one part per seller ("Shipment", which
becomes a seller order). Groups of one block hand over at the same packaging house, which packs all their goods
into one parcel: delivery is charged once per house ("Dispatch"), free when the goods sent from that house reach
a configurable amount, and carried by the first part of that house. Prices include GST; the GST part is shown
and stored."""

import os
from dataclasses import dataclass, field

from flask import Flask, current_app

from marketplace.cart import services as cart
from marketplace.catalog import bulk, stock

SETTINGS = {  # name: default; each may be set in the environment or the app's config
    "DELIVERY_CHARGE_PAISE": 4000,  # per shipment from one packaging house
    "FREE_DELIVERY_ABOVE_PAISE": 50000,  # goods worth this much from one house ship free
    "COD_LIMIT_PAISE": 300000,  # the largest order that may be paid in cash on delivery
    "ORDER_RESERVATION_MINUTES": 15,  # how long an unpaid online order holds its stock
}


def configure(app: Flask) -> None:
    for name, default in SETTINGS.items():
        app.config.setdefault(name, int(os.environ.get(name, default)))


def setting(name: str) -> int:
    return int(current_app.config.get(name, SETTINGS[name]))


def gst_included(total_paise: int, rate_bp: int) -> int:
    """The GST inside a GST-inclusive amount, rounded half up to a paisa (integers only)."""
    return (total_paise * rate_bp * 2 + (10000 + rate_bp)) // (2 * (10000 + rate_bp))


def delivery_charge(items_paise: int) -> int:
    return 0 if items_paise >= setting("FREE_DELIVERY_ABOVE_PAISE") else setting("DELIVERY_CHARGE_PAISE")


@dataclass
class QuoteLine:
    key: tuple[int, int | None]
    quantity: int
    item: stock.Item | None
    problem: str | None = None  # why this line cannot be bought as it is, in the customer's language

    @property
    def total_paise(self) -> int:
        return self.item.price_paise * self.quantity if self.item else 0

    @property
    def gst_paise(self) -> int:
        return gst_included(self.total_paise, self.item.gst_rate_bp) if self.item else 0


@dataclass
class Shipment:
    seller_id: int
    seller_name_hi: str | None
    seller_name_en: str | None
    lines: list[QuoteLine] = field(default_factory=list)
    house_id: int | None = None  # the packaging house it is handed over at (None: it ships on its own)
    delivery_paise: int = 0  # this part's share of its dispatch's charge (set by build_quote)

    @property
    def items_paise(self) -> int:
        return sum(line.total_paise for line in self.lines)

    @property
    def gst_paise(self) -> int:
        return sum(line.gst_paise for line in self.lines)

    @property
    def total_paise(self) -> int:
        return self.items_paise + self.delivery_paise


@dataclass
class Dispatch:
    """The parts packed together at one packaging house: one parcel, one delivery charge."""

    house_id: int | None
    shipments: list[Shipment] = field(default_factory=list)

    @property
    def items_paise(self) -> int:
        return sum(s.items_paise for s in self.shipments)

    @property
    def delivery_paise(self) -> int:
        return delivery_charge(self.items_paise)

    @property
    def short_of_free_paise(self) -> int:
        """How much more from this house would make its delivery free (0 when it already is)."""
        return max(0, setting("FREE_DELIVERY_ABOVE_PAISE") - self.items_paise) if self.delivery_paise else 0


@dataclass
class Quote:
    shipments: list[Shipment]
    missing: list[QuoteLine]  # products that no longer exist
    dispatches: list[Dispatch] = field(default_factory=list)

    @property
    def lines(self) -> list[QuoteLine]:
        return [line for s in self.shipments for line in s.lines]

    @property
    def problems(self) -> list[QuoteLine]:
        return self.missing + [line for line in self.lines if line.problem]

    @property
    def is_empty(self) -> bool:
        return not self.shipments and not self.missing

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def items_paise(self) -> int:
        return sum(s.items_paise for s in self.shipments)

    @property
    def delivery_paise(self) -> int:
        return sum(s.delivery_paise for s in self.shipments)

    @property
    def gst_paise(self) -> int:
        return sum(s.gst_paise for s in self.shipments)

    @property
    def total_paise(self) -> int:
        return self.items_paise + self.delivery_paise

    @property
    def free_delivery_above(self) -> int:
        return setting("FREE_DELIVERY_ABOVE_PAISE")


def build_quote(cart_lines: dict[tuple[int, int | None], int]) -> Quote:
    """Price `cart_lines` ((product, variant) -> quantity) as the catalogue stands now."""
    facts = bulk.apply_price_breaks(stock.items(cart_lines), cart_lines)  # bulk prices (issue 10)
    shipments: dict[int, Shipment] = {}
    missing = []
    for key, quantity in cart_lines.items():
        item = facts.get(key)
        line = QuoteLine(key, quantity, item)
        try:
            cart.check_quantity(item, quantity)
        except cart.CartError as exc:
            line.problem = str(exc.message)
        if item is None:
            missing.append(line)
            continue
        shipment = shipments.setdefault(item.seller_id, Shipment(item.seller_id, item.seller_name_hi,
                                                                 item.seller_name_en))
        shipment.lines.append(line)
    parts, dispatches = _dispatch(list(shipments.values()))
    return Quote(parts, missing, dispatches)


def _dispatch(parts: list[Shipment]) -> tuple[list[Shipment], list[Dispatch]]:
    """Group the parts by packaging house (parts of one house next to each other, in cart order) and put each
    house's delivery charge on its first part."""
    from marketplace.fulfilment import houses  # fulfilment depends on orders; this is the one way back

    house_of = houses.houses_for_sellers(s.seller_id for s in parts)
    groups: dict[tuple, Dispatch] = {}
    for part in parts:
        part.house_id = house_of.get(part.seller_id)
        key = ("house", part.house_id) if part.house_id is not None else ("seller", part.seller_id)
        groups.setdefault(key, Dispatch(part.house_id)).shipments.append(part)
    for group in groups.values():
        for n, part in enumerate(group.shipments):
            part.delivery_paise = group.delivery_paise if n == 0 else 0
    dispatches = list(groups.values())
    return [part for group in dispatches for part in group.shipments], dispatches
