"""Bulk terms of a listing: price breaks (e.g. 100+ and 1,000+ units) and what the group can make in a week.

The cart and checkout apply a break through `apply_price_breaks` (one query for every line), so the order line
stores the unit price actually charged. Breaks apply to listings without variants (variants carry their own
prices). A made-to-order listing (lead time set) with a weekly capacity may be ordered by an institution beyond the
stock on hand, up to stock + capacity × lead time, promised for today + lead time."""

import dataclasses
import math
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from marketplace.catalog.models import PriceBreak, Product
from marketplace.core.errors import DomainError
from marketplace.extensions import db

MAX_BREAKS = 4


class BulkTermsError(DomainError):
    pass


def breaks_for(product_ids) -> dict[int, list[tuple[int, int]]]:
    """product_id -> [(min_quantity, price_paise)], largest quantity first."""
    product_ids = list(product_ids)
    if not product_ids:
        return {}
    out: dict[int, list[tuple[int, int]]] = {}
    stmt = (select(PriceBreak.product_id, PriceBreak.min_quantity, PriceBreak.price_paise)
            .where(PriceBreak.product_id.in_(product_ids)).order_by(PriceBreak.min_quantity.desc()))
    for pid, qty, price in db.session.execute(stmt):
        out.setdefault(pid, []).append((qty, price))
    return out


def unit_price(base_paise: int, breaks: list[tuple[int, int]] | None, quantity: int) -> int:
    """The price per unit for `quantity`: the best break reached, never above the listed price."""
    for min_quantity, price in breaks or ():
        if quantity >= min_quantity:
            return min(price, base_paise)
    return base_paise


def apply_price_breaks(facts: dict, quantities: dict) -> dict:
    """Cart facts (key -> stock.Item) with each variant-less line priced for its quantity. The breaks are read
    only for listings that have some (`Item.bulk_priced`): most carts need no query here."""
    plain = {key[0] for key, item in facts.items() if key[1] is None and item.bulk_priced}
    breaks = breaks_for(plain)
    if not breaks:
        return facts
    out = dict(facts)
    for key, item in facts.items():
        if key[1] is None and key[0] in breaks:
            price = unit_price(item.price_paise, breaks[key[0]], quantities.get(key, 0))
            if price != item.price_paise:
                out[key] = dataclasses.replace(item, price_paise=price)
    return out


def set_terms(product: Product, weekly_capacity, breaks: list[tuple[str, str]]) -> None:
    """Save weekly capacity (empty: none) and up to four breaks [(min quantity, price in paise)] at once, or
    nothing: quantities rise, prices fall, every break below the listed price."""
    from marketplace.core.formatting import parse_rupees

    errors = {}
    capacity = None
    raw = str(weekly_capacity or "").strip().replace(",", "")
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= 10_000_000:
            errors["weekly_capacity"] = _l("Enter how many you can make in a week (a whole number).")
        else:
            capacity = int(raw)
    rows = []
    for i, (qty, price) in enumerate(breaks):
        qty, price = (qty or "").strip().replace(",", ""), (price or "").strip()
        if not qty and not price:
            continue
        try:
            paise = parse_rupees(price)
        except ValueError:
            paise = 0
        if not qty.isdigit() or not 2 <= int(qty) <= 10_000_000:
            errors[f"break-{i}"] = _l("The quantity of a price break must be 2 or more.")
        elif not 0 < paise < product.price_paise:
            errors[f"break-{i}"] = _l("A bulk price must be above ₹0 and below the listed price.")
        else:
            rows.append((int(qty), paise))
    rows.sort()
    if rows and capacity is None:
        errors["weekly_capacity"] = _l("Say how many you can make in a week to offer bulk prices.")
    if len(rows) > MAX_BREAKS:
        errors["breaks"] = _l("At most %(n)d price breaks.", n=MAX_BREAKS)
    if any(a[0] == b[0] or b[1] >= a[1] for a, b in zip(rows, rows[1:], strict=False)):
        errors["breaks"] = _l("Each larger quantity needs a lower price.")
    if errors:
        raise BulkTermsError(_l("Please correct the marked fields."), errors=errors)
    product.weekly_capacity = capacity
    db.session.execute(delete(PriceBreak).where(PriceBreak.product_id == product.id))
    db.session.add_all(PriceBreak(product_id=product.id, min_quantity=q, price_paise=p) for q, p in rows)
    db.session.commit()


def made_to_order_limit(product: Product) -> int | None:
    """The most an institution may order: stock + weekly capacity × lead time (None: not made to order)."""
    if not product.lead_time_days or not product.weekly_capacity:
        return None
    return product.stock + product.weekly_capacity * product.lead_time_days // 7


def promised_date(product: Product, quantity: int, today: date) -> date:
    """From stock: in a day or two; beyond stock: as soon as the group can make the rest, at most the lead time."""
    beyond = max(quantity - product.stock, 0)
    if beyond == 0:
        return today + timedelta(days=2)
    days = math.ceil(beyond * 7 / product.weekly_capacity) if product.weekly_capacity else product.lead_time_days
    return today + timedelta(days=max(min(days, product.lead_time_days or days), 1))
