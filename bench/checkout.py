"""Checkout throughput: 16 buyers at once on 10 hot products, SQLite and PostgreSQL side by side, with the
oversell count (which must be 0); then what one checkout costs on each. Payment is left out: the orders are cash
on delivery.

    .venv/bin/python bench/checkout.py [--seconds 10] [--buyers 16] [--processes 4] [--stock 2000]
                                       [--cost-orders 200] [--database-url URL]

Each buyer loops: put 1 to 3 of the hot products (1 to 3 units each) in the cart, check out through
orders.services.place_order (the same code as the checkout page: quote, stock reservation, order, parts,
lines, payment record, messages, one commit). The run ends after --seconds or when everything is sold.
PostgreSQL runs when --database-url (or TEST_DATABASE_URL) names an empty database: its tables are dropped
and made again. Afterwards every product's stock is checked against what the orders say was sold. --stock is
large enough (2,000 units of each) that neither database sells out within the default 10 s, so the run
measures checkouts rather than "sold out" answers.

The buyers are spread over --processes Python processes (threads within each), as a site's checkouts are
spread over its web workers. The default, 4, is what docs/deployment.md sizes for 2 cores (2 web workers per
core). With every buyer a thread of one process (--processes 1), the one Python interpreter lock is the
bottleneck and PostgreSQL's sessions mostly wait for their client, whatever the database does.

The second table (--cost-orders, 0 leaves it out) runs that many checkouts one after another with a single
buyer, so nothing waits for anything: the CPU time one order (two cart additions, the checkout page's quote
and place_order) takes in this Python process and, when PostgreSQL runs on this machine, in its server process;
the SQL statements it sends; and how long it holds what others must wait for: SQLite's one write lock (from
the first write of each transaction to the end of its commit) or PostgreSQL's stock row locks (from the first
stock UPDATE to the end of the commit). Everything runs on the same cores, so throughput cannot exceed
cores / (CPU per order), nor, on SQLite, 1 / (write lock per order): the table prints both ceilings, and the
ratio of the CPU ceilings. When both databases are CPU-bound (a small machine running the database, the app and
the buyers on the same cores), PostgreSQL's throughput relative to SQLite's cannot exceed that ratio, whatever
its row locks allow: its client library and server spend more CPU per order than SQLite's in-process calls.
Row locks pay off where the database has cores of its own and the web workers run on other machines, which
SQLite cannot do at all (docs/deployment.md).
"""

import argparse
import contextlib
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, text  # noqa: E402  (after the path is set)
from sqlalchemy.orm import Session  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.cart import services as cart  # noqa: E402
from marketplace.catalog.models import Category, Product  # noqa: E402
from marketplace.catalog.stock import stock_of  # noqa: E402
from marketplace.core.types import utcnow  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.geo.models import Block  # noqa: E402
from marketplace.geo.services import load_geography  # noqa: E402
from marketplace.orders import services as orders  # noqa: E402
from marketplace.orders.errors import StockProblem  # noqa: E402
from marketplace.orders.models import OrderLine  # noqa: E402
from marketplace.sellers.models import Seller, Verification  # noqa: E402

CORES = len(os.sched_getaffinity(0))
ADDRESS = {"name": "Bench Buyer", "mobile": "9811000001", "line1": "B-12, Lajpat Nagar II", "district": "South Delhi",
           "state_code": "DL", "pin_code": "110024"}


@dataclass
class Result:
    seconds: float = 0.0
    placed: int = 0
    sold_out: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    units_sold: int = 0
    stock_total: int = 0
    oversold: int = 0
    mismatched: int = 0
    lock = threading.Lock()


def _seed(app, hot: int, stock: int, buyers: int) -> tuple[list[int], list[tuple[int, int]]]:
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_geography()
        block = db.session.scalar(select(Block).order_by(Block.id))
        category = Category(slug="bench", name_en="Bench", name_hi="बेंच")
        sellers = [Seller(name_en=f"Bench SHG {i}", name_hi=f"बेंच समूह {i}", slug=f"bench-shg-{i}",
                          block_id=block.id, status=Verification.VERIFIED, verified_at=utcnow()) for i in range(2)]
        db.session.add_all([category, *sellers])
        db.session.flush()
        products = [Product(seller_id=sellers[i % 2].id, category_id=category.id, slug=f"hot-{i}",
                            title_en=f"Hot product {i}", title_hi=f"लोकप्रिय सामान {i}", price_paise=15000 + 1000 * i,
                            stock=stock, status="live", published_at=utcnow(), gst_rate_bp=500) for i in range(hot)]
        db.session.add_all(products)
        password = generate_password_hash("bench-password", method="pbkdf2:sha256:1000")
        users = [User(name=f"Buyer {i}", mobile=f"+9198{i:08d}", password_hash=password, locale="hi")
                 for i in range(buyers)]
        db.session.add_all(users)
        db.session.commit()
        people = [(u.id, orders.save_address(u, ADDRESS).id) for u in users]
        return [p.id for p in products], people


