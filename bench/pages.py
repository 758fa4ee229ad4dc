"""Requests per second of a category page (24 products) against a bare Flask handler, both served by the
same gunicorn configuration (2 sync workers) on a free loopback port, in one run; prints both and the ratio.
Goal: a ratio of at least 0.5.

    .venv/bin/python bench/pages.py [--seconds 10] [--rounds 5] [--connections 16]

Three servers run side by side: the real app (wsgi:app, whose category pages are kept a few seconds for
logged-out visitors), the real app with that cache off, and the bare handler. The load comes from this
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
PRODUCTS = 200
IN_CATEGORY = 60  # more than a page, so the page shows 24 and a pager

bare_app = Flask(__name__)


@bare_app.get("/")
def bare():
    return "ok"


def storefront(cache_seconds: int):
    """The real app as wsgi.py makes it, with another lifetime for the page cache (0: none)."""
    from marketplace import create_app

    return create_app({"PAGE_CACHE_SECONDS": cache_seconds})


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
    from marketplace import create_app
    from marketplace.catalog.categories import read_rows, upsert
    from marketplace.catalog.models import Category, Product, ProductPhoto
    from marketplace.core.types import utcnow
    from marketplace.extensions import db
    from marketplace.geo.models import Block
    from marketplace.geo.services import load_geography
    from marketplace.media.services import store_image
    from marketplace.sellers.models import Seller

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "MEDIA_ROOT": env["MEDIA_ROOT"],
                      "SECRET_KEY": env["SECRET_KEY"]})
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
        db.session.commit()
        db.engine.dispose()


# ---------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept-Language": "hi-IN,hi;q=0.9"})
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

def _client(port: int, path: str, threads: int, start_at: float, seconds: float) -> tuple:
    """One client process's share: `threads` threads, each one request after another, from `start_at`
    (the same moment for every process) for `seconds`."""
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + seconds
    counts, errors, latencies = [0] * threads, [0] * threads, [[] for _ in range(threads)]

    def loop(n: int) -> None:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                status, _body = get(port, path)
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


def load(pool, processes: int, port: int, path: str, connections: int, seconds: float) -> tuple:
    start_at = time.time() + 0.2
    jobs = [(port, path, connections // processes, start_at, seconds)] * processes
    parts = pool.starmap(_client, jobs)
    return sum(p[0] for p in parts), sum(p[1] for p in parts), [x for p in parts for x in p[2]]


def measure(targets: dict, env: dict, args) -> dict:
    """Every server runs from the start; the load goes to one at a time, in short turns taken in rotation,
    so that whatever else the machine does at some moment weighs on all of them alike."""
    servers, results = {}, {}
    ctx = mp.get_context("spawn")
    with ctx.Pool(args.processes) as pool:
        try:
            for name, (spec, path) in targets.items():
                port = free_port()
                servers[name] = (start(spec, env, port), port, path)
                status, body = get(port, path)
                if status != 200:
                    raise SystemExit(f"{name}: {path} answered {status}")
                load(pool, args.processes, port, path, args.connections, 1.0)  # warm up both workers
                results[name] = {"ok": 0, "errors": 0, "latencies": [], "body": body}
            turn = args.seconds / args.rounds
            for _ in range(args.rounds):
                for name, (_server, port, path) in servers.items():
                    ok, errors, latencies = load(pool, args.processes, port, path, args.connections, turn)
                    r = results[name]
                    r["ok"], r["errors"] = r["ok"] + ok, r["errors"] + errors
                    r["latencies"].extend(latencies)
        finally:
            for server, _port, _path in servers.values():
                stop(server)
    for r in results.values():
        lat = sorted(r.pop("latencies"))
        r["rps"] = r["ok"] / args.seconds
        r["p50"] = lat[len(lat) // 2] * 1000 if lat else 0
        r["p95"] = lat[int(len(lat) * 0.95)] * 1000 if lat else 0
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per server, in all")
    parser.add_argument("--rounds", type=int, default=5, help="turns the load time is split into")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--processes", type=int, default=4, help="client processes sharing the connections")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="haat-bench-") as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "MEDIA_ROOT": f"{tmp}/media",
               "SECRET_KEY": "bench-only", "HOME": tmp}
        print(f"building {PRODUCTS} products ...", flush=True)
        build_database(env)
        path = f"/c/{CATEGORY}"
        results = measure({"category page, logged out (kept)": ("wsgi:app", path),
                           "category page, not kept": ("pages:storefront(0)", path),
                           "bare Flask handler": ("pages:bare_app", "/")}, env, args)
    page, uncached, bare = results.values()
    cards = page["body"].decode().count('<li class="card">')
    if cards != 24:
        raise SystemExit(f"{path} shows {cards} products, not 24")
    print(f"\n{args.connections} connections ({args.processes} client processes), {args.seconds:.0f} s per server "
          f"in {args.rounds} turns, gunicorn 2 sync workers, {os.cpu_count()} cores; {path}, "
          f"{len(page['body']) / 1024:.0f} KiB, {cards} cards with photos")
    print(f"{'':36}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'errors':>8}{'ratio':>7}")
    for name, r in results.items():
        print(f"{name:36}{r['rps']:>8.0f}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['errors']:>8}"
              f"{r['rps'] / bare['rps']:>7.2f}")
    ratio = page["rps"] / bare["rps"]
    print(f"ratio page / bare: {ratio:.2f} (goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'}); "
          f"without the page cache: {uncached['rps'] / bare['rps']:.2f}")


if __name__ == "__main__":
    main()
