"""Page weight: HTML + CSS + JS of the home, search, product and group pages, uncompressed (the goal: each at
most 60 KB) and as sent with gzip and with Brotli, in Hindi and in English, on the demo catalogue.

    .venv/bin/python bench/weight.py [--limit GROUPS]

Loads the demo (all groups, or the first GROUPS) into a temporary SQLite database, asks each page as a phone
would (logged out), follows its stylesheets and same-site scripts, and prints the bytes. Photos are not
counted: they load lazily, sized to the screen (see bench/images.py). Exit status 1 if a page is over the goal.
"""

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marketplace import create_app  # noqa: E402  (after the path is set)
from marketplace.extensions import db  # noqa: E402

GOAL_BYTES = 60 * 1024
ASSETS = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="(/[^"]+)"|<script[^>]+src="(/[^"]+)"')


def _pages(app) -> dict[str, str]:
    """One address per kind of page, from what the demo holds."""
    from sqlalchemy import select

    from marketplace.catalog.models import Product
    from marketplace.sellers.models import Seller

    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.status == "live").order_by(Product.id))
        seller = db.session.scalar(select(Seller).where(Seller.status == "verified").order_by(Seller.id))
        return {"home": "/", "search": "/search?q=haldi", "product": f"/p/{product.slug}",
                "group": f"/sellers/{seller.slug}"}


def _size(client, url: str, encoding: str) -> int:
    with client.get(url, headers={"Accept-Encoding": encoding}) as response:
        assert response.status_code == 200, (url, response.status_code)
        return len(response.get_data())


def measure(client, url: str) -> dict[str, int]:
    html = client.get(url, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    parts = [url] + [a or b for a, b in ASSETS.findall(html)]
    return {encoding: sum(_size(client, part, encoding) for part in parts)
            for encoding in ("identity", "gzip", "br")} | {"files": len(parts)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="load only the first N demo groups")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/weight.sqlite3", "MEDIA_ROOT": f"{tmp}/media",
                          "SEARCH_INDEX_DIR": f"{tmp}/index", "PAGE_CACHE_SECONDS": 0})
        with app.app_context():
            from marketplace.demo.loader import load_demo
            from marketplace.search import services as search

            db.create_all()
            load_demo(limit=args.limit)
            search.reindex()
        pages = _pages(app)
        over = 0
        print(f"{'page':<9}{'lang':<6}{'files':>6}{'HTML+CSS+JS':>13}{'gzip':>9}{'brotli':>9}{'of 60 KB':>10}")
        for lang in ("hi", "en"):
            client = app.test_client()
            client.get(f"/?lang={lang}")  # the language sticks in a cookie, as for a visitor
            for name, url in pages.items():
                size = measure(client, url)
                share = size["identity"] / GOAL_BYTES
                over += share > 1
                print(f"{name:<9}{lang:<6}{size['files']:>6}{size['identity'] / 1024:>11.1f}KB"
                      f"{size['gzip'] / 1024:>7.1f}KB{size['br'] / 1024:>7.1f}KB{share:>10.0%}")
        with app.app_context():
            db.session.remove()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
