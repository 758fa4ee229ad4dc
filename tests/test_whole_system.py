"""The whole system on real parts: two gunicorn servers on two free ports, one Celery worker and Celery beat,
sharing PostgreSQL (the test database), Redis (db 7 for cache, rate limits and locks; db 9 for Celery) and an
S3 protocol server (moto). Driven together over HTTP:
- a photo uploaded through one server is served by the other;
- 30 concurrent cash-on-delivery checkouts split across both servers sell exactly the stock there was;
- the same signed Stripe webhook delivered to both servers at once is applied once;
- every queued message is delivered exactly once (beat schedules delivery, the test adds concurrent runs).

Runs in the PostgreSQL pass of `make test` (HAAT_TEST_DATABASE=postgres, TEST_DATABASE_URL), skipped with
the reason otherwise. Bounded: every wait has a deadline, every process is stopped at the end."""

import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.orders.models import Order, OrderLine, OrderStatus
from marketplace.payments.models import PaymentEvent, WebhookEvent

from . import factories
from .e2e import shop as shopping
from .e2e import stripe as fake_stripe

ROOT = Path(__file__).resolve().parent.parent
REDIS_CACHE = os.environ.get("HAAT_TEST_CACHE_REDIS", "redis://127.0.0.1:6379/7")
REDIS_CELERY = os.environ.get("HAAT_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/9")
BUCKET = "haat-system-test"
BUYERS = 30
HOT_STOCK = 10
START_SECONDS = 120
DELIVERY_SECONDS = 120


def _skip_reason() -> str | None:
    if os.environ.get("HAAT_TEST_DATABASE") != "postgres" or not os.environ.get("TEST_DATABASE_URL"):
        return ("whole-system test needs PostgreSQL: it runs in the PostgreSQL pass of `make test` "
                "(HAAT_TEST_DATABASE=postgres with TEST_DATABASE_URL)")
    try:
        import gunicorn  # noqa: F401
        import moto.server  # noqa: F401
        import redis
    except ImportError as exc:
        return f"whole-system test needs gunicorn, moto[server] and redis: {exc}"
    for url in (REDIS_CACHE, REDIS_CELERY):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.exceptions.RedisError as exc:
            return f"whole-system test needs Redis at {url}: {exc}"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    def __init__(self, tmp: Path):
        self.tmp, self.procs = tmp, []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115  (closed in stop())
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((name, proc, log))
        return proc

    def check_alive(self) -> None:
        for name, proc, _log in self.procs:
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}")

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for _name, proc, _log in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for _name, proc, log in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.close()


