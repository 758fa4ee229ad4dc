"""The storefront as customers see it: visibility, listing, product page, seller profile, sitemap, SEO tags."""

import json
import re
from html import unescape

import pytest

from marketplace.catalog.queries import PAGE_SIZE
from marketplace.extensions import db
from marketplace.media import services as media
from marketplace.sellers.models import Member

from . import factories as f


def html(client, url: str, lang: str = "en", status: int = 200) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def card_slugs(page: str) -> list[str]:
    """Product slugs of the cards on a page, in order (the grid only; not header or breadcrumbs)."""
    grids = re.findall(r'<ul class="grid">(.*?)</ul>', page, re.S)
    return [slug for grid in grids for slug in re.findall(r'href="/p/([^"]+)"', grid)]


def meta(page: str, prop: str) -> str | None:
    found = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)"', page)
    return unescape(found.group(1)) if found else None


def jsonld(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


@pytest.fixture
def shop(geo):
    """A verified group in Kahara (Saharsa), a category with a subcategory."""
    org = f.seller(geo["Kahara"], name="Kahara Didi Group")
    parent = f.make_category("handicrafts", name_en="Handicrafts", name_hi="हस्तशिल्प")
    child = f.make_category("folk-paintings", parent=parent, name_en="Folk paintings", name_hi="लोक चित्रकला")
    return org, parent, child


# --- visibility ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["draft", "paused", "removed"])
def test_hidden_products_are_invisible(client, shop, status):
    org, parent, _ = shop
    hidden = f.make_product(org, parent, status=status)
    shown = f.make_product(org, parent)
    html(client, f"/p/{hidden.slug}", status=404)
    html(client, f"/p/{shown.slug}")
    for url in ("/", "/c/handicrafts", f"/sellers/{org.slug}"):
        slugs = card_slugs(html(client, url))
        assert shown.slug in slugs and hidden.slug not in slugs, url
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/p/{shown.slug}<" in sitemap and f"/p/{hidden.slug}<" not in sitemap


@pytest.mark.parametrize("verified", [False, "rejected"])
def test_products_of_unverified_sellers_are_invisible(client, geo, shop, verified):
    _, parent, _ = shop
    org = f.seller(geo["Kahara"], verified=False)
    if verified == "rejected":
        org.status = "rejected"
        db.session.commit()
    item = f.make_product(org, parent)
    html(client, f"/p/{item.slug}", status=404)
    html(client, f"/sellers/{org.slug}", status=404)
    assert item.slug not in card_slugs(html(client, "/c/handicrafts"))
    assert item.slug not in card_slugs(html(client, "/"))
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert item.slug not in sitemap and org.slug not in sitemap


def test_unknown_pages_are_404_in_the_users_language(client, shop):
    assert "We could not find that page." in html(client, "/c/no-such-category", status=404)
    assert "यह पन्ना नहीं मिला।" in html(client, "/p/no-such-product", lang="hi", status=404)
    html(client, "/sellers/no-such-group", status=404)


def test_sitemap_lists_exactly_live_products_and_verified_sellers(client, geo, shop):
    org, parent, child = shop
    pending = f.seller(geo["Kahara"], verified=False)
    live = [f.make_product(org, parent), f.make_product(org, child)]
    f.make_product(org, parent, status="draft")
    f.make_product(org, child, status="removed")
    f.make_product(pending, parent)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    locs = re.findall(r"<loc>([^<]+)</loc>", response.get_data(as_text=True))
    assert sorted(u for u in locs if "/p/" in u) == sorted(f"http://haat.test/p/{p.slug}" for p in live)
    assert [u for u in locs if "/sellers/" in u] == [f"http://haat.test/sellers/{org.slug}"]
    assert "http://haat.test/c/folk-paintings" in locs


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert "Sitemap: http://haat.test/sitemap.xml" in response.get_data(as_text=True)


# --- category pages ------------------------------------------------------------------------------------------

def test_category_page_includes_subcategories_and_paginates(client, shop):
    org, parent, child = shop
    items = [f.make_product(org, child if i % 2 else parent, price=1000 + i) for i in range(PAGE_SIZE + 6)]
    newest_first = [p.slug for p in reversed(items)]
    first = html(client, "/c/handicrafts")
    assert card_slugs(first) == newest_first[:PAGE_SIZE]
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = html(client, "/c/handicrafts?page=2")
    assert card_slugs(second) == newest_first[PAGE_SIZE:]
    assert '<link rel="canonical" href="http://haat.test/c/handicrafts?page=2">' in second
    # the subcategory alone
    in_child = sorted(p.slug for p in items if p.category_id == child.id)
    assert sorted(card_slugs(html(client, "/c/folk-paintings"))) == in_child


@pytest.mark.parametrize("page,expected", [("abc", 1), ("0", 1), ("-3", 1), ("99", 2), ("1.5", 1), ("", 1)])
def test_bad_page_numbers_fall_back(client, shop, page, expected):
    org, parent, _ = shop
    for _ in range(PAGE_SIZE + 1):
        f.make_product(org, parent)
    body = html(client, f"/c/handicrafts?page={page}")
    assert f"Page {expected} of 2" in body
    assert len(card_slugs(body)) == (PAGE_SIZE if expected == 1 else 1)


def test_sorting(client, shop):
    org, parent, _ = shop
    cheap = f.make_product(org, parent, price=5000)
    dear = f.make_product(org, parent, price=90000)
    middle = f.make_product(org, parent, price=20000)
    assert card_slugs(html(client, "/c/handicrafts?sort=price_asc")) == [cheap.slug, middle.slug, dear.slug]
    assert card_slugs(html(client, "/c/handicrafts?sort=price_desc")) == [dear.slug, middle.slug, cheap.slug]
    assert card_slugs(html(client, "/c/handicrafts?sort=new")) == [middle.slug, dear.slug, cheap.slug]
    fallback = html(client, "/c/handicrafts?sort=<script>")
    assert card_slugs(fallback) == [middle.slug, dear.slug, cheap.slug]
    assert "<script>" not in fallback.split("<main", 1)[1]
    assert 'value="price_desc" selected' in html(client, "/c/handicrafts?sort=price_desc")


def test_card_shows_price_mrp_saving_seller_and_district(client, shop):
    org, parent, _ = shop
    f.make_product(org, parent, price=90000, mrp_paise=120000, title_en="Madhubani painting")
    body = html(client, "/c/handicrafts")
    assert "Madhubani painting" in body
    assert '<span class="price">₹900</span>' in body
    assert "₹1,200</s>" in body and "25% off" in body
    assert "Kahara Didi Group, Saharsa" in body


def test_empty_category_says_so(client, shop):
    assert "Nothing here yet" in html(client, "/c/folk-paintings")


def test_header_lists_top_level_categories(client, shop):
    body = html(client, "/login")
    nav = re.search(r'<nav class="cats".*?</nav>', body, re.S).group(0)
    assert 'href="/c/handicrafts"' in nav and "folk-paintings" not in nav


# --- product page --------------------------------------------------------------------------------------------

def test_product_page_shows_photos_price_stock_and_seller_card(client, geo, shop):
    org, _, child = shop
    org.village_id = geo["Kahara"].villages[0].id
    org.story_en = "Twelve women of Bangaon paint the stories of Mithila."
    db.session.add_all([Member(seller_id=org.id, name=f"Member {i}", mobile=f.mobile()) for i in range(3)])
    db.session.commit()
    item = f.make_product(org, child, price=129950, mrp_paise=150000, stock=3,
                          description_en="Natural colours on handmade paper.")
    f.add_photos(item, 3)
    related = f.make_product(org, child)
    body = html(client, f"/p/{item.slug}")
    assert body.count("<picture") == 3 and 'class="media-placeholder"' in body  # the related card has none
    assert 'loading="eager"' in body and body.count('loading="lazy"') == 2
    assert re.search(r'<img[^>]+width="1280" height="960"', body)
    assert "srcset=" in body
    assert "₹1,299.50" in body and "₹1,500</s>" in body and "13% off" in body
    assert "Only 3 left" in body
    assert "Twelve women of Bangaon" in body and "Bangaon" in body and "3 members" in body
    assert f'href="/sellers/{org.slug}"' in body
    assert related.slug in card_slugs(body)
    assert 'href="/c/handicrafts"' in body and 'href="/c/folk-paintings"' in body  # breadcrumbs


@pytest.mark.parametrize("stock,lead,text", [
    (6, None, "In stock"), (5, None, "Only 5 left"), (1, 4, "Only 1 left"),
    (0, 10, "Made to order in 10 days"), (0, None, "Out of stock"),
])
def test_stock_states(client, shop, stock, lead, text):
    org, parent, _ = shop
    item = f.make_product(org, parent, stock=stock, lead_time_days=lead)
    assert text in html(client, f"/p/{item.slug}")


def test_open_graph_canonical_and_json_ld(client, shop):
    org, parent, _ = shop
    item = f.make_product(org, parent, price=129950, title_en="Sikki grass basket", stock=0, lead_time_days=7,
                          description_en="Woven by hand.")
    photo = f.add_photos(item, 2)[0]
    body = html(client, f"/p/{item.slug}")
    url = f"http://haat.test/p/{item.slug}"
    image = "http://haat.test" + media.image_url(photo.image, 1280, "jpg") \
        if media.image_url(photo.image, 1280, "jpg").startswith("/") else media.image_url(photo.image, 1280, "jpg")
    assert f'<link rel="canonical" href="{url}">' in body
    assert meta(body, "og:type") == "product"
    assert meta(body, "og:title") == "Sikki grass basket"
    assert meta(body, "og:description") == "Woven by hand."
    assert meta(body, "og:image") == image and image.startswith("http://haat.test/") and "1280" in image
    assert meta(body, "product:price:amount") == "1299.50"
    assert meta(body, "product:price:currency") == "INR"
    data = jsonld(body)
    assert data["@type"] == "Product" and data["name"] == "Sikki grass basket" and data["image"] == [image]
    assert data["offers"] == {"@type": "Offer", "url": url, "price": "1299.50", "priceCurrency": "INR",
                              "availability": "https://schema.org/MadeToOrder",
                              "seller": {"@type": "Organization", "name": "Kahara Didi Group"}}


def test_small_photo_uses_its_largest_rendition_for_og_image(client, shop):
    org, parent, _ = shop
    item = f.make_product(org, parent)
    f.add_photos(item, 1)[0].image.widths = "320,640"
    db.session.commit()
    assert "640" in meta(html(client, f"/p/{item.slug}"), "og:image")


def test_html_in_titles_is_escaped(client, shop):
    org, parent, _ = shop
    evil = '</script><script>alert("x")</script> & <b>'
    item = f.make_product(org, parent, title_en=evil, description_en=evil)
    for url in (f"/p/{item.slug}", "/c/handicrafts", "/"):
        body = html(client, url)
        assert "<script>alert" not in body and "<b>" not in body, url
        assert "&lt;/script&gt;&lt;script&gt;alert" in body, url
    data = jsonld(html(client, f"/p/{item.slug}"))
    assert data["name"] == evil
    assert meta(html(client, f"/p/{item.slug}"), "og:title") == evil


@pytest.mark.parametrize("title_hi,title_en,lang,shown,mark", [
    ("मधुबनी पेंटिंग", "Madhubani painting", "hi", "मधुबनी पेंटिंग", ""),
    ("मधुबनी पेंटिंग", "Madhubani painting", "en", "Madhubani painting", ""),
    ("मधुबनी पेंटिंग", None, "en", "मधुबनी पेंटिंग", ' lang="hi"'),  # the fallback says its language
    (None, "Madhubani painting", "hi", "Madhubani painting", ' lang="en"'),
])
def test_titles_fall_back_to_the_other_language(client, shop, title_hi, title_en, lang, shown, mark):
    org, parent, _ = shop
    item = f.make_product(org, parent, title_hi=title_hi, title_en=title_en)
    assert f"<h1{mark}>{shown}</h1>" in html(client, f"/p/{item.slug}", lang=lang)
    assert f'<h2 class="title"{mark}>{shown}</h2>' in html(client, "/c/handicrafts", lang=lang)


def test_hindi_page_is_in_hindi(client, shop):
    org, parent, _ = shop
    item = f.make_product(org, parent, stock=0)
    body = html(client, f"/p/{item.slug}", lang="hi")
    assert "Out of stock" not in body and "अभी उपलब्ध नहीं" in body


# --- home and seller profile ---------------------------------------------------------------------------------

def test_home_shows_categories_and_new_arrivals(client, shop):
    org, parent, _ = shop
    items = [f.make_product(org, parent) for _ in range(3)]
    body = html(client, "/")
    assert 'href="/c/handicrafts"' in body
    assert card_slugs(body) == [p.slug for p in reversed(items)]
    assert "From your district" not in body


def test_products_from_your_district(client, geo, shop):
    org, parent, _ = shop
    elsewhere = f.seller(next(b for name, b in geo.items() if b.district_id != geo["Kahara"].district_id))
    local = f.make_product(org, parent)
    far = f.make_product(elsewhere, parent)
    saharsa = geo["Kahara"].district_id
    body = html(client, f"/?district={saharsa}")
    section = body.split("From your district: Saharsa", 1)[1].split('id="new-h"', 1)[0]
    assert card_slugs(section) == [local.slug]
    assert far.slug in card_slugs(body)  # still among the new arrivals
    # remembered in a cookie
    again = html(client, "/")
    assert "From your district: Saharsa" in again
    # nonsense is ignored, never an error
    client.delete_cookie("district", domain="haat.test")
    assert "From your district" not in html(client, "/?district=x1")
    assert "From your district" not in html(client, "/?district=999999")


def test_district_of_a_group_member(client, geo, shop):
    org, parent, _ = shop
    member = f.user("seller")
    db.session.add(Member(seller_id=org.id, user_id=member.id, name=member.name, mobile=member.mobile))
    db.session.commit()
    f.make_product(org, parent)
    from .conftest import login

    login(client, member.mobile)
    assert "From your district: Saharsa" in html(client, "/")


def test_seller_profile_lists_its_live_products(client, geo, shop):
    org, parent, _ = shop
    org.story_en = "We make sujni quilts."
    db.session.commit()
    other = f.seller(geo["Kahara"])
    mine = f.make_product(org, parent)
    f.make_product(org, parent, status="paused")
    f.make_product(other, parent)
    body = html(client, f"/sellers/{org.slug}")
    assert "Kahara Didi Group" in body and "We make sujni quilts." in body and "Saharsa" in body
    assert card_slugs(body) == [mine.slug]
    assert f'<link rel="canonical" href="http://haat.test/sellers/{org.slug}">' in body


# --- the page cache for logged-out visitors ------------------------------------------------------------------

@pytest.fixture
def cached(app, monkeypatch):
    """The page cache switched on (tests run without it) for 10 seconds."""
    from marketplace.extensions import cache

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 10)
    with app.app_context():
        cache.clear()
    yield cache
    with app.app_context():
        cache.clear()


