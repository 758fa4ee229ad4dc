"""Catalogue, write side and lookups: products, variants, stock, photos, moderation, the category tree.

Every function that changes something validates everything first, then writes, then commits once; on bad
input it raises CatalogError (message already translated, `errors` mapping field names to messages) and
nothing is stored. Every change a customer could see is written to the outbox in the same transaction.
Access decisions (who may call these) are the views' job, through marketplace.accounts.access.
"""

import re
from typing import NoReturn

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.accounts.models import OfficialLevel, Role
from marketplace.catalog import alerts, categories
from marketplace.catalog.models import (
    PRODUCT_STATUS,
    Category,
    Product,
    ProductEvent,
    ProductPhoto,
    ProductStatus,
    Variant,
)
from marketplace.core.errors import DomainError
from marketplace.core.outbox import bump_generation, record_change
from marketplace.core.pagination import Page, paginate
from marketplace.core.states import IllegalTransition
from marketplace.core.translit import slugify
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block, District
from marketplace.media import services as media
from marketplace.sellers.models import Seller

MAX_PRICE_PAISE = 10_00_000 * 100  # ₹10,00,000: anything above is a typing mistake on a village product
MAX_QTY = 1_000_000
MAX_PACK = 10_000
MAX_LEAD_DAYS = 180
MAX_WEIGHT_GRAMS = 100_000
MAX_PHOTOS = 8
TITLE_MAX, DESCRIPTION_MAX, REASON_MAX = 160, 5000, 500
TAGS_MAX, TAG_MAX, TAG_COUNT_MAX = 300, 40, 20
GST_RATES_BP = (0, 500, 1200, 1800, 2800)
UNITS = ("piece", "kg", "g", "litre", "ml", "pack", "metre", "pair", "set")
DEFAULTS = {"unit": "piece", "pack_size": 1, "min_order_qty": 1, "stock": 0, "gst_rate_bp": 0}
REQUIRED = ("category_id", "price_paise")

STATUS_LABELS = {
    ProductStatus.DRAFT: _l("Draft"),
    ProductStatus.LIVE: _l("On sale"),
    ProductStatus.PAUSED: _l("Paused"),
    ProductStatus.REMOVED: _l("Hidden by moderation"),
}

_HSN = re.compile(r"^[0-9]{4,8}$")  # ASCII digits: it is printed on GST invoices
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL; the rest are never meant
_SPACES = re.compile(r"\s+")


class CatalogError(DomainError):
    """A catalogue rule was broken; `errors` may also be keyed by stock rows on the quick stock page."""


class _Invalid(Exception):
    def __init__(self, message):
        self.message = message


# ---------------------------------------------------------------- field cleaners (value -> clean value)

def _text(max_len: int, *, one_line: bool = True):
    def clean(value):
        if value is None:
            return None
        if not isinstance(value, str):
            raise _Invalid(_l("Enter text."))
        value = _CONTROL.sub("", value)
        value = _SPACES.sub(" ", value).strip() if one_line else value.replace("\r\n", "\n").strip()
        if len(value) > max_len:
            raise _Invalid(_l("Use at most %(n)d characters (now %(used)d).", n=max_len, used=len(value)))
        return value or None

    return clean


def _whole(low: int, high: int, message, *, nullable: bool = False):
    def clean(value):
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Invalid(message)
        return value

    return clean


def _money(*, nullable: bool = False):
    def clean(value):
        if value is None and nullable:
            return None
        if value is None:
            raise _Invalid(_l("Enter the selling price."))
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(_l("Enter an amount in rupees, for example 250 or 1,250.50."))
        if value <= 0:
            raise _Invalid(_l("The amount must be more than ₹0."))
        if value > MAX_PRICE_PAISE:
            raise _Invalid(_l("That is too much: at most ₹10,00,000. Please check the amount."))
        return value

    return clean


def _choice(allowed: tuple, message):
    def clean(value):
        if value not in allowed:
            raise _Invalid(message)
        return value

    return clean