@pytest.fixture
def system(app, tmp_path):
    import logging

    import redis
    import requests
    from moto.server import ThreadedMotoServer

    from marketplace.media.storage import s3_client

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3.start()
    host, port = s3.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3_client(endpoint, "us-east-1", "testing", "testing").create_bucket(Bucket=BUCKET)
    redis.Redis.from_url(REDIS_CELERY).flushdb()
    tag = f"haat-system-{os.getpid()}"
    ls = fake_stripe.localstripe()
    env = {**os.environ, "DATABASE_URL": os.environ["TEST_DATABASE_URL"], "SECRET_KEY": "test-secret",
           "REDIS_URL": REDIS_CACHE, "CACHE_KEY_PREFIX": f"{tag}:", "CELERY_BROKER_URL": REDIS_CELERY,
           "CELERY_QUEUE": tag, "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "beat-schedule"),
           "MEDIA_STORAGE": f"s3://{BUCKET}/media", "S3_ENDPOINT_URL": endpoint, "S3_REGION": "us-east-1",
           "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing", "SEARCH_BACKEND": "postgres",
           "STRIPE_API_BASE": ls.url, "STRIPE_WEBHOOK_SECRET": fake_stripe.WEBHOOK_SECRET,
           "LOGIN_RATE_LIMIT": "10000 per minute", "PYTHONWARNINGS": "ignore"}
    procs = Processes(tmp_path)
    ports = [_free_port(), _free_port()]
    try:
        for i, p in enumerate(ports):
            procs.start(f"web{i}", [sys.executable, "-m", "gunicorn", "--no-control-socket", "-w", "2",
                                    "--timeout", "60", "-b", f"127.0.0.1:{p}", "wsgi:app"], env)
        celery = [sys.executable, "-m", "celery", "-A", "marketplace.tasks.worker"]
        procs.start("worker", [*celery, "worker", "--concurrency=2", "--loglevel=INFO", "--without-gossip",
                               "--without-mingle", "-n", f"{tag}@localhost"], env)
        procs.start("beat", [*celery, "beat", "--loglevel=INFO"], env)
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        deadline = time.monotonic() + START_SECONDS
        for url in urls:
            while True:
                procs.check_alive()
                try:
                    if requests.get(url + "/robots.txt", timeout=20).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still importing
                    pass
                assert time.monotonic() < deadline, f"{url} did not start in {START_SECONDS} s"
                time.sleep(0.5)
        yield {"urls": urls, "procs": procs, "s3": endpoint, "tag": tag}
    finally:
        procs.stop()
        s3.stop()
        client = redis.Redis.from_url(REDIS_CACHE)
        for key in client.scan_iter(f"{tag}:*"):
            client.delete(key)
        client.close()


def _session(url: str, login_name: str | None = None):
    import requests

    s = requests.Session()
    s.base = url
    if login_name:
        token = _token(s, "/login")
        r = s.post(url + "/login", data={"login": login_name, "password": factories.PASSWORD, "csrf_token": token},
                   allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.text[:500]
    return s


def _token(s, path: str) -> str:
    html = s.get(s.base + path, timeout=30).text
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _checkout(s, address_id: int) -> int:
    html = s.get(s.base + "/checkout?lang=en", timeout=60).text
    fields = {name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)
              for name in ("token", "quoted_total")}
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    r = s.post(s.base + "/checkout", data={**fields, "address_id": address_id, "method": "cod", "csrf_token": token},
               allow_redirects=False, timeout=120)
    return r.status_code


