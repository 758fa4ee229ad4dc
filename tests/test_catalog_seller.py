"""Seller side of the catalogue: products, variants, stock, photos, slugs, categories."""

import io

import pytest
from sqlalchemy import func, select

from marketplace.catalog import services
from marketplace.catalog.models import Category, Product, ProductEvent, ProductPhoto, Variant
from marketplace.core.outbox import OutboxEntry
from marketplace.core.translit import slugify, to_latin
from marketplace.extensions import db

from . import factories
from .conftest import csrf_token, login, post


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def sign_in(client, user, lang: str = "en"):
    """Choose the language first: within one test the app context (and Flask-Babel's cached locale in `g`)
    is shared by every request, so the first request decides the language of the whole test."""
    client.get(f"/?lang={lang}")
    login(client, user.mobile)


def outbox_ids() -> list[int]:
    return list(db.session.scalars(select(OutboxEntry.entity_id).where(OutboxEntry.topic == "product")))


@pytest.fixture
def shop(geo):
    """My verified group (I am its only member), another group in the same block, the spices category."""
    me = factories.user("seller")
    mine = factories.seller(geo["Kahara"], members=[me])
    theirs = factories.seller(geo["Kahara"], members=[factories.user("seller")])
    return {"me": me, "mine": mine, "theirs": theirs, "spices": factories.seeded_category("spices")}


# ---------------------------------------------------------------- slugs


@pytest.mark.parametrize("text,slug", [
    ("हल्दी पाउडर", "haldi-powder"),
    ("मधुबनी पेंटिंग", "madhubani-painting"),
    ("रंग", "rang"),  # final schwa dropped
    ("मास्क", "mask"),
    ("वस्त्र", "vastra"),  # kept after a conjunct with र
    ("ज़री साड़ी", "zari-sari"),  # nukta letters
    ("चंपा", "champa"),  # anusvara before a labial
    ("कृषि", "krishi"),
    ("शहद १०० ग्राम", "shahad-100-gram"),  # Devanagari digits
    ("Bamboo Basket (Large)", "bamboo-basket-large"),
    ("Café <b>Crème</b>", "cafe-b-creme-b"),
    ("!!!", ""),
])
def test_slugify_transliterates_devanagari(text, slug):
    assert slugify(text) == slug


def test_to_latin_leaves_latin_text_alone():
    assert to_latin("Madhubani मधुबनी 2") == "Madhubani madhubani 2"


def test_slug_is_cut_at_a_word_boundary():
    assert slugify("abc-" * 30, max_length=20) == "abc-abc-abc-abc-abc"


def test_slugs_are_unique_and_come_from_hindi_when_there_is_no_english(shop):
    make = lambda: factories.draft_product(shop["mine"], shop["spices"], title_en=None, title_hi="हल्दी पाउडर")  # noqa: E731
    assert [make().slug for _ in range(3)] == ["haldi-powder", "haldi-powder-2", "haldi-powder-3"]


def test_slug_follows_the_title_until_first_published(shop):
    product = factories.draft_product(shop["mine"], shop["spices"], title_en="Red chilli")
    services.update_product(product, shop["me"], title_en="Green chilli")
    assert product.slug == "green-chilli"
    services.publish(product, shop["me"])
    services.update_product(product, shop["me"], title_en="Yellow chilli")
    assert product.slug == "green-chilli"


# ---------------------------------------------------------------- categories


def test_seed_categories_is_idempotent_and_bilingual(ctx):
    added = services.seed_categories()
    assert added == count(Category) > 30
    assert services.seed_categories() == 0
    tops = {c.slug for c, _children in services.category_tree()}
    assert {"handicrafts", "handloom-textiles", "ready-made-garments", "leather-goods", "office-supplies",
            "grocery-pantry", "personal-care", "home-kitchen", "organic-produce"} <= tops
    children = {c.slug for _top, cs in services.category_tree() for c in cs}
    assert {"spices", "pickles", "millets", "honey", "masks", "soaps"} <= children
    assert all(c.name_hi and c.name_en for c in db.session.scalars(select(Category)))


def test_seed_categories_command(app, ctx):
    result = app.test_cli_runner().invoke(args=["catalog", "seed-categories"])
    assert result.exit_code == 0 and "categories added:" in result.output
    assert count(Category) > 30


# ---------------------------------------------------------------- products: rules


