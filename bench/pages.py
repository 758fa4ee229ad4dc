"""Requests per second of the storefront's pages against a bare Flask handler, all served by the same
gunicorn configuration (2 sync workers) on free loopback ports, in one run; prints each and its ratio.

    .venv/bin/python bench/pages.py [--seconds 8] [--rounds 4] [--connections 16] [--only category,search]

Pages: the category page (24 cards) kept by the page cache for logged-out visitors (goal >= 0.5 of bare),
and, with the page cache off, the category, search results (24 cards and facet counts), product and group
(seller) pages, each logged out and logged in (a customer's session cookie; nothing is ever kept for her).
Goals without the page cache: category >= 0.3 of bare, search >= 0.25, logged-in product page >= 0.3.

Search result pages are kept per process, under the index version and language (marketplace/search/services.py
`search`): the "search" rows repeat one query, so after the first request they show a kept page (the outbox
check, the lookup and the template). "search, distinct queries" sends every request a query never asked before
("handmade" followed by a random run of punctuation, which search ignores: the same 24 products and facet
counts, found afresh): what a page nobody asked for yet costs. Both have the same goal.

"Not kept" means without the whole-page cache, as every logged-in customer is served: the page is rendered for
each request, but what it shows of the catalogue is kept until the catalogue changes (docs/architecture.md,
Caching: kept blocks with per-visitor holes, kept catalogue reads, kept cards). One more row, without a goal,
shows the category page with nothing kept but the cards (CATALOGUE_CACHE_SECONDS=0): what the first visitor
after a catalogue change costs.

Four servers run side by side: the real app (wsgi:app, whose category pages are kept a few seconds for
logged-out visitors), the real app with that cache off, the same with nothing kept but cards, and the bare
handler. The load comes from this
script (processes x threads, one HTTP/1.1 request per connection, as gunicorn's sync workers close each
one), only to 127.0.0.1, for a fixed time, to one server at a time in rotating turns. The client shares the
machine's cores with the servers, so absolute figures are lower than a C load tool would show; the ratio is
what counts.
"""

import argparse
import http.client
import io
import multiprocessing as mp
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CATEGORY = "folk-paintings"
SEARCH = "handmade"
PRODUCTS = 200
CUSTOMER = "+919800000001"
PASSWORD = "bench-password"
IN_CATEGORY = 60  # more than a page, so the page shows 24 and a pager
# Sent with every request, the login's too: Flask-Login ties a session to its browser (address and agent), and
# a session used from another "browser" is marked not fresh again on every request (a new cookie each time).
USER_AGENT = "Mozilla/5.0 (Linux; Android 11; haat-bench) Mobile"

DISTINCT = "{distinct}"  # in a path: a new run of punctuation for every request (a query never asked before)

bare_app = Flask(__name__)


@bare_app.get("/")
def bare():
    return "ok"


def storefront(cache_seconds: int, catalogue_seconds: int | None = None):
    """The real app as wsgi.py makes it, with another lifetime for the page cache (0: none) and, if given, for
    kept catalogue reads and blocks (0: none)."""
    from marketplace import create_app

    config = {"PAGE_CACHE_SECONDS": cache_seconds}
    if catalogue_seconds is not None:
        config["CATALOGUE_CACHE_SECONDS"] = catalogue_seconds
    return create_app(config)


# ---------------------------------------------------------------- data

