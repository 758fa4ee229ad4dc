"""Officials' dashboards at state scale: 5,000 groups in 20 districts (200 blocks) and 200,000 orders over a
year, on PostgreSQL. Prints the state dashboard's p50/p95 (full page through the test client: SQL, charts,
template) and its SQL statements per page, for the whole financial year and for this month, and the same for
a district and for a block, so the ratio state/block shows the page does not grow with the number of units.

    .venv/bin/python bench/dashboards.py [--database-url URL] [--requests 30]

The database named by --database-url (or TEST_DATABASE_URL) is emptied: its tables are dropped and made again.
The data is written with INSERT … SELECT over generate_series (a few seconds), not through the services.
The roll-up (`flask officials rollup`) is rebuilt once after loading, as the nightly job would, and its time
printed. Figures are noisy on a shared machine; compare them within one run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select, text  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import Role, User  # noqa: E402
from marketplace.extensions import cache, db  # noqa: E402
from marketplace.officials.periods import fy_of, today_ist  # noqa: E402
from marketplace.officials.rollup import rebuild  # noqa: E402

GROUPS, DISTRICTS, BLOCKS_PER_DISTRICT, ORDERS = 5_000, 20, 10, 200_000
PASSWORD = "bench-password-1"

SEED = """
INSERT INTO states (id, code, name_en, name_hi) VALUES (1, 'BX', 'Bench State', 'बेंच राज्य');
INSERT INTO districts (id, state_id, name_en, name_hi)
  SELECT d, 1, 'District ' || d, 'ज़िला ' || d FROM generate_series(1, :districts) d;
INSERT INTO blocks (id, district_id, name_en, name_hi)
  SELECT b, 1 + (b - 1) / :bpd, 'Block ' || b, 'प्रखंड ' || b FROM generate_series(1, :districts * :bpd) b;
INSERT INTO villages (id, block_id, name_en, name_hi)
  SELECT b, b, 'Village ' || b, 'गाँव ' || b FROM generate_series(1, :districts * :bpd) b;
INSERT INTO categories (id, slug, name_en, name_hi, position) VALUES (1, 'crafts', 'Crafts', 'हस्तशिल्प', 1);
INSERT INTO odop_items (district_id, category_id, name_en, name_hi)
  SELECT d, 1, 'ODOP item ' || d, 'ओडीओपी ' || d FROM generate_series(1, :districts) d;
INSERT INTO users (id, name, mobile, password_hash, role, is_active_account, created_at, updated_at)
  SELECT 1000 + u, 'Customer ' || u, '+9188' || lpad(u::text, 8, '0'), 'x', 'customer', true, now(), now()
  FROM generate_series(1, 1000) u;
INSERT INTO sellers (id, kind, name_en, name_hi, slug, block_id, status, verified_at, created_at, updated_at)
  SELECT s, 'shg', 'Group ' || s, 'समूह ' || s, 'group-' || s, 1 + (s - 1) % (:districts * :bpd),
         CASE WHEN s % 10 = 0 THEN 'pending' ELSE 'verified' END,
         CASE WHEN s % 10 = 0 THEN NULL ELSE :start + (s % 330) * interval '1 day' + interval '2 days' END,
         :start + (s % 330) * interval '1 day', now()
  FROM generate_series(1, :groups) s;
INSERT INTO products (id, seller_id, category_id, slug, title_en, price_paise, unit, pack_size, min_order_qty,
                      stock, gst_rate_bp, status, published_at, created_at, updated_at)
  SELECT p, 1 + (p - 1) / 2, 1, 'product-' || p, 'Product ' || p, 10000 + (p % 50) * 1000, 'piece', 1, 1, 50, 0,
         CASE WHEN p % 7 = 0 THEN 'paused' ELSE 'live' END,
         :start + ((1 + (p - 1) / 2) % 330) * interval '1 day' + interval '5 days', now(), now()
  FROM generate_series(1, :groups * 2) p;
INSERT INTO orders (id, number, customer_id, checkout_token, status, payment_method, items_paise, delivery_paise,
                    gst_paise, total_paise, ship_name, ship_mobile, ship_line1, ship_district, ship_state_code,
                    ship_pin_code, created_at, updated_at)
  SELECT o, 'B' || o, 1001 + o % 1000, 'tok' || o, 'confirmed', 'cod', 20000, 0, 0, 20000, 'Buyer', '+919811000001',
         'Street', 'Patna', 'BR', '800001', :start + (o::float / :orders) * interval '365 days', now()
  FROM generate_series(1, :orders) o;
INSERT INTO seller_orders (id, order_id, seller_id, number, status, items_paise, delivery_paise, gst_paise,
                           total_paise, created_at, updated_at)
  SELECT o, o, 1 + (o * 7919) % :groups, 'B' || o || '-1',
         CASE WHEN o % 20 = 0 THEN 'cancelled' WHEN o % 20 = 1 THEN 'placed' ELSE 'delivered' END,
         20000, 0, 0, 20000, created_at, now()
  FROM (SELECT id AS o, created_at FROM orders) x;
INSERT INTO order_lines (seller_order_id, product_id, title_en, unit_price_paise, gst_rate_bp, quantity,
                         total_paise, gst_paise)
  SELECT so.id, so.seller_id * 2 - k, 'Product', 10000, 0, 1, 10000, 0
  FROM seller_orders so CROSS JOIN generate_series(0, 1) k;