def _buyer(app, user_id: int, address_id: int, product_ids: list[int], stop: threading.Event, result: Result,
           seed: int) -> None:
    rng = random.Random(seed)
    with app.test_request_context():
        user = db.session.get(User, user_id)
        misses = 0
        while not stop.is_set() and misses < 5:
            for pid in rng.sample(product_ids, rng.randint(1, 3)):
                with contextlib.suppress(cart.CartError):  # too few left for this line: the others still go
                    cart.add(user, pid, None, rng.randint(1, 3))
            quote = orders.quote_for(user)
            if quote.is_empty:
                misses += 1
                continue
            started = time.perf_counter()
            try:
                orders.place_order(user, address_id=address_id, method="cod", token=orders.new_checkout_token(),
                                   quoted_total=quote.total_paise)
                outcome = "placed"
                misses = 0
            except StockProblem:
                outcome = "sold out"
                misses += 1
                for line in quote.lines:  # empty the cart and try again with what is left
                    cart.remove(user, *line.key)
            except Exception as exc:  # noqa: BLE001  (reported, never hidden)
                outcome = f"{type(exc).__name__}: {exc}"[:200]
                db.session.rollback()
            elapsed = time.perf_counter() - started
            with result.lock:
                if outcome == "placed":
                    result.placed += 1
                    result.latencies.append(elapsed)
                elif outcome == "sold out":
                    result.sold_out += 1
                else:
                    result.errors.append(outcome)
        db.session.remove()


def _audit(app, product_ids: list[int], stock: int, result: Result) -> None:
    """Stock left + units on order lines must equal the stock at the start, for every product."""
    with app.app_context():
        for pid in product_ids:
            sold = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))
                                     .where(OrderLine.product_id == pid))
            left = stock_of(pid)
            result.units_sold += sold
            result.oversold += max(0, sold - stock) + max(0, -left)
            result.mismatched += int(sold + left != stock)
        result.stock_total = stock * len(product_ids)


def _config(url: str, buyers: int) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": buyers + 2, "max_overflow": 0, "pool_timeout": 60},
            "COD_LIMIT_PAISE": 10**9}


def _warm_up(app, user_id: int, address_id: int, product_ids: list[int]) -> None:
    """One checkout before the clock starts, so that each process has built its mappers and compiled its
    statements (a second or more of CPU on a busy machine) before it is measured. Its units count in the
    audit like any other order's."""
    with app.test_request_context():
        user = db.session.get(User, user_id)
        cart.add(user, product_ids[0], None, 1)
        quote = orders.quote_for(user)
        orders.place_order(user, address_id=address_id, method="cod", token=orders.new_checkout_token(),
                           quoted_total=quote.total_paise)
        db.session.remove()


def _process(url: str, people: list, product_ids: list[int], ready, seconds: float, first_seed: int, out) -> None:
    """One process's buyers, as threads, from the moment every process is ready (`ready`, a barrier)."""
    app = create_app(_config(url, len(people)))
    result, stop = Result(), threading.Event()
    threads = [threading.Thread(target=_buyer, args=(app, uid, aid, product_ids, stop, result, first_seed + i))
               for i, (uid, aid) in enumerate(people)]
    _warm_up(app, *people[0], product_ids)
    ready.wait()
    started = time.time()
    deadline = time.perf_counter() + seconds
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) and time.perf_counter() < deadline:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    with app.app_context():
        db.engine.dispose()
    out.put({"placed": result.placed, "sold_out": result.sold_out, "errors": result.errors,
             "latencies": result.latencies, "started": started, "finished": time.time()})


