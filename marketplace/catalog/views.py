"""The storefront: home, category pages, product page, seller profile, sitemap and robots.txt."""

import re
from functools import wraps
from urllib.parse import quote, urljoin

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from marketplace.catalog import alerts, blocks, cards, queries, units
from marketplace.core import outbox
from marketplace.core.kept import kept
from marketplace.core.params import MAX_ID, arg_int_or
from marketplace.extensions import cache, db, limiter
from marketplace.i18n import current_locale, localized
from marketplace.media import services as media
from marketplace.sellers import services as sellers

bp = Blueprint("catalog", __name__)

DISTRICT_COOKIE = "district"
OG_IMAGE_WIDTH = 1280  # the JPEG rendition WhatsApp and others show for a shared link
AVAILABILITY = {
    "in_stock": "https://schema.org/InStock",
    "low": "https://schema.org/LimitedAvailability",
    "made_to_order": "https://schema.org/MadeToOrder",
    "out": "https://schema.org/OutOfStock",
}


_DEVANAGARI = re.compile("[\u0900-\u097f]")
_DRAWING = re.compile(r"^Drawing, not a photo: (?P<en>.+) / (?P<hi>.+)$")  # demo/data.py photo_alt


@bp.app_template_global()
def lang_of(obj, field: str) -> Markup:
    """' lang="en"' where a Hindi page shows the English value of a bilingual field (no Hindi was given), and
    ' lang="hi"' the other way round, so screen readers read it in its own language; nothing otherwise."""
    page = str(current_locale())
    other = "en" if page == "hi" else "hi"
    if not getattr(obj, f"{field}_{page}", None) and getattr(obj, f"{field}_{other}", None):
        return Markup(f' lang="{other}"')
    return Markup("")


@bp.app_template_global()
def photo_alt(alt: str | None, fallback: str) -> tuple[str, str | None]:
    """(alt text in the reader's language, its language when it differs from the page's). A drawn placeholder
    ("Drawing, not a photo: Turmeric / हल्दी") says so in the page's language; an English-only description
    on a Hindi page is marked English."""
    hindi = str(current_locale()) == "hi"
    drawing = _DRAWING.match(alt or "")
    if drawing:
        return _("Drawing, not a photo: %(what)s", what=drawing["hi" if hindi else "en"]), None
    text = alt or fallback
    return text, "en" if hindi and text and not _DEVANAGARI.search(text) else None


@bp.app_template_global()
def category_nav() -> Markup:
    """The header's row of top-level categories (the current one marked), the same for every visitor: its HTML
    is kept with the catalogue's data (core/kept.py) per language, current category and template release."""
    current = request.view_args.get("slug") if request.endpoint == "catalog.category" and request.view_args else None
    try:
        return kept("category-nav", cards.release(), current_locale(), current, compute=lambda: Markup(
            render_template("catalog/_nav.html", categories=queries.category_tree().roots, current=current)))
    except SQLAlchemyError:  # an error page after a failed transaction must still render
        db.session.rollback()
        return Markup("")


def _page_key() -> str:
    # The catalogue's generation first: a recorded change anywhere makes every kept page a miss at once, in
    # every process sharing the cache. With the host: canonical and Open Graph URLs are built from it.
    return f"page:{outbox.generation()}:{request.host}:{str(get_locale())}:{request.full_path}"


def shared_for_visitors(view):
    """Serve logged-out visitors from the shared cache (`extensions.cache`: process memory by default, Redis
    with REDIS_URL). Such a page carries nothing personal: no CSRF token in the header, no flash messages, no
    account links but "Log in"; a page whose rendering still wrote to the session (a form with a CSRF token) is
    not kept. A kept page lasts PAGE_CACHE_SECONDS at most (default 10; 0, the default under TESTING, turns
    it off) and is dropped at once when the catalogue records a change (core/outbox.py)."""

    @wraps(view)
    def wrapped(**kwargs):
        seconds = current_app.config.get("PAGE_CACHE_SECONDS", 0 if current_app.testing else 10)
        if not seconds or current_user.is_authenticated or session.get("_flashes"):
            return view(**kwargs)
        g.shared_page = True
        key = _page_key()
        html = _cache_get(key)
        if html is None:
            html = view(**kwargs)  # a 404 raises here and is not kept
            if not session.modified:  # whatever wrote to the session (a CSRF token) made the page personal
                _cache_set(key, html, seconds)
        return html

    return wrapped


