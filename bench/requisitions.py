"""A requisition at scale: 1,000 groups, 30 days of reports, 500 delivery points.

    .venv/bin/python bench/requisitions.py [--groups 1000] [--days 30] [--points 500] [--requests 40]
                                           [--database-url URL]

Prints, side by side for 100 and for --groups groups: the progress page's p50/p95 (the buyer's view, through the
Flask test client with a logged-in session, so templates, access checks and SQL are all included), the SQL
statements it runs (must not grow with the number of groups), the chart's p95, and the time to propose a split
across all groups. Goals on this machine: progress page <= 200 ms, proposal <= 1 s. SQLite in a temporary file by
default; PostgreSQL when --database-url names an empty database (its tables are dropped and made again). Figures
are noisy on a shared machine.
"""

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.accounts import services as accounts  # noqa: E402
from marketplace.catalog.models import Category, Product  # noqa: E402
from marketplace.core.types import utcnow  # noqa: E402
from marketplace.demo.requisitions import day_rows  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.geo.models import Block, District  # noqa: E402
from marketplace.geo.services import load_geography  # noqa: E402
from marketplace.institutions import services as institutions  # noqa: E402
from marketplace.requisitions import services as requisitions  # noqa: E402
from marketplace.requisitions.models import (  # noqa: E402
    Allocation,
    DailyReport,
    Requisition,
    RequisitionDay,
    RequisitionPoint,
)
from marketplace.sellers.models import Seller  # noqa: E402

PASSWORD = "bench password 1"


def build(n_groups: int, days: int, n_points: int, tag: str) -> tuple[int, str]:
    """A running requisition with `n_groups` allocations and `days` of reports; returns (id, buyer login)."""
    now = utcnow()
    district = db.session.scalar(select(District).where(District.name_en == "Saharsa"))
    blocks = list(db.session.scalars(select(Block).where(Block.district_id == district.id)))
    category = Category(slug=f"bench-masks-{tag}", name_en="Masks", name_hi="मास्क", position=0)
    db.session.add(category)
    db.session.flush()
    db.session.execute(insert(Seller), [
        {"kind": "shg", "name_en": f"Bench SHG {tag}-{i}", "name_hi": f"समूह {tag}-{i}", "slug": f"b-{tag}-{i}",
         "block_id": blocks[i % len(blocks)].id, "federation_level": "clf",
         "federation_name": f"{blocks[i % len(blocks)].name_en} CLF", "status": "verified", "verified_at": now,
         "created_at": now, "updated_at": now} for i in range(n_groups)])
    sellers = list(db.session.execute(select(Seller.id, Seller.block_id).where(Seller.slug.like(f"b-{tag}-%"))))
    rng = random.Random(tag)
    db.session.execute(insert(Product), [
        {"seller_id": sid, "category_id": category.id, "slug": f"bp-{tag}-{sid}", "title_en": "Mask",
         "price_paise": 1500, "stock": 0, "lead_time_days": 7, "weekly_capacity": rng.randrange(320, 500, 10),
         "status": "live", "published_at": now, "unit": "piece", "pack_size": 1, "min_order_qty": 1,
         "gst_rate_bp": 0, "created_at": now, "updated_at": now} for sid, _ in sellers])
    buyer_login = f"bench-buyer-{tag}@haat.example"
    buyer = accounts.create_user("Bench buyer", buyer_login, PASSWORD, "buyer")
    inst = institutions.create_institution(buyer, name=f"Bench institution {tag}", kind="government",
                                           district_id=district.id, billing_address="Collectorate, Saharsa 852201")
    institutions.approve(inst.id, None)
    quantity = n_groups * 900
    started = requisitions.today_ist() - timedelta(days=days)
    req = Requisition(institution_id=inst.id, title=f"Bench masks {tag}", category_id=category.id, quantity=quantity,
                      unallocated=0, price_paise=1500, deadline=started + timedelta(days=days + 20),
                      district_id=district.id, status="in_production", version=3, started_on=started)
    db.session.add(req)
    db.session.flush()
    base = quantity // n_points
    db.session.execute(insert(RequisitionPoint), [
        {"requisition_id": req.id, "name": f"Panchayat {i}", "block_id": blocks[i % len(blocks)].id,
         "quantity": base + (quantity - base * n_points if i == 0 else 0), "received": 0, "shortfall": 0}
        for i in range(n_points)])
    db.session.execute(insert(Allocation), [
        {"requisition_id": req.id, "seller_id": sid, "block_id": bid, "quantity": 900, "committed": 900,
         "status": "accepted", "made": 0, "passed": 0, "accepted": 0, "rejected": 0, "delivered": 0,
         "price_paise": 1500} for sid, bid in sellers])
    allocs = list(db.session.execute(select(Allocation.id, Allocation.seller_id, Allocation.block_id)
                                     .where(Allocation.requisition_id == req.id)))
    reports, made = [], {}
    for aid, sid, bid in allocs:
        pace = rng.choice([10, 25, 30, 30, 32])
        made[aid] = pace * days
        reports += [{"requisition_id": req.id, "allocation_id": aid, "seller_id": sid, "block_id": bid,
                     "day": started + timedelta(days=d), "made": pace, "passed": pace, "current": True, "at": now}
                    for d in range(days)]
    for i in range(0, len(reports), 20000):
        db.session.execute(insert(DailyReport), reports[i:i + 20000])
    db.session.execute(insert(RequisitionDay), day_rows(req.id, reports))
    from sqlalchemy import bindparam, update

    db.session.execute(update(Allocation.__table__).where(Allocation.__table__.c.id == bindparam("aid"))
                       .values(made=bindparam("m"), passed=bindparam("m")),
                       [{"aid": aid, "m": m} for aid, m in made.items()])
    db.session.commit()
    return req.id, buyer_login


