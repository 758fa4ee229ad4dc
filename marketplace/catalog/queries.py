"""The customers' read side of the catalogue: only live products of verified sellers.

Every list loads its cards (product, seller, block, district, photos) in a fixed number of queries whatever
its length, so pages cost the same with 3 products or 24. What every visitor sees alike (the category tree,
a listing's page of cards) is read as plain values and kept until the catalogue changes (core/kept.py).
"""

from collections import defaultdict
from datetime import date, datetime
from typing import NamedTuple

from flask import g
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from marketplace.catalog.cards import Card, CardImage
from marketplace.catalog.models import Category, Product, ProductPhoto, ProductStatus
from marketplace.core.kept import kept
from marketplace.core.pagination import Page, paginate  # Page: also the name kept pages were stored under
from marketplace.extensions import db
from marketplace.geo.models import Block, District
from marketplace.media.models import Image
from marketplace.sellers import services as sellers
from marketplace.sellers.models import Seller, Verification

PAGE_SIZE = 24
LOW_STOCK = 5  # "only N left" from this many down
DEFAULT_SORT = "new"
# "popular" should rank by units sold, but orders depend on the catalogue and offer it no sales count yet:
# until they do, it is the published date.
# Every listing shows what can be bought now (in stock, or made to order) before what is sold out.
SOLD_OUT_LAST = case((and_(Product.stock <= 0, Product.lead_time_days.is_(None)), 1), else_=0).asc()
SORTS = {
    "new": (Product.published_at.desc().nulls_last(), Product.id.desc()),
    "price_asc": (Product.price_paise.asc(), Product.id.asc()),
    "price_desc": (Product.price_paise.desc(), Product.id.desc()),
    "popular": (Product.published_at.desc().nulls_last(), Product.id.desc()),
}


class CategoryNode(NamedTuple):
    """A category as the storefront shows it (plain values, so the tree can be kept between requests)."""

    id: int
    parent_id: int | None
    slug: str
    name_en: str
    name_hi: str
    position: int


class CategoryTree:
    """All categories, loaded in one query; parents and children are looked up here, never lazily."""

    def __init__(self, categories: list[CategoryNode]):
        self.by_id = {c.id: c for c in categories}
        self.by_slug = {c.slug: c for c in categories}
        self._children: dict[int | None, list[Category]] = defaultdict(list)
        for c in categories:
            self._children[c.parent_id].append(c)

    @property
    def roots(self) -> list[Category]:
        return self._children[None]

    def children(self, category: Category) -> list[Category]:
        return self._children[category.id]

    def descendant_ids(self, category: Category) -> list[int]:
        ids, stack = [], [category]
        while stack:
            current = stack.pop()
            ids.append(current.id)
            stack.extend(self._children[current.id])
        return ids

    def trail(self, category: Category) -> list[Category]:
        """The category and its ancestors, root first (for breadcrumbs)."""
        trail, current, seen = [], category, set()
        while current is not None and current.id not in seen:  # a bad parent loop must not hang a page
            seen.add(current.id)
            trail.insert(0, current)
            current = self.by_id.get(current.parent_id)
        return trail


def category_tree() -> CategoryTree:
    """Once per request (the header navigation and the category page share it), kept between requests."""
    if "catalog_tree" not in g:
        g.catalog_tree = kept("category-tree", compute=_read_tree)
    return g.catalog_tree


def _read_tree() -> CategoryTree:
    stmt = (select(Category.id, Category.parent_id, Category.slug, Category.name_en, Category.name_hi,
                   Category.position).order_by(Category.position, Category.name_en))
    return CategoryTree([CategoryNode(*row) for row in db.session.execute(stmt)])


def _visible():
    return select(Product).join(Product.seller).where(
        Product.status == ProductStatus.LIVE, Seller.status == Verification.VERIFIED)


CARD_COLUMNS = (Product.id, Product.slug, Product.title_hi, Product.title_en, Product.price_paise, Product.mrp_paise,
                Product.stock, Product.lead_time_days, Seller.name_hi, Seller.name_en, District.name_hi,
                District.name_en, Product.unit, Product.pack_size)


def _card_rows(stmt) -> list:
    return db.session.execute(stmt.join(Seller.block).join(Block.district).with_only_columns(*CARD_COLUMNS)).all()


def _cards(stmt) -> list[Card]:
    """Cards as plain values: one query for the products with their seller and district (columns, not ORM
    objects: a 24-card page no longer builds ~250 objects), one for their primary photos."""
    rows = _card_rows(stmt)
    photos = _primary_photos([row[0] for row in rows])
    return [Card(*row, *photos.get(row[0], (None, None))) for row in rows]


