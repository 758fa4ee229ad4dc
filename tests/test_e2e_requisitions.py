"""End to end in headless Chromium: the buyer uploads a requisition with a CSV of delivery points, the district
official approves it and accepts the proposed split, two groups accept and report a day each from their phones
(one in Hindi), and the progress page shows the new totals and the chart."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from marketplace.accounts.models import Role

from . import factories
from . import req_factories as rf
from .e2e.live import CHROMIUM, CHROMIUM_ARGS, live_server

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def live(tmp_path):
    with live_server(tmp_path) as (app, url):
        with app.app_context():
            geo = factories.load_geo()
            kahara, sattar = geo["Kahara"], geo["Sattar Kataiya"]
            inst, buyer = rf.institution(kahara)
            dpm = factories.official(kahara, "district")
            made, category = rf.groups([kahara, sattar], 1, weekly=700, members=True)
            world = {"inst": inst.id, "buyer": buyer.login_name, "dpm": dpm.login_name, "category": category.id,
                     "members": [m.login_name for _g, m in made]}
            assert all(m.role == Role.SELLER for _g, m in made)
        yield url, world


def _login(page, url: str, login: str, lang: str = "en") -> None:
    page.goto(f"{url}/login?lang={lang}")
    page.fill("#login", login)
    page.fill("#password", factories.PASSWORD)
    page.click("main form button[type=submit]")


def test_requisition_from_csv_to_progress(live, tmp_path):
    url, w = live
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            buyer = browser.new_page()
            _login(buyer, url, w["buyer"])
            buyer.goto(f"{url}/requisitions/new?institution={w['inst']}&lang=en")
            buyer.fill("#title", "Cotton masks for the panchayats")
            buyer.select_option("#category_id", str(w["category"]))
            buyer.fill("#spec", "Three layers of cotton, washable")
            buyer.fill("#quantity", "1000")
            buyer.fill("#price", "15")
            from datetime import timedelta

            from marketplace.requisitions.services import today_ist

            buyer.fill("#deadline", (today_ist() + timedelta(days=28)).isoformat())
            csv = "name,block,quantity\nPanchayat Bangaon,Kahara,600\nPanchayat Sattar,Sattar Kataiya,400\n"
            buyer.set_input_files("#points_csv", {"name": "points.csv", "mimeType": "text/csv",
                                                  "buffer": csv.encode()})
            buyer.click("button[name=submit][value='1']")
            expect(buyer).to_have_url(re.compile(r"/requisitions/\d+$"))
            req_url = buyer.url
            expect(buyer.locator("main")).to_contain_text("Submitted")

            official = browser.new_page()
            _login(official, url, w["dpm"])
            official.goto(req_url + "?lang=en")
            official.click("text=Approve the requisition")
            official.click("text=Split across groups")
            expect(official.locator("input[name^=share-]")).to_have_count(2)
            official.click("text=Accept this split")
            expect(official.locator(".flash")).to_contain_text("Split saved")

            for n, (member, lang, made) in enumerate(zip(w["members"], ("hi", "en"), ("120", "80"), strict=True)):
                context = browser.new_context(**PHONE)
                phone = context.new_page()
                _login(phone, url, member, lang)
                phone.goto(req_url)  # a group is sent to its own share
                expect(phone).to_have_url(re.compile(r"/share"))
                phone.click("button[name=action][value=all]")
                phone.click("a.button.big")  # report today's work
                phone.fill("#made", made)
                phone.fill("#passed", str(int(made) - 5))
                phone.click("form.req-report button[type=submit]")
                expect(phone.locator(".flash")).to_be_visible()
                if n == 0:
                    phone.screenshot(path=str(tmp_path / "report-hi.png"), full_page=True)
                context.close()

            buyer.goto(req_url + "?lang=en")
            figures = buyer.locator(".req-figures")
            expect(figures).to_contain_text("200 · 20%")  # made: 120 + 80 of 1,000
            expect(figures).to_contain_text("190")  # passed own check
            chart = buyer.locator("img.req-chart")
            expect(chart).to_be_visible()
            assert buyer.evaluate("document.querySelector('img.req-chart').naturalWidth") > 0
            expect(buyer.locator(".req-daily table")).to_contain_text("200")
        finally:
            browser.close()