def test_two_servers_a_worker_and_beat_on_shared_postgresql_redis_and_s3(app, ctx, geo, system):
    urls = system["urls"]
    with fake_stripe.using_localstripe(app):
        shop = shopping.build(geo, stock=HOT_STOCK, customer_login="9811000301")

        # -- a photo uploaded through server 0 is served by server 1 (one object store)
        seller = _session(urls[0], shop.members[0].mobile)
        draft = factories.draft_product(shop.sellers[0], shop.products[0].category)
        blob = factories.png_bytes(200, 150, colour=(10, 120, 200))
        r = seller.post(f"{urls[0]}/seller/products/{draft.id}/photos",
                        data={"csrf_token": _token(seller, f"/seller/products/{draft.id}/photos")},
                        files={"photo": ("photo.png", io.BytesIO(blob), "image/png")}, allow_redirects=False,
                        timeout=60)
        assert r.status_code == 302, r.text[:500]
        db.session.expire_all()
        image = db.session.get(Product, draft.id).photos[0].image
        other = _session(urls[1], shop.members[0].mobile)
        page = other.get(f"{urls[1]}/seller/products/{draft.id}/photos", timeout=30).text
        assert f"/media/{image.sha256}-200.webp" in page
        served = other.get(f"{urls[1]}/media/{image.sha256}-200.jpg", timeout=30)
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
        assert served.content[:3] == b"\xff\xd8\xff"

        # -- 30 buyers, 10 in stock, half through each server, all at once
        hot = shop.products[2]
        buyers = []
        for i in range(BUYERS):
            buyer = shopping.quick_user(name=f"Buyer {i}", login=f"98120{i:05d}", locale="en")
            from marketplace.orders import services as orders

            address = orders.save_address(buyer, shopping.ADDRESS)
            shopping.fill(app, buyer, [(hot, 1)])
            buyers.append((_session(urls[i % 2], buyer.mobile), address.id))
        gate = threading.Barrier(BUYERS)

        def checkout(pair):
            gate.wait(timeout=60)
            return _checkout(*pair)

        with ThreadPoolExecutor(BUYERS) as pool:
            statuses = list(pool.map(checkout, buyers))
        system["procs"].check_alive()
        db.session.expire_all()
        sold = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))
                                 .where(OrderLine.product_id == hot.id))
        assert sold == HOT_STOCK, statuses
        assert db.session.get(Product, hot.id).stock == 0
        assert statuses.count(302) == HOT_STOCK and all(code < 500 for code in statuses), statuses

        # -- the same webhook to both servers at once: applied once
        shopping.fill(app, shop.customer, [(shop.products[0], 1)])
        order = shopping.place(app, shop.customer, method="card")
        from marketplace.payments import services as payments

        with app.test_request_context():
            payment = payments.ensure_intent(payments.payment_of(order.id))
        event = fake_stripe.event("evt_system_1", "payment_intent.succeeded",
                                  fake_stripe.intent_object(payment.intent_id, "succeeded", order.total_paise,
                                                            order.number))
        payload, header = fake_stripe.signed(event)
        import requests

        hooks = threading.Barrier(2)

        def deliver(url):
            hooks.wait(timeout=30)
            return requests.post(url + "/payments/stripe/webhook", data=payload, timeout=60,
                                 headers={"Stripe-Signature": header, "Content-Type": "application/json"})

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(deliver, urls))
        assert all(a.status_code in (200, 409) for a in answers), [(a.status_code, a.text) for a in answers]
        db.session.expire_all()
        assert db.session.get(Order, order.id).status == OrderStatus.CONFIRMED
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
        succeeded = db.session.scalar(select(func.count()).select_from(PaymentEvent)
                                      .where(PaymentEvent.payment_id == payment.id,
                                             PaymentEvent.to_state == "succeeded"))
        assert succeeded == 1
        confirmations = db.session.scalar(select(func.count()).select_from(Message)
                                          .where(Message.kind == "order_confirmed",
                                                 Message.user_id == shop.customer.id))

    # -- every queued message delivered exactly once: beat schedules delivery every 30 s; meanwhile the test
    # queues extra delivery runs that race the scheduled ones on the worker's two processes
    from celery import Celery

    client = Celery("haat-system-client", broker=REDIS_CELERY, set_as_current=False)
    client.conf.update(broker_connection_retry_on_startup=True, task_default_queue=system["tag"],
                       task_ignore_result=True)
    queued = db.session.scalar(select(func.count()).select_from(Message))
    assert queued >= 2 * HOT_STOCK  # every order tells its customer and its group
    deadline = time.monotonic() + DELIVERY_SECONDS
    extra = 0
    while True:
        system["procs"].check_alive()
        db.session.expire_all()
        pending = db.session.scalar(select(func.count()).select_from(Message).where(Message.status == "pending"))
        if not pending:
            break
        assert time.monotonic() < deadline, f"{pending} messages still pending after {DELIVERY_SECONDS} s"
        if extra < 4 and "haat.notifications.deliver" in system["procs"].log("beat"):
            client.send_task("haat.notifications.deliver")
            client.send_task("haat.notifications.deliver")
            extra += 2
        time.sleep(1)
    client.close()
    attempts = db.session.execute(select(Message.attempts, func.count()).group_by(Message.attempts)).all()
    twice = db.session.execute(select(Message.id, Message.kind, Message.channel, Message.status, Message.last_error)
                               .where(Message.attempts != 1)).all()
    assert dict(attempts) == {1: queued}, (twice, system["procs"].log("worker")[-4000:])  # each claimed once
    assert confirmations == 1
    assert "haat.notifications.deliver" in system["procs"].log("beat")  # beat did schedule it