def run(url: str, seconds: float, buyers: int, hot: int, stock: int, processes: int) -> Result:
    app = create_app(_config(url, buyers))
    product_ids, people = _seed(app, hot, stock, buyers)
    with app.app_context():
        db.engine.dispose()
    processes = max(1, min(processes, buyers))
    shares = [people[i::processes] for i in range(processes)]
    ctx = mp.get_context("spawn")
    ready, out = ctx.Barrier(processes), ctx.Queue()
    workers = [ctx.Process(target=_process, args=(url, share, product_ids, ready, seconds, i * 1000, out))
               for i, share in enumerate(shares)]
    for w in workers:
        w.start()
    parts = [out.get() for _ in workers]
    for w in workers:
        w.join()
    result = Result()
    result.seconds = max(p["finished"] for p in parts) - min(p["started"] for p in parts)
    for p in parts:
        result.placed += p["placed"]
        result.sold_out += p["sold_out"]
        result.errors.extend(p["errors"])
        result.latencies.extend(p["latencies"])
    _audit(app, product_ids, stock, result)
    with app.app_context():
        db.engine.dispose()
    return result


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    return f"{statistics.quantiles(values, n=100)[int(q) - 1] * 1000:.1f}" if len(values) > 1 else \
        f"{values[0] * 1000:.1f}"


def _table(results: dict[str, Result]) -> None:
    names = list(results)
    rows = [
        ("run time, s", lambda r: f"{r.seconds:.1f}"),
        ("orders placed", lambda r: str(r.placed)),
        ("orders per second", lambda r: f"{r.placed / r.seconds:.1f}"),
        ("checkout p50, ms", lambda r: _ms(r.latencies, 50)),
        ("checkout p95, ms", lambda r: _ms(r.latencies, 95)),
        ("'sold out' answers", lambda r: str(r.sold_out)),
        ("units sold / stock", lambda r: f"{r.units_sold} / {r.stock_total}"),
        ("oversold units (must be 0)", lambda r: str(r.oversold)),
        ("stock != start - sold", lambda r: str(r.mismatched)),
        ("other errors", lambda r: str(len(r.errors))),
    ]
    print(f"{'':30}" + "".join(f"{n:>14}" for n in names) + ("   PG/SQLite" if len(names) == 2 else ""))
    for label, cell in rows:
        line = f"{label:30}" + "".join(f"{cell(results[n]):>14}" for n in names)
        if len(names) == 2 and label == "orders per second":
            a, b = (results[n].placed / results[n].seconds for n in names)
            line += f"{b / a if a else 0:>12.2f}"
        print(line)
    for name, result in results.items():
        for error in sorted(set(result.errors))[:5]:
            print(f"  {name} error: {error}")


@dataclass
class Cost:
    orders: int = 0
    app_cpu: float = 0.0  # seconds, this process
    server_cpu: float | None = None  # seconds, PostgreSQL's backend processes (None: not readable here)
    statements: int = 0
    held: float = 0.0  # seconds the write lock (SQLite) or the stock row locks (PostgreSQL) were held
    held_by_writer: bool = True  # SQLite's lock is the one writer's: 1 / held bounds orders/s
    wall: float = 0.0


def _backend_cpu() -> float | None:
    """CPU seconds so far of this database's PostgreSQL backends, if they run on this machine."""
    pids = db.session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).all()
    total = 0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    except OSError:
        return None
    finally:
        db.session.rollback()
    return total / os.sysconf("SC_CLK_TCK")


