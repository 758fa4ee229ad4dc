"""Stock for orders: reserving and releasing units, and the facts a cart or a checkout needs about what it sells.

`reserve(lines)` takes stock with one conditional UPDATE per row (`stock = stock - q WHERE stock >= q`): on
SQLite the write lock makes it atomic; on PostgreSQL READ COMMITTED re-checks the row after waiting for a
competing update, so two buyers can never both take the last unit. Rows are always updated in the same order
(products by id, then variants by id) so concurrent multi-line orders cannot deadlock. A product with variants
holds the sum of its variants' stock, so a variant line moves both rows.

Nothing here commits: the caller's service owns the transaction, and a shortage leaves it to roll back.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, select, update
from sqlalchemy.orm import aliased

from marketplace.catalog.models import PriceBreak, Product, ProductStatus, Variant
from marketplace.core.outbox import record_changes
from marketplace.extensions import db
from marketplace.sellers.models import Seller, Verification


@dataclass(frozen=True)
class StockLine:
    product_id: int
    variant_id: int | None
    quantity: int


@dataclass(frozen=True)
class Shortage:
    product_id: int
    variant_id: int | None
    wanted: int
    available: int


class InsufficientStock(Exception):
    """Raised by reserve() with every line that could not be had, so the customer hears of all at once."""

    def __init__(self, shortages: list[Shortage]):
        super().__init__(f"{len(shortages)} line(s) short of stock")
        self.shortages = shortages


@dataclass(frozen=True)
class Item:
    """What a cart or a checkout may know about a product (or one of its variants), read in one go."""

    product_id: int
    variant_id: int | None
    seller_id: int
    seller_name_hi: str | None
    seller_name_en: str | None
    slug: str
    title_hi: str | None
    title_en: str | None
    variant_label: str | None
    price_paise: int
    gst_rate_bp: int
    hsn_code: str | None
    min_order_qty: int
    stock: int
    has_variants: bool
    sellable: bool  # live, and its seller verified
    unit: str = "piece"  # with pack_size: what one pack holds (catalog/units.py)
    pack_size: int = 1
    bulk_priced: bool = False  # the listing has price breaks (catalog/bulk.py)

    @property
    def key(self) -> tuple[int, int | None]:
        return self.product_id, self.variant_id


def _totals(lines: Iterable[StockLine]) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """Quantities per product row and per variant row (variant id -> (product id, qty))."""
    products: dict[int, int] = defaultdict(int)
    variants: dict[int, list[int]] = {}
    for line in lines:
        if line.quantity <= 0:
            raise ValueError("stock lines need a positive quantity")
        products[line.product_id] += line.quantity
        if line.variant_id is not None:
            variants.setdefault(line.variant_id, [line.product_id, 0])[1] += line.quantity
    return dict(products), {vid: (pid, qty) for vid, (pid, qty) in variants.items()}


def _taking(table):
    return (update(table).where(table.c.id == bindparam("row_id"), table.c.stock >= bindparam("qty"))
            .values(stock=table.c.stock - bindparam("qty")))


_TAKE = {Product: _taking(Product.__table__), Variant: _taking(Variant.__table__)}  # built once


def _take(model, row_id: int, qty: int) -> bool:
    return db.session.execute(_TAKE[model], {"row_id": row_id, "qty": qty}).rowcount == 1


def reserve(lines: Iterable[StockLine]) -> None:
    """Take the stock of every line, or raise InsufficientStock listing each line that is short.

    Call it last in the order's transaction: its UPDATEs lock the rows, and other buyers of these products
    wait from here to the commit. So everything else is written first (the outbox rows too: a shortage
    rolls them back with the rest), then the rows are taken products by id, then variants by id, the same
    order everywhere (release, the seller's stock page: products before their variants), so no two
    checkouts can deadlock."""
    lines = list(lines)
    products, variants = _totals(lines)
    record_changes("product", sorted(products))
    short_products = {pid for pid in sorted(products) if not _take(Product, pid, products[pid])}
    short_variants = {vid for vid in sorted(variants) if not _take(Variant, vid, variants[vid][1])}
    shortages = [Shortage(line.product_id, line.variant_id, line.quantity,
                          stock_of(line.product_id, line.variant_id))
                 for line in lines if line.variant_id in short_variants or line.product_id in short_products]
    if shortages:
        raise InsufficientStock(shortages)


def release(lines: Iterable[StockLine]) -> None:
    """Give back the stock of lines that were reserved (an expired, cancelled or rejected order)."""
    products, variants = _totals(lines)
    for pid in sorted(products):
        db.session.execute(update(Product).where(Product.id == pid).values(stock=Product.stock + products[pid])
                           .execution_options(synchronize_session=False))
    for vid in sorted(variants):
        db.session.execute(update(Variant).where(Variant.id == vid).values(stock=Variant.stock + variants[vid][1])
                           .execution_options(synchronize_session=False))
    record_changes("product", sorted(products))


def _label(size: str | None, colour: str | None, sku: str) -> str:
    return ", ".join(part for part in (size, colour) if part) or sku


# One statement for any set of keys (built once: the product and variant ids are expanding parameters). A
# product with variants comes back once per variant asked for, or once with NULL variant columns.
_ANY_VARIANT = aliased(Variant)
_ITEMS = (
    select(Product.id, Product.seller_id, Seller.name_hi, Seller.name_en, Product.slug, Product.title_hi,
           Product.title_en, Product.gst_rate_bp, Product.hsn_code, Product.min_order_qty, Product.unit,
           Product.pack_size, Product.price_paise, Product.stock,
           and_(Product.status == ProductStatus.LIVE, Seller.status == Verification.VERIFIED),
           exists().where(_ANY_VARIANT.product_id == Product.id),
           exists().where(PriceBreak.product_id == Product.id),
           Variant.id, Variant.size, Variant.colour, Variant.sku, Variant.price_paise, Variant.stock)
    .join(Seller, Seller.id == Product.seller_id)
    .outerjoin(Variant, and_(Variant.product_id == Product.id,
                             Variant.id.in_(bindparam("variant_ids", expanding=True))))
    .where(Product.id.in_(bindparam("product_ids", expanding=True)))
)


def items(keys: Iterable[tuple[int, int | None]]) -> dict[tuple[int, int | None], Item]:
    """Current facts for (product id, variant id or None) keys; unknown keys are simply absent. One query."""
    keys = set(keys)
    product_ids = {pid for pid, _ in keys}
    if not product_ids:
        return {}
    params = {"product_ids": sorted(product_ids), "variant_ids": sorted({vid for _, vid in keys if vid is not None})}
    found = {}
    for (pid, seller_id, seller_hi, seller_en, slug, title_hi, title_en, gst, hsn, min_qty, unit, pack, price,
         on_hand, sellable, has_variants, bulk_priced, vid, size, colour, sku, v_price, v_stock) \
            in db.session.execute(_ITEMS, params):
        common = dict(seller_id=seller_id, seller_name_hi=seller_hi, seller_name_en=seller_en, slug=slug,
                      title_hi=title_hi, title_en=title_en, gst_rate_bp=gst, hsn_code=hsn, min_order_qty=min_qty,
                      has_variants=bool(has_variants), sellable=bool(sellable), unit=unit, pack_size=pack,
                      bulk_priced=bool(bulk_priced))
        if (pid, None) in keys and (pid, None) not in found:
            found[(pid, None)] = Item(pid, None, variant_label=None, price_paise=price, stock=on_hand, **common)
        if (pid, vid) in keys and vid is not None:  # a variant of another product than the key's is no match
            found[(pid, vid)] = Item(pid, vid, variant_label=_label(size, colour, sku), price_paise=v_price,
                                     stock=v_stock, **common)
    return found


def stock_of(product_id: int, variant_id: int | None = None) -> int:
    """The units on hand now, read from the database (not from objects the session may hold)."""
    model, row_id = (Variant, variant_id) if variant_id is not None else (Product, product_id)
    return db.session.scalar(select(model.stock).where(model.id == row_id)) or 0
