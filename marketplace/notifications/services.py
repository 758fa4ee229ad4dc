"""Writing messages into the outbox (inside the caller's transaction) and delivering them afterwards.

`notify()` renders a template in the recipient's language and adds one row per channel; it does not commit,
so a message exists exactly when the change it tells of was committed. `deliver_pending()` (run on a timer
by the development server, or `flask notifications send`) hands each message to its channel's backend
(delivery.py: SMTP, an SMS gateway with DLT ids, the WhatsApp Cloud API; the log when not configured),
marking each message so it goes out once. A failed attempt is tried again with exponential backoff; after
NOTIFY_MAX_ATTEMPTS, or when the provider refuses it outright, the message is dead and shown to admins.
"""

import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.notifications.delivery import DeliveryError, backend_for
from marketplace.notifications.messages import TEMPLATES
from marketplace.notifications.models import MESSAGE, Channel, Delivery, Message, MessageEvent

log = logging.getLogger(__name__)
SECRET_KINDS = frozenset({"login_code"})
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


def _in_locale(params: dict, locale: str):
    with force_locale(locale):  # lazy strings (a status name) become text in the recipient's language
        return [(key, str(value)) for key, value in params.items()]


def notify(recipient: Recipient, kind: str, **params) -> list[Message]:
    """Queue `kind` for every channel of `recipient` (no commit: it rides on the caller's transaction)."""
    subject, body = render(kind, recipient.locale, {"name": recipient.name, **params})
    values = json.dumps({"name": recipient.name, **{k: str(v) for k, v in _in_locale(params, recipient.locale)}},
                        ensure_ascii=False)
    messages = [Message(channel=channel, to=address, user_id=recipient.user_id, locale=recipient.locale,
                        kind=kind, subject=subject[:200], body=body, params=values)
                for channel, address in recipient.channels]
    db.session.add_all(messages)
    return messages


# ---------------------------------------------------------------- delivery

def _backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… after the 1st, 2nd, 3rd… failure, at most an hour (NOTIFY_RETRY_* settings)."""
    cfg = current_app.config
    seconds = cfg["NOTIFY_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, cfg["NOTIFY_RETRY_MAX_SECONDS"]))


def _claim(message: Message) -> bool:
    """Take the message for this run (attempts + 1); another worker that read it too gets False."""
    result = db.session.execute(update(Message).where(
        Message.id == message.id, Message.attempts == message.attempts,
        Message.status.in_((Delivery.PENDING, Delivery.FAILED)))
        .values(attempts=Message.attempts + 1).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _move(message: Message, to: str, actor_id: int | None = None, reason: str | None = None, **values) -> bool:
    """Compare-and-set from the message's current state, with an event row; False if someone else moved it."""
    MESSAGE.check(message.status, to)
    if message.kind in SECRET_KINDS and to in (Delivery.SENT, Delivery.LOGGED, Delivery.DEAD):
        # a one-time code is kept only until it has gone out (or never will): the outbox is not a code store
        values.update(body=re.sub(r"\d", "•", message.body), params=None)
    result = db.session.execute(update(Message).where(Message.id == message.id, Message.status == message.status)
                                .values(status=to, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.add(MessageEvent(message_id=message.id, from_state=message.status, to_state=to,
                                actor_id=actor_id, reason=(reason or "")[:500] or None))
    db.session.commit()
    return True


def deliver_one(message: Message) -> bool:
    """One attempt at a claimed message (its attempts already count this one); True if it went out or was
    logged."""
    backend = backend_for(message.channel)
    try:
        provider_id = backend.send(message)
    except DeliveryError as exc:
        error = str(exc)[:300]
        give_up = not exc.retry or message.attempts >= current_app.config["NOTIFY_MAX_ATTEMPTS"]
        log.warning("message %s to %s failed (attempt %s%s): %s", message.id, message.to, message.attempts,
                    ", giving up" if give_up else "", error)
        if give_up:
            _move(message, Delivery.DEAD, reason=error, last_error=error, backend=backend.name,
                  next_attempt_at=None)
        else:
            _move(message, Delivery.FAILED, reason=error, last_error=error, backend=backend.name,
                  next_attempt_at=utcnow() + _backoff(message.attempts))
        return False
    status = Delivery.LOGGED if backend.logs_only else Delivery.SENT
    return _move(message, status, sent_at=utcnow(), backend=backend.name, provider_id=provider_id,
                 next_attempt_at=None)


def deliver_pending(limit: int = 100) -> int:
    """Send what is waiting or due for another try; returns how many went out. Each message commits on its
    own, so a crash loses at most the one in hand (claimed, so it is tried again, never sent twice at once)."""
    now = utcnow()
    stmt = (select(Message).where(Message.status.in_((Delivery.PENDING, Delivery.FAILED)),
                                  or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now))
            .order_by(Message.id).limit(limit))
    done = 0
    for message in list(db.session.scalars(stmt)):
        if _claim(message):  # the commit reloads the message: attempts now counts this one
            done += deliver_one(message)
    return done


def problems(limit: int = 200) -> list[Message]:
    """Failed (retrying) and dead messages, newest first, for the admin page."""
    stmt = (select(Message).where(Message.status.in_((Delivery.FAILED, Delivery.DEAD)))
            .order_by(Message.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def retry(message_id: int, actor_id: int) -> bool:
    """An admin sends a failed or dead message again now, with a fresh count of attempts."""
    message = db.session.get(Message, message_id)
    if message is None or message.status not in (Delivery.FAILED, Delivery.DEAD):
        return False
    return _move(message, Delivery.PENDING, actor_id=actor_id, reason="retry by an admin", attempts=0,
                 next_attempt_at=None)


def get(message_id: int) -> Message | None:
    return db.session.get(Message, message_id)


def recent(limit: int = 200, kind: str | None = None) -> list[Message]:
    stmt = select(Message).order_by(Message.id.desc()).limit(limit)
    if kind:
        stmt = stmt.where(Message.kind == kind)
    return list(db.session.scalars(stmt))
