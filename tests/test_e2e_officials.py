"""The district dashboard in headless Chromium, in Hindi, on a phone (360 px) and on a desk (1280 px):
screenshots written for people to look at, and checks that the page fits the phone, the charts load and the
figures are there."""

import os
import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.extensions import db

from . import factories, officials_world
from .e2e.live import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def live(tmp_path):
    app = create_app({"SECRET_KEY": "e2e-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
                      "MEDIA_ROOT": str(tmp_path / "media"), "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
                      "LOGIN_RATE_LIMIT": "1000 per minute", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
        world = officials_world.build(factories.load_geo())
        dpm = factories.official(world.kahara, "district")
        login, district_id = dpm.mobile, world.kahara.district_id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", login, district_id
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("width, height", [(360, 740), (1280, 900)])
def test_district_dashboard_in_hindi(live, tmp_path, width, height):
    url, login, district_id = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="hi-IN", viewport={"width": width, "height": height},
                                       is_mobile=width < 500).new_page()
            page.set_default_timeout(15000)
            page.goto(url + "/login?lang=hi")
            page.fill("#login", login)
            page.fill("#password", factories.PASSWORD)
            page.click("main form button[type=submit]")
            page.goto(f"{url}/officials/dashboard/district/{district_id}?period=month&month=2026-10&lang=hi")
            main = page.locator("main")
            text = main.inner_text()
            assert "समूहों का बाज़ार तक का रास्ता" in text and "कहरा" in text
            assert "₹650" in text  # Kahara's sales in October, as in the unit tests
            loaded = page.eval_on_selector_all("img.chart", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
            assert loaded and all(loaded)
            # nothing but the scrollable tables may be wider than the screen
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, overflow
            page.evaluate("document.fonts.ready.then(() => true)")
            shot = tmp_path / f"district-dashboard-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            keep = os.environ.get("HAAT_SCREENSHOTS")
            if keep:
                os.makedirs(keep, exist_ok=True)
                shutil.copy(shot, keep)
        finally:
            browser.close()
