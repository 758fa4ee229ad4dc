"""End to end in headless Chromium, on a phone-sized screen in Hindi: a household finds a plumber by typing
`nal mistri`, books her; the worker accepts through the link in her SMS (no password); both then see each
other's numbers; after the job the household marks it done and rates it."""

import os
import re
import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.workers import services
from marketplace.workers.models import Booking, BookingStatus, Rating

from . import factories
from .e2e.live import CHROMIUM, CHROMIUM_ARGS
from .workers_helpers import worker

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
SHOTS = os.environ.get("WORKERS_SCREENSHOTS")  # a folder: keep screenshots of the pages to look at


@pytest.fixture
def live(tmp_path):
    app = create_app({"SECRET_KEY": "e2e-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.sqlite3'}",
                      "MEDIA_ROOT": str(tmp_path / "media"), "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "LOGIN_RATE_LIMIT": "1000 per minute"})
    with app.app_context():
        db.create_all()
        geo = factories.load_geo()
        services.seed_categories()
        plumber, plumber_user = worker(geo)
        worker(geo, slugs=("mason",))
        household = factories.user(Role.CUSTOMER, name="Ananya")
        ids = {"worker": plumber.id, "worker_mobile": plumber_user.mobile, "worker_name": plumber.name,
               "household": household.mobile}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}", ids
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_household_books_a_plumber_found_by_nal_mistri(live):
    app, url, ids = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            home = browser.new_context(locale="hi-IN", **PHONE).new_page()
            home.set_default_timeout(15000)
            home.goto(url + "/login?lang=hi")
            home.fill("#login", ids["household"][3:])
            home.fill("#password", factories.PASSWORD)
            home.click("main form button[type=submit]")

            # the link in the header leads to the directory
            home.goto(url + "/")
            home.click("header a[href='/workers/']")
            home.fill("#wq", "nal mistri")
            home.fill("#wpin", "177033")
            home.click(".wk-find button[type=submit]")
            expect(home.locator(".wk-list")).to_contain_text(ids["worker_name"])
            expect(home.locator("main")).to_contain_text("प्लंबर")
            _shot(home, "1-results-hi")
            assert ids["worker_mobile"][3:] not in home.content()
            home.click(f".wk-list a:has-text('{ids['worker_name']}')")
            _shot(home, "2-profile-hi")

            day = services.today_in_india() + timedelta(days=2)
            home.fill("#work_date", day.isoformat())
            home.select_option("#slot", "morning")
            home.fill("#address", "मकान 12, मंदिर के पास, नादौन")
            home.fill("#pin_code", "177033")
            home.fill("#description", "रसोई का नल टपक रहा है")
            home.click("main form button[type=submit]")
            expect(home.locator(".wk-booking")).to_contain_text("उनके जवाब का इंतज़ार")
            assert ids["worker_mobile"][3:] not in home.content()
            _shot(home, "3-booking-requested-hi")
            booking_url = home.url

            # the worker opens the link from her SMS on her own phone: no login
            with app.app_context():
                body = db.session.scalars(select(Message.body).where(
                    Message.kind == "worker_booking_request", Message.to == ids["worker_mobile"])).first()
            link = re.search(r"https?://\S+/workers/answer/\S+", body).group(0)
            link = url + link[link.index("/workers/answer/"):]
            phone = browser.new_context(locale="hi-IN", **PHONE).new_page()
            phone.set_default_timeout(15000)
            phone.goto(link)
            expect(phone.locator("main")).to_contain_text("रसोई का नल टपक रहा है")
            assert ids["household"][3:] not in phone.content()
            _shot(phone, "4-worker-link-hi")
            phone.click("button[value=accept]")
            expect(phone.locator("main")).to_contain_text(ids["household"])  # now she sees the household's number
            _shot(phone, "5-worker-accepted-hi")

            home.goto(booking_url)
            expect(home.locator(".wk-booking")).to_contain_text(ids["worker_mobile"])

            # the day of the work has come and gone
            with app.app_context():
                booking = db.session.scalar(select(Booking))
                assert booking.status == BookingStatus.ACCEPTED
                booking.work_date = services.today_in_india() - timedelta(days=1)
                db.session.commit()
            home.goto(booking_url)
            home.click("button[formaction$='/done']")
            home.select_option("#stars", "5")
            home.fill("#comment", "समय पर आईं, नल ठीक कर दिया")
            home.click("form[action$='/rate'] button[type=submit]")
            expect(home.locator("main")).to_contain_text("5/5")
            _shot(home, "6-rated-hi")
            with app.app_context():
                rating = db.session.scalar(select(Rating))
                assert rating.stars == 5 and "नल" in rating.comment
                assert services.get_profile(ids["worker"]).jobs_done == 1
        finally:
            browser.close()