def test_create_product_makes_a_draft_with_an_event_and_an_outbox_entry(shop):
    product = factories.draft_product(shop["mine"], shop["spices"], actor=shop["me"], tags="Haldi, हल्दी, haldi")
    assert product.status == "draft" and product.unit == "piece" and product.min_order_qty == 1
    assert product.tags == "haldi,हल्दी"
    (event,) = product.history
    assert (event.from_state, event.to_state, event.actor_id) == (None, "draft", shop["me"].id)
    assert outbox_ids() == [product.id]


BAD_FIELDS = [
    ({"price_paise": 0}, "price_paise"),
    ({"price_paise": -100}, "price_paise"),
    ({"price_paise": 10_00_000 * 100 + 1}, "price_paise"),
    ({"price_paise": "100"}, "price_paise"),
    ({"price_paise": 12.5}, "price_paise"),
    ({"price_paise": None}, "price_paise"),
    ({"mrp_paise": 100}, "mrp_paise"),  # below the price of 120 rupees
    ({"stock": -1}, "stock"),
    ({"stock": 10**9}, "stock"),
    ({"stock": 12.5}, "stock"),
    ({"stock": True}, "stock"),
    ({"min_order_qty": 0}, "min_order_qty"),
    ({"pack_size": 0}, "pack_size"),
    ({"lead_time_days": 0}, "lead_time_days"),
    ({"weight_grams": -5}, "weight_grams"),
    ({"title_hi": None, "title_en": "  "}, "title_hi"),
    ({"title_en": "x" * 161}, "title_en"),
    ({"gst_rate_bp": 300}, "gst_rate_bp"),
    ({"hsn_code": "12"}, "hsn_code"),
    ({"hsn_code": "09ab"}, "hsn_code"),
    ({"unit": "tonne"}, "unit"),
    ({"category_id": 999_999}, "category_id"),
    ({"tags": "x" * 41}, "tags"),
]


@pytest.mark.parametrize("fields,field", BAD_FIELDS)
def test_bad_fields_are_refused_and_nothing_is_stored(shop, fields, field):
    with pytest.raises(services.CatalogError) as caught:
        factories.draft_product(shop["mine"], shop["spices"], **fields)
    assert field in caught.value.errors
    assert count(Product) == count(ProductEvent) == count(OutboxEntry) == 0


def test_all_bad_fields_are_reported_at_once(shop):
    with pytest.raises(services.CatalogError) as caught:
        factories.draft_product(shop["mine"], shop["spices"], price_paise=-1, stock=-1, hsn_code="1")
    assert set(caught.value.errors) == {"price_paise", "stock", "hsn_code"}


def test_unknown_field_is_a_programming_error(shop):
    with pytest.raises(TypeError):
        factories.draft_product(shop["mine"], shop["spices"], colour="red")


def test_update_checks_mrp_against_the_new_price_and_changes_nothing_on_error(shop):
    product = factories.draft_product(shop["mine"], shop["spices"], price_paise=10000, mrp_paise=12000)
    with pytest.raises(services.CatalogError) as caught:
        services.update_product(product, shop["me"], price_paise=15000, title_en="Changed")
    assert "mrp_paise" in caught.value.errors
    db.session.expire_all()
    assert (product.price_paise, product.title_en.startswith("Turmeric")) == (10000, True)


def test_control_characters_are_dropped_from_titles(shop):
    product = factories.draft_product(shop["mine"], shop["spices"], title_en="Soap\x00 bar\x07  ")
    assert product.title_en == "Soap bar"


# ---------------------------------------------------------------- status changes


def test_unverified_groups_cannot_publish(shop, geo):
    waiting = factories.seller(geo["Kahara"], members=[shop["me"]], verified=False)
    product = factories.draft_product(waiting, shop["spices"])
    with pytest.raises(services.CatalogError) as caught:
        services.publish(product, shop["me"])
    assert caught.value.status == 403
    db.session.expire_all()
    assert product.status == "draft" and product.published_at is None and len(product.history) == 1