def _hsn(value):
    value = re.sub(r"\s", "", value) if isinstance(value, str) else value
    if not value:
        return None
    if not isinstance(value, str) or not _HSN.match(value):
        raise _Invalid(_l("The HSN code has 4 to 8 digits, for example 0910 or 09103030."))
    return value


def _tags(value):
    if not value:
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    tags: list[str] = []
    for part in parts:
        tag = _SPACES.sub(" ", _CONTROL.sub("", str(part))).strip().lower()
        if len(tag) > TAG_MAX:
            raise _Invalid(_l("Each tag may have at most %(n)d characters.", n=TAG_MAX))
        if tag and tag not in tags:
            tags.append(tag)
    joined = ",".join(tags)
    if len(tags) > TAG_COUNT_MAX or len(joined) > TAGS_MAX:
        raise _Invalid(_l("Too many tags: use at most %(n)d short words.", n=TAG_COUNT_MAX))
    return joined or None


def _category(value):
    if isinstance(value, bool) or not isinstance(value, int) or db.session.get(Category, value) is None:
        raise _Invalid(_l("Choose a category from the list."))
    return value


_QTY_MESSAGE = _l("Enter a whole number from 0 to 10,00,000.")

PRODUCT_FIELDS = {
    "title_hi": _text(TITLE_MAX),
    "title_en": _text(TITLE_MAX),
    "description_hi": _text(DESCRIPTION_MAX, one_line=False),
    "description_en": _text(DESCRIPTION_MAX, one_line=False),
    "category_id": _category,
    "price_paise": _money(),
    "mrp_paise": _money(nullable=True),
    "unit": _choice(UNITS, _l("Choose a unit from the list.")),
    "pack_size": _whole(1, MAX_PACK, _l("Enter a whole number from 1 to 10,000.")),
    "min_order_qty": _whole(1, MAX_QTY, _l("Enter a whole number from 1 to 10,00,000.")),
    "stock": _whole(0, MAX_QTY, _QTY_MESSAGE),
    "lead_time_days": _whole(1, MAX_LEAD_DAYS, _l("Enter a number of days from 1 to 180, or leave it empty."),
                             nullable=True),
    "hsn_code": _hsn,
    "gst_rate_bp": _choice(GST_RATES_BP, _l("Choose a GST rate: 0, 5, 12, 18 or 28 %.")),
    "weight_grams": _whole(1, MAX_WEIGHT_GRAMS, _l("Enter the weight in grams, from 1 to 1,00,000."), nullable=True),
    "tags": _tags,
}

VARIANT_FIELDS = {
    "sku": _text(40),
    "size": _text(30),
    "colour": _text(30),
    "price_paise": _money(),
    "stock": _whole(0, MAX_QTY, _QTY_MESSAGE),
}


def _clean(cleaners: dict, fields: dict) -> tuple[dict, dict]:
    unknown = set(fields) - set(cleaners)
    if unknown:
        raise TypeError(f"unknown catalogue fields: {sorted(unknown)}")
    cleaned, errors = {}, {}
    for name, value in fields.items():
        try:
            cleaned[name] = cleaners[name](value)
        except _Invalid as exc:
            errors[name] = exc.message
    return cleaned, errors


def _fail(message, field=None, errors=None, status: int = 422) -> NoReturn:
    """Nothing half-way: whatever this request added to the session so far is dropped with the error."""
    db.session.rollback()
    raise CatalogError(message, field=field, errors=errors, status=status)


def _raise_if(errors: dict) -> None:
    if errors:
        _fail(next(iter(errors.values())), errors=errors)