def measure(app, req_id: int, login_name: str, n: int) -> dict:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    client.post("/login", data={"login": login_name, "password": PASSWORD, "csrf_token": token})
    url = f"/requisitions/{req_id}"
    assert client.get(url).status_code == 200
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        client.get(url)
        event.remove(db.engine, "before_cursor_execute", count)
    page, chart = [], []
    for _ in range(n):
        t = time.perf_counter()
        assert client.get(url).status_code == 200
        page.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert client.get(f"{url}/chart.svg").status_code == 200
        chart.append(time.perf_counter() - t)
    with app.app_context():
        req = db.session.get(Requisition, req_id)
        t = time.perf_counter()
        proposal = requisitions.propose(req)
        propose_s = time.perf_counter() - t
        assert sum(p.share for p in proposal) == req.quantity
    q = statistics.quantiles
    return {"p50": statistics.median(page) * 1000, "p95": q(page, n=20)[18] * 1000,
            "chart_p95": q(chart, n=20)[18] * 1000, "statements": len(statements), "propose": propose_s * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--points", type=int, default=500)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="haat-bench-req-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MEDIA_ROOT": f"{tmp}/media",
                      "SEARCH_INDEX_DIR": f"{tmp}/index", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "LOGIN_RATE_LIMIT": "1000 per minute", "WTF_CSRF_ENABLED": True, "PAGE_CACHE_SECONDS": 0})
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_geography()
        t = time.perf_counter()
        small = build(100, args.days, min(args.points, 100), "small")
        big = build(args.groups, args.days, args.points, "big")
        built = time.perf_counter() - t
    print(f"database: {url.split('://')[0]}; built in {built:.1f} s "
          f"({args.groups} groups x {args.days} days = {args.groups * args.days} reports, {args.points} points)")
    rows = [("100 groups", measure(app, *small, args.requests)),
            (f"{args.groups} groups", measure(app, *big, args.requests))]
    print(f"{'':>12} {'page p50':>9} {'page p95':>9} {'chart p95':>10} {'statements':>11} {'proposal':>9}")
    for name, r in rows:
        print(f"{name:>12} {r['p50']:>7.1f}ms {r['p95']:>7.1f}ms {r['chart_p95']:>8.1f}ms {r['statements']:>11} "
              f"{r['propose']:>7.1f}ms")
    big_r = rows[1][1]
    print(f"goals: progress page p95 <= 200 ms: {'met' if big_r['p95'] <= 200 else 'NOT met'}; "
          f"proposal <= 1000 ms: {'met' if big_r['propose'] <= 1000 else 'NOT met'}; statements constant: "
          f"{'yes' if rows[0][1]['statements'] == big_r['statements'] else 'NO'}")
    if os.environ.get("KEEP") is None and args.database_url is None:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