# The storefront's reads have no rate limit: skip Flask-Limiter's per-request work for them (~5% of a page).
UNLIMITED_READS = frozenset({"catalog.home", "catalog.category", "catalog.product", "catalog.seller",
                             "search.results", "static", "media.file"})


@limiter.request_filter
def _unlimited_read() -> bool:
    return request.method == "GET" and request.endpoint in UNLIMITED_READS


bp.add_app_template_global(cards.render_cards, "product_cards")
bp.add_app_template_global(blocks.hole, "hole")
bp.add_app_template_global(queries.stock_state, "stock_state")
bp.add_app_template_global(queries.saving_percent, "saving_percent")


def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001  (a cache that is down: render the page)
        current_app.logger.warning("page cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, html: str, seconds: int) -> None:
    try:
        cache.set(key, html, timeout=seconds)
    except Exception:  # noqa: BLE001
        current_app.logger.warning("page cache unavailable", exc_info=True)


bp.add_app_template_global(queries.stock_state, "stock_state")
bp.add_app_template_global(units.pack_label, "pack_label")
bp.add_app_template_global(queries.cover_photos, "cover_photos")
bp.add_app_template_global(queries.saving_percent, "saving_percent")


def _district_id() -> int | None:
    """?district= (remembered in a cookie), else the cookie, else the district of the user's group or scope."""
    for raw in (request.args.get("district"), request.cookies.get(DISTRICT_COOKIE)):
        if raw and raw.isdigit() and int(raw) <= MAX_ID:  # a stale or odd cookie falls back, never fails
            return int(raw)
    if current_user.is_authenticated:
        if current_user.scope_district_id:
            return current_user.scope_district_id
        groups = sellers.sellers_of_user(current_user)
        if groups:
            return groups[0].block.district_id
    return None


@bp.get("/")
def home():
    district_id = _district_id()
    districts = queries.districts_with_products()
    district = next((d for d in districts if d.id == district_id), None)
    html = render_template(
        "catalog/home.html", categories=queries.category_tree().roots, new=queries.new_arrivals(),
        districts=districts, district=district,
        local=queries.district_products(district.id) if district else [],
        canonical=url_for("catalog.home", _external=True))
    response = make_response(html)
    if request.args.get("district", "").isdigit() and district:
        response.set_cookie(DISTRICT_COOKIE, str(district.id), max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
    return response


@bp.get("/c/<slug>")
@shared_for_visitors
def category(slug: str):
    return blocks.render("catalog/category.html", lambda: _category_context(slug), args=frozenset({"sort", "page"}))


def _category_context(slug: str) -> dict:
    tree = queries.category_tree()
    current = tree.by_slug.get(slug)
    if current is None:
        abort(404)
    sort = request.args.get("sort", queries.DEFAULT_SORT)
    if sort not in queries.SORTS:
        sort = queries.DEFAULT_SORT
    page = queries.category_products(current, sort, arg_int_or("page", 1, minimum=1))
    canonical_args = {"page": page.number} if page.number > 1 else {}
    canonical = url_for("catalog.category", slug=slug, _external=True, **canonical_args)
    keep = request.args.get("page") in (None, str(page.number)) and request.args.get("sort") in (None, sort)
    return dict(keep=keep, category=current, trail=tree.trail(current), children=tree.children(current), page=page,
                sort=sort, sorts=queries.SORTS, canonical=canonical, og_image=_first_photo_url(page.items),
                jsonld={"@context": "https://schema.org",
                        **_item_list(page.items, localized(current, "name"), canonical)})


@bp.get("/p/<slug>")
def product(slug: str):
    return _product_page(slug)


def _product_page(slug: str, alert_error=None, status: int = 200):
    item = queries.product_facts(slug)
    if item is None:
        abort(404)

    def context() -> dict:
        canonical = url_for("catalog.product", slug=slug, _external=True)
        image = _og_image(item)
        return dict(product=item, related=queries.related_cards(item),
                    trail=queries.category_tree().trail(item.category), members=item.seller.members,
                    canonical=canonical, og_image=image, rupees=_rupees(item.price_paise),
                    jsonld=_product_jsonld(item, canonical, image))

    return blocks.render("catalog/product.html", context, {"product": item, "alert_error": alert_error}), status


@bp.post("/p/<slug>/notify")
@limiter.limit("10 per minute")
def notify_me(slug: str):
    """"Tell me when it is back" on a sold-out product."""
    item = queries.visible_product(slug)
    if item is None:
        abort(404)
    try:
        added = alerts.ask(item, request.form.get("address"), current_user, str(get_locale()))
    except alerts.AlertError as exc:
        return _product_page(slug, exc.message, exc.status)
    flash(_("We will send you a message when it is back.") if added else
          _("You have already asked: we will send you a message when it is back."), "success")
    return redirect(url_for("catalog.product", slug=slug))


def _rupees(paise: int) -> str:
    """Paise as a decimal string of rupees, "1299.50", without going through floats."""
    return f"{paise // 100}.{paise % 100:02d}"


def _og_image(item) -> str | None:
    """Absolute URL of the 1280 px JPEG (or the largest made, for a small original)."""
    photo = item.primary_photo
    return _image_url(photo.image) if photo is not None else None


def _image_url(image) -> str | None:
    if image is None:
        return None
    widths = image.rendition_widths
    width = OG_IMAGE_WIDTH if OG_IMAGE_WIDTH in widths or not widths else max(widths)
    return urljoin(url_for("catalog.home", _external=True), media.image_url(image, width, "jpg"))


def _first_photo_url(cards) -> str | None:
    return next((_image_url(c.image) for c in cards if c.image is not None), None)


def _item_list(products, name: str, url: str) -> dict:
    """schema.org ItemList of the products on a page (what a link preview or a search engine lists)."""
    product_url = url_for("catalog.product", slug="-", _external=True)[:-1]  # built once, not 24 times
    return {"@type": "ItemList", "name": name, "url": url, "numberOfItems": len(products),
            "itemListElement": [{"@type": "ListItem", "position": n, "name": localized(p, "title"),
                                 "url": product_url + quote(p.slug)}
                                for n, p in enumerate(products, start=1)]}


def _seller_jsonld(org, canonical: str, image: str | None, products) -> dict:
    """schema.org Organization (the group, with its place) and the ItemList of its products."""
    district = org.block.district
    organization = {"@type": "Organization", "name": localized(org, "name"), "url": canonical,
                    "address": {"@type": "PostalAddress", "addressLocality": localized(org.block, "name"),
                                "addressRegion": localized(district, "name"), "addressCountry": "IN"}}
    story = localized(org, "story")
    if story:
        organization["description"] = story
    if image:
        organization["image"] = image
    return {"@context": "https://schema.org",
            "@graph": [organization, _item_list(products, localized(org, "name"), canonical)]}


def _product_jsonld(item, canonical: str, image: str | None) -> dict:
    """schema.org Product with one Offer; the template writes it with |tojson, safe inside <script>."""
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": localized(item, "title"),
        "url": canonical,
        "sku": item.slug,
        "category": localized(item.category, "name"),
        "offers": {
            "@type": "Offer",
            "url": canonical,
            "price": _rupees(item.price_paise),
            "priceCurrency": "INR",
            "availability": AVAILABILITY[queries.stock_state(item)[0]],
            "seller": {"@type": "Organization", "name": localized(item.seller, "name")},
        },
    }
    description = localized(item, "description")
    if description:
        data["description"] = description
    if image:
        data["image"] = [image]
    return data


@bp.get("/sellers/<slug>")
@shared_for_visitors
def seller(slug: str):
    return blocks.render("catalog/seller.html", lambda: _seller_context(slug), args=frozenset({"page"}))


def _seller_context(slug: str) -> dict:
    org = queries.public_group(slug)
    if org is None:
        abort(404)
    page = queries.seller_products(org.id, arg_int_or("page", 1, minimum=1))
    canonical_args = {"page": page.number} if page.number > 1 else {}
    canonical = url_for("catalog.seller", slug=slug, _external=True, **canonical_args)
    image = _image_url(org.photo) or _first_photo_url(page.items)
    return dict(keep=request.args.get("page") in (None, str(page.number)), seller=org, page=page,
                members=org.members, canonical=canonical, og_image=image,
                jsonld=_seller_jsonld(org, canonical, image, page.items))


@bp.get("/sitemap.xml")
def sitemap():
    xml = render_template("catalog/sitemap.xml", products=queries.sitemap_products(),
                          sellers=sellers.list_verified_sellers(limit=None),
                          categories=list(queries.category_tree().by_id.values()))
    return xml, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.get("/robots.txt")
def robots():
    text = render_template("catalog/robots.txt")
    return text, 200, {"Content-Type": "text/plain; charset=utf-8"}