def _check_product(fields: dict, product: Product | None, ignore=frozenset()) -> tuple[dict, dict]:
    """(clean fields, messages by field), judging the product as it would be after the change. Fields in
    `ignore` were refused before they could be read (a form's parse error): no rule involving them is judged."""
    if product is None and "stock" in fields and fields["stock"] is None:  # left empty: judged below
        fields = {name: value for name, value in fields.items() if name != "stock"}
    cleaned, errors = _clean(PRODUCT_FIELDS, fields)
    judged = set(errors) | set(ignore)

    def after(name):
        if name in cleaned:
            return cleaned[name]
        return getattr(product, name) if product is not None else DEFAULTS.get(name)

    if product is None:
        for name in REQUIRED:
            if fields.get(name) is None and name not in judged:
                errors[name] = (_l("Choose a category from the list.") if name == "category_id"
                                else _l("Enter the selling price."))
    if product is None and fields.get("stock") is None and not {"stock", "lead_time_days"} & judged \
            and not after("lead_time_days"):  # a new listing never gets a stock of 0 nobody chose
        errors["stock"] = _l("Enter how many are ready now (0 if none are ready yet).")
    if not after("title_hi") and not after("title_en") and not {"title_hi", "title_en"} & judged:
        errors["title_hi"] = _l("Write the product's name in Hindi or in English (at least one).")
    price, mrp = after("price_paise"), after("mrp_paise")
    if price and mrp is not None and mrp < price and not {"price_paise", "mrp_paise"} & judged:
        errors["mrp_paise"] = _l("The MRP cannot be less than the selling price.")
    if product is not None and product.variants and "stock" in cleaned and cleaned["stock"] != product.stock:
        errors["stock"] = _l("This product has sizes or colours: change the stock of each one.")
    return cleaned, errors


def _product_fields(fields: dict, product: Product | None) -> dict:
    cleaned, errors = _check_product(fields, product)
    _raise_if(errors)
    return cleaned


def product_errors(fields: dict, product: Product | None = None, ignore=frozenset()) -> dict:
    """The messages create_product (or update_product of `product`) would give for `fields`, changing nothing.
    Lets a form that already found unreadable fields (`ignore`) report every other problem in the same round."""
    return _check_product(fields, product, ignore)[1]


# ---------------------------------------------------------------- small shared steps

def _write(step) -> None:
    try:
        step()
    except IntegrityError as exc:  # a unique slug or SKU taken by a request at the same moment
        db.session.rollback()
        raise CatalogError(_l("Someone changed this at the same moment. Please try again."), status=409) from exc


def _commit() -> None:
    _write(db.session.commit)


def _flush() -> None:
    _write(db.session.flush)


def _actor_id(actor) -> int | None:
    return actor.id if actor is not None else None


def _event(product: Product, actor, from_state: str | None, to_state: str, reason: str | None = None) -> None:
    db.session.add(ProductEvent(product_id=product.id, actor_id=_actor_id(actor), from_state=from_state,
                                to_state=to_state, reason=reason))


def _changed(product: Product) -> None:
    record_change("product", product.id)
    if product.status == ProductStatus.LIVE and product.stock > 0:  # buyable: whoever asked hears it, at once
        alerts.send_due([product.id])


def _unique_slug(product: Product) -> str:
    """From the English title, else the Hindi one transliterated; -2, -3 … when taken."""
    base = slugify(product.title_en or product.title_hi or "", max_length=150) or "product"
    stmt = select(Product.slug).where(or_(Product.slug == base, Product.slug.like(f"{base}-%")))
    if product.id is not None:
        stmt = stmt.where(Product.id != product.id)
    taken = set(db.session.scalars(stmt))
    n = 1
    slug = base
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _sync_stock(product: Product) -> None:
    """A product with variants has as much stock as its variants together."""
    if product.variants:
        product.stock = sum(v.stock for v in product.variants)


# ---------------------------------------------------------------- products

def create_product(seller: Seller, actor, images: tuple = (), **fields) -> Product:
    """A new draft listing of `seller`. Fields are the Product columns (see PRODUCT_FIELDS); `images` (media
    Images, e.g. photos taken before the first save) become its photos in the same transaction."""
    cleaned = _product_fields(fields, None)
    images = list({image.id: image for image in images}.values())[:MAX_PHOTOS]
    product = Product(seller_id=seller.id, status=ProductStatus.DRAFT, **{**DEFAULTS, **cleaned})
    product.slug = _unique_slug(product)
    db.session.add(product)
    _flush()
    for n, image in enumerate(images):
        product.photos.append(ProductPhoto(image=image, position=n, is_primary=n == 0))
    _event(product, actor, None, ProductStatus.DRAFT)
    _changed(product)
    _commit()
    return product