def test_listings_are_kept_until_the_catalogue_changes_and_product_pages_not_at_all(client, shop, cached):
    from marketplace.catalog import services as catalog
    from marketplace.catalog.models import Product

    org, parent, _ = shop
    item = f.make_product(org, parent, title_en="Sujni quilt")
    assert item.slug in card_slugs(html(client, "/c/handicrafts"))
    assert item.slug in card_slugs(html(client, f"/sellers/{org.slug}"))
    # A write that records no change (as no service does) shows that the listing is really kept...
    db.session.execute(Product.__table__.update().where(Product.id == item.id).values(title_en="Sujni quilt, blue"))
    db.session.commit()
    assert "Sujni quilt, blue" not in html(client, "/c/handicrafts", lang="en")
    assert "Sujni quilt, blue" in html(client, f"/p/{item.slug}", lang="en")  # product pages are never kept
    # ...and a recorded change (a removal) drops every kept listing at once.
    catalog.remove(item, f.user("admin"), "Photo shows a different product")
    html(client, f"/p/{item.slug}", status=404)
    assert item.slug not in card_slugs(html(client, "/c/handicrafts"))
    assert item.slug not in card_slugs(html(client, f"/sellers/{org.slug}"))


def test_kept_page_is_served_without_touching_the_database(client, shop, cached):
    from .test_query_counts import counting

    org, parent, _ = shop
    item = f.make_product(org, parent)
    html(client, "/c/handicrafts")
    with counting() as statements:
        body = html(client, "/c/handicrafts")
    assert statements == [] and item.slug in card_slugs(body)


