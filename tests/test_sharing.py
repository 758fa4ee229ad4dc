"""Sharing: a plain wa.me link on product and group pages; Open Graph image and description and JSON-LD
(Organization / ItemList) on group and category pages; the group's photo."""

import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.sellers.models import Seller

from . import factories
from .conftest import login, post


@pytest.fixture
def shop(geo):
    president = factories.user("seller")
    org = factories.seller(geo["Kahara"], members=[president], name="Kosi Mithila SHG")
    category = factories.seeded_category("spices")
    products = [factories.make_product(org, category, title_en=f"Turmeric {n}") for n in range(2)]
    factories.add_photos(products[1])
    return {"president": president, "seller": org, "category": category, "products": products}


def _jsonld(html: str):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def _meta(html: str, prop: str) -> str | None:
    found = re.search(rf'<meta property="{prop}" content="([^"]*)"', html)
    return found.group(1) if found else None


def _wa(html: str) -> str:
    href = re.search(r'href="(https://wa\.me/[^"]*)"', html).group(1).replace("&amp;", "&")
    return parse_qs(urlsplit(href).query)["text"][0]


def test_product_and_group_pages_have_a_plain_whatsapp_link(client, shop):
    product = shop["products"][0]
    html = client.get(f"/p/{product.slug}?lang=en").get_data(as_text=True)
    assert _wa(html) == f"Turmeric 0 http://haat.test/p/{product.slug}"
    html = client.get(f"/sellers/{shop['seller'].slug}?lang=en").get_data(as_text=True)
    assert _wa(html) == f"Kosi Mithila SHG http://haat.test/sellers/{shop['seller'].slug}"
    assert "<script src" not in html


def test_group_page_has_open_graph_and_organization_with_its_products(client, shop):
    html = client.get(f"/sellers/{shop['seller'].slug}?lang=en").get_data(as_text=True)
    assert _meta(html, "og:image").endswith(".jpg") and _meta(html, "og:description")
    data = _jsonld(html)
    organization, items = data["@graph"]
    assert organization["@type"] == "Organization" and organization["name"] == "Kosi Mithila SHG"
    assert organization["address"]["addressRegion"] == "Saharsa"
    assert items["@type"] == "ItemList" and items["numberOfItems"] == 2
    assert {e["name"] for e in items["itemListElement"]} == {"Turmeric 0", "Turmeric 1"}


def test_category_page_has_open_graph_image_and_item_list(client, shop):
    html = client.get(f"/c/{shop['category'].slug}?lang=en").get_data(as_text=True)
    assert _meta(html, "og:image").endswith(".jpg")
    data = _jsonld(html)
    assert data["@type"] == "ItemList" and data["numberOfItems"] == 2
    assert data["itemListElement"][0]["url"].startswith("http://haat.test/p/")


def test_the_group_adds_its_photo_and_the_page_shows_it(client, shop):
    client.get("/?lang=en")
    login(client, shop["president"].mobile)
    r = post(client, f"/seller/group/{shop['seller'].id}/photo",
             {"photo": (io.BytesIO(factories.png_bytes(320, 240)), "group.png")}, content_type="multipart/form-data")
    assert r.status_code == 302
    org = db.session.scalar(select(Seller).where(Seller.id == shop["seller"].id))
    db.session.refresh(org)
    assert org.photo_id is not None
    html = client.get(f"/sellers/{org.slug}").get_data(as_text=True)
    assert 'class="group-photo"' in html and "Members of Kosi Mithila SHG" in html
    assert org.photo.sha256 in _meta(html, "og:image")


def test_only_the_groups_office_bearers_change_its_photo(app, client, geo, shop):
    other = factories.user("seller")
    factories.seller(geo["Kahara"], members=[other])
    login(client, other.mobile)
    url = f"/seller/group/{shop['seller'].id}/photo"
    assert client.get(url).status_code == 403
    r = post(client, url, {"photo": (io.BytesIO(factories.png_bytes()), "g.png")}, content_type="multipart/form-data")
    assert r.status_code == 403
    assert client.get("/seller/group/999999/photo").status_code in (403, 404)
    anonymous = app.test_client()
    assert anonymous.get(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Seller, shop["seller"].id).photo_id is None


def test_a_bad_file_is_refused_with_a_message(client, shop):
    client.get("/?lang=en")
    login(client, shop["president"].mobile)
    r = post(client, f"/seller/group/{shop['seller'].id}/photo", {"photo": (io.BytesIO(b"not an image"), "x.png")},
             content_type="multipart/form-data")
    assert r.status_code in (415, 422) and 'role="alert"' in r.get_data(as_text=True)
