"""Adding a product alone on a phone: photo first (kept before the first save), a two-level category picker
with pictures, name/price/pack/how many up front, HSN and GST filled from the category; stock never silently 0."""

import io
import re

import pytest
from sqlalchemy import func, select

from marketplace.catalog.models import Product, ProductPhoto
from marketplace.extensions import db
from marketplace.media.models import Image

from . import factories
from .conftest import login, post


def sign_in(client, user, lang: str = "en"):
    client.get(f"/?lang={lang}")
    login(client, user.mobile)


@pytest.fixture
def shop(geo):
    me = factories.user("seller")
    mine = factories.seller(geo["Kahara"], members=[me])
    theirs = factories.seller(geo["Kahara"], members=[factories.user("seller")])
    spices = factories.seeded_category("spices")
    return {"me": me, "mine": mine, "theirs": theirs, "spices": spices}


def _photo(client, seller, colour=(200, 120, 40)):
    return post(client, f"/seller/add/photo?seller={seller.id}",
                {"photo": (io.BytesIO(factories.png_bytes(colour=colour)), "p.png")},
                content_type="multipart/form-data")


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_photo_then_kind_then_details_saves_a_draft_with_its_photos(client, shop):
    sign_in(client, shop["me"])
    start = client.get("/seller/add").get_data(as_text=True)
    assert 'capture="environment"' in start and 'accept="image/*"' in start
    r = _photo(client, shop["mine"])
    assert r.status_code == 302 and "/seller/add/kind" in r.location
    assert _photo(client, shop["mine"], (10, 200, 10)).status_code == 302
    assert _count(Image) == 2 and _count(Product) == 0  # photos stored before the listing exists
    tops = client.get(r.location).get_data(as_text=True)
    assert "Grocery and pantry" in tops and "Spices" not in tops  # first level only
    grocery = shop["spices"].parent_id
    subs = client.get(f"/seller/add/kind?top={grocery}").get_data(as_text=True)
    assert "Spices" in subs and f"category={shop['spices'].id}" in subs and "Sarees" not in subs
    details = client.get(f"/seller/add/details?category={shop['spices'].id}").get_data(as_text=True)
    assert 'value="0910"' in details  # HSN filled from the category
    assert '<option selected value="500">' in details or 'value="500" selected' in details
    assert "tells the tax office" in details
    stock_box = details[details.index('name="stock"') - 200:details.index('name="stock"') + 200]
    assert 'value="0"' not in stock_box  # never a silent 0
    r = post(client, f"/seller/add/details?category={shop['spices'].id}",
             {"title": "Turmeric powder", "price_paise": "120", "pack_size": "200", "unit": "g", "stock": "30",
              "hsn_code": "0910", "gst_rate_bp": "500"})
    assert r.status_code == 302
    product = db.session.scalar(select(Product))
    assert r.location.endswith(f"/seller/products/{product.id}/edit?added=1")
    assert (product.title_en, product.title_hi, product.price_paise, product.unit, product.pack_size,
            product.stock, product.hsn_code, product.gst_rate_bp, product.status) == (
        "Turmeric powder", None, 12000, "g", 200, 30, "0910", 500, "draft")
    photos = list(db.session.scalars(select(ProductPhoto).order_by(ProductPhoto.position)))
    assert len(photos) == 2 and photos[0].is_primary and not photos[1].is_primary
    assert "Put on sale" in client.get(r.location).get_data(as_text=True)
    # the session is clear: the next product starts without the old photos
    assert "Photo 1" not in client.get("/seller/add").get_data(as_text=True)


def test_hindi_name_goes_to_the_hindi_title(client, shop):
    sign_in(client, shop["me"], "hi")
    r = post(client, f"/seller/add/details?category={shop['spices'].id}",
             {"title": "हल्दी पाउडर", "price_paise": "120", "pack_size": "1", "unit": "kg", "stock": "3",
              "gst_rate_bp": "500"})
    assert r.status_code == 302
    product = db.session.scalar(select(Product))
    assert (product.title_hi, product.title_en, product.photos) == ("हल्दी पाउडर", None, [])


@pytest.mark.parametrize("over,field_message", [
    ({"stock": ""}, "Enter how many are ready now"),
    ({"title": ""}, "Write the product's name"),
    ({"price_paise": "0"}, "more than ₹0"),
    ({"stock": "-3"}, "cannot be negative"),
    ({"hsn_code": "12"}, "4 to 8 digits"),
    ({"pack_size": "0"}, "from 1 to 10,000"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, shop, over, field_message):
    sign_in(client, shop["me"])
    data = {"title": "Turmeric", "price_paise": "120", "pack_size": "1", "unit": "kg", "stock": "3",
            "gst_rate_bp": "500", **over}
    r = post(client, f"/seller/add/details?category={shop['spices'].id}", data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and field_message in html, re.sub(r"\s+", " ", html[html.find("<main"):])
    assert _count(Product) == 0


def test_the_full_form_asks_for_the_stock_too(client, shop):
    sign_in(client, shop["me"])
    html = client.get("/seller/products/new").get_data(as_text=True)
    box = html[html.index('name="stock"') - 200:html.index('name="stock"') + 200]
    assert 'value="0"' not in box
    r = post(client, "/seller/products/new", {"title_en": "Turmeric", "category_id": shop["spices"].id,
                                              "price_paise": "120", "unit": "kg", "pack_size": "1",
                                              "min_order_qty": "1", "gst_rate_bp": "0", "stock": ""})
    assert r.status_code == 422 and "Enter how many are ready now" in r.get_data(as_text=True)
    assert _count(Product) == 0


@pytest.mark.parametrize("method,route", [
    ("get", "/seller/add?seller={s}"), ("post", "/seller/add/photo?seller={s}"),
    ("get", "/seller/add/kind?seller={s}"), ("get", "/seller/add/details?seller={s}&category={c}"),
    ("post", "/seller/add/details?seller={s}&category={c}"),
])
def test_another_groups_add_flow_is_forbidden(client, shop, method, route):
    sign_in(client, shop["me"])
    url = route.format(s=shop["theirs"].id, c=shop["spices"].id)
    data = {"title": "Mine now", "price_paise": "1", "stock": "1", "unit": "kg", "pack_size": "1",
            "photo": (io.BytesIO(factories.png_bytes()), "a.png")}
    r = client.get(url) if method == "get" else post(client, url, data, content_type="multipart/form-data")
    assert r.status_code == 403
    assert _count(Product) == 0 and _count(Image) == 0


def test_the_add_flow_needs_a_login_and_a_group(client, shop):
    r = client.get("/seller/add")
    assert r.status_code == 302 and "/login" in r.location
    sign_in(client, factories.user())
    assert client.get("/seller/add").status_code == 403


def test_category_picker_shows_pictures_of_live_products(client, shop):
    product = factories.make_product(shop["theirs"], shop["spices"])
    factories.add_photos(product)
    sign_in(client, shop["me"])
    html = client.get("/seller/add/kind").get_data(as_text=True)
    tiles = html[html.index('class="kind-tiles"'):]
    grocery = tiles[:tiles.index("Grocery and pantry")]
    assert "<picture>" in grocery[grocery.rindex("<li>"):]
    assert "<picture>" not in tiles[tiles.index("Handicrafts") - 400:tiles.index("Handicrafts")]
    assert client.get("/seller/add/kind?top=abc").status_code == 422
