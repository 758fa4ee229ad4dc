"""SMS and WhatsApp really delivered (issue 9 #10): the DLT SMS gateway and WhatsApp Cloud API backends
against a local fake provider (a thread on 127.0.0.1, port 0) that checks method, path, auth header and body;
retries with exponential backoff; a dead letter after NOTIFY_MAX_ATTEMPTS or a refusal; the admin page and
its retry action; the log backend while nothing is configured."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func, select, update

from marketplace.accounts.models import Role
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Delivery, Message, MessageEvent

from . import factories
from .conftest import login, post
from .e2e import shop as shopping

SMS_KEY, WA_TOKEN, PHONE_ID = "A1b2C3-sms-key", "EAAG-wa-token", "104729"


class FakeProvider:
    """Records every request; answers with the next scripted (status, json) or 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                provider.requests.append({"method": "POST", "path": self.path, "body": body,
                                          "headers": self.headers})  # looked up case-insensitively
                status, answer = provider.script.pop(0) if provider.script else (200, provider.ok())
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def ok(self) -> dict:
        n = len(self.requests) - 1  # this request is already recorded
        return {"messages": [{"id": f"wamid.{n}"}], "id": f"sms-{n}", "data": [{"message_id": f"sms-{n}"}]}


@pytest.fixture
def provider(app):
    fake = FakeProvider()
    fake.thread.start()
    settings = {"SMS_API_URL": f"{fake.url}/v1/HXIN123/messages", "SMS_API_KEY": SMS_KEY, "SMS_SENDER": "HAATIN",
                "SMS_DLT_ENTITY_ID": "1101456780000012345",
                "SMS_DLT_TEMPLATES": "order_status=1107161234567890123, login_code=1107169999999999999",
                "WHATSAPP_API_URL": f"{fake.url}/v21.0", "WHATSAPP_TOKEN": WA_TOKEN,
                "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
                "WHATSAPP_TEMPLATES": "new_order=haat_new_order:seller|number|total|link",
                "WHATSAPP_DEFAULT_TEMPLATE": "haat_update", "NOTIFY_MAX_ATTEMPTS": 3}
    old = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield fake
    app.config.update(old)
    fake.server.shutdown()
    fake.thread.join(timeout=5)
    fake.server.server_close()


def _sms(app, user, kind="order_status"):
    with app.test_request_context("/?lang=en"):
        notifications.notify(notifications.for_user(user), kind, number="HT261126-ABCDE", status="ready",
                             detail="", link="http://haat.test/orders/HT261126-ABCDE")
        db.session.commit()


def _whatsapp(app, mobile="+919811000002", locale="hi"):
    with app.test_request_context("/"):
        recipient = notifications.Recipient("Sita Devi", locale, (("whatsapp", mobile),))
        notifications.notify(recipient, "new_order", number="HT261126-ABCDE", seller="Kosi Mithila SHG", units=3,
                             total="₹720", link="http://haat.test/seller/orders/1")
        db.session.commit()


def _message() -> Message:
    db.session.expire_all()
    return db.session.scalar(select(Message).order_by(Message.id.desc()))


def test_sms_goes_to_the_dlt_gateway_with_its_template_id(app, ctx, provider):
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="hi")
    _sms(app, user)
    assert notifications.deliver_pending() == 1
    [request] = provider.requests
    assert request["method"] == "POST" and request["path"] == "/v1/HXIN123/messages"
    assert request["headers"]["api-key"] == SMS_KEY
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
    message = _message()
    assert form == {"to": "919811000001", "sender": "HAATIN", "body": message.body, "type": "TXN",
                    "template_id": "1107161234567890123", "entity_id": "1101456780000012345", "unicode": "1",
                    "ref": f"haat-{message.id}"}
    assert "HT261126-ABCDE" in form["body"] and "नमस्ते" in form["body"]  # Hindi, so unicode=1
    assert (message.status, message.backend, message.provider_id, message.attempts) == \
        (Delivery.SENT, "sms-dlt", "sms-0", 1)
    assert notifications.deliver_pending() == 0 and len(provider.requests) == 1  # once


