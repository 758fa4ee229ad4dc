"""In headless Chromium at 360 px, in Hindi: an SHG member lists a product alone, starting with a photo, and has
it on sale within six screens."""

import os

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product
from marketplace.extensions import db

from . import factories
from .e2e.live import CHROMIUM, CHROMIUM_ARGS, live_server

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "hi-IN"}
SHOTS = os.environ.get("HAAT_SCREENSHOTS")  # a directory: keep a picture of every screen to look at


@pytest.fixture
def live(tmp_path):
    with live_server(tmp_path) as (app, url):
        with app.app_context():
            member = factories.user(Role.SELLER, name="Sita Devi", login="9811000007")
            factories.seller(factories.load_geo()["Kahara"], members=[member], name="Kosi Mithila SHG")
            factories.seeded_category("spices")
        yield app, url


def test_a_member_lists_a_product_from_a_photo_in_six_screens(live, tmp_path):
    app, url = live
    photo = tmp_path / "haldi.png"
    photo.write_bytes(factories.png_bytes(640, 480))
    screens = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(**PHONE).new_page()

        def seen(name):
            page.wait_for_load_state("load")  # stylesheets applied: measured as the member sees it
            screens.append(page.url)
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/add-{len(screens)}-{name}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

        page.goto(f"{url}/login?lang=hi&next=/seller/add")
        page.fill("#login", "9811000007")
        page.fill("#password", factories.PASSWORD)
        page.click("main form button[type=submit]")
        seen("photo")  # 1: the camera comes first
        assert page.locator("h1").inner_text() == "पहले, सामान की फ़ोटो"
        page.set_input_files("#add-camera", str(photo))
        page.click("main form button[type=submit]")
        seen("kind")  # 2: kinds of product, with pictures
        page.click("main >> text=किराना और रसोई का सामान")
        seen("sub-kind")  # 3
        page.click("main >> text=मसाले")
        seen("details")  # 4: only name, price, pack and how many up front
        assert not page.is_visible("#hsn_code")  # under "more details"
        page.fill("#title", "हल्दी पाउडर")
        page.fill("#price_paise", "120")
        page.fill("#pack_size", "200")
        page.select_option("#unit", "g")
        page.fill("#stock", "30")
        page.click("main form button[type=submit]")
        seen("saved")  # 5: saved as a draft, with its photo
        page.click("main button:has-text('बिक्री पर लगाएँ')")
        seen("on-sale")  # 6
        page.goto(f"{url}/me")
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/home.png", full_page=True)
        assert page.locator(".tile").count() == 6
        browser.close()
    assert len(screens) <= 6
    with app.app_context():
        product = db.session.scalar(select(Product))
        assert (product.title_hi, product.status, product.unit, product.pack_size, product.stock) == (
            "हल्दी पाउडर", "live", "g", 200, 30)
        assert (product.hsn_code, product.gst_rate_bp, len(product.photos)) == ("0910", 500, 1)