def store_photos_before_saving(uploads: list[bytes]) -> list[int]:
    """Photos taken before the listing exists (the camera comes first): checked and stored, their image ids
    returned for create_product. All or nothing (media.services.ImageRejected re-raised)."""
    if len(uploads) > MAX_PHOTOS:
        _fail(_l("At most %(n)d photos per product.", n=MAX_PHOTOS), field="photo")
    try:
        images = [media.store_image(data) for data in uploads]
    except media.ImageRejected:
        db.session.rollback()
        raise
    db.session.flush()
    ids = [image.id for image in images]
    _commit()
    return ids


def images_by_id(image_ids) -> list:
    """The media Images of these ids, in the given order (unknown ids dropped)."""
    from marketplace.media.models import Image

    ids = [i for i in image_ids if isinstance(i, int)]
    found = {image.id: image for image in db.session.scalars(select(Image).where(Image.id.in_(ids)))} if ids else {}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def update_product(product: Product, actor, **fields) -> Product:
    cleaned = _product_fields(fields, product)
    titles_changed = any(cleaned.get(f, getattr(product, f)) != getattr(product, f) for f in ("title_hi", "title_en"))
    for name, value in cleaned.items():
        setattr(product, name, value)
    if titles_changed and product.published_at is None:  # once shared, a URL stays the same
        product.slug = _unique_slug(product)
    _changed(product)
    _commit()
    return product


def _transition(product: Product, target: str, actor, reason: str | None = None, *, whatever_it_is: bool = False,
                **values) -> None:
    """Compare-and-set: the row changes only if it still has the status we read, so a seller's pause racing a
    moderator's removal cannot undo the removal (the seller gets a 409 and sees the listing as it now is).
    With `whatever_it_is` (moderation) a status changed meanwhile is read again and the move retried if still
    allowed: a removal is not lost to a pause. `values` are other columns set in the same UPDATE. No commit."""
    current = product.status
    _flush()  # pending edits of this request go first, so the guarded UPDATE is the last word on status
    while True:
        try:
            PRODUCT_STATUS.check(current, target)
        except IllegalTransition:
            db.session.rollback()
            _fail(_l("This cannot be done while the listing is: %(status)s.", status=STATUS_LABELS[current]),
                  status=409)
        result = db.session.execute(update(Product).where(Product.id == product.id, Product.status == current)
                                    .values(status=target, **values).execution_options(synchronize_session=False))
        if result.rowcount == 1:
            break
        now = db.session.scalar(select(Product.status).where(Product.id == product.id))
        if not whatever_it_is or now is None or now == current:
            db.session.rollback()
            _fail(_l("Someone changed this listing at the same moment. Please look at it again."), status=409)
        current = now
    for name, value in {"status": target, **values}.items():
        set_committed_value(product, name, value)
    _event(product, actor, current, target, reason)
    _changed(product)


def publish(product: Product, actor) -> None:
    """Put on sale (a draft or a paused listing). Only verified groups sell."""
    if not product.seller.is_verified:
        _fail(_l("Only verified groups can put products on sale. You can keep preparing drafts "
                              "until the block office verifies your group."), status=403)
    _transition(product, ProductStatus.LIVE, actor,
                **({"published_at": utcnow()} if product.published_at is None else {}))
    _commit()


def pause(product: Product, actor) -> None:
    _transition(product, ProductStatus.PAUSED, actor)
    _commit()


def _reason(value) -> str:
    try:
        reason = _text(REASON_MAX)(value)
    except _Invalid as exc:
        _fail(exc.message, field="reason")
    if not reason or len(reason) < 5:
        _fail(_l("Write the reason for the seller (at least 5 characters)."), field="reason")
    return reason


def remove(product: Product, actor, reason: str) -> None:
    """Moderation hides a listing; the seller sees the reason."""
    reason = _reason(reason)
    _transition(product, ProductStatus.REMOVED, actor, reason, whatever_it_is=True, status_reason=reason)
    _commit()