def test_whatsapp_sends_an_approved_template_with_its_values_in_order(app, ctx, provider):
    _whatsapp(app)
    assert notifications.deliver_pending() == 1
    [request] = provider.requests
    assert request["path"] == f"/v21.0/{PHONE_ID}/messages"
    assert request["headers"]["Authorization"] == f"Bearer {WA_TOKEN}"
    assert request["headers"]["Content-Type"] == "application/json"
    values = ["Kosi Mithila SHG", "HT261126-ABCDE", "₹720", "http://haat.test/seller/orders/1"]
    assert json.loads(request["body"]) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "919811000002", "type": "template",
        "template": {"name": "haat_new_order", "language": {"code": "hi"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}]}}
    assert (_message().status, _message().provider_id) == (Delivery.SENT, "wamid.0")


def test_kinds_without_their_own_whatsapp_template_use_the_default_one(app, ctx, provider):
    with app.test_request_context("/"):
        recipient = notifications.Recipient("Rekha", "en", (("whatsapp", "+919811000003"),))
        notifications.notify(recipient, "part_cancelled", number="HT261126-ABCDE", seller="Saharsa Bamboo",
                             link="http://haat.test/x")
        db.session.commit()
    notifications.deliver_pending()
    body = json.loads(provider.requests[0]["body"])
    assert body["template"]["name"] == "haat_update" and body["template"]["language"] == {"code": "en"}
    assert body["template"]["components"][0]["parameters"] == [{"type": "text", "text": _message().body}]