def _photo(seed: int) -> bytes:
    from PIL import Image

    rnd = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), tuple(rnd.randrange(256) for _ in range(3)))
    for _ in range(40):  # some blocks of colour, so the JPEG is not trivially small
        x, y = rnd.randrange(1500), rnd.randrange(1100)
        image.paste(tuple(rnd.randrange(256) for _ in range(3)), (x, y, x + 100, y + 100))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def build_database(env: dict) -> None:
    """Geography, the category list, 10 verified groups and 200 live products with photos."""
    sys.path.insert(0, str(ROOT))
    from werkzeug.security import generate_password_hash

    from marketplace import create_app
    from marketplace.accounts.models import User
    from marketplace.catalog.categories import read_rows, upsert
    from marketplace.catalog.models import Category, Product, ProductPhoto
    from marketplace.core.types import utcnow
    from marketplace.extensions import db
    from marketplace.geo.models import Block
    from marketplace.geo.services import load_geography
    from marketplace.media.services import store_image
    from marketplace.search.services import reindex
    from marketplace.sellers.models import Seller

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "MEDIA_ROOT": env["MEDIA_ROOT"],
                      "SECRET_KEY": env["SECRET_KEY"], "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"]})
    with app.app_context():
        db.create_all()
        load_geography()
        upsert(read_rows())
        blocks = list(db.session.scalars(db.select(Block).order_by(Block.id)))
        categories = list(db.session.scalars(db.select(Category).order_by(Category.id)))
        target = next(c for c in categories if c.slug == CATEGORY)
        sellers = [Seller(name_en=f"Bench SHG {i}", name_hi=f"बेंच समूह {i}", slug=f"bench-shg-{i}",
                          block_id=blocks[i % len(blocks)].id, status="verified", verified_at=utcnow(),
                          story_en="We make things by hand.") for i in range(10)]
        db.session.add_all(sellers)
        images = [store_image(_photo(i)) for i in range(8)]
        db.session.flush()
        for i in range(PRODUCTS):
            category = target if i < IN_CATEGORY else categories[i % len(categories)]
            price = 5000 + 731 * i
            product = Product(seller_id=sellers[i % 10].id, category_id=category.id, slug=f"bench-product-{i}",
                              title_en=f"Handmade item {i}", title_hi=f"हाथ का बना सामान {i}",
                              description_en="Made by hand in the village.", price_paise=price,
                              mrp_paise=price + 2000, stock=i % 9, status="live", published_at=utcnow())
            db.session.add(product)
            db.session.flush()
            db.session.add_all(ProductPhoto(product_id=product.id, image_id=images[(i + k) % 8].id, position=k,
                                            is_primary=k == 0) for k in range(3))
        db.session.add(User(name="Bench Customer", mobile=CUSTOMER, locale="hi",
                            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")))
        db.session.commit()
        reindex()
        db.engine.dispose()


def session_cookie(env: dict) -> str:
    """The customer's session cookie, from a real login through the app (same database and secret key)."""
    import re

    from marketplace import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "MEDIA_ROOT": env["MEDIA_ROOT"],
                      "SECRET_KEY": env["SECRET_KEY"], "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"]})
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"login": CUSTOMER, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"bench login failed: {response.status_code}")
    cookie = client.get_cookie("session")
    return f"session={cookie.value}"


# ---------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"Accept-Language": "hi-IN,hi;q=0.9", "User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start(app_spec: str, env: dict, port: int) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--worker-class", "sync",
               "--no-control-socket", "--bind", f"{HOST}:{port}", "--chdir", str(ROOT),
               "--pythonpath", str(ROOT / "bench"), "--log-level", "warning", app_spec]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get(port, "/")
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn with {app_spec} did not start")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=15)


# ---------------------------------------------------------------- load

def _client(port: int, path: str, cookie: str | None, threads: int, start_at: float, seconds: float) -> tuple:
    """One client process's share: `threads` threads, each one request after another, from `start_at`
    (the same moment for every process) for `seconds`."""
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + seconds
    counts, errors, latencies = [0] * threads, [0] * threads, [[] for _ in range(threads)]

    rng = random.Random()

    def loop(n: int) -> None:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                status, _body = get(port, distinct(path, rng), cookie)
            except OSError:
                errors[n] += 1
                continue
            latencies[n].append(time.perf_counter() - began)
            if status == 200:
                counts[n] += 1
            else:
                errors[n] += 1

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts), sum(errors), [x for xs in latencies for x in xs]


def distinct(path: str, rng: random.Random) -> str:
    return path.replace(DISTINCT, "".join(rng.choice("!.,;:") for _ in range(16)))


