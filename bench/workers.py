"""Workers' directory: search time and booking contention, SQLite and PostgreSQL side by side.

    .venv/bin/python bench/workers.py [--workers 2000] [--households 16] [--database-url URL]

Loads the demo geography and categories, then `--workers` workers spread over every block with PIN codes
(bulk), and times `find_workers` for typical queries (`nal mistri`, `प्लंबर`, `plumbr`, a category with a PIN
code and a date). Then `--households` threads each ask for the same few slots of one worker at once; exactly
one booking per slot must win (the rest get 409) — the figure printed is the number of double bookings, which
must be 0. PostgreSQL runs when --database-url (or TEST_DATABASE_URL) names a database whose tables may be
dropped. Figures are noisy on a shared machine; compare within one run.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.core.types import utcnow  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.geo.services import load_geography  # noqa: E402
from marketplace.workers import services  # noqa: E402
from marketplace.workers.models import Booking, WorkCategory, WorkerArea, WorkerCategory, WorkerProfile  # noqa: E402
from marketplace.workers.places import block_of_pin, pin_table  # noqa: E402

QUERIES = ["nal mistri", "प्लंबर", "plumbr", "bijli mistri", "darzi"]


def _load(n: int) -> None:
    load_geography()
    services.seed_categories()
    cats = list(db.session.scalars(select(WorkCategory.id)))
    places = [block_of_pin(pin) for pin in sorted(pin_table())]
    now = utcnow()
    rows = [{"name": f"Worker {i}", "contact_mobile": f"+9172{i:08d}", "block_id": places[i % len(places)][1],
             "weekdays": "0123456" if i % 3 else "012345", "created_at": now, "updated_at": now,
             "rating_sum": i % 50, "rating_count": i % 10, "jobs_done": i % 10} for i in range(n)]
    ids = db.session.scalars(insert(WorkerProfile).returning(WorkerProfile.id, sort_by_parameter_order=True),
                             rows).all()
    db.session.execute(insert(WorkerCategory), [{"worker_id": w, "category_id": cats[i % len(cats)]}
                                                for i, w in enumerate(ids)])
    db.session.execute(insert(WorkerArea), [{"worker_id": w, "block_id": places[i % len(places)][1],
                                             "pin_code": places[i % len(places)][0]} for i, w in enumerate(ids)])
    hh = [{"name": f"Household {i}", "mobile": f"+9173{i:08d}", "password_hash": "x", "role": "customer",
           "created_at": now, "updated_at": now} for i in range(64)]
    db.session.execute(insert(User), hh)
    db.session.commit()


def _search_ms(repeat: int = 20) -> dict[str, float]:
    day = services.today_in_india() + timedelta(days=3)
    cases = {q: services.WorkerSearch(q=q) for q in QUERIES}
    cases["plumber + PIN + date"] = services.WorkerSearch(q="plumber", pin="177033", on_date=day)
    out = {}
    for name, search in cases.items():
        services.find_workers(search)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            services.find_workers(search)
            times.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
        out[name] = statistics.median(times)
    return out


def _race(app, households: int, slots: int = 3) -> tuple[int, int, float]:
    """`households` threads ask for the same `slots` (worker, date, slot) at once; returns (won, refused, s)."""
    with app.app_context():
        pin, block_id = block_of_pin("177033")
        worker = db.session.scalar(select(WorkerProfile).where(WorkerProfile.block_id == block_id))
        hh = list(db.session.scalars(select(User.id).where(User.mobile.like("+9173%")).limit(households)))
        worker_id = worker.id
    days = [services.today_in_india() + timedelta(days=7 + i) for i in range(slots)]
    barrier = threading.Barrier(households)
    won, refused = [], []

    def run(household_id):
        with app.app_context():
            household = db.session.get(User, household_id)
            barrier.wait()
            for day in days:
                try:
                    services.request_booking(household, services.BookingRequest(
                        worker_id=worker_id, category_id=None, work_date=day, slot="morning",
                        address="House 1, Nadaun", pin_code=pin, description="Bench"))
                    won.append(day)
                except services.WorkerError:
                    refused.append(day)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(h,)) for h in hh]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    with app.app_context():
        per_slot = db.session.execute(select(Booking.work_date, func.count()).where(Booking.worker_id == worker_id)
                                      .group_by(Booking.work_date)).all()
        assert all(n == 1 for _d, n in per_slot), per_slot
    return len(won), len(refused), elapsed


def run(url: str, label: str, workers: int, households: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": households + 4, "pool_pre_ping": True}})
    with app.app_context():
        db.drop_all()
        db.create_all()
        t = time.perf_counter()
        _load(workers)
        load_s = time.perf_counter() - t
        ms = _search_ms()
    won, refused, race_s = _race(app, households)
    print(f"== {label}: {workers} workers loaded in {load_s:.1f} s")
    for name, value in ms.items():
        print(f"   search {name!r}: {value:.1f} ms (median of 20)")
    print(f"   {households} households racing for 3 slots: {won} booked, {refused} refused, "
          f"{won - 3} double bookings, {race_s:.2f} s")
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2000)
    parser.add_argument("--households", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", args.workers, args.households)
    if args.database_url:
        run(args.database_url, "PostgreSQL", args.workers, args.households)


if __name__ == "__main__":
    main()
