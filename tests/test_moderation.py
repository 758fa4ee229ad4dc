"""Moderation: officials (within their scope) and admins hide listings with a reason; the seller sees it."""


import pytest
from sqlalchemy import select

from marketplace.catalog import services
from marketplace.catalog.models import Product, ProductEvent
from marketplace.core.outbox import OutboxEntry
from marketplace.extensions import db

from . import factories
from .conftest import login, post


def sign_in(client, user, lang: str = "en"):
    client.get(f"/?lang={lang}")  # the first request of a test fixes its language (shared app context)
    login(client, user.mobile)


@pytest.fixture
def area(geo):
    """Listings in Kahara and Sattar Kataiya (both Saharsa district, Bihar) and in Bihta (Patna district)."""
    spices = factories.seeded_category("spices")
    member = factories.user("seller")
    groups = {name: factories.seller(geo[name], members=[member] if name == "Kahara" else [])
              for name in ("Kahara", "Sattar Kataiya", "Bihta")}
    products = {name: factories.draft_product(g, spices, title_en=f"Pickle of {name}", title_hi=None)
                for name, g in groups.items()}
    for p in products.values():
        services.publish(p, None)
    return {"geo": geo, "member": member, "products": products}


def listed_titles(client, status: str | None = None) -> set[str]:
    html = client.get("/moderation/products" + (f"?status={status}" if status else "")).get_data(as_text=True)
    return {name for name in ("Kahara", "Sattar Kataiya", "Bihta") if f"Pickle of {name}" in html}


@pytest.mark.parametrize("level,seen", [
    ("block", {"Kahara"}),
    ("district", {"Kahara", "Sattar Kataiya"}),
    ("state", {"Kahara", "Sattar Kataiya", "Bihta"}),
])
def test_officials_see_the_listings_of_their_scope(client, area, level, seen):
    sign_in(client, factories.official(area["geo"]["Kahara"], level))
    assert listed_titles(client) == seen


def test_admins_see_every_listing_and_can_filter_by_status(client, area):
    services.pause(area["products"]["Bihta"], None)
    sign_in(client, factories.user("admin"))
    assert listed_titles(client) == {"Kahara", "Sattar Kataiya", "Bihta"}
    assert listed_titles(client, "paused") == {"Bihta"}


@pytest.mark.parametrize("route", ["/moderation/products/{id}", "/moderation/products/{id}/remove",
                                   "/moderation/products/{id}/restore"])
def test_an_official_of_another_block_is_refused(client, area, route):
    target = area["products"]["Kahara"]
    sign_in(client, factories.official(area["geo"]["Sattar Kataiya"], "block"))
    url = route.format(id=target.id)
    r = client.get(url) if route.endswith("}") else post(client, url, {"reason": "Looks like a fake product"})
    assert r.status_code == 403
    db.session.expire_all()
    assert target.status == "live"


@pytest.mark.parametrize("role", ["customer", "seller", "buyer", "operator"])
def test_only_officials_and_admins_moderate(client, area, role):
    sign_in(client, factories.user(role))
    assert client.get("/moderation/products").status_code == 403
    assert post(client, f"/moderation/products/{area['products']['Kahara'].id}/remove",
                {"reason": "Not allowed anyway"}).status_code == 403


def test_moderation_needs_a_login(client, area):
    r = client.get("/moderation/products")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_missing_product_is_404(client, area):
    sign_in(client, factories.user("admin"))
    assert client.get("/moderation/products/999999").status_code == 404


def test_remove_hides_the_listing_records_who_and_why_and_the_seller_sees_it(client, area, app):
    target = area["products"]["Kahara"]
    official = factories.official(area["geo"]["Kahara"], "block")
    sign_in(client, official)
    before = db.session.scalar(select(OutboxEntry.id).order_by(OutboxEntry.id.desc()).limit(1))
    r = post(client, f"/moderation/products/{target.id}/remove", {"reason": "Photo shows a <b>branded</b> jar"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (target.status, target.status_reason) == ("removed", "Photo shows a <b>branded</b> jar")
    event = db.session.scalar(select(ProductEvent).order_by(ProductEvent.id.desc()).limit(1))
    assert (event.actor_id, event.from_state, event.to_state, event.reason) == (
        official.id, "live", "removed", "Photo shows a <b>branded</b> jar")
    assert db.session.scalar(select(OutboxEntry.entity_id).where(OutboxEntry.id > before)) == target.id

    seller_client = app.test_client()
    sign_in(seller_client, area["member"])
    for url in ("/seller/products", f"/seller/products/{target.id}/edit"):
        html = seller_client.get(url).get_data(as_text=True)
        assert "Hidden by moderation" in html and "Photo shows a &lt;b&gt;branded&lt;/b&gt; jar" in html


@pytest.mark.parametrize("reason", ["", "   ", "bad", "x" * 501])
def test_remove_needs_a_real_reason(client, area, reason):
    target = area["products"]["Kahara"]
    sign_in(client, factories.user("admin"))
    r = post(client, f"/moderation/products/{target.id}/remove", {"reason": reason})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert ("at least 5 characters" in html or "at most 500 characters" in html) and 'aria-invalid="true"' in html
    db.session.expire_all()
    assert target.status == "live" and target.status_reason is None
    assert len(target.history) == 2  # created, published


def test_removing_twice_is_a_conflict(client, area):
    target = area["products"]["Kahara"]
    services.remove(target, None, "Not handmade")
    sign_in(client, factories.user("admin"))
    assert post(client, f"/moderation/products/{target.id}/remove", {"reason": "Still bad"}).status_code == 409


def test_restore_returns_the_listing_to_draft_and_the_seller_publishes_again(client, area):
    target = area["products"]["Kahara"]
    services.remove(target, None, "Wrong category")
    sign_in(client, factories.official(area["geo"]["Kahara"], "district"))
    assert post(client, f"/moderation/products/{target.id}/restore").status_code == 302
    db.session.expire_all()
    assert (target.status, target.status_reason) == ("draft", None)
    assert [e.to_state for e in target.history] == ["draft", "live", "removed", "draft"]
    services.publish(target, area["member"])
    assert target.status == "live"


def test_the_seller_cannot_put_a_removed_listing_back_on_sale(client, area):
    target = area["products"]["Kahara"]
    services.remove(target, None, "Wrong category")
    sign_in(client, area["member"])
    r = post(client, f"/seller/products/{target.id}/publish")
    assert r.status_code == 409 and "Hidden by moderation" in r.get_data(as_text=True)
    db.session.expire_all()
    assert target.status == "removed"


def test_a_removed_listing_cannot_be_copied_past_the_moderator(client, area):
    target = area["products"]["Kahara"]
    services.remove(target, None, "Wrong category")
    sign_in(client, area["member"])
    r = post(client, f"/seller/products/{target.id}/duplicate")
    assert r.status_code == 409 and "cannot be copied" in r.get_data(as_text=True)
    assert len(db.session.scalars(select(Product)).all()) == 3  # the three of the fixture, no copy


def test_review_page_shows_both_languages_escaped(client, area):
    target = area["products"]["Kahara"]
    services.update_product(target, None, title_hi="<i>अचार</i>", description_en="Mango & lime")
    sign_in(client, factories.user("admin"))
    html = client.get(f"/moderation/products/{target.id}").get_data(as_text=True)
    assert "&lt;i&gt;अचार&lt;/i&gt;" in html and "Mango &amp; lime" in html and 'name="reason"' in html