def load(pool, processes: int, port: int, path: str, cookie: str | None, connections: int, seconds: float) -> tuple:
    start_at = time.time() + 0.2
    jobs = [(port, path, cookie, connections // processes, start_at, seconds)] * processes
    parts = pool.starmap(_client, jobs)
    return sum(p[0] for p in parts), sum(p[1] for p in parts), [x for p in parts for x in p[2]]


def measure(servers_wanted: dict, targets: dict, env: dict, args) -> dict:
    """Every server runs from the start; the load goes to one page at a time, in short turns taken in
    rotation, so that whatever else the machine does at some moment weighs on all of them alike."""
    servers, results = {}, {}
    ctx = mp.get_context("spawn")
    with ctx.Pool(args.processes) as pool:
        try:
            for name, spec in servers_wanted.items():
                port = free_port()
                servers[name] = (start(spec, env, port), port)
            for name, (server_name, path, cookie) in targets.items():
                port = servers[server_name][1]
                status, body = get(port, distinct(path, random.Random()), cookie)
                if status != 200:
                    raise SystemExit(f"{name}: {path} answered {status}")
                load(pool, args.processes, port, path, cookie, args.connections, 1.0)  # warm up both workers
                results[name] = {"ok": 0, "errors": 0, "latencies": [], "body": body}
            turn = args.seconds / args.rounds
            for _ in range(args.rounds):
                for name, (server_name, path, cookie) in targets.items():
                    port = servers[server_name][1]
                    ok, errors, latencies = load(pool, args.processes, port, path, cookie, args.connections, turn)
                    r = results[name]
                    r["ok"], r["errors"] = r["ok"] + ok, r["errors"] + errors
                    r["latencies"].extend(latencies)
        finally:
            for server, _port in servers.values():
                stop(server)
    for r in results.values():
        lat = sorted(r.pop("latencies"))
        r["rps"] = r["ok"] / args.seconds
        r["p50"] = lat[len(lat) // 2] * 1000 if lat else 0
        r["p95"] = lat[int(len(lat) * 0.95)] * 1000 if lat else 0
    return results


GOALS = {"category, not kept": 0.3, "category, not kept, logged in": 0.3, "search": 0.25,
         "search, logged in": 0.25, "search, distinct queries": 0.25, "product, logged in": 0.3,
         "category, kept (page cache)": 0.5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="load time per page, in all")
    parser.add_argument("--rounds", type=int, default=4, help="turns the load time is split into")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--processes", type=int, default=4, help="client processes sharing the connections")
    parser.add_argument("--only", default="", help="comma-separated page kinds: category,search,product,group")
    args = parser.parse_args()
    kinds = set(filter(None, args.only.split(","))) or {"category", "search", "product", "group"}
    with tempfile.TemporaryDirectory(prefix="haat-bench-") as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "MEDIA_ROOT": f"{tmp}/media",
               "SEARCH_INDEX_DIR": f"{tmp}/search-index", "SECRET_KEY": "bench-only", "HOME": tmp}
        env.pop("REDIS_URL", None)  # each server's own memory cache, as `make run` has
        print(f"building {PRODUCTS} products ...", flush=True)
        build_database(env)
        cookie = session_cookie(env)
        paths = {"category": f"/c/{CATEGORY}", "search": f"/search?q={SEARCH}", "product": "/p/bench-product-7",
                 "group": "/sellers/bench-shg-3"}
        targets = {"bare Flask handler": ("bare", "/", None)}
        if "category" in kinds:
            targets["category, kept (page cache)"] = ("kept", paths["category"], None)
        for kind in ("category", "search", "product", "group"):
            if kind in kinds:
                name = kind if kind in ("search", "product", "group") else f"{kind}, not kept"
                targets[name] = ("uncached", paths[kind], None)
                targets[f"{name}, logged in"] = ("uncached", paths[kind], cookie)
        if "search" in kinds:
            targets["search, distinct queries"] = ("uncached", paths["search"] + DISTINCT, None)
        servers = {"bare": "pages:bare_app", "kept": "wsgi:app", "uncached": "pages:storefront(0)"}
        if "category" in kinds:
            targets["category, nothing kept but cards, logged in"] = ("cold", paths["category"], cookie)
            servers["cold"] = "pages:storefront(0, 0)"
        results = measure(servers, targets, env, args)
    bare = results["bare Flask handler"]
    for name, r in results.items():
        body = r["body"].decode()
        cards = body.count('<li class="card">')
        if name.startswith(("category", "search")) and cards != 24:
            raise SystemExit(f"{name} shows {cards} products, not 24")
        if name.endswith("logged in") and 'action="/logout"' not in body:
            raise SystemExit(f"{name}: the page does not show the customer as logged in")
    print(f"\n{args.connections} connections ({args.processes} client processes), {args.seconds:.0f} s per page "
          f"in {args.rounds} turns, gunicorn 2 sync workers, {os.cpu_count()} cores; pages in Hindi; "
          f"category and search pages show 24 cards with photos")
    print(f"{'':46}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'errors':>8}{'KiB':>6}{'ratio':>7}{'goal':>7}")
    for name, r in results.items():
        ratio, goal = r["rps"] / bare["rps"], GOALS.get(name)
        verdict = "" if goal is None else f"{goal:>5.2f} {'met' if ratio >= goal else 'NOT met'}"
        print(f"{name:46}{r['rps']:>8.0f}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['errors']:>8}"
              f"{len(r['body']) / 1024:>6.0f}{ratio:>7.2f}  {verdict}")
    print("Figures are noisy on a shared machine: compare the ratios, measured side by side in this one run.")


if __name__ == "__main__":
    main()