def restore(product: Product, actor) -> None:
    """Moderation lifts a removal; the listing goes back to draft and the seller publishes it again."""
    _transition(product, ProductStatus.DRAFT, actor, whatever_it_is=True, status_reason=None)
    _commit()


_COPIED = ("category_id", "title_hi", "title_en", "description_hi", "description_en", "price_paise", "mrp_paise",
           "unit", "pack_size", "min_order_qty", "lead_time_days", "hsn_code", "gst_rate_bp", "weight_grams", "tags")


def duplicate(product: Product, actor) -> Product:
    """A draft copy with its own slug, variants and photos; stock starts at 0 (it is not the same goods).
    A listing hidden by moderation is not copied: the copy would slip past the moderator."""
    if product.status == ProductStatus.REMOVED:
        _fail(_l("This listing was hidden by moderation, so it cannot be copied. Correct it instead."), status=409)
    copy = Product(seller_id=product.seller_id, status=ProductStatus.DRAFT, stock=0,
                   **{name: getattr(product, name) for name in _COPIED})
    copy.slug = _unique_slug(copy)
    copy.variants = [Variant(sku=v.sku, size=v.size, colour=v.colour, price_paise=v.price_paise, stock=0)
                     for v in product.variants]
    copy.photos = [ProductPhoto(image_id=p.image_id, position=p.position, is_primary=p.is_primary,
                                alt_text=p.alt_text) for p in product.photos]
    db.session.add(copy)
    _flush()
    _event(copy, actor, None, ProductStatus.DRAFT)
    _changed(copy)
    _commit()
    return copy


# ---------------------------------------------------------------- stock

_VARIANTS_OWN_STOCK = _l("This product has sizes or colours: change the stock of each one.")


def _qty_error(item: Product | Variant, value):
    """The message for a stock figure that cannot be stored on `item`, or None."""
    try:
        PRODUCT_FIELDS["stock"](value)
    except _Invalid as exc:
        return exc.message
    return _VARIANTS_OWN_STOCK if isinstance(item, Product) and item.variants else None


def _apply_stock(item: Product | Variant, qty: int) -> None:
    item.stock = qty
    product = item.product if isinstance(item, Variant) else item
    _sync_stock(product)
    _changed(product)


def set_stock(item: Product | Variant, qty: int, actor) -> None:
    error = _qty_error(item, qty)
    if error is not None:
        _fail(error, field="stock")
    _apply_stock(item, qty)
    _commit()


def stock_items(seller_id: int, page: int = 1, per_page: int = 100) -> Page:
    """The seller's listings (not removed ones) with their variants, for the quick stock page."""
    stmt = (select(Product).where(Product.seller_id == seller_id, Product.status != ProductStatus.REMOVED)
            .options(selectinload(Product.variants)).order_by(Product.id.desc()))
    return paginate(stmt, page, per_page)


def set_stocks(seller: Seller, quantities: dict, actor, shown: dict | None = None) -> int:
    """Many stock changes at once, all or nothing. Keys are ("product", id) or ("variant", id); a product
    with variants takes its stock from them. Where `shown` (the figures on the seller's page) equals the new
    figure the row is left alone, so an order placed meanwhile is not undone. Returns how many changed."""
    shown = shown or {}
    items = _stock_targets(seller.id, quantities)
    errors = {key: _qty_error(items[key], value) for key, value in quantities.items()}
    _raise_if({key: message for key, message in errors.items() if message is not None})
    changed = 0
    for key, qty in quantities.items():
        if shown.get(key) == qty or items[key].stock == qty:
            continue
        _apply_stock(items[key], qty)
        changed += 1
    _commit()
    return changed


def _stock_targets(seller_id: int, keys) -> dict:
    product_ids = {i for kind, i in keys if kind == "product"}
    variant_ids = {i for kind, i in keys if kind == "variant"}
    items = {("product", p.id): p for p in db.session.scalars(
        select(Product).where(Product.id.in_(product_ids), Product.seller_id == seller_id))}
    items |= {("variant", v.id): v for v in db.session.scalars(
        select(Variant).join(Product).where(Variant.id.in_(variant_ids), Product.seller_id == seller_id))}
    if set(keys) - set(items):
        _fail(_l("Some of these products do not belong to this group."))
    return items


