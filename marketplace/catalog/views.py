"""The storefront: home, category pages, product page, seller profile, sitemap and robots.txt."""

import threading
import time
from collections import OrderedDict
from functools import wraps
from urllib.parse import urljoin

from flask import Blueprint, abort, current_app, g, make_response, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from marketplace.catalog import cards, queries
from marketplace.extensions import db
from marketplace.i18n import localized
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


@bp.app_template_global()
def nav_categories() -> list:
    """Top-level categories for the header of every page."""
    try:
        return queries.category_tree().roots
    except SQLAlchemyError:  # an error page after a failed transaction must still render
        db.session.rollback()
        return []


class PageCache:
    """Listing pages as rendered for visitors who are not logged in, per worker process, by URL and
    language, each kept for `seconds`. Nothing tells every worker about a change, so a listing may show a
    card for up to that long after the product went; the product page itself is never kept: it answers
    404 at once."""

    def __init__(self, size: int = 512, clock=time.monotonic):
        self.size, self.clock = size, clock
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, seconds: float) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or self.clock() - entry[0] > seconds:
            return None
        return entry[1]

    def put(self, key, html: str) -> None:
        with self._lock:
            self._entries[key] = (self.clock(), html)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:  # arbitrary query strings must not grow it without end
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


page_cache = PageCache()


def shared_for_visitors(view):
    """Serve logged-out visitors from `page_cache`. Such a page carries nothing personal: no CSRF token in
    the header, no flash messages, no account links but "Log in"; a page whose rendering still wrote to
    the session (a form with a CSRF token) is not kept. PAGE_CACHE_SECONDS sets the lifetime (default 10;
    0, the default under TESTING, turns it off)."""

    @wraps(view)
    def wrapped(**kwargs):
        seconds = current_app.config.get("PAGE_CACHE_SECONDS", 0 if current_app.testing else 10)
        if not seconds or current_user.is_authenticated or session.get("_flashes"):
            return view(**kwargs)
        g.shared_page = True
        # With the host: canonical and Open Graph URLs are built from it. (request.url costs more to build.)
        key = (request.host, request.full_path, str(get_locale()))
        html = page_cache.get(key, seconds)
        if html is None:
            html = view(**kwargs)  # a 404 raises here and is not kept
            if not session.modified:  # whatever wrote to the session (a CSRF token) made the page personal
                page_cache.put(key, html)
        return html

    return wrapped


bp.add_app_template_global(cards.render_cards, "product_cards")
bp.add_app_template_global(queries.stock_state, "stock_state")
bp.add_app_template_global(queries.saving_percent, "saving_percent")


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


def _district_id() -> int | None:
    """?district= (remembered in a cookie), else the cookie, else the district of the user's group or scope."""
    for raw in (request.args.get("district"), request.cookies.get(DISTRICT_COOKIE)):
        if raw and raw.isdigit():
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
    tree = queries.category_tree()
    current = tree.by_slug.get(slug)
    if current is None:
        abort(404)
    sort = request.args.get("sort", queries.DEFAULT_SORT)
    if sort not in queries.SORTS:
        sort = queries.DEFAULT_SORT
    page = queries.category_products(current, sort, _int_arg("page", 1))
    canonical_args = {"page": page.number} if page.number > 1 else {}
    return render_template("catalog/category.html", category=current, trail=tree.trail(current),
                           children=tree.children(current), page=page, sort=sort, sorts=queries.SORTS,
                           canonical=url_for("catalog.category", slug=slug, _external=True, **canonical_args))


@bp.get("/p/<slug>")
def product(slug: str):
    found = queries.product_page(slug)
    if found is None:
        abort(404)
    item, related = found
    canonical = url_for("catalog.product", slug=slug, _external=True)
    image = _og_image(item)
    return render_template("catalog/product.html", product=item, related=related,
                           trail=queries.category_tree().trail(item.category),
                           members=sellers.member_count(item.seller_id), canonical=canonical, og_image=image,
                           rupees=_rupees(item.price_paise), jsonld=_product_jsonld(item, canonical, image))


def _rupees(paise: int) -> str:
    """Paise as a decimal string of rupees, "1299.50", without going through floats."""
    return f"{paise // 100}.{paise % 100:02d}"


def _og_image(item) -> str | None:
    """Absolute URL of the 1280 px JPEG (or the largest made, for a small original)."""
    photo = item.primary_photo
    if photo is None:
        return None
    widths = photo.image.rendition_widths
    width = OG_IMAGE_WIDTH if OG_IMAGE_WIDTH in widths or not widths else max(widths)
    return urljoin(url_for("catalog.home", _external=True), media.image_url(photo.image, width, "jpg"))


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
    org = sellers.get_public_seller(slug)
    if org is None:
        abort(404)
    page = queries.seller_products(org.id, _int_arg("page", 1))
    canonical_args = {"page": page.number} if page.number > 1 else {}
    return render_template("catalog/seller.html", seller=org, page=page, members=sellers.member_count(org.id),
                           canonical=url_for("catalog.seller", slug=slug, _external=True, **canonical_args))


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
