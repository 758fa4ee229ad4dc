"""End to end in headless Chromium, against a live server and localstripe: browse, fill a cart from two groups
as a visitor, log in at checkout, pay by card (good and declined), pay cash on delivery; both groups see the
paid order on their phones, in Hindi; the declined order's stock comes back on expiry."""

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from marketplace.catalog.stock import stock_of
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.orders import lifecycle
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import WebhookEvent

from . import factories
from .e2e import shop as shopping
from .e2e.live import CHROMIUM, CHROMIUM_ARGS, live_server

CUSTOMER = "9811000001"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def live(tmp_path):
    with live_server(tmp_path) as (app, url):
        with app.app_context():
            shop = shopping.build(factories.load_geo(), stock=5, customer_login=CUSTOMER, with_address=False)
            slugs = [p.slug for p in shop.products]
            members = [m.mobile for m in shop.members]
            ids = [p.id for p in shop.products]
        yield app, url, slugs, members, ids


def _login(page, login: str) -> None:
    page.fill("#login", login)
    page.fill("#password", factories.PASSWORD)
    page.click("main form button[type=submit]")


def _add_from_product_page(page, url: str, slug: str, quantity: str) -> None:
    page.goto(url + "/")
    page.click(f'a[href="/p/{slug}"]')  # browse: the home page's new arrivals
    page.fill(".add-to-cart input[name=quantity]", quantity)
    page.click(".add-to-cart button[type=submit]")
    if page.url.split("?")[0].endswith("/cart/add"):  # a page cached for visitors asks first
        page.click("main form button[type=submit]")


def _checkout(page, url: str, method: str) -> None:
    page.goto(url + "/cart")
    page.click("text=Go to checkout")
    page.check(f"input[name=method][value={method}]")
    page.click("text=Place order")


def _pay(page, card: str) -> None:
    element = page.locator("#card-element")
    element.locator("input[placeholder=number]").fill(card)
    element.locator("input[placeholder=exp_month]").fill("12")
    element.locator("input[placeholder=exp_year]").fill("31")
    element.locator("input[placeholder=cvc]").fill("123")
    page.click("#pay-button")


def _order(app, number: str) -> Order:
    with app.app_context():
        return db.session.scalar(select(Order).where(Order.number == number))


def _number(page) -> str:
    return page.url.split("/payments/")[1].split("/")[0] if "/payments/" in page.url else \
        page.url.split("/orders/")[1].split("?")[0]


def test_buying_from_two_groups_in_a_browser(live):
    app, url, slugs, members, ids = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            customer = browser.new_context(locale="en-IN", **PHONE).new_page()
            customer.set_default_timeout(15000)

            # A visitor fills the cart from two groups, then logs in at checkout: the cart comes along.
            _add_from_product_page(customer, url, slugs[0], "2")
            _add_from_product_page(customer, url, slugs[1], "1")
            customer.goto(url + "/cart")
            expect(customer.locator("main")).to_contain_text("Kosi Mithila SHG")
            expect(customer.locator("main")).to_contain_text("Saharsa Bamboo Cluster")
            customer.click("text=Go to checkout")
            _login(customer, CUSTOMER)
            expect(customer).to_have_url(url + "/checkout")

            # First order: address, card 4242 → paid; both groups see it.
            customer.fill("#line1", "B-12, Lajpat Nagar II")
            customer.fill("#district", "South Delhi")
            customer.select_option("#state_code", "DL")
            customer.fill("#pin_code", "110024")
            customer.click("text=Save address and continue")
            customer.check("input[name=method][value=card]")
            customer.click("text=Place order")
            expect(customer.locator("h1")).to_contain_text("Pay ₹720")
            paid_number = _number(customer)
            _pay(customer, "4242424242424242")
            expect(customer.locator(".flash.success")).to_contain_text("Thank you")
            assert _order(app, paid_number).status == OrderStatus.CONFIRMED

            for mobile in members:
                seller = browser.new_context(locale="hi-IN", **PHONE).new_page()
                seller.goto(url + "/login")
                _login(seller, mobile)
                seller.goto(url + "/seller/orders/?lang=hi")  # the groups read Haat in Hindi
                expect(seller.locator("main")).to_contain_text(paid_number)
                expect(seller.locator("main")).to_contain_text("नया ऑर्डर")
                seller.click(f"text={paid_number}")
                expect(seller.locator("main")).to_contain_text("ऑनलाइन भुगतान हो चुका")
                seller.context.close()

            # Second order: card 4000 0000 0000 0002 → declined, unpaid, stock back when it expires.
            _add_from_product_page(customer, url, slugs[2], "3")
            _checkout(customer, url, "card")
            declined_number = _number(customer)
            _pay(customer, "4000000000000002")
            expect(customer.locator("#pay-error")).to_contain_text("Your card was declined")
            with app.app_context():
                assert stock_of(ids[2]) == 2
            _expire(app, declined_number)
            with app.app_context():
                assert stock_of(ids[2]) == 5
            assert _order(app, declined_number).status == OrderStatus.EXPIRED

            # Third order: cash on delivery → confirmed at once.
            _add_from_product_page(customer, url, slugs[2], "1")
            _checkout(customer, url, "cod")
            expect(customer.locator(".flash.success")).to_contain_text("Thank you")
            assert _order(app, _number(customer)).status == OrderStatus.CONFIRMED
        finally:
            browser.close()
    _webhook_arrived(app)


def _expire(app, number: str) -> None:
    with app.app_context():
        db.session.execute(Order.__table__.update().where(Order.number == number)
                           .values(reserved_until=utcnow() - timedelta(minutes=16)))
        db.session.commit()
        assert lifecycle.expire_unpaid() == 1


def _webhook_arrived(app) -> None:
    """localstripe posts payment_intent.succeeded about a second later: usually the return page has settled
    the order by then ("no change"), else the webhook does ("paid"). Other tests' intents are "ignored"."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with app.app_context():
            outcomes = set(db.session.scalars(select(WebhookEvent.outcome)
                                              .where(WebhookEvent.type == "payment_intent.succeeded")))
        if outcomes & {"no change", "paid"}:
            return
        time.sleep(0.2)
    pytest.fail("localstripe's webhook for the paid order never arrived")