# ---------------------------------------------------------------- variants

def _variant_fields(product: Product, fields: dict, variant: Variant | None) -> dict:
    cleaned, errors = _clean(VARIANT_FIELDS, fields)

    def after(name):
        return cleaned[name] if name in cleaned else getattr(variant, name, None)

    sku = after("sku")
    if "sku" not in errors and (not sku or not _SKU.match(sku)):
        errors["sku"] = _l("Give a code of letters and digits (up to 40), for example HALDI-200G.")
    elif "sku" not in errors and any(v.sku == sku and v is not variant for v in product.variants):
        errors["sku"] = _l("Another size or colour of this product already has this code.")
    if not after("size") and not after("colour") and not {"size", "colour"} & set(errors):
        errors["size"] = _l("Give a size or a colour (or both).")
    if after("price_paise") is None and "price_paise" not in errors:
        errors["price_paise"] = _l("Enter the selling price.")
    _raise_if(errors)
    return cleaned


def add_variant(product: Product, actor, **fields) -> Variant:
    """A size / colour with its own SKU, price and stock. Fields: sku, size, colour, price_paise, stock."""
    cleaned = _variant_fields(product, fields, None)
    variant = Variant(**{"stock": 0, **cleaned})
    product.variants.append(variant)
    _sync_stock(product)
    _changed(product)
    _commit()
    return variant


def update_variant(variant: Variant, actor, **fields) -> Variant:
    cleaned = _variant_fields(variant.product, fields, variant)
    for name, value in cleaned.items():
        setattr(variant, name, value)
    _sync_stock(variant.product)
    _changed(variant.product)
    _commit()
    return variant


def delete_variant(variant: Variant, actor) -> None:
    product = variant.product
    product.variants.remove(variant)
    product.stock = sum(v.stock for v in product.variants)
    _changed(product)
    _commit()


# ---------------------------------------------------------------- photos

def _check_room(product: Product, count: int) -> None:
    if len(product.photos) + count > MAX_PHOTOS:
        _fail(_l("A product can have at most %(n)d photos. It has %(has)d now; delete some first.",
                 n=MAX_PHOTOS, has=len(product.photos)), field="photo")


def add_uploaded_photos(product: Product, uploads: list[bytes], actor) -> list[ProductPhoto]:
    """Photos straight from the phone: each is checked and processed by the media pipeline, then attached.
    All or nothing: one bad file (media.services.ImageRejected, re-raised) and none is added."""
    _check_room(product, len(uploads))  # before the costly processing
    try:
        images = [media.store_image(data) for data in uploads]
    except media.ImageRejected:
        db.session.rollback()
        raise
    return add_photos(product, images, actor)


def add_photos(product: Product, images: list, actor) -> list[ProductPhoto]:
    """Attach processed images (media.models.Image) in order; the first photo of a product is its primary."""
    _check_room(product, len(images))
    db.session.flush()  # images stored just now get their ids
    have = {p.image_id for p in product.photos}
    if any(image.id in have for image in images) or len({image.id for image in images}) < len(images):
        _fail(_l("This photo is already on this product."), field="photo")
    added = []
    for image in images:
        photo = ProductPhoto(image=image, position=len(product.photos), is_primary=not product.photos)
        product.photos.append(photo)
        added.append(photo)
    _changed(product)
    _commit()
    return added


def add_photo(product: Product, image, actor) -> ProductPhoto:
    return add_photos(product, [image], actor)[0]


def _renumber(product: Product) -> None:
    for i, photo in enumerate(product.photos):
        photo.position = i


def set_primary_photo(photo: ProductPhoto, actor) -> None:
    for other in photo.product.photos:
        other.is_primary = other is photo
    _changed(photo.product)
    _commit()