def _primary_photos(product_ids: list[int]) -> dict[int, tuple[CardImage, str | None]]:
    """Each product's primary photo (else its first) as (image, alt text), in one query however many."""
    if not product_ids:
        return {}
    stmt = (select(ProductPhoto.product_id, ProductPhoto.is_primary, ProductPhoto.alt_text, Image.sha256,
                   Image.width, Image.height, Image.widths)
            .join(Image, Image.id == ProductPhoto.image_id)
            .where(ProductPhoto.product_id.in_(product_ids))
            .order_by(ProductPhoto.product_id, ProductPhoto.position.desc(), ProductPhoto.id.desc()))
    found: dict[int, tuple] = {}
    primary: set[int] = set()
    for pid, is_primary, alt, sha256, width, height, widths in db.session.execute(stmt):
        if pid in primary:
            continue
        found[pid] = (CardImage(sha256, width, height, widths), alt)  # the last written is the first photo
        if is_primary:
            primary.add(pid)
    return found


def _photos_of(product_ids: list[int]) -> dict[int, list[ProductPhoto]]:
    """One query for the photos (with their images) of all these products, however many."""
    stmt = (select(ProductPhoto).where(ProductPhoto.product_id.in_(product_ids))
            .order_by(ProductPhoto.product_id, ProductPhoto.position, ProductPhoto.id))
    photos = defaultdict(list)
    for photo in db.session.scalars(stmt):
        photos[photo.product_id].append(photo)
    return photos


def _page(stmt, sort: str, number: int) -> Page:
    # counted on the product column, cheaper than counting a subquery of the whole select
    return paginate(stmt.order_by(SOLD_OUT_LAST, *SORTS.get(sort, SORTS[DEFAULT_SORT])), number, PAGE_SIZE,
                    count=stmt.with_only_columns(func.count(Product.id)).order_by(None), fetch=_cards)


def category_products(category: CategoryNode, sort: str = DEFAULT_SORT, page: int = 1) -> Page:
    """Live products of the category and all its subcategories."""
    ids = category_tree().descendant_ids(category)
    return kept("category-page", category.id, sort, page,
                compute=lambda: _page(_visible().where(Product.category_id.in_(ids)), sort, page))


def seller_products(seller_id: int, page: int = 1) -> Page:
    return kept("seller-page", seller_id, page,
                compute=lambda: _page(_visible().where(Product.seller_id == seller_id), DEFAULT_SORT, page))


def new_arrivals(limit: int = 12) -> list[Card]:
    return kept("new-arrivals", limit,
                compute=lambda: _cards(_visible().order_by(SOLD_OUT_LAST, *SORTS["new"]).limit(limit)))


def district_products(district_id: int, limit: int = 8) -> list[Card]:
    return kept("district-cards", district_id, limit,
                compute=lambda: _cards(_visible().where(Block.district_id == district_id)
                                       .order_by(SOLD_OUT_LAST, *SORTS["new"]).limit(limit)))


def visible_product(slug: str) -> Product | None:
    """The product page's product with everything the page shows, or None if customers may not see it."""
    stmt = (_visible().where(Product.slug == slug)
            .options(contains_eager(Product.seller).options(
                        joinedload(Seller.block).joinedload(Block.district), joinedload(Seller.village)),
                     joinedload(Product.category), selectinload(Product.variants)))
    return db.session.scalar(stmt)


# ---------------------------------------------------------------- product and group pages as plain values
# What the product and group pages show, read once and kept until the catalogue changes (core/kept.py). The
# names are the models' own, so templates read them as they would the ORM objects.

class Place(NamedTuple):
    name_hi: str | None
    name_en: str | None


class BlockPlace(NamedTuple):
    name_hi: str | None
    name_en: str | None
    district: Place


class GroupFacts(NamedTuple):
    id: int
    slug: str
    name_hi: str | None
    name_en: str | None
    story_hi: str | None
    story_en: str | None
    formed_on: date | None
    photo: CardImage | None
    village: Place | None
    block: BlockPlace
    members: int


class VariantFacts(NamedTuple):
    id: int
    size: str | None
    colour: str | None
    sku: str | None
    price_paise: int
    stock: int


class PhotoFacts(NamedTuple):
    image: CardImage
    alt_text: str | None
    is_primary: bool


class ProductFacts(NamedTuple):
    id: int
    slug: str
    seller_id: int
    category_id: int
    title_hi: str | None
    title_en: str | None
    description_hi: str | None
    description_en: str | None
    price_paise: int
    mrp_paise: int | None
    stock: int
    lead_time_days: int | None
    min_order_qty: int
    unit: str | None
    pack_size: int | None
    weekly_capacity: int | None
    variants: tuple[VariantFacts, ...]
    photos: tuple[PhotoFacts, ...]
    seller: GroupFacts
    category: CategoryNode

    @property
    def primary_photo(self) -> PhotoFacts | None:
        return next((p for p in self.photos if p.is_primary), self.photos[0] if self.photos else None)


def _image(image: Image | None) -> CardImage | None:
    return image and CardImage(image.sha256, image.width, image.height, image.widths)