INSERT INTO packaging_houses (id, name_en, block_id, address_line, district, state_code, pin_code, active,
                              created_at, updated_at)
  SELECT d, 'House ' || d, (d - 1) * :bpd + 1, 'Block office', 'District ' || d, 'BX', '800001', true, now(), now()
  FROM generate_series(1, :districts) d;
INSERT INTO shipments (id, number, order_id, house_id, status, status_at, cod_due_paise, created_at, updated_at)
  SELECT so.id, 'S' || so.id, so.order_id, 1 + (b.district_id - 1), 'delivered', so.created_at, 0, so.created_at,
         so.created_at
  FROM seller_orders so JOIN sellers s ON s.id = so.seller_id JOIN blocks b ON b.id = s.block_id
  WHERE so.status = 'delivered';
INSERT INTO handovers (seller_order_id, house_id, shipment_id, status, status_at, given_back_paise, created_at,
                       updated_at)
  SELECT id, house_id, id, 'checked', status_at, 0, created_at, created_at FROM shipments;
INSERT INTO fulfilment_events (shipment_id, from_state, to_state, at)
  SELECT id, 'packed', 'dispatched', created_at + (6 + id % 60) * interval '1 hour' FROM shipments;
INSERT INTO parcels (number, shipment_id, house_id, status, status_at, weight_g, length_cm, width_cm, height_cm,
                     created_at, updated_at)
  SELECT 'P' || id, id, house_id, 'delivered', status_at, 500, 10, 10, 10, created_at, created_at FROM shipments;
"""


def build(app) -> None:
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        db.create_all()
        start = time.perf_counter()
        params = {"districts": DISTRICTS, "bpd": BLOCKS_PER_DISTRICT, "groups": GROUPS, "orders": ORDERS}
        from datetime import UTC, datetime, timedelta

        params["start"] = datetime.now(UTC) - timedelta(days=365)
        for statement in SEED.split(";\n"):
            if statement.strip():
                db.session.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
        for table in ("users", "sellers", "products", "orders", "seller_orders", "shipments", "states", "districts",
                      "blocks", "villages", "categories", "packaging_houses"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        run = rebuild()
        print(f"nightly roll-up (flask officials rollup): {run.seconds:.1f} s")
        admin = User(name="Bench admin", email="admin@bench.example", role=Role.ADMIN)
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
        print(f"data: {GROUPS:,} groups, {DISTRICTS} districts, {DISTRICTS * BLOCKS_PER_DISTRICT} blocks, "
              f"{ORDERS:,} orders over a year; written in {time.perf_counter() - start:.1f} s")


def measure(app, client, url: str, requests: int) -> tuple[float, float, float, float, int]:
    """(first-view p50, p95, repeat-view p50, p95, statements of a first view). A first view is a request
    whose roll-up figures are not in the cache (the cache is cleared before it): the first official to open
    that page after the nightly roll-up. A repeat view reads them from the cache."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    client.get(url)
    with app.app_context():
        engine = db.engine
    first, repeat = [], []
    for i in range(requests):
        with app.app_context():
            cache.clear()
        if i == 0:
            event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(url)
        first.append((time.perf_counter() - started) * 1000)
        if i == 0:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (url, response.status_code)
        started = time.perf_counter()
        client.get(url)
        repeat.append((time.perf_counter() - started) * 1000)
    return (*_p50_p95(first), *_p50_p95(repeat), len(statements))


def _p50_p95(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        sys.exit("give a PostgreSQL database: --database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "PAGE_CACHE_SECONDS": 0,
                      "LOGIN_RATE_LIMIT": "10000 per minute"})
    build(app)
    client = app.test_client()
    client.post("/login", data={"login": "admin@bench.example", "password": PASSWORD})
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "admin@bench.example"))
    fy = fy_of(today_ist())
    pages = [("who-makes-what form (baseline)", "/officials/makers"),
             ("state, financial year", f"/officials/dashboard/state/1?period=fy&fy={fy}"),
             ("state, this month", "/officials/dashboard/state/1"),
             ("district, financial year", f"/officials/dashboard/district/1?period=fy&fy={fy}"),
             ("block, financial year", f"/officials/dashboard/block/1?period=fy&fy={fy}"),
             ("state targets, financial year", f"/officials/targets/state/1?fy={fy}"),
             ("state export units.xlsx", f"/officials/dashboard/state/1/units.xlsx?period=fy&fy={fy}")]
    print(f"{'page':32} {'first view ms':>15} {'repeat view ms':>15} {'statements':>11} {'first p50 /':>12}")
    print(f"{'':32} {'p50':>7} {'p95':>7} {'p50':>7} {'p95':>7} {'(first view)':>11} {'baseline':>12}")
    baseline = None
    for name, url in pages:
        p50, p95, r50, r95, n = measure(app, client, url, args.requests)
        baseline = baseline or p50
        print(f"{name:32} {p50:7.0f} {p95:7.0f} {r50:7.0f} {r95:7.0f} {n:11d} {p50 / baseline:12.1f}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("goal: state dashboard p95 <= 300 ms; statements the same for state, district and block")


if __name__ == "__main__":
    main()
