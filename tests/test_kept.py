"""Catalogue reads kept between requests (core/kept.py): the category tree, listings, product and group facts
and the header's categories are read once for everybody, logged in or not, and read again by the first request
after a recorded change. A write that records no change is not seen while kept: that is what shows they are
kept at all."""

import re

import pytest

from marketplace.cart.models import CartItem
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product
from marketplace.core.outbox import record_change
from marketplace.extensions import cache, db
from marketplace.sellers.models import Seller

from . import factories as f
from .conftest import login, post
from .test_storefront import card_slugs, html


@pytest.fixture
def keeping(app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOGUE_CACHE_SECONDS", 300)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(geo):
    org = f.seller(geo["Kahara"], name="Kahara Didi Group")
    parent = f.make_category("handicrafts", name_en="Handicrafts", name_hi="हस्तशिल्प")
    f.make_category("folk-paintings", parent=parent, name_en="Folk paintings", name_hi="लोक चित्रकला")
    item = f.make_product(org, parent, title_en="Sujni quilt")
    return org, item


def _pages(client, org, slug) -> tuple[str, str, str]:
    return html(client, "/c/handicrafts"), html(client, f"/p/{slug}"), html(client, f"/sellers/{org.slug}")


def _quiet_write(model, row_id: int, **values) -> None:
    """A write that records no catalogue change (no service does this)."""
    db.session.execute(model.__table__.update().where(model.id == row_id).values(**values))
    db.session.commit()


@pytest.mark.parametrize("logged_in", [False, True])
def test_a_recorded_change_is_seen_by_the_next_request(app, client, shop, keeping, logged_in):
    org, item = shop
    if logged_in:
        login(client, f.user(login="kept-buyer@example.com").email)
    for page in _pages(client, org, item.slug):
        assert "Sujni quilt" in page and "Kahara Didi Group" in page
    _quiet_write(Product, item.id, title_en="Quietly renamed")
    _quiet_write(Seller, org.id, name_en="Quiet Group")
    for page in _pages(client, org, item.slug):  # kept: unchanged
        assert "Quietly renamed" not in page and "Quiet Group" not in page and "Sujni quilt" in page

    catalog.update_product(db.session.get(Product, item.id), f.user("admin"), price_paise=98700)
    category, product, group = _pages(client, org, item.slug)
    assert "₹987" in category and "₹987" in product and "₹987" in group
    assert "Quietly renamed" in product and "Quiet Group" in product  # everything is read again

    catalog.remove(db.session.get(Product, item.id), f.user("admin"), "Not handmade")
    assert item.slug not in card_slugs(html(client, "/c/handicrafts"))
    assert item.slug not in card_slugs(html(client, f"/sellers/{org.slug}"))
    html(client, f"/p/{item.slug}", status=404)


def test_a_group_change_is_seen_on_its_page_and_its_products(app, client, shop, keeping):
    org, item = shop
    _pages(client, org, item.slug)
    db.session.get(Seller, org.id).story_en = "We stitch sujni quilts by the Kosi."
    record_change("seller", org.id)  # as sellers.services does for every change a customer sees
    db.session.commit()
    _category, product, group = _pages(client, org, item.slug)
    assert "We stitch sujni quilts by the Kosi." in group and "We stitch sujni quilts by the Kosi." in product


def test_the_kept_header_marks_the_category_being_shown(client, shop, keeping):
    for slug in ("handicrafts", "folk-paintings", "handicrafts"):
        page = html(client, f"/c/{slug}")
        nav = page[page.index('<nav class="cats"'):]
        nav = nav[:nav.index("</nav>")]
        current = [part for part in nav.split("<li>") if 'aria-current="page"' in part]
        expected = 1 if slug == "handicrafts" else 0  # folk paintings is not a top-level category
        assert len(current) == expected and (not current or 'href="/c/handicrafts"' in current[0])
    assert "हस्तशिल्प" in html(client, "/c/handicrafts", lang="hi")  # kept per language


def test_nothing_is_kept_when_turned_off(app, client, shop, monkeypatch):
    org, item = shop
    monkeypatch.setitem(app.config, "CATALOGUE_CACHE_SECONDS", 0)
    _pages(client, org, item.slug)
    _quiet_write(Product, item.id, title_en="Quietly renamed")
    for page in _pages(client, org, item.slug):
        assert "Quietly renamed" in page


def test_only_canonical_addresses_are_kept(app, client, shop, keeping):
    """Anybody can invent query strings: only the page's own arguments, with values it would itself link to,
    are kept, so nobody can fill the cache with copies of a page."""
    from marketplace.extensions import cache as shared

    def kept_blocks() -> int:
        return sum(1 for key in shared.cache._cache if ":blocks:" in key)  # SimpleCache's own dict

    org, item = shop
    html(client, "/c/handicrafts")
    before = kept_blocks()
    for junk in ("?utm_source=x", "?page=99", "?page=abc", "?sort=nonsense", "?lang=xx", "?page=1&page=2"):
        page = client.get(f"/c/handicrafts{junk}")
        assert page.status_code == 200 and "Sujni quilt" in page.get_data(as_text=True)
        client.get(f"/sellers/{org.slug}{junk}")
        client.get(f"/p/{item.slug}{junk}")
    assert kept_blocks() == before, [k for k in shared.cache._cache if ":blocks:" in k]
    html(client, f"/p/{item.slug}")
    assert kept_blocks() == before + 1


def _token(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_the_kept_layout_carries_each_visitors_own_token_cart_and_messages(app, shop, keeping):
    """The whole page around the kept blocks is kept per address, language and login state; the CSRF token,
    the cart's count and flash messages are filled in for each request."""
    from marketplace.extensions import cache as shared

    _org, item = shop
    first, second, visitor = app.test_client(), app.test_client(), app.test_client()
    login(first, f.user(login="first-buyer@example.com").email)
    login(second, f.user(login="second-buyer@example.com").email)
    html(second, f"/p/{item.slug}")  # kept by one customer, served to the other
    response = post(first, "/cart/add", {"product_id": item.id, "quantity": "2", "next": f"/p/{item.slug}"})
    assert response.status_code == 302
    added = html(first, f"/p/{item.slug}")
    assert 'class="flash success"' in added and '<span class="count">(2)</span>' in added
    again = html(first, f"/p/{item.slug}")
    assert 'class="flash' not in again and '<span class="count">(2)</span>' in again
    other = html(second, f"/p/{item.slug}")
    assert 'class="count"' not in other and 'class="flash' not in other
    for client, page in ((first, again), (second, other)):
        token = _token(page)
        assert page.count(f'name="csrf_token" value="{token}"') == 2  # logout form and add to cart
        assert post(client, "/cart/add", {"product_id": item.id, "quantity": "1", "csrf_token": token}).status_code \
            == 302
    assert _token(again) != _token(other)
    out = html(visitor, f"/p/{item.slug}")  # the same address logged out: its own layout
    assert 'action="/logout"' not in out and 'href="/login?next=' in out and 'class="count"' not in out
    assert 'action="/logout"' in other
    assert sum(1 for key in shared.cache._cache if ":page:" in key) == 2  # logged in, logged out


def test_the_header_count_is_read_with_the_user_and_again_after_a_change(app, shop):
    """Flask-Login's loader reads the units in the cart with the user; a change to the cart in the same
    request is counted afresh."""
    from marketplace.cart import services as cart

    _org, item = shop
    buyer = f.user(login="counting-buyer@example.com")
    cart.add(buyer, item.id, None, 2)
    with app.test_request_context("/"):
        user = app.login_manager._user_callback(str(buyer.id))  # the loader the app wired
        db.session.execute(CartItem.__table__.update().values(quantity=5))  # unseen: read with the user
        assert cart.count(user) == 2
        cart.add(user, item.id, None, 1)
        assert cart.count(user) == 6


def test_the_add_to_cart_form_is_kept_with_only_the_token_a_hole(app, shop, keeping):
    """On a kept product page the add-to-cart form is kept whole but for the visitor's CSRF token, and
    follows a recorded stock change (a new catalogue generation keeps the page afresh)."""
    from marketplace.extensions import cache as shared

    _org, item = shop
    buyer = app.test_client()
    login(buyer, f.user(login="form-buyer@example.com").email)
    first = html(buyer, f"/p/{item.slug}")
    pages = [shared.cache.get(key) for key in list(shared.cache._cache) if ":page:" in key]
    assert len(pages) == 1 and ("hole", "cart/_add.html") not in pages[0]
    assert sum(1 for part in pages[0] if part == ("hole", "csrf_token")) == 3  # header meta, logout, the form
    token = _token(first)
    assert f'<input type="hidden" name="csrf_token" value="{token}">' in first.split('class="add-to-cart"')[1]
    catalog.set_stock(db.session.get(Product, item.id), 7, f.user("admin"))
    assert 'max="7"' in html(buyer, f"/p/{item.slug}").split('class="add-to-cart"')[1]
