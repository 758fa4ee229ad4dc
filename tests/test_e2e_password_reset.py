"""A shopper who forgot her password, in headless Chromium at 360 px in Hindi: asks for a code, reads it from
the SMS (the notifications outbox), sets a new password, and logs in with it the next time (issue 13 #8)."""

import re

from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notifications.models import Message

from .e2e import shop as shopping
from .e2e.live import CHROMIUM, CHROMIUM_ARGS, live_server

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _code_from_outbox(app, mobile: str) -> str:
    with app.app_context():
        body = db.session.scalar(select(Message.body).where(Message.kind == "login_code", Message.to == mobile)
                                 .order_by(Message.id.desc()))
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_a_shopper_resets_a_forgotten_password_with_an_sms_code(tmp_path):
    with live_server(tmp_path) as (app, url):
        with app.app_context():
            shopper = shopping.quick_user(name="Ananya Sharma", login="9811000001", locale="hi")
            mobile = shopper.mobile
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(locale="hi-IN", **PHONE).new_page()
                page.set_default_timeout(15000)
                csp = []  # the code pages run under the same CSP as the rest
                page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
                page.goto(url + "/login?lang=hi")
                page.click("text=पासवर्ड भूल गए?")
                page.fill("#login", "98110 00001")
                page.click("main form button[type=submit]")
                expect(page.locator(".flash")).to_contain_text("कोड भेजा जा रहा है")
                code_input = page.locator("#code")
                assert code_input.get_attribute("type") == "tel"
                assert code_input.get_attribute("inputmode") == "numeric"
                assert code_input.get_attribute("autocomplete") == "one-time-code"
                page.screenshot(path=str(tmp_path / "code.png"))
                code_input.fill(_code_from_outbox(app, mobile))
                page.click("main form button[type=submit]")
                expect(page.locator("h1")).to_contain_text("नया पासवर्ड बनाएँ")
                page.fill("#new", "meri nayi chabi 7")
                page.fill("#confirm", "meri nayi chabi 7")
                page.click("main form button[type=submit]")
                expect(page.locator(".flash.success")).to_contain_text("नया पासवर्ड सहेज लिया गया")
                page.click("header button:has-text('लॉग आउट')")

                page.goto(url + "/login")
                page.fill("#login", "9811000001")
                page.fill("#password", "meri nayi chabi 7")
                page.click("main form button[type=submit]")
                expect(page).to_have_url(url + "/me")
                assert csp == []
            finally:
                browser.close()
