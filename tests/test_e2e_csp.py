"""The Content-Security-Policy in a real browser (issue 9 #8): headless Chromium walks the four main journeys
with the policy on — a shopper browsing, searching, filling a cart and paying by card through localstripe's
Stripe.js; a seller's products and orders; a packaging-house operator's queue; an official verifying a
group — and the browser reports no CSP violation on any page (console and `securitypolicyviolation`)."""

import pytest
from playwright.sync_api import expect, sync_playwright

from marketplace.accounts.models import Role
from marketplace.extensions import db

from . import factories
from .e2e import shop as shopping
from .e2e.live import CHROMIUM, CHROMIUM_ARGS, live_server

CUSTOMER = "9811000001"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
# Runs before any page script and is not subject to the page's CSP (DevTools injects it).
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
});"""


@pytest.fixture
def live(tmp_path):
    with live_server(tmp_path) as (app, url):
        with app.app_context():
            geo = factories.load_geo()
            shop = shopping.build(geo, stock=5, customer_login=CUSTOMER, with_address=False)
            operator = shopping.quick_user(Role.OPERATOR, name="Operator", locale="hi")
            factories.packaging_house(geo["Kahara"], operators=[operator])
            official = factories.official(geo["Kahara"])
            pending = factories.seller(geo["Kahara"], verified=False, name="Navi Disha SHG")
            db.session.commit()
            people = {"slugs": [p.slug for p in shop.products], "member": shop.members[0].mobile,
                      "operator": operator.mobile, "official": official.mobile, "pending": pending.id}
        yield app, url, people


class Watcher:
    """Collects every CSP complaint of every page a context opens."""

    def __init__(self, browser, locale: str):
        self.context = browser.new_context(locale=locale, **PHONE)
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.console: list[str] = []
        self.events: list[str] = []
        self.seen: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{self.page.url}: {m.text}")
                     if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)

    def check(self) -> None:
        self.seen.append(self.page.url)
        self.events += [f"{self.page.url}: {v}" for v in self.page.evaluate("window.__csp || []")]

    def go(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, f"{url}: {response.status if response else None}"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        self.check()

    def login(self, url: str, login: str) -> None:
        self.go(url + "/login")
        self.page.fill("#login", login)
        self.page.fill("#password", factories.PASSWORD)
        self.page.click("main form button[type=submit]")
        self.check()


def test_four_journeys_raise_no_csp_violation(live):
    app, url, people = live
    watchers = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # 1. A shopper: browse, search (suggest.js), product, cart, checkout, pay by card (Stripe.js + pay.js).
            shopper = Watcher(browser, "en-IN")
            watchers.append(shopper)
            page = shopper.page
            shopper.go(url + "/")
            shopper.go(url + "/search?q=test")
            page.fill("#q", "tes")  # suggest.js fetches from the same origin
            page.wait_for_timeout(400)
            shopper.check()
            shopper.go(url + f"/p/{people['slugs'][0]}")
            page.fill(".add-to-cart input[name=quantity]", "1")
            page.click(".add-to-cart button[type=submit]")
            if page.url.split("?")[0].endswith("/cart/add"):
                page.click("main form button[type=submit]")
            shopper.go(url + "/cart")
            page.click("text=Go to checkout")
            page.fill("#login", CUSTOMER)
            page.fill("#password", factories.PASSWORD)
            page.click("main form button[type=submit]")
            expect(page).to_have_url(url + "/checkout")
            shopper.check()
            page.fill("#line1", "B-12, Lajpat Nagar II")
            page.fill("#district", "South Delhi")
            page.select_option("#state_code", "DL")
            page.fill("#pin_code", "110024")
            page.click("text=Save address and continue")
            page.check("input[name=method][value=card]")
            page.click("text=Place order")
            expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()  # Stripe.js ran
            shopper.check()
            element = page.locator("#card-element")
            element.locator("input[placeholder=number]").fill("4242424242424242")
            element.locator("input[placeholder=exp_month]").fill("12")
            element.locator("input[placeholder=exp_year]").fill("31")
            element.locator("input[placeholder=cvc]").fill("123")
            page.click("#pay-button")  # pay.js → fetch to localstripe (connect-src) → form post
            expect(page.locator(".flash.success")).to_contain_text("Thank you")
            shopper.check()
            shopper.go(url + "/orders")

            # 2. A seller (in Hindi): products, new product form, orders and one order.
            seller = Watcher(browser, "hi-IN")
            watchers.append(seller)
            seller.login(url, people["member"])
            for path in ("/seller/products", "/seller/products/new", "/shg", "/seller/orders/"):
                seller.go(url + path)
            seller.page.locator("main a[href^='/seller/orders/']:has(strong)").first.click()  # the paid order
            seller.check()

            # 3. A packaging-house operator: the queues (scan.js on the find form).
            operator = Watcher(browser, "hi-IN")
            watchers.append(operator)
            operator.login(url, people["operator"])
            operator.go(url + "/house/")

            # 4. An official: the groups waiting, one group, verify it.
            official = Watcher(browser, "hi-IN")
            watchers.append(official)
            official.login(url, people["official"])
            official.go(url + "/officials/sellers")
            official.go(url + f"/officials/sellers/{people['pending']}")
            official.page.click(f"form[action='/officials/sellers/{people['pending']}/verify'] button")
            official.check()
        finally:
            for watcher in watchers:
                watcher.page.wait_for_timeout(100)
            problems = [p for w in watchers for p in w.console + w.events]
            pages = sum(len(w.seen) for w in watchers)
            browser.close()
    assert pages >= 20
    assert problems == []
