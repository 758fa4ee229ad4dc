"""Background work on Celery: every periodic job as a task, in eager mode (the embedded default) and through a
real worker process on Redis (db 9); a failing task retried, then recorded and shown to the admin."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product
from marketplace.core.outbox import OutboxEntry, record_change
from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import Refund, RefundStatus
from marketplace.tasks.celery_app import BEAT_SCHEDULE
from marketplace.tasks.models import FailedTask

from . import factories
from .conftest import login, post
from .e2e import shop as shopping
from .e2e import stripe as fake_stripe

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("HAAT_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/9")
RABBITMQ = os.environ.get("HAAT_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")
CUSTOMER = "9811000077"
JOBS = sorted(entry["task"] for entry in BEAT_SCHEDULE.values())


def _broker_or_skip(url: str):
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001  (whatever the transport raises: no such service here)
        pytest.skip(f"no broker at {url} for the Celery worker test: {exc}")
    if url.startswith("redis"):
        import redis

        redis.Redis.from_url(url).flushdb()


@pytest.fixture
def stripe(app):
    with fake_stripe.using_localstripe(app) as server:
        yield server


@pytest.fixture
def work(app, geo, stripe):
    """One piece of waiting work for every periodic job: an unpaid card order past its reservation, a paid
    order cancelled while Stripe was unreachable (a pending refund), a queued message, a product change in
    the search outbox; the ledger balances."""
    from datetime import timedelta

    from marketplace.core.types import utcnow
    from marketplace.payments.gateway import Gateway, GatewayError

    shop = shopping.build(geo, stock=5, customer_login=CUSTOMER)
    shopping.fill(app, shop.customer, [(shop.products[0], 1)])
    unpaid = shopping.place(app, shop.customer, method="card")
    db.session.execute(Order.__table__.update().where(Order.id == unpaid.id)
                       .values(reserved_until=utcnow() - timedelta(minutes=16)))
    db.session.commit()

    shopping.fill(app, shop.customer, [(shop.products[1], 1)])
    paid = shopping.place(app, shop.customer, method="card")
    client = app.test_client()
    client.get("/?lang=en")
    login(client, CUSTOMER)
    assert client.get(f"/payments/{paid.number}").status_code == 200
    post(client, f"/payments/{paid.number}/card", {"stripe_token": fake_stripe.card_token("4242424242424242")})
    original = Gateway.refund
    Gateway.refund = lambda *a, **k: (_ for _ in ()).throw(GatewayError("connection refused"))
    try:
        post(client, f"/orders/{paid.number}/cancel")
    finally:
        Gateway.refund = original
    assert db.session.scalars(select(Refund.status)).all() == [RefundStatus.PENDING]

    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.status == "pending"))
    product = db.session.get(Product, shop.products[2].id)
    record_change("product", product.id)
    db.session.commit()
    return unpaid


def _check_done(unpaid) -> None:
    db.session.expire_all()
    assert db.session.get(Order, unpaid.id).status == OrderStatus.EXPIRED
    assert db.session.scalars(select(Refund.status)).all() == [RefundStatus.SUCCEEDED]
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.status == "pending")) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(FailedTask)) == 0


def test_the_beat_schedule_holds_every_periodic_job(app):
    celery = app.extensions["celery"]
    assert sorted(["haat.orders.expire_unpaid", "haat.payments.send_refunds", "haat.notifications.deliver",
                   "haat.search.apply", "haat.settlements.check", "haat.workers.expire", "haat.catalog.alerts",
                   "haat.requisitions.summaries", "haat.officials.rollup"]) == JOBS
    assert all(name in celery.tasks for name in JOBS)
    assert celery.conf.task_always_eager  # no CELERY_BROKER_URL: the embedded default


def test_every_periodic_job_runs_as_a_task_in_eager_mode(app, work):
    from marketplace.tasks import services

    with app.app_context():
        results = services.run_periodic_jobs()
    assert results["haat.orders.expire_unpaid"] == 1
    assert results["haat.payments.send_refunds"] == 1
    assert results["haat.notifications.deliver"] >= 1
    assert results["haat.search.apply"] >= 1
    assert results["haat.settlements.check"] == "ledger balances"
    _check_done(work)
    with app.app_context():  # a second round finds nothing left to do: the jobs are idempotent
        again = services.run_periodic_jobs()
    assert again["haat.orders.expire_unpaid"] == 0 and again["haat.payments.send_refunds"] == 0
    assert again["haat.notifications.deliver"] == 0 and again["haat.search.apply"] == 0


def test_a_failing_task_is_retried_then_recorded_and_listed_for_the_admin(app, client, geo, monkeypatch):
    from marketplace.settlements import services as settlements

    calls = []

    def unbalanced():
        calls.append(1)
        return [4711]

    monkeypatch.setattr(settlements, "unbalanced_transactions", unbalanced)
    celery = app.extensions["celery"]
    result = celery.tasks["haat.settlements.check"].apply()
    assert result.failed()
    assert len(calls) == 4  # the first run and three retries
    rows = db.session.scalars(select(FailedTask)).all()
    assert len(rows) == 1
    assert rows[0].name == "haat.settlements.check" and "4711" in rows[0].error and rows[0].retries == 3

    factories.user(Role.ADMIN, login="9811000078")
    client.get("/?lang=en")
    login(client, "9811000078")
    page = client.get("/admin/tasks/failed?lang=en").get_data(as_text=True)
    assert "haat.settlements.check" in page and "ledger out of balance: transactions [4711]" in page


def test_the_failed_tasks_page_is_for_the_admin_only(app, client, geo):
    assert client.get("/admin/tasks/failed").status_code == 302  # to the login page
    users = [factories.user(role) for role in (Role.CUSTOMER, Role.SELLER, Role.OPERATOR, Role.BUYER)]
    users.append(factories.official(geo["Kahara"], "state"))
    for user in users:
        other = app.test_client()
        login(other, user.mobile)
        assert other.get("/admin/tasks/failed").status_code == 403, user.role


# ---------------------------------------------------------------- a real worker on Redis

@pytest.fixture(params=["redis", "rabbitmq"])
def worker(app, request):
    """`celery worker` as its own process against Redis db 9 (or RabbitMQ) and this test's database, on a queue
    of its own, stopped afterwards."""
    broker = BROKER if request.param == "redis" else RABBITMQ
    _broker_or_skip(broker)
    queue = f"haat-test-{os.getpid()}"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
           "CELERY_BROKER_URL": broker, "REDIS_URL": BROKER, "CELERY_QUEUE": queue,
            "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
           "MEDIA_ROOT": app.config["MEDIA_ROOT"], "STRIPE_API_BASE": app.config.get("STRIPE_API_BASE") or "",
           "STRIPE_WEBHOOK_SECRET": fake_stripe.WEBHOOK_SECRET, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "marketplace.tasks.worker", "worker",
                             "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                             "--without-heartbeat", "-n", f"haat-test-{os.getpid()}@localhost"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    from celery import Celery

    client = Celery("haat-test-client", broker=broker, backend=broker if request.param == "redis" else "rpc://",
                    set_as_current=False)
    client.conf.update(broker_connection_retry_on_startup=True, task_default_queue=queue)
    try:
        yield client
    finally:
        # the test has its answers: a cold shutdown, and a kill if closing RabbitMQ's connection stalls (~10 s)
        proc.send_signal(signal.SIGQUIT)
        try:
            out, _ = proc.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        if request.param == "rabbitmq":
            client.backend.result_consumer.stop()  # the reply queue's connection, which close() leaves open
        client.close()
        if os.environ.get("HAAT_SHOW_WORKER_LOG"):
            print(out.decode(errors="replace"))


def test_every_periodic_job_runs_through_a_real_worker(app, work, worker):
    # In the schedule's order: one solo worker takes them first come, first served, so the messages the expiry
    # and the refund queue are delivered by the delivery task after them.
    results = {entry["task"]: worker.send_task(entry["task"]) for entry in BEAT_SCHEDULE.values()}
    deadline = time.monotonic() + 90
    values = {name: r.get(timeout=max(1, deadline - time.monotonic())) for name, r in results.items()}
    assert values["haat.orders.expire_unpaid"] == 1
    assert values["haat.payments.send_refunds"] == 1
    assert values["haat.notifications.deliver"] >= 1
    assert values["haat.search.apply"] >= 1
    assert values["haat.settlements.check"] == "ledger balances"
    _check_done(work)


def test_a_message_being_sent_is_not_taken_by_a_second_run(app, ctx, geo, monkeypatch):
    """Two delivery runs at once (two worker processes): the second reads the outbox while the first is still
    sending a message it claimed; it must not send that message again."""
    from marketplace.notifications import services as notifications

    shop = shopping.build(geo, stock=5, customer_login=CUSTOMER)
    with app.test_request_context():
        for number in ("HT1", "HT2", "HT3"):
            notifications.notify(notifications.for_user(shop.customer), "order_status", number=number, status="x",
                                 detail="", link="")
        db.session.commit()
    sent, inner = [], []
    real = notifications._deliver

    def deliver(message):
        sent.append(message.id)
        if len(sent) == 1:  # the second run starts while the first is inside its send
            with app.app_context():
                inner.append(notifications.deliver_pending())
        return real(message)

    monkeypatch.setattr(notifications, "_deliver", deliver)
    with app.app_context():
        outer = notifications.deliver_pending()
    assert len(sent) == len(set(sent)) == outer + inner[0] == db.session.query(Message).count() >= 3
    db.session.expire_all()
    assert {m.attempts for m in db.session.scalars(select(Message))} == {1}


def test_with_workers_a_catalogue_change_queues_the_index_update_instead_of_applying_it(app, geo, monkeypatch):
    celery = app.extensions["celery"]
    queued = []
    monkeypatch.setattr(celery, "send_task", lambda name, *a, **k: queued.append(name))
    celery.conf.task_always_eager = False
    try:
        _change_a_listing_as_an_admin(app, geo, queued)
    finally:
        celery.conf.task_always_eager = True


def _change_a_listing_as_an_admin(app, geo, queued):
    org = factories.seller(geo["Kahara"])
    item = factories.make_product(org, factories.make_category())
    db.session.query(OutboxEntry).delete()
    db.session.commit()
    client = app.test_client()
    admin = factories.user(Role.ADMIN)
    login(client, admin.mobile)
    queued.clear()
    response = post(client, f"/moderation/products/{item.id}/remove", {"reason": "Not handmade"})
    response.close()
    assert response.status_code in (302, 303), response.status_code
    assert queued == ["haat.search.apply"]
    assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) >= 1  # left for the worker


def test_one_search_writer_at_a_time_across_machines_through_a_redis_lock(app, geo, monkeypatch):
    _broker_or_skip(BROKER)
    import redis

    from marketplace.tasks.jobs import SEARCH_LOCK

    monkeypatch.setitem(app.config, "REDIS_URL", BROKER)
    org = factories.seller(geo["Kahara"])
    record_change("product", factories.make_product(org, factories.make_category()).id)
    db.session.commit()
    task = app.extensions["celery"].tasks["haat.search.apply"]
    other = redis.Redis.from_url(BROKER)
    held = other.lock(SEARCH_LOCK, timeout=60)
    assert held.acquire(blocking=False)  # another machine is writing
    try:
        assert task.apply().result == 0
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(OutboxEntry))  # left for the holder
    finally:
        held.release()
    assert task.apply().result >= 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) == 0
    assert other.get(SEARCH_LOCK) is None  # let go afterwards
    other.close()


def test_the_embedded_timer_runs_a_job_only_when_its_schedule_says_so(app, monkeypatch):
    """`make run`'s 30-second timer plays beat: the nightly roll-up must not run every round."""
    from marketplace.tasks import services

    monkeypatch.setattr(services, "_last_run", {})
    with app.app_context():
        first = services.run_periodic_jobs(due_only=True)
        second = services.run_periodic_jobs(due_only=True)
    assert sorted(first) == JOBS  # never run before: every job is due
    assert second == {}  # nothing is due again within a second
