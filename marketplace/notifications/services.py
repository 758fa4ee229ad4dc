"""Writing messages into the outbox (inside the caller's transaction) and delivering them afterwards.

`notify()` renders a template in the recipient's language and adds one row per channel; it does not commit,
so a message exists exactly when the change it tells of was committed. `deliver_pending()` (run on a timer
by the development server, or `flask notifications send`) hands e-mail to SMTP when SMTP_URL is set and logs
everything else, marking each message so it goes out once.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update

from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.notifications.messages import TEMPLATES
from marketplace.notifications.models import Channel, Delivery, Message

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
CLAIM_LEASE = timedelta(minutes=10)  # a claim older than this belongs to a run that died: send again
DEFAULT_LOCALE = "hi"


@dataclass(frozen=True)
class Recipient:
    name: str
    locale: str
    channels: tuple[tuple[str, str], ...]  # (channel, address)
    user_id: int | None = None


def for_user(user) -> Recipient:
    """A customer: e-mail when they have an address, SMS to their mobile."""
    channels = []
    if user.email:
        channels.append((Channel.EMAIL, user.email))
    if user.mobile:
        channels.append((Channel.SMS, user.mobile))
    return Recipient(user.name, user.locale or DEFAULT_LOCALE, tuple(channels), user.id)


def for_member(name: str, mobile: str, user=None) -> Recipient:
    """A member of a seller group: WhatsApp, which the groups use every day."""
    locale = (user.locale if user is not None else None) or DEFAULT_LOCALE
    return Recipient(name, locale, ((Channel.WHATSAPP, mobile),), user.id if user is not None else None)


def link(endpoint: str, **values) -> str:
    """An absolute link for a message, also outside a request (the expiry timer)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def render(kind: str, locale: str, params: dict) -> tuple[str, str]:
    subject, body = TEMPLATES[kind]
    with force_locale(locale):
        values = {key: str(value) for key, value in params.items()}  # lazy strings turn into this language
        return str(subject) % values, " ".join((str(body) % values).split())


def notify(recipient: Recipient, kind: str, **params) -> list[Message]:
    """Queue `kind` for every channel of `recipient` (no commit: it rides on the caller's transaction)."""
    subject, body = render(kind, recipient.locale, {"name": recipient.name, **params})
    messages = [Message(channel=channel, to=address, user_id=recipient.user_id, locale=recipient.locale,
                        kind=kind, subject=subject[:200], body=body) for channel, address in recipient.channels]
    db.session.add_all(messages)
    return messages


# ---------------------------------------------------------------- delivery

def _send_email(url: str, message: Message) -> None:
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with smtp_class(parts.hostname or "localhost", parts.port or (465 if secure else 25), timeout=20) as smtp:
        if not secure and smtp.has_extn("starttls"):
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = current_app.config.get("MAIL_FROM") or "Haat <no-reply@haat.example>"
        email["To"] = message.to
        email.set_content(message.body)
        smtp.send_message(email)


def _deliver(message: Message) -> str:
    smtp_url = current_app.config.get("SMTP_URL")
    if message.channel == Channel.EMAIL and smtp_url:
        _send_email(smtp_url, message)
        return Delivery.SENT
    log.info("%s to %s [%s]: %s | %s", message.channel, message.to, message.locale, message.subject, message.body)
    return Delivery.LOGGED


def _claimable(stale):
    """Waiting, or claimed by a run that died while sending (its claim is older than CLAIM_LEASE)."""
    return or_(Message.status == Delivery.PENDING, and_(Message.status == Delivery.SENDING, Message.sent_at < stale))


def _claim(message_id: int, attempts: int, stale) -> Message | None:
    """Take the message for this run; another run that read it too gets None. The claim itself is committed
    (status SENDING), so a run that reads the outbox later never takes it again while it is being sent. The
    condition uses what was read before (the id and the attempts), never the row reloaded after a commit."""
    result = db.session.execute(update(Message).where(Message.id == message_id, Message.attempts == attempts,
                                                      _claimable(stale))
                                .values(attempts=Message.attempts + 1, status=Delivery.SENDING, sent_at=utcnow())
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.get(Message, message_id, populate_existing=True) if result.rowcount == 1 else None


def deliver_pending(limit: int = 100) -> int:
    """Send what is waiting; returns how many went out. Each message commits on its own."""
    stale = utcnow() - CLAIM_LEASE
    stmt = select(Message.id, Message.attempts).where(_claimable(stale)).order_by(Message.id).limit(limit)
    done = 0
    for message_id, attempts in db.session.execute(stmt).all():
        message = _claim(message_id, attempts, stale)
        if message is None:
            continue
        try:
            message.status = _deliver(message)
            message.sent_at = utcnow()
            done += 1
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = str(exc)[:300]
            message.status = Delivery.FAILED if message.attempts >= MAX_ATTEMPTS else Delivery.PENDING
            message.sent_at = None
            log.warning("message %s to %s failed: %s", message.id, message.to, exc)
        db.session.commit()
    return done


def recent(limit: int = 200, kind: str | None = None) -> list[Message]:
    stmt = select(Message).order_by(Message.id.desc()).limit(limit)
    if kind:
        stmt = stmt.where(Message.kind == kind)
    return list(db.session.scalars(stmt))