def move_photo(photo: ProductPhoto, offset: int, actor) -> None:
    """Move a photo `offset` places (-1: earlier, +1: later), within the list."""
    photos = photo.product.photos
    index = photos.index(photo)
    target = max(0, min(len(photos) - 1, index + offset))
    photos.insert(target, photos.pop(index))
    _renumber(photo.product)
    _changed(photo.product)
    _commit()


def delete_photo(photo: ProductPhoto, actor) -> None:
    """The image itself stays (other listings may use it); the media side cleans up unused images."""
    product = photo.product
    product.photos.remove(photo)
    if photo.is_primary and product.photos:
        product.photos[0].is_primary = True
    _renumber(product)
    _changed(product)
    _commit()


# ---------------------------------------------------------------- lookups

def get_product(product_id: int) -> Product | None:
    return db.session.get(Product, product_id)


def get_variant(product: Product, variant_id: int) -> Variant | None:
    return next((v for v in product.variants if v.id == variant_id), None)


def get_photo(product: Product, photo_id: int) -> ProductPhoto | None:
    return next((p for p in product.photos if p.id == photo_id), None)


def products_of_seller(seller_id: int, status: str | None = None, page: int = 1, per_page: int = 30) -> Page:
    stmt = (select(Product).where(Product.seller_id == seller_id)
            .options(selectinload(Product.photos), selectinload(Product.category))
            .order_by(Product.updated_at.desc(), Product.id.desc()))
    if status in tuple(ProductStatus):
        stmt = stmt.where(Product.status == status)
    return paginate(stmt, page, per_page)


def status_counts(seller_id: int) -> dict[str, int]:
    stmt = select(Product.status, func.count()).where(Product.seller_id == seller_id).group_by(Product.status)
    return dict(db.session.execute(stmt).all())


def _scope(user):
    """The SQL twin of access.official_covers_block, for listing many products at once."""
    if user.role == Role.ADMIN:
        return true()
    if user.role != Role.OFFICIAL:
        return false()
    return {
        OfficialLevel.BLOCK: Seller.block_id == user.scope_block_id,
        OfficialLevel.DISTRICT: Block.district_id == user.scope_district_id,
        OfficialLevel.STATE: District.state_id == user.scope_state_id,
    }.get(user.official_level, false())


def products_for_moderation(user, status: str | None = None, page: int = 1, per_page: int = 30) -> Page:
    """Listings of sellers within an official's scope (all for admins), newest change first."""
    stmt = (select(Product).join(Seller, Product.seller_id == Seller.id).join(Block, Seller.block_id == Block.id)
            .join(District, Block.district_id == District.id).where(_scope(user))
            .options(selectinload(Product.seller).selectinload(Seller.block), selectinload(Product.photos))
            .order_by(Product.updated_at.desc(), Product.id.desc()))
    if status in tuple(ProductStatus):
        stmt = stmt.where(Product.status == status)
    return paginate(stmt, page, per_page)


def category_tree() -> list[tuple[Category, list[Category]]]:
    return categories.tree()


def get_category(category_id: int) -> Category | None:
    return db.session.get(Category, category_id)


def seed_categories() -> int:
    """Idempotent: adds the categories of data/categories.csv that are missing, updates names. Returns how many
    were added."""
    added = categories.upsert(categories.read_rows())
    db.session.commit()
    bump_generation()  # kept category trees (core/kept.py) are read again
    return added


def low_stock_count(seller_id: int, at_most: int = 5) -> int:
    """Listings on sale with at most `at_most` units left (made-to-order ones excepted), for the seller's home."""
    stmt = select(func.count()).select_from(Product).where(
        Product.seller_id == seller_id, Product.status == ProductStatus.LIVE, Product.stock <= at_most,
        Product.lead_time_days.is_(None))
    return db.session.scalar(stmt) or 0


def set_group_photo(seller: Seller, data: bytes) -> None:
    """The photo on the group's public page (and in links shared on WhatsApp). media.ImageRejected re-raised."""
    try:
        image = media.store_image(data)
    except media.ImageRejected:
        db.session.rollback()
        raise
    db.session.flush()
    seller.photo_id = image.id
    record_change("seller", seller.id)
    _commit()
