"""A live Haat server for the browser test: its own app and SQLite file, werkzeug in a thread, a free port."""

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.extensions import db

from .stripe import WEBHOOK_SECRET, localstripe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def live_server(tmp_path):
    """Yields (app, base URL); localstripe's webhook points at this server while it runs."""
    app = create_app({
        "SECRET_KEY": "e2e-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "STRIPE_API_BASE": localstripe().url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_SECRET_KEY": None,
        "STRIPE_PUBLISHABLE_KEY": None,
    })
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    localstripe().register_webhook(f"{url}/payments/stripe/webhook", WEBHOOK_SECRET, name="e2e")
    try:
        yield app, url
    finally:
        localstripe().register_webhook("http://127.0.0.1:9/", WEBHOOK_SECRET, name="e2e")  # nobody listens
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
