"""Two app instances (as two web machines) sharing one Redis (db 7) for the page cache: a product removed
through one is never shown by the other, though both keep listings for visitors."""

import os

import pytest

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from marketplace.extensions import db

from . import factories as f
from .test_storefront import card_slugs

REDIS = os.environ.get("HAAT_TEST_CACHE_REDIS", "redis://127.0.0.1:6379/7")


@pytest.fixture
def machines(app):
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS} for the shared-cache test: {exc}")
    prefix = f"haat-test-{os.getpid()}:"
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "SERVER_NAME": "haat.test",
              "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "MEDIA_ROOT": app.config["MEDIA_ROOT"], "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
              "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS, "CACHE_KEY_PREFIX": prefix,
              "PAGE_CACHE_SECONDS": 300, "CATALOGUE_CACHE_SECONDS": 300, "REDIS_URL": REDIS}
    pair = [create_app(config), create_app(config)]
    yield pair
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)
    client.close()
    for one in pair:
        with one.app_context():
            db.session.remove()
            db.engine.dispose()


def _page(machine, url: str) -> str:
    response = machine.test_client().get(url + "?lang=en")
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_product_removed_through_one_machine_is_gone_from_the_others_kept_pages(app, geo, machines):
    from marketplace.catalog import services as catalog

    one, two = machines
    org = f.seller(geo["Kahara"], name="Kahara Didi Group")
    parent = f.make_category("handicrafts", name_en="Handicrafts", name_hi="हस्तशिल्प")
    item = f.make_product(org, parent, title_en="Sujni quilt")
    other = f.make_product(org, parent, title_en="Bamboo basket")
    admin_id, org_slug = f.user("admin").id, org.slug

    for machine in (one, two):
        assert item.slug in card_slugs(_page(machine, "/c/handicrafts"))
        assert item.slug in card_slugs(_page(machine, f"/sellers/{org.slug}"))
        assert "Sujni quilt" in _page(machine, f"/p/{item.slug}")
    # The page is kept in Redis and shared: a write that records no change is not seen by either machine.
    db.session.execute(Product.__table__.update().where(Product.id == other.id).values(title_en="Renamed"))
    db.session.commit()
    assert "Renamed" not in _page(one, "/c/handicrafts") and "Renamed" not in _page(two, "/c/handicrafts")

    item_id, slug = item.id, item.slug  # read here: inside machine two's context they would load through it
    with two.test_request_context():  # the removal happens on machine two
        product = db.session.get(Product, item_id)
        catalog.remove(product, db.session.get(User, admin_id), "Not handmade")
    for machine in (one, two):
        assert slug not in card_slugs(_page(machine, "/c/handicrafts"))
        assert slug not in card_slugs(_page(machine, f"/sellers/{org_slug}"))
        assert machine.test_client().get(f"/p/{slug}").status_code == 404  # kept product facts are gone too
        assert "Renamed" in _page(machine, "/c/handicrafts")  # everything kept before the change is gone