def test_kept_pages_carry_nothing_personal(client, shop, cached):
    from .conftest import login

    org, parent, _ = shop
    f.make_product(org, parent)
    response = client.get("/c/handicrafts?lang=en")
    body = response.get_data(as_text=True)
    assert 'name="csrf-token"' not in body and "session=" not in response.headers.get("Set-Cookie", "")
    customer = f.user(name="Ananya Sharma")
    login(client, customer.mobile)
    mine = html(client, "/c/handicrafts")
    assert "Log out" in mine and 'name="csrf-token"' in mine  # a logged-in page is never shared


def test_a_page_that_writes_to_the_session_is_not_kept(client, shop, cached, monkeypatch):
    from flask import session

    from marketplace.catalog import views

    org, parent, _ = shop
    f.make_product(org, parent)
    renders = []

    def personal(seller_id):  # as a form with a CSRF token would: the page now belongs to one visitor
        renders.append(seller_id)
        session["touched"] = True
        return 0

    monkeypatch.setattr(views.sellers, "member_count", personal)
    html(client, f"/sellers/{org.slug}")
    html(client, f"/sellers/{org.slug}")
    assert len(renders) == 2


def test_cache_keeps_languages_and_hosts_apart(app, client, shop, cached, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_NAME", None)  # absolute URLs then come from the Host header
    org, parent, _ = shop
    f.make_product(org, parent)
    assert "<h1>Handicrafts" in html(client, "/c/handicrafts", lang="en")
    assert "<h1>हस्तशिल्प" in html(client, "/c/handicrafts", lang="hi")
    other = client.get("/c/handicrafts?lang=en", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" in other
    assert "evil.example" not in html(client, "/c/handicrafts")
    assert '<link rel="canonical" href="http://localhost/c/handicrafts">' in html(client, "/c/handicrafts")


def test_header_survives_a_database_error(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from marketplace.catalog import queries

    def broken():
        raise OperationalError("SELECT", {}, Exception("database is down"))

    monkeypatch.setattr(queries, "category_tree", broken)
    body = html(client, "/login")
    assert '<nav class="cats"' not in body and "Log in" in body