def cost(url: str, hot: int, orders_wanted: int) -> Cost:
    """One buyer, `orders_wanted` checkouts one after another (after a few to warm up): see the docstring."""
    app = create_app(_config(url, 1))
    product_ids, people = _seed(app, hot, 10**8, 1)
    postgres = url.startswith("postgresql")
    result, window = Cost(held_by_writer=not postgres), {"start": None}

    def statement(_conn, _cursor, sql, _params, _context, _many):
        result.statements += 1
        writes = sql.lstrip().startswith(("UPDATE products", "UPDATE product_variants")) if postgres else \
            sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")
        if writes and window["start"] is None:
            window["start"] = time.perf_counter()

    def ended(_session):
        if window["start"] is not None:
            result.held += time.perf_counter() - window["start"]
            window["start"] = None

    rng = random.Random(7)
    with app.test_request_context():
        user = db.session.get(User, people[0][0])

        def checkout():
            for pid in rng.sample(product_ids, rng.randint(1, 3)):
                cart.add(user, pid, None, rng.randint(1, 3))
            quote = orders.quote_for(user)
            orders.place_order(user, address_id=people[0][1], method="cod", token=orders.new_checkout_token(),
                               quoted_total=quote.total_paise)

        for _ in range(10):
            checkout()
        server = _backend_cpu() if postgres else None
        event.listen(db.engine, "before_cursor_execute", statement)
        event.listen(Session, "after_commit", ended)
        event.listen(Session, "after_rollback", ended)
        try:
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(orders_wanted):
                checkout()
            result.app_cpu, result.wall = time.process_time() - cpu, time.perf_counter() - started
        finally:
            event.remove(db.engine, "before_cursor_execute", statement)
            event.remove(Session, "after_commit", ended)
            event.remove(Session, "after_rollback", ended)
        if server is not None:
            now = _backend_cpu()
            result.server_cpu = None if now is None else now - server
        result.orders = orders_wanted
        db.session.remove()
    with app.app_context():
        db.engine.dispose()
    return result


def _per_order(seconds: float | None, c: Cost) -> str:
    return "-" if seconds is None else f"{seconds * 1000 / c.orders:.2f}"


def _cost_table(costs: dict[str, Cost]) -> None:
    per = _per_order
    rows = [
        ("CPU in this process, ms", lambda c: per(c.app_cpu, c)),
        ("CPU in the PostgreSQL server, ms", lambda c: per(c.server_cpu, c)),
        ("SQL statements", lambda c: f"{c.statements / c.orders:.1f}"),
        ("lock held (see above), ms", lambda c: per(c.held, c)),
        ("elapsed, ms", lambda c: per(c.wall, c)),
        # Ceilings from the figures above: no run on these cores can beat them, however the locks are taken.
        (f"orders/s at most, {CORES} cores busy", lambda c: f"{_cpu_ceiling(c):.0f}"),
        ("orders/s at most, one writer", lambda c: "-" if c.held_by_writer is False else f"{c.orders / c.held:.0f}"),
    ]
    print(f"\nPer order, one buyer alone ({next(iter(costs.values())).orders} orders; two cart additions on average, "
          f"the quote, place_order)\n")
    print(f"{'':34}" + "".join(f"{n:>14}" for n in costs))
    for label, cell in rows:
        print(f"{label:34}" + "".join(f"{cell(c):>14}" for c in costs.values()))
    if {"SQLite", "PostgreSQL"} <= costs.keys():
        print(f"\nPostgreSQL/SQLite, most orders/s these {CORES} cores allow: "
              f"{_cpu_ceiling(costs['PostgreSQL']) / _cpu_ceiling(costs['SQLite']):.2f}")


def _cpu_ceiling(c: Cost) -> float:
    """Orders per second if every core did nothing but checkouts: the client's and the server's CPU per order."""
    return CORES * c.orders / (c.app_cpu + (c.server_cpu or 0.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--products", type=int, default=10)
    parser.add_argument("--stock", type=int, default=2000, help="units of each hot product at the start")
    parser.add_argument("--processes", type=int, default=4, help="Python processes the buyers are spread over")
    parser.add_argument("--cost-orders", type=int, default=200, help="checkouts of one buyer for the cost table")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="an empty PostgreSQL database (its tables are dropped and made again)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run(f"sqlite:///{tmp}/bench.sqlite3", args.seconds, args.buyers, args.products,
                                args.stock, args.processes)
    if args.database_url:
        results["PostgreSQL"] = run(args.database_url, args.seconds, args.buyers, args.products, args.stock,
                                    args.processes)
    print(f"\n{args.buyers} buyers in {args.processes} processes, {args.products} hot products x {args.stock} units, "
          f"at most {args.seconds:g} s\n")
    _table(results)
    if args.cost_orders > 0:
        costs = {}
        with tempfile.TemporaryDirectory() as tmp:
            costs["SQLite"] = cost(f"sqlite:///{tmp}/cost.sqlite3", args.products, args.cost_orders)
        if args.database_url:
            costs["PostgreSQL"] = cost(args.database_url, args.products, args.cost_orders)
        _cost_table(costs)
    bad = sum(r.oversold + r.mismatched + len(r.errors) for r in results.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
