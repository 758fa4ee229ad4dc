"""The message outbox: rendered in the recipient's language, delivered once (log or SMTP), shown to admins."""

import smtplib

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Delivery, Message

from .conftest import login
from .e2e import shop as shopping


def _queue(app, user, kind="order_status", **params):
    with app.test_request_context("/?lang=en"):  # the page is in English; the message follows the recipient
        notifications.notify(notifications.for_user(user), kind, number="HT261126-ABCDE", status="x", detail="",
                             link="http://haat.test/orders/HT261126-ABCDE", **params)
        db.session.commit()


def test_messages_are_written_in_the_recipients_language(app, ctx):
    hindi = shopping.quick_user(name="सीता", login="sita@example.in", locale="hi")
    _queue(app, hindi, "order_confirmed", total="₹720")
    by_channel = {m.channel: m for m in db.session.scalars(select(Message))}
    assert set(by_channel) == {"email"}
    assert by_channel["email"].subject == "हाट: ऑर्डर HT261126-ABCDE पक्का हो गया"
    assert "नमस्ते सीता" in by_channel["email"].body and "₹720" in by_channel["email"].body


def test_delivery_logs_each_message_once_without_smtp(app, ctx, caplog):
    user = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    _queue(app, user)
    caplog.set_level("INFO", logger="marketplace.notifications.services")
    assert notifications.deliver_pending() == 1
    assert notifications.deliver_pending() == 0
    message = db.session.scalar(select(Message))
    assert (message.status, message.attempts, message.channel) == (Delivery.LOGGED, 1, "sms")
    assert sum("HT261126-ABCDE" in r.message for r in caplog.records) == 1


class _FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def has_extn(self, name):
        return False

    def login(self, user, password):
        self.credentials = (user, password)

    def send_message(self, message):
        if _FakeSMTP.fail:
            raise smtplib.SMTPServerDisconnected("gone")
        _FakeSMTP.sent.append((self.host, self.port, self.credentials, message))


def test_email_goes_through_smtp_when_configured_and_failures_are_retried(app, ctx, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", _FakeSMTP)
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://haat%40mail:s3cret@mail.example:2525")
    _FakeSMTP.sent, _FakeSMTP.fail = [], True
    user = shopping.quick_user(name="Meera", login="meera@example.in", locale="en")
    _queue(app, user)
    assert notifications.deliver_pending() == 0  # the server hung up: kept for a later round
    message = db.session.scalar(select(Message))
    assert (message.status, message.last_error) == (Delivery.FAILED, "gone")
    assert notifications.deliver_pending() == 0  # not before its backoff is over
    db.session.execute(Message.__table__.update().values(next_attempt_at=None))
    db.session.commit()
    _FakeSMTP.fail = False
    assert notifications.deliver_pending() == 1
    host, port, credentials, email = _FakeSMTP.sent[0]
    assert (host, port, credentials, email["To"]) == ("mail.example", 2525, ("haat@mail", "s3cret"), "meera@example.in")
    assert "HT261126-ABCDE" in email.get_content()
    db.session.expire_all()
    assert db.session.scalar(select(Message.status)) == Delivery.SENT


def test_only_admins_see_the_outbox(app, client, ctx):
    customer = shopping.quick_user(name="Ananya", login="9811000001", locale="en")
    _queue(app, customer)
    login(client, "9811000001")
    assert client.get("/admin/notifications").status_code == 403
    shopping.quick_user(Role.ADMIN, name="Admin", login="admin@haat.example")
    admin = app.test_client()
    login(admin, "admin@haat.example")
    html = admin.get("/admin/notifications?lang=en").get_data(as_text=True)
    assert "HT261126-ABCDE" in html and "+919811000001" in html