def _group_facts(seller: Seller) -> GroupFacts:
    block, village = seller.block, seller.village
    return GroupFacts(seller.id, seller.slug, seller.name_hi, seller.name_en, seller.story_hi, seller.story_en,
                      seller.formed_on, _image(seller.photo),
                      village and Place(village.name_hi, village.name_en),
                      BlockPlace(block.name_hi, block.name_en, Place(block.district.name_hi, block.district.name_en)),
                      sellers.member_count(seller.id))


def public_group(slug: str) -> GroupFacts | None:
    """A verified group's public facts (None: customers may not see it)."""
    def read():
        seller = sellers.get_public_seller(slug)
        return _group_facts(seller) if seller is not None else None
    return kept("group", slug, compute=read)


def product_facts(slug: str) -> ProductFacts | None:
    """The product page's product with its photos, group and category (None: customers may not see it)."""
    return kept("product", slug, compute=lambda: _read_product(slug))


def related_cards(product: ProductFacts, limit: int = 8) -> list[Card]:
    """Up to `limit` cards of others in the product's category ("you may also like")."""
    return kept("related", product.category_id, product.id, limit, compute=lambda: _cards(
        _visible().where(Product.category_id == product.category_id, Product.id != product.id)
        .order_by(SOLD_OUT_LAST, *SORTS["new"]).limit(limit)))


def _read_product(slug: str) -> ProductFacts | None:
    product = visible_product(slug)
    if product is None:
        return None
    category = product.category
    return ProductFacts(
        product.id, product.slug, product.seller_id, product.category_id, product.title_hi, product.title_en,
        product.description_hi, product.description_en, product.price_paise, product.mrp_paise, product.stock,
        product.lead_time_days, product.min_order_qty, product.unit, product.pack_size, product.weekly_capacity,
        tuple(VariantFacts(v.id, v.size, v.colour, v.sku, v.price_paise, v.stock) for v in product.variants),
        tuple(PhotoFacts(_image(p.image), p.alt_text, p.is_primary) for p in _photos_of([product.id])[product.id]),
        _group_facts(product.seller),
        CategoryNode(category.id, category.parent_id, category.slug, category.name_en, category.name_hi,
                     category.position))


def stock_state(product: Product) -> tuple[str, int | None]:
    """('in_stock' | 'low' | 'made_to_order' | 'out', a number to show or None)."""
    if product.stock > LOW_STOCK:
        return "in_stock", None
    if product.stock > 0:
        return "low", product.stock
    if product.lead_time_days:
        return "made_to_order", product.lead_time_days
    return "out", None


def saving_percent(product: Product) -> int:
    """Whole per cent saved against the MRP, rounded down (0 when there is no MRP above the price)."""
    if not product.mrp_paise or product.mrp_paise <= product.price_paise:
        return 0
    return (product.mrp_paise - product.price_paise) * 100 // product.mrp_paise


def sitemap_products() -> list[tuple[str, datetime]]:
    stmt = _visible().with_only_columns(Product.slug, Product.updated_at).order_by(Product.id)
    return [(slug, updated) for slug, updated in db.session.execute(stmt)]


def districts_with_products() -> list[District]:
    """Districts that have at least one live product, for the "from your district" chooser."""
    stmt = (select(District).where(District.id.in_(
                _visible().join(Seller.block).with_only_columns(Block.district_id)))
            .order_by(District.name_en))
    return list(db.session.scalars(stmt))


def cover_photos(product_ids) -> dict[int, ProductPhoto]:
    """Product id -> its main photo (with the image), one query: pictures for the cart and the checkout."""
    ids = set(product_ids)
    if not ids:
        return {}
    stmt = (select(ProductPhoto).where(ProductPhoto.product_id.in_(ids))
            .order_by(ProductPhoto.product_id, ProductPhoto.is_primary.desc(), ProductPhoto.position, ProductPhoto.id))
    found: dict[int, ProductPhoto] = {}
    for photo in db.session.scalars(stmt):
        found.setdefault(photo.product_id, photo)
    return found


def category_pictures() -> dict[int, ProductPhoto]:
    """Category id -> the main photo of its newest live product (a top-level category takes its children's),
    so the sellers' category picker shows pictures of what each holds. One query."""
    tree = category_tree()
    stmt = (select(ProductPhoto, Product.category_id).join(Product, Product.id == ProductPhoto.product_id)
            .join(Product.seller).where(Product.status == ProductStatus.LIVE, Seller.status == Verification.VERIFIED,
                                        ProductPhoto.is_primary.is_(True))
            .order_by(Product.published_at.desc().nulls_last(), Product.id.desc()))
    found: dict[int, ProductPhoto] = {}
    for photo, category_id in db.session.execute(stmt):
        category = tree.by_id.get(category_id)
        for c in tree.trail(category) if category is not None else ():
            found.setdefault(c.id, photo)
    return found
