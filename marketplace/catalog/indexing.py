"""The catalogue's side of search: products as plain search documents, so the search domain never reads the
catalogue's tables itself. Only live products of verified sellers become documents; an id asked for that
yields nothing has to leave the index.
"""

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.extensions import db
from marketplace.geo.models import Block, District
from marketplace.sellers.models import Seller, Verification

BATCH = 500


def _category_paths() -> dict[int, list[Category]]:
    """Each category id -> the category and its ancestors, root first (one query for the whole tree)."""
    by_id = {c.id: c for c in db.session.scalars(select(Category))}
    paths = {}
    for cid, category in by_id.items():
        path, current, seen = [], category, set()
        while current is not None and current.id not in seen:  # a parent loop must not hang the indexer
            seen.add(current.id)
            path.insert(0, current)
            current = by_id.get(current.parent_id)
        paths[cid] = path
    return paths


def _image(product: Product) -> dict | None:
    photo = product.primary_photo
    if photo is None:
        return None
    img = photo.image
    return {"sha256": img.sha256, "width": img.width, "height": img.height, "widths": img.widths,
            "alt": photo.alt_text}


def _document(p: Product, path: list[Category]) -> dict:
    seller, district = p.seller, p.seller.block.district
    return {
        "id": p.id, "slug": p.slug,
        "title_hi": p.title_hi, "title_en": p.title_en,
        "description_hi": p.description_hi, "description_en": p.description_en,
        "tags": [t.strip() for t in (p.tags or "").split(",") if t.strip()],
        "category_ids": [c.id for c in path],
        "category_names": [n for c in path for n in (c.name_hi, c.name_en)],
        "seller_id": seller.id, "seller_hi": seller.name_hi, "seller_en": seller.name_en, "seller_kind": seller.kind,
        "district_id": district.id, "district_hi": district.name_hi, "district_en": district.name_en,
        "state_hi": district.state.name_hi, "state_en": district.state.name_en,
        "price_paise": p.price_paise, "mrp_paise": p.mrp_paise, "unit": p.unit, "pack_size": p.pack_size,
        "stock": p.stock, "lead_time_days": p.lead_time_days, "in_stock": p.stock > 0,
        "published_at": p.published_at or p.created_at,
        "image": _image(p),
    }


def _searchable():
    return (select(Product).join(Product.seller)
            .where(Product.status == ProductStatus.LIVE, Seller.status == Verification.VERIFIED)
            .options(selectinload(Product.seller).selectinload(Seller.block).selectinload(Block.district)
                     .selectinload(District.state),
                     selectinload(Product.photos))
            .order_by(Product.id)
            .execution_options(populate_existing=True))  # never a stale copy from the caller's session


def documents(product_ids: Iterable[int] | None = None) -> Iterator[dict]:
    """Search documents of the given products (all searchable products when None), in id order, in batches
    so that a full rebuild never holds the whole catalogue in memory."""
    paths = _category_paths()
    if product_ids is not None:
        ids = sorted(set(product_ids))
        for start in range(0, len(ids), BATCH):
            for p in db.session.scalars(_searchable().where(Product.id.in_(ids[start:start + BATCH]))):
                yield _document(p, paths.get(p.category_id, []))
        return
    last = 0
    while True:
        batch = list(db.session.scalars(_searchable().where(Product.id > last).limit(BATCH)))
        for p in batch:
            yield _document(p, paths.get(p.category_id, []))
        if len(batch) < BATCH:
            return
        last = batch[-1].id


def count() -> int:
    """How many products are searchable (for a progress bar)."""
    return db.session.scalar(_searchable().with_only_columns(db.func.count(Product.id)).order_by(None))


def product_ids_of_seller(seller_id: int) -> list[int]:
    """Every product of a seller, searchable or not (a seller's change may add or remove them all)."""
    return list(db.session.scalars(select(Product.id).where(Product.seller_id == seller_id)))


def facet_labels() -> dict:
    """Names for facet values: {"category": {id: (hi, en, parent_id)}, "district": {id: (hi, en)}}."""
    cats = db.session.execute(select(Category.id, Category.name_hi, Category.name_en, Category.parent_id)
                              .order_by(Category.position, Category.id))
    dists = db.session.execute(select(District.id, District.name_hi, District.name_en))
    return {"category": {i: (hi, en, parent) for i, hi, en, parent in cats},
            "district": {i: (hi, en) for i, hi, en in dists}}
