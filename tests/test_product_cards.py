"""Product cards are kept in the shared cache per product version and language: a change to anything a card
shows makes a new card at once, a card never carries anything of one visitor, and kept cards are reused."""

import re

import pytest
from flask_babel import refresh

from marketplace.catalog import cards, queries
from marketplace.catalog import services as catalog
from marketplace.extensions import cache, db

from . import factories as f


def grid(client, url: str, lang: str = "en") -> str:
    response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
    assert response.status_code == 200, url
    return "".join(re.findall(r'<ul class="grid">(.*?)</ul>', response.get_data(as_text=True), re.S))


def card_of(page: str, slug: str) -> str:
    found = re.search(rf'<li class="card">\s*<a href="/p/{re.escape(slug)}">.*?</li>', page, re.S)
    assert found, slug
    return found.group(0)


@pytest.fixture
def shop(geo):
    org = f.seller(geo["Kahara"], name="Kahara Didi Group")
    category = f.make_category("handicrafts", name_en="Handicrafts", name_hi="हस्तशिल्प")
    item = f.make_product(org, category, title_en="Sujani quilt", title_hi="सुजनी रजाई", price=120000,
                          mrp_paise=150000)
    f.add_photos(item, 2)
    return org, category, item


def test_card_shows_a_new_price_at_once(client, shop):
    _, _, item = shop
    before = card_of(grid(client, "/c/handicrafts"), item.slug)
    assert "₹1,200" in before and "20% off" in before
    assert card_of(grid(client, "/c/handicrafts"), item.slug) == before  # kept, and the same
    catalog.update_product(item, None, price_paise=99000)
    after = card_of(grid(client, "/c/handicrafts"), item.slug)
    assert "₹990" in after and "₹1,200" not in after and "34% off" in after


def test_card_follows_a_new_primary_photo_and_alt_text(client, shop):
    _, _, item = shop
    first, second = sorted(item.photos, key=lambda p: p.position)
    before = card_of(grid(client, "/c/handicrafts"), item.slug)
    assert first.image.sha256 in before and second.image.sha256 not in before
    catalog.set_primary_photo(second, None)
    after = card_of(grid(client, "/c/handicrafts"), item.slug)
    assert second.image.sha256 in after and first.image.sha256 not in after
    second.alt_text = "A quilt with birds"
    db.session.commit()
    assert 'alt="A quilt with birds"' in card_of(grid(client, "/c/handicrafts"), item.slug)


def test_card_follows_stock_on_the_search_page(client, shop, ctx):
    _, _, item = shop
    with client.application.test_request_context("/?lang=en"):
        [card] = queries.category_products(queries.category_tree().by_slug["handicrafts"]).items
        assert "In stock" in cards.render_cards([card], show_stock=True)
    catalog.set_stock(item, 0, None)
    with client.application.test_request_context("/?lang=en"):
        [card] = queries.category_products(queries.category_tree().by_slug["handicrafts"]).items
        html = cards.render_cards([card], show_stock=True)
        assert "Out of stock" in html and "In stock" not in html


def test_removed_product_leaves_every_listing(client, shop):
    org, _, item = shop
    for url in ("/c/handicrafts", f"/sellers/{org.slug}", "/"):
        assert f"/p/{item.slug}" in grid(client, url)
    catalog.remove(item, None, "Not handmade")
    for url in ("/c/handicrafts", f"/sellers/{org.slug}", "/"):
        assert f"/p/{item.slug}" not in grid(client, url)


def test_seller_renamed_shows_on_the_card(client, shop):
    org, _, item = shop
    assert "Kahara Didi Group" in card_of(grid(client, "/c/handicrafts"), item.slug)
    org.name_en = "Kahara Women's Group"
    db.session.commit()
    assert "Kahara Women&#39;s Group" in card_of(grid(client, "/c/handicrafts"), item.slug)


def test_cards_differ_per_language(client, shop):
    _, _, item = shop
    english = card_of(grid(client, "/c/handicrafts", "en"), item.slug)
    hindi = card_of(grid(client, "/c/handicrafts", "hi"), item.slug)
    assert "Sujani quilt" in english and "सुजनी रजाई" not in english
    assert "सुजनी रजाई" in hindi and "Sujani quilt" not in hindi
    assert "20% की छूट" in hindi or "20%" in hindi


def test_cards_carry_nothing_of_the_visitor(client, shop):
    from .conftest import login

    f.user("customer", login="9811100001")
    login(client, "9811100001")
    page = grid(client, "/c/handicrafts")
    assert "csrf" not in page and "cart" not in page.lower()


def test_kept_cards_are_reused_and_keyed_by_version_and_language(client, shop):
    _, _, item = shop
    app = client.application
    with app.test_request_context("/?lang=en"):
        [card] = queries.category_products(queries.category_tree().by_slug["handicrafts"]).items
        first = cards.render_cards([card])
        keys = cards.card_keys([card])
        assert keys[0].endswith(f":en:{keys[0].split(':')[3]}:{card.id}:{card.version}")
        assert cache.get(keys[0]) == str(first)
        cache.set(keys[0], '<li class="card">kept</li>')  # what is kept is served, without rendering again
        assert cards.render_cards([card]) == '<li class="card">kept</li>'
        cache.delete(keys[0])
        changed = card._replace(price_paise=1)
        assert changed.version != card.version
    with app.test_request_context("/?lang=hi"):
        refresh()  # the test's app context outlives the request: forget the locale chosen above
        hindi = cards.render_cards([card])
        assert hindi != first and "सुजनी रजाई" in hindi



def test_a_cache_outage_costs_speed_not_the_page(client, shop, monkeypatch):
    _, _, item = shop

    def broken(*_args, **_kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "set_many", broken)
    assert "Sujani quilt" in card_of(grid(client, "/c/handicrafts"), item.slug)


def test_a_kept_card_keeps_the_space_between_mrp_and_saving(app, client):
    """Card HTML is squeezed of the macro's line breaks: the MRP and the saving must not run together
    ("₹1,480.831% off")."""
    from marketplace.catalog.cards import Card

    with app.test_request_context("/?lang=en"):
        html = str(cards.render_cards([Card(1, "x", None, "X", 10000, 12000, 9, None, None, "G", None, "D")]))
    assert "</s> <span class=\"save\">" in html
