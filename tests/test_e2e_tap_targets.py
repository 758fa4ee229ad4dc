"""In headless Chromium at 360 px, in Hindi: links that sit close together (header, category strip, breadcrumbs,
moderation lists) are at least 44 × 44 px, and nothing is wider than the phone."""

import pytest
from playwright.sync_api import sync_playwright

from . import factories
from .e2e.live import CHROMIUM, CHROMIUM_ARGS, live_server

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
TARGETS = ".brand, .account a, .account button.link, .cats a, .crumbs a, .filters a, .seller-list h2 a"


@pytest.fixture
def live(tmp_path):
    with live_server(tmp_path) as (app, url):
        with app.app_context():
            geo = factories.load_geo()
            org = factories.seller(geo["Kahara"], name="Kosi Mithila SHG")
            product = factories.make_product(org, factories.seeded_category("spices"), title_hi="हल्दी पाउडर")
            official = factories.official(geo["Kahara"])
            slug, login = product.slug, official.login_name
        yield url, slug, login


def _small(page) -> list[str]:
    return page.eval_on_selector_all(TARGETS, """els => els.filter(e => e.offsetParent !== null).map(e => {
        const r = e.getBoundingClientRect();
        const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
        return r.width < 44 || r.height < 44 ? `${e.className || e.tagName} "${e.textContent.trim()}" ${size}` : null;
    }).filter(Boolean)""")


def test_tap_targets_are_big_enough(live):
    url, slug, login = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(**PHONE).new_page()
        for path in ("/?lang=hi", "/c/spices", f"/p/{slug}"):
            page.goto(url + path)
            assert _small(page) == [], path
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        page.goto(url + "/login")
        page.fill("#login", login)
        page.fill("#password", factories.PASSWORD)
        page.click("main form button[type=submit]")
        page.goto(url + "/moderation/products")
        assert page.locator(".seller-list h2 a").count() == 1
        assert _small(page) == []
        browser.close()