def test_failures_are_retried_with_exponential_backoff_then_dead(app, ctx, provider):
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    _sms(app, user)
    provider.script = [(503, {"error": "busy"}), (500, {"error": "oops"}), (502, {"error": "bad gateway"})]
    waits = []
    for attempt in (1, 2, 3):
        before = utcnow()
        assert notifications.deliver_pending() == 0
        message = _message()
        assert message.attempts == attempt and message.last_error.startswith("HTTP 50")
        if attempt < 3:
            assert message.status == Delivery.FAILED
            waits.append((message.next_attempt_at - before).total_seconds())
            assert notifications.deliver_pending() == 0  # not due yet: nothing sent
            assert len(provider.requests) == attempt
            db.session.execute(update(Message).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
    assert 29 <= waits[0] <= 31 and 59 <= waits[1] <= 61  # 30 s, then 60 s
    assert (message.status, message.next_attempt_at) == (Delivery.DEAD, None)
    assert "502" in message.last_error
    events = db.session.scalars(select(MessageEvent.to_state).order_by(MessageEvent.id)).all()
    assert events == [Delivery.FAILED, Delivery.FAILED, Delivery.DEAD]


def test_a_refused_request_is_dead_at_once_and_a_timeout_or_429_is_retried(app, ctx, provider):
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    _sms(app, user)
    provider.script = [(429, {"error": "slow down"})]
    notifications.deliver_pending()
    assert _message().status == Delivery.FAILED
    db.session.execute(update(Message).values(next_attempt_at=None))
    db.session.commit()
    provider.script = [(400, {"error": {"message": "template mismatch"}})]
    notifications.deliver_pending()
    message = _message()
    assert message.status == Delivery.DEAD and "template mismatch" in message.last_error


def test_an_sms_kind_without_a_dlt_template_is_never_sent(app, ctx, provider):
    app.config["SMS_DLT_TEMPLATES"] = "login_code=1107169999999999999"  # none for order_status
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    _sms(app, user)
    notifications.deliver_pending()
    assert provider.requests == []
    message = _message()
    assert message.status == Delivery.DEAD and "SMS_DLT_TEMPLATES" in message.last_error


def test_an_unreachable_provider_is_retried(app, ctx, provider):
    app.config["WHATSAPP_API_URL"] = "http://127.0.0.1:9/v21.0"  # nobody listens
    _whatsapp(app)
    assert notifications.deliver_pending() == 0
    message = _message()
    assert message.status == Delivery.FAILED and message.last_error.startswith("unreachable")


def test_without_settings_sms_and_whatsapp_are_only_logged(app, ctx, caplog):
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    _sms(app, user)
    _whatsapp(app)
    caplog.set_level("INFO", logger="marketplace.notifications.services")
    assert notifications.deliver_pending() == 2
    assert {(m.channel, m.status, m.backend) for m in db.session.scalars(select(Message))} == \
        {("sms", Delivery.LOGGED, "log"), ("whatsapp", Delivery.LOGGED, "log")}


def test_admins_see_dead_messages_and_send_them_again(app, client, ctx, provider):
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    _sms(app, user)
    provider.script = [(400, {"error": "unknown number"})]
    notifications.deliver_pending()
    message = _message()
    assert message.status == Delivery.DEAD
    admin = factories.user(Role.ADMIN)
    login(client, admin.mobile)
    page = client.get("/admin/notifications/problems?lang=en").get_data(as_text=True)
    assert "unknown number" in page and "9811000001" in page and "Send again now" in page
    assert "sms: sms-dlt" in page
    r = post(client, f"/admin/notifications/{message.id}/retry")
    assert r.status_code == 302
    message = _message()
    assert (message.status, message.attempts) == (Delivery.PENDING, 0)
    event = db.session.scalar(select(MessageEvent).order_by(MessageEvent.id.desc()))
    assert (event.from_state, event.to_state, event.actor_id) == (Delivery.DEAD, Delivery.PENDING, admin.id)
    assert notifications.deliver_pending() == 1 and _message().status == Delivery.SENT
    # a sent message cannot be "retried" into a second copy
    r = post(client, f"/admin/notifications/{message.id}/retry")
    assert r.status_code == 302 and _message().status == Delivery.SENT
    assert post(client, "/admin/notifications/999999/retry").status_code == 404
    assert db.session.scalar(select(func.count(Message.id))) == 1


def test_a_message_being_sent_is_not_taken_by_a_second_run(app, ctx, provider, monkeypatch):
    """Two delivery runs at once (two workers): the second reads the outbox while the first is inside a send."""
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    for _ in range(3):
        _sms(app, user)
    sent, inner = [], []
    real = notifications._deliver

    def deliver(message):
        sent.append(message.id)
        if len(sent) == 1:
            with app.app_context():
                inner.append(notifications.deliver_pending())
        return real(message)

    monkeypatch.setattr(notifications, "_deliver", deliver)
    with app.app_context():
        outer = notifications.deliver_pending()
    assert len(sent) == len(set(sent)) == outer + inner[0] == len(provider.requests) == 3
    db.session.expire_all()
    assert {(m.status, m.attempts) for m in db.session.scalars(select(Message))} == {(Delivery.SENT, 1)}


def test_a_claim_left_by_a_dead_run_is_taken_again_after_the_lease(app, ctx, provider):
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    _sms(app, user)
    message = _message()
    assert notifications._claim(message.id, 0, utcnow()) is not None  # ...and the run dies here
    assert notifications._claim(message.id, 0, utcnow()) is None  # a second claim on what was read loses
    assert notifications.deliver_pending() == 0 and provider.requests == []  # still leased
    db.session.execute(update(Message).values(sent_at=utcnow() - notifications.CLAIM_LEASE - timedelta(seconds=1)))
    db.session.commit()
    assert notifications.deliver_pending() == 1
    assert (_message().status, _message().attempts, len(provider.requests)) == (Delivery.SENT, 2, 1)


def test_a_one_time_code_leaves_the_outbox_once_sent(app, ctx, provider):
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    with app.test_request_context("/"):
        from marketplace.accounts import codes

        codes.request_code(user.mobile)
    assert notifications.deliver_pending() == 1
    sent = parse_qs(provider.requests[0]["body"].decode())["body"][0]
    assert any(ch.isdigit() for ch in sent) and parse_qs(provider.requests[0]["body"].decode())["type"] == ["OTP"]
    message = _message()
    assert message.status == Delivery.SENT and message.params is None
    assert not any(ch.isdigit() for ch in message.body) and "••••••" in message.body
