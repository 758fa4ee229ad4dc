"""No N+1: the category page and the product page run the same number of SQL statements whatever they show."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from marketplace.extensions import db

from . import factories as f

MAX_QUERIES = 6
# Read when nothing is kept (core/kept.py): the product with its group, variants, photos; the related cards and
# their photos (kept apart: they change with other products); the category tree. Kept: none of them.
MAX_PRODUCT_PAGE = 7
MAX_SELLER_PAGE = 11  # the sellers service loads the profile with its block, district, state, village, members


@contextmanager
def counting():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(client, url: str) -> list[str]:
    client.get(url)  # warm up: anything done once per process is not what we measure
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


@pytest.fixture
def shop(geo):
    """Two verified groups in different blocks, so cards do not share one seller."""
    org = f.seller(geo["Kahara"])
    other = f.seller(geo["Sattar Kataiya"])
    parent = f.make_category("handicrafts")
    child = f.make_category("paintings", parent=parent)
    return org, other, parent, child


def fill(shop, count: int, category):
    """`count` products with two photos each, alternating between the two sellers."""
    org, other, *_ = shop
    items = [f.make_product(org if i % 2 else other, category) for i in range(count)]
    for item in items:
        f.add_photos(item, 2)
    return items


def test_category_page_queries_do_not_grow_with_page_size(app, client, shop):
    *_, parent, child = shop
    fill(shop, 3, child)
    small = queries_for(client, "/c/handicrafts")
    fill(shop, 21, parent)
    large = queries_for(client, "/c/handicrafts")
    page = client.get("/c/handicrafts").get_data(as_text=True)
    assert page.count('<li class="card">') == 24
    assert len(small) == len(large) <= MAX_QUERIES, (small, large)


def test_product_page_queries_do_not_grow_with_photos_or_related(client, shop):
    org, _, parent, _ = shop
    lonely = f.make_product(org, parent)
    f.add_photos(lonely, 1)
    fill(shop, 1, parent)
    one_photo_one_related = queries_for(client, f"/p/{lonely.slug}")

    busy = f.make_product(org, parent)
    f.add_photos(busy, 8)
    fill(shop, 3, parent)  # with lonely and the first: 5 related
    page = client.get(f"/p/{busy.slug}").get_data(as_text=True)
    assert page.count("<picture") == 8 + 5
    eight_photos_five_related = queries_for(client, f"/p/{busy.slug}")
    assert len(one_photo_one_related) == len(eight_photos_five_related) <= MAX_PRODUCT_PAGE


def test_seller_profile_and_home_queries_are_fixed(client, shop):
    org, *_ = shop
    fill(shop, 2, shop[3])
    home_small, seller_small = queries_for(client, "/"), queries_for(client, f"/sellers/{org.slug}")
    fill(shop, 20, shop[3])
    assert len(queries_for(client, "/")) == len(home_small)
    assert len(queries_for(client, f"/sellers/{org.slug}")) == len(seller_small) <= MAX_SELLER_PAGE


def test_a_logged_in_page_costs_one_statement_more_the_user_with_her_cart(app, client, shop):
    """Flask-Login's loader reads the customer with the units in her cart (the header's count): one statement."""
    from .conftest import login

    org, _, parent, _ = shop
    item = f.make_product(org, parent)
    visitor = app.test_client()
    logged_out = queries_for(visitor, f"/p/{item.slug}")
    login(client, f.user(login="counted-buyer@example.com").email)
    logged_in = queries_for(client, f"/p/{item.slug}")
    assert len(logged_in) == len(logged_out) + 1, (logged_out, logged_in)
    assert any("FROM users" in s and "cart_items" in s for s in logged_in)