def test_publish_pause_publish_records_every_change(shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    services.publish(product, shop["me"])
    first = product.published_at
    services.pause(product, shop["me"])
    services.publish(product, shop["me"])
    assert product.status == "live" and product.published_at == first
    assert [(e.from_state, e.to_state) for e in product.history] == [
        (None, "draft"), ("draft", "live"), ("live", "paused"), ("paused", "live")]


def test_illegal_transitions_are_refused(shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    with pytest.raises(services.CatalogError) as caught:
        services.pause(product, shop["me"])
    assert caught.value.status == 409 and product.status == "draft"
    services.remove(product, None, "Wrong category")
    with pytest.raises(services.CatalogError):
        services.publish(product, shop["me"])


def test_duplicate_makes_a_draft_copy_with_new_slug_and_no_stock(shop):
    product = factories.draft_product(shop["mine"], shop["spices"], title_en="Saree", stock=7)
    services.add_variant(product, shop["me"], sku="S-RED", colour="Red", price_paise=90000, stock=3)
    services.add_photos(product, [factories.make_image(), factories.make_image()], shop["me"])
    services.publish(product, shop["me"])
    copy = services.duplicate(product, shop["me"])
    assert copy.id != product.id and copy.status == "draft" and copy.published_at is None
    assert (product.slug, copy.slug) == ("saree", "saree-2")
    assert copy.title_en == "Saree" and copy.price_paise == product.price_paise
    assert [(v.sku, v.stock) for v in copy.variants] == [("S-RED", 0)] and copy.stock == 0
    assert [p.image_id for p in copy.photos] == [p.image_id for p in product.photos]
    assert copy.photos[0].is_primary and product.stock == 3


# ---------------------------------------------------------------- variants and stock


def test_variants_have_their_own_sku_price_and_stock_and_the_product_sums_them(shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    small = services.add_variant(product, shop["me"], sku="H-100", size="100 g", price_paise=6000, stock=4)
    services.add_variant(product, shop["me"], sku="H-200", size="200 g", price_paise=11000, stock=6)
    assert product.stock == 10
    with pytest.raises(services.CatalogError) as caught:
        services.add_variant(product, shop["me"], sku="H-100", size="500 g", price_paise=25000)
    assert "sku" in caught.value.errors
    with pytest.raises(services.CatalogError) as caught:
        services.set_stock(product, 50, shop["me"])
    assert "stock" in caught.value.errors
    services.set_stock(small, 1, shop["me"])
    assert product.stock == 7
    services.delete_variant(small, shop["me"])
    assert product.stock == 6 and count(Variant) == 1


@pytest.mark.parametrize("fields,field", [
    ({"sku": "has space", "size": "M"}, "sku"),
    ({"sku": "OK-1"}, "size"),  # neither size nor colour
    ({"sku": "OK-1", "size": "M", "price_paise": 0}, "price_paise"),
    ({"sku": "OK-1", "size": "M", "stock": -3}, "stock"),
])
def test_bad_variants_are_refused(shop, fields, field):
    product = factories.draft_product(shop["mine"], shop["spices"])
    with pytest.raises(services.CatalogError) as caught:
        services.add_variant(product, shop["me"], **{"price_paise": 5000, **fields})
    assert field in caught.value.errors and count(Variant) == 0


def test_set_stocks_is_all_or_nothing(shop):
    a = factories.draft_product(shop["mine"], shop["spices"], stock=1)
    b = factories.draft_product(shop["mine"], shop["spices"], stock=2)
    with pytest.raises(services.CatalogError) as caught:
        services.set_stocks(shop["mine"], {("product", a.id): 10, ("product", b.id): -1}, shop["me"])
    assert set(caught.value.errors) == {("product", b.id)}
    db.session.expire_all()
    assert (a.stock, b.stock) == (1, 2)
    assert services.set_stocks(shop["mine"], {("product", a.id): 10, ("product", b.id): 2}, shop["me"]) == 1
    assert (a.stock, b.stock) == (10, 2)


def test_set_stocks_refuses_another_groups_products(shop):
    theirs = factories.draft_product(shop["theirs"], shop["spices"], stock=1)
    with pytest.raises(services.CatalogError):
        services.set_stocks(shop["mine"], {("product", theirs.id): 50}, shop["me"])
    db.session.expire_all()
    assert theirs.stock == 1


def test_set_stocks_leaves_rows_the_seller_did_not_change(shop):
    """An order took one unit after the page was shown: saving the page must not give it back."""
    product = factories.draft_product(shop["mine"], shop["spices"], stock=5)
    product.stock = 4  # as if reserved by an order meanwhile
    db.session.commit()
    services.set_stocks(shop["mine"], {("product", product.id): 5}, shop["me"], shown={("product", product.id): 5})
    assert product.stock == 4


# ---------------------------------------------------------------- photos (service)


def test_photos_at_most_eight_first_is_primary_and_order_can_change(shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    photos = services.add_photos(product, [factories.make_image() for _ in range(8)], shop["me"])
    assert [p.is_primary for p in photos] == [True] + [False] * 7
    with pytest.raises(services.CatalogError):
        services.add_photo(product, factories.make_image(), shop["me"])
    assert count(ProductPhoto) == 8
    services.set_primary_photo(photos[3], shop["me"])
    assert product.primary_photo is photos[3]
    services.move_photo(photos[3], -1, shop["me"])
    db.session.expire_all()
    assert [p.id for p in product.photos][:4] == [photos[0].id, photos[1].id, photos[3].id, photos[2].id]
    services.delete_photo(photos[3], shop["me"])
    db.session.expire_all()
    assert product.primary_photo.id == photos[0].id and [p.position for p in product.photos] == list(range(7))


def test_the_same_photo_twice_is_refused(shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    image = factories.make_image()
    services.add_photo(product, image, shop["me"])
    with pytest.raises(services.CatalogError):
        services.add_photo(product, image, shop["me"])


# ---------------------------------------------------------------- pages: access


OWNER_ROUTES = [
    ("get", "/seller/products/{p}/edit"), ("post", "/seller/products/{p}/edit"),
    ("post", "/seller/products/{p}/publish"), ("post", "/seller/products/{p}/pause"),
    ("post", "/seller/products/{p}/duplicate"),
    ("get", "/seller/products/{p}/photos"), ("post", "/seller/products/{p}/photos"),
    ("post", "/seller/products/{p}/photos/{photo}/primary"), ("post", "/seller/products/{p}/photos/{photo}/move"),
    ("post", "/seller/products/{p}/photos/{photo}/delete"),
    ("get", "/seller/products/{p}/variants/new"), ("post", "/seller/products/{p}/variants/new"),
    ("get", "/seller/products/{p}/variants/{v}"), ("post", "/seller/products/{p}/variants/{v}"),
    ("post", "/seller/products/{p}/variants/{v}/delete"),
    ("get", "/seller/products/new?seller={s}"), ("post", "/seller/products/new?seller={s}"),
    ("get", "/seller/products?seller={s}"), ("get", "/seller/stock?seller={s}"), ("post", "/seller/stock?seller={s}"),
]


@pytest.mark.parametrize("method,route", OWNER_ROUTES)
def test_another_groups_products_are_forbidden(client, shop, method, route):
    theirs = factories.draft_product(shop["theirs"], shop["spices"], title_en="Their pickle")
    variant = services.add_variant(theirs, None, sku="P-1", size="1 kg", price_paise=30000, stock=2)
    (photo,) = services.add_photos(theirs, [factories.make_image()], None)
    url = route.format(p=theirs.id, v=variant.id, photo=photo.id, s=shop["theirs"].id)
    sign_in(client, shop["me"])
    data = {"title_en": "Mine now", "price_paise": "1", "stock": "0", "sku": "X", "size": "S", "offset": "1",
            "photo": (io.BytesIO(factories.png_bytes()), "a.png")}
    r = client.get(url) if method == "get" else post(client, url, data, content_type="multipart/form-data")
    assert r.status_code == 403
    db.session.expire_all()
    assert (theirs.title_en, theirs.status, len(theirs.photos), len(theirs.variants)) == ("Their pickle", "draft", 1, 1)
    assert count(Product) == 1


def test_seller_pages_need_a_login(client, ctx):
    r = client.get("/seller/products")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_user_without_a_group_is_told_what_to_do(client, ctx):
    customer = factories.user()
    sign_in(client, customer)
    r = client.get("/seller/products")
    assert r.status_code == 403 and "not a member of a selling group" in r.get_data(as_text=True)


def test_missing_product_is_404(client, shop):
    sign_in(client, shop["me"])
    assert client.get("/seller/products/999999/edit").status_code == 404


def test_a_member_of_two_groups_chooses_the_group(client, shop, geo):
    second = factories.seller(geo["Kahara"], members=[shop["me"]], name="Second SHG")
    factories.draft_product(second, shop["spices"], title_en="Bamboo lamp", title_hi=None)
    sign_in(client, shop["me"])
    first_page = client.get("/seller/products").get_data(as_text=True)
    assert "Bamboo lamp" not in first_page and 'name="seller"' in first_page
    assert "Bamboo lamp" in client.get(f"/seller/products?seller={second.id}").get_data(as_text=True)


# ---------------------------------------------------------------- pages: creating and editing


def product_form(spices, **over) -> dict:
    data = {"title_hi": "हल्दी पाउडर", "title_en": "", "description_hi": "घर की पिसी हल्दी", "description_en": "",
            "category_id": str(spices.id), "price_paise": "1,250.50", "mrp_paise": "1300", "unit": "g",
            "pack_size": "1", "min_order_qty": "2", "stock": "40", "lead_time_days": "", "hsn_code": "0910",
            "gst_rate_bp": "500", "weight_grams": "250", "tags": "haldi, हल्दी"}
    return {**data, **over}


def test_create_a_product_from_the_form(client, shop):
    sign_in(client, shop["me"])
    r = post(client, "/seller/products/new", product_form(shop["spices"]))
    assert r.status_code == 302
    product = db.session.scalar(select(Product))
    assert r.headers["Location"].endswith(f"/seller/products/{product.id}/photos")
    assert (product.seller_id, product.slug, product.price_paise, product.mrp_paise, product.stock) == (
        shop["mine"].id, "haldi-powder", 125050, 130000, 40)
    assert (product.gst_rate_bp, product.hsn_code, product.unit, product.min_order_qty) == (500, "0910", "g", 2)


def test_the_new_product_form_works_in_hindi(client, shop):
    sign_in(client, shop["me"], "hi")
    html = client.get("/seller/products/new").get_data(as_text=True)
    assert 'lang="hi"' in html and "मसाले" in html and 'inputmode="decimal"' in html


@pytest.mark.parametrize("field,value,message", [
    ("price_paise", "-5", "cannot be negative"),
    ("price_paise", "abc", "Enter an amount in rupees"),
    ("price_paise", "0", "more than ₹0"),
    ("price_paise", "10000001", "at most ₹10,00,000"),
    ("price_paise", "", "Enter the selling price"),
    ("mrp_paise", "1000", "MRP cannot be less than the selling price"),
    ("stock", "12.5", "without a decimal point"),
    ("stock", "abc", "digits only"),
    ("stock", "-1", "cannot be negative"),
    ("stock", "1000000000", "from 0 to 10,00,000"),
    ("title_hi", "", "in Hindi or in English"),
    ("title_hi", "क" * 161, "at most 160 characters"),
    ("category_id", "", "Choose a category"),
    ("category_id", "abc", "Choose one from the list"),
    ("gst_rate_bp", "300", "0, 5, 12, 18 or 28"),
    ("hsn_code", "12", "4 to 8 digits"),
])
def test_bad_input_in_the_form_gets_a_clear_message_and_nothing_is_stored(client, shop, field, value, message):
    sign_in(client, shop["me"])
    r = post(client, "/seller/products/new", product_form(shop["spices"], **{field: value}))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert count(Product) == count(OutboxEntry) == 0


def test_every_problem_is_reported_in_one_round(client, shop):
    sign_in(client, shop["me"])
    r = post(client, "/seller/products/new", product_form(shop["spices"], price_paise="-5", title_hi="",
                                                          category_id="", hsn_code="1", stock="2.5"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and html.count('aria-invalid="true"') == 5
    for message in ("cannot be negative", "in Hindi or in English", "Choose a category", "4 to 8 digits",
                    "without a decimal point"):
        assert message in html
    assert "Enter the selling price" not in html and "MRP cannot be less" not in html


def test_a_clash_with_a_request_at_the_same_moment_gets_a_message(client, shop, monkeypatch):
    """Two sellers saving "Pickle" at once: the unique slug stops the second; it is told to try again."""
    first = factories.draft_product(shop["mine"], shop["spices"], title_en="Pickle")
    monkeypatch.setattr(services, "_unique_slug", lambda product: first.slug)
    sign_in(client, shop["me"])
    r = post(client, "/seller/products/new", product_form(shop["spices"]))
    assert r.status_code == 409 and "Please try again" in r.get_data(as_text=True)
    assert count(Product) == 1 and count(ProductEvent) == 1


def test_form_errors_are_shown_in_hindi(client, shop):
    sign_in(client, shop["me"], "hi")
    r = post(client, "/seller/products/new", product_form(shop["spices"], stock="12.5", price_paise="-1"))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "दशमलव" in html and "माइनस" in html


def test_html_in_titles_is_escaped(client, shop):
    factories.draft_product(shop["mine"], shop["spices"], title_en="<script>alert(1)</script>", title_hi=None)
    sign_in(client, shop["me"])
    html = client.get("/seller/products").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_edit_keeps_what_the_form_shows_and_saves_changes(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"], price_paise=125050, tags="a,b")
    sign_in(client, shop["me"])
    html = client.get(f"/seller/products/{product.id}/edit").get_data(as_text=True)
    assert 'value="1250.50"' in html and 'value="a, b"' in html
    r = post(client, f"/seller/products/{product.id}/edit", product_form(shop["spices"], price_paise="99"))
    assert r.status_code == 302
    db.session.expire_all()
    assert product.price_paise == 9900 and product.title_hi == "हल्दी पाउडर"


def test_edit_does_not_touch_stock_of_a_product_with_variants(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    services.add_variant(product, None, sku="A", size="S", price_paise=100, stock=3)
    sign_in(client, shop["me"])
    r = post(client, f"/seller/products/{product.id}/edit", product_form(shop["spices"], stock="999"))
    assert r.status_code == 302
    db.session.expire_all()
    assert product.stock == 3


def test_publish_and_pause_from_the_list(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    sign_in(client, shop["me"])
    r = post(client, f"/seller/products/{product.id}/publish", {"next": "/seller/products?status=draft"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/seller/products?status=draft")
    r = post(client, f"/seller/products/{product.id}/pause", {"next": "https://evil.example/"})
    assert r.headers["Location"].endswith(f"/seller/products/{product.id}/edit")
    db.session.expire_all()
    assert product.status == "paused"


def test_unverified_group_cannot_publish_from_the_page(client, shop, geo):
    waiting = factories.seller(geo["Kahara"], members=[shop["me"]], verified=False)
    product = factories.draft_product(waiting, shop["spices"])
    sign_in(client, shop["me"])
    r = post(client, f"/seller/products/{product.id}/publish")
    assert r.status_code == 403 and "Only verified groups" in r.get_data(as_text=True)
    db.session.expire_all()
    assert product.status == "draft"


def test_duplicate_from_the_page(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"], title_en="Pickle")
    sign_in(client, shop["me"])
    r = post(client, f"/seller/products/{product.id}/duplicate")
    copy = db.session.scalar(select(Product).where(Product.id != product.id))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/seller/products/{copy.id}/edit")
    assert (copy.slug, copy.status) == ("pickle-2", "draft")


def test_variant_pages(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    sign_in(client, shop["me"])
    url = f"/seller/products/{product.id}/variants/new"
    r = post(client, url, {"sku": "H 1", "size": "", "colour": "", "price_paise": "-2", "stock": "x"})
    assert r.status_code == 422 and count(Variant) == 0
    r = post(client, url, {"sku": "H-1", "size": "", "colour": "", "price_paise": "60", "stock": "4"})
    assert r.status_code == 422 and "size or a colour" in r.get_data(as_text=True)
    r = post(client, url, {"sku": "H-1", "size": "100 g", "colour": "", "price_paise": "60", "stock": "4"})
    assert r.status_code == 302
    variant = db.session.scalar(select(Variant))
    assert (variant.sku, variant.price_paise, variant.stock) == ("H-1", 6000, 4)
    r = post(client, f"/seller/products/{product.id}/variants/{variant.id}",
             {"sku": "H-1", "size": "100 g", "colour": "", "price_paise": "65", "stock": "9"})
    db.session.expire_all()
    assert r.status_code == 302 and (variant.price_paise, product.stock) == (6500, 9)


# ---------------------------------------------------------------- pages: quick stock


def test_quick_stock_updates_products_and_variants_in_one_go(client, shop):
    plain = factories.draft_product(shop["mine"], shop["spices"], stock=1)
    sized = factories.draft_product(shop["mine"], shop["spices"])
    variant = services.add_variant(sized, None, sku="M", size="M", price_paise=100, stock=2)
    factories.draft_product(shop["theirs"], shop["spices"], title_en="Not mine")
    sign_in(client, shop["me"])
    html = client.get("/seller/stock").get_data(as_text=True)
    assert f'name="p{plain.id}"' in html and f'name="v{variant.id}"' in html
    assert f'name="p{sized.id}"' not in html and "Not mine" not in html
    r = post(client, "/seller/stock", {f"p{plain.id}": "30", f"was_p{plain.id}": "1",
                                       f"v{variant.id}": "7", f"was_v{variant.id}": "2"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (plain.stock, variant.stock, sized.stock) == (30, 7, 7)


@pytest.mark.parametrize("bad,message", [("12.5", "without a decimal point"), ("abc", "digits only"),
                                         ("-1", "cannot be negative"), ("1000000000", "from 0 to 10,00,000")])
def test_quick_stock_saves_nothing_when_one_number_is_wrong(client, shop, bad, message):
    a = factories.draft_product(shop["mine"], shop["spices"], stock=1)
    b = factories.draft_product(shop["mine"], shop["spices"], stock=2)
    sign_in(client, shop["me"])
    r = post(client, "/seller/stock", {f"p{a.id}": "50", f"was_p{a.id}": "1", f"p{b.id}": bad,
                                               f"was_p{b.id}": "2"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html and "Nothing was saved" in html
    db.session.expire_all()
    assert (a.stock, b.stock) == (1, 2)


# ---------------------------------------------------------------- pages: photos


def upload(client, product_id, *blobs):
    files = [(io.BytesIO(b), f"photo{i}.png") for i, b in enumerate(blobs)]
    return post(client, f"/seller/products/{product_id}/photos", {"photo": files},
                content_type="multipart/form-data")


def test_photo_page_offers_the_camera(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    sign_in(client, shop["me"])
    html = client.get(f"/seller/products/{product.id}/photos").get_data(as_text=True)
    assert 'accept="image/*" capture="environment"' in html and 'enctype="multipart/form-data"' in html


def test_upload_photos(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    sign_in(client, shop["me"])
    r = upload(client, product.id, factories.png_bytes(colour=(1, 2, 3)), factories.png_bytes(colour=(9, 9, 9)))
    assert r.status_code == 302
    db.session.expire_all()
    assert [p.is_primary for p in product.photos] == [True, False]
    assert product.id in outbox_ids()
    assert "/media/" in client.get(f"/seller/products/{product.id}/photos").get_data(as_text=True)


def test_upload_that_is_not_a_photo_is_refused_and_nothing_is_stored(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    sign_in(client, shop["me"])
    r = upload(client, product.id, factories.png_bytes(), b"<html>not a photo</html>")
    assert r.status_code == 415 and "not a photo" in r.get_data(as_text=True)
    assert count(ProductPhoto) == 0


def test_too_large_upload_is_refused_before_it_is_read(client, shop, app, monkeypatch):
    product = factories.draft_product(shop["mine"], shop["spices"])
    sign_in(client, shop["me"])
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    r = upload(client, product.id, factories.png_bytes(400, 400, (5, 6, 7)) + b"\0" * 2000)
    assert r.status_code == 413 and "too large" in r.get_data(as_text=True)
    assert count(ProductPhoto) == 0


def test_a_ninth_photo_is_refused(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    services.add_photos(product, [factories.make_image() for _ in range(7)], None)
    sign_in(client, shop["me"])
    r = upload(client, product.id, factories.png_bytes(colour=(1, 1, 1)), factories.png_bytes(colour=(2, 2, 2)))
    assert r.status_code == 422 and "at most 8 photos" in r.get_data(as_text=True)
    assert count(ProductPhoto) == 7


def test_upload_without_a_file_or_csrf_token(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    sign_in(client, shop["me"])
    assert upload(client, product.id).status_code == 422
    r = client.post(f"/seller/products/{product.id}/photos", content_type="multipart/form-data",
                    data={"photo": (io.BytesIO(factories.png_bytes()), "a.png")})
    assert r.status_code == 400 and count(ProductPhoto) == 0
    assert csrf_token(client)  # the session still works


def test_photo_buttons(client, shop):
    product = factories.draft_product(shop["mine"], shop["spices"])
    first, second = services.add_photos(product, [factories.make_image(), factories.make_image()], None)
    sign_in(client, shop["me"])
    base = f"/seller/products/{product.id}/photos"
    assert post(client, f"{base}/{second.id}/primary").status_code == 302
    assert post(client, f"{base}/{second.id}/move", {"offset": "-1"}).status_code == 302
    db.session.expire_all()
    assert [p.id for p in product.photos] == [second.id, first.id] and product.primary_photo.id == second.id
    assert post(client, f"{base}/{second.id}/delete").status_code == 302
    db.session.expire_all()
    assert [(p.id, p.is_primary) for p in product.photos] == [(first.id, True)]
