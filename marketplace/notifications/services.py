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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from sqlalchemy import and_, func, insert, or_, select, update

from marketplace.core.pagination import Page, paginate
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.notifications.delivery import DeliveryError, backend_for
from marketplace.notifications.messages import TEMPLATES
from marketplace.notifications.models import MESSAGE, Channel, Delivery, Message, MessageEvent

log = logging.getLogger(__name__)
SECRET_KINDS = frozenset({"login_code"})
CLAIM_LEASE = timedelta(minutes=10)  # a claim older than this belongs to a run that died: send again
DEFAULT_LOCALE = "hi"
ADMIN_PAGE = 50  # messages a page on the admins' lists


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
    subject, body, _ = _render(kind, locale, params)
    return subject, body


def _render(kind: str, locale: str, params: dict) -> tuple[str, str, dict]:
    """Subject, body and the values themselves (for providers' templates), all in the recipient's language."""
    subject, body = TEMPLATES[kind]
    with force_locale(locale):
        values = {key: str(value) for key, value in params.items()}  # lazy strings turn into this language
        return str(subject) % values, " ".join((str(body) % values).split()), values


def _rows(recipient: Recipient, kind: str, params: dict) -> list[dict]:
    subject, body, values = _render(kind, recipient.locale, {"name": recipient.name, **params})
    values = json.dumps(values, ensure_ascii=False)
    return [dict(channel=channel, to=address, user_id=recipient.user_id, locale=recipient.locale, kind=kind,
                 subject=subject[:200], body=body, params=values) for channel, address in recipient.channels]


def notify(recipient: Recipient, kind: str, **params) -> list[Message]:
    """Queue `kind` for every channel of `recipient` (no commit: it rides on the caller's transaction)."""
    messages = [Message(**row) for row in _rows(recipient, kind, params)]
    db.session.add_all(messages)
    return messages


def notify_all(batch: Iterable[tuple[Recipient, str, dict]]) -> int:
    """notify() for many (recipient, kind, params) at once, written in one INSERT (no commit). Returns how many
    messages were queued."""
    rows = [row for recipient, kind, params in batch for row in _rows(recipient, kind, params)]
    if rows:  # the session flushes first, so messages queued before these keep their place
        db.session.execute(insert(Message.__table__), rows)
    return len(rows)


# ---------------------------------------------------------------- delivery

def _backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… after the 1st, 2nd, 3rd… failure, at most an hour (NOTIFY_RETRY_* settings)."""
    cfg = current_app.config
    seconds = cfg["NOTIFY_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, cfg["NOTIFY_RETRY_MAX_SECONDS"]))


def _claimable(now):
    """Waiting or due for another try; or claimed by a run that died while sending (claim older than
    CLAIM_LEASE)."""
    due = or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)
    return or_(and_(Message.status.in_((Delivery.PENDING, Delivery.FAILED)), due),
               and_(Message.status == Delivery.SENDING, Message.sent_at < now - CLAIM_LEASE))


def _claim(message_id: int, attempts: int, now) -> Message | None:
    """Take the message for this run, or None if another run took it first. The claim is committed (status
    SENDING, sent_at = when), so a run reading the outbox meanwhile leaves it alone; the condition uses the
    values read before (id, attempts), never a row reloaded after a commit."""
    result = db.session.execute(update(Message).where(Message.id == message_id, Message.attempts == attempts,
                                                      _claimable(now))
                                .values(attempts=Message.attempts + 1, status=Delivery.SENDING, sent_at=now)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.get(Message, message_id, populate_existing=True) if result.rowcount == 1 else None


def _move(message: Message, to: str, *, claimed: int | None = None, actor_id: int | None = None,
          reason: str | None = None, **values) -> bool:
    """Compare-and-set from the state (and, for a claimed message, the attempt) read before, with an event
    row; False if someone else moved it meanwhile (e.g. took it again after CLAIM_LEASE)."""
    current = message.status
    MESSAGE.check(current, to)
    if message.kind in SECRET_KINDS and to in (Delivery.SENT, Delivery.LOGGED, Delivery.DEAD):
        # a one-time code is kept only until it has gone out (or never will): the outbox is not a code store
        values.update(body=re.sub(r"\d", "•", message.body), params=None)
    condition = [Message.id == message.id, Message.status == current]
    if claimed is not None:  # still the attempt this run claimed (not taken again after CLAIM_LEASE)
        condition.append(Message.attempts == claimed)
    result = db.session.execute(update(Message).where(*condition).values(status=to, **values)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.add(MessageEvent(message_id=message.id, from_state=current, to_state=to, actor_id=actor_id,
                                reason=(reason or "")[:500] or None))
    db.session.commit()
    return True


def _deliver(message: Message) -> str:
    """Hand the message to its channel's backend: SENT, or LOGGED when the channel has no settings. Raises
    DeliveryError. Notes the backend and the provider's id on the message."""
    backend = backend_for(message.channel)
    message.backend = backend.name
    message.provider_id = backend.send(message)
    return Delivery.LOGGED if backend.logs_only else Delivery.SENT


def deliver_one(message: Message) -> bool:
    """One attempt at a claimed message (SENDING; its attempts already count this one); True if it went out or
    was logged."""
    attempts = message.attempts
    try:
        status = _deliver(message)
    except DeliveryError as exc:
        error = str(exc)[:300]
        give_up = not exc.retry or attempts >= current_app.config["NOTIFY_MAX_ATTEMPTS"]
        log.warning("message %s to %s failed (attempt %s%s): %s", message.id, message.to, attempts,
                    ", giving up" if give_up else "", error)
        later = None if give_up else utcnow() + _backoff(attempts)
        _move(message, Delivery.DEAD if give_up else Delivery.FAILED, claimed=attempts, reason=error,
              last_error=error, backend=message.backend, sent_at=None, next_attempt_at=later)
        return False
    return _move(message, status, claimed=attempts, sent_at=utcnow(), backend=message.backend,
                 provider_id=message.provider_id, next_attempt_at=None)


def deliver_pending(limit: int = 100) -> int:
    """Send what is waiting or due for another try; returns how many went out. Each message is claimed and
    settled in its own commits, so two runs at once never send one message twice, and a run that dies
    mid-send leaves its message to be taken again after CLAIM_LEASE."""
    now = utcnow()
    stmt = select(Message.id, Message.attempts).where(_claimable(now)).order_by(Message.id).limit(limit)
    done = 0
    for message_id, attempts in db.session.execute(stmt).all():
        message = _claim(message_id, attempts, now)
        if message is not None:
            done += deliver_one(message)
    return done


def problems(page: int = 1) -> Page:
    """One page of the failed (retrying) and dead messages, newest first, for the admin page."""
    failing = Message.status.in_((Delivery.FAILED, Delivery.DEAD))
    return paginate(select(Message).where(failing).order_by(Message.id.desc()), page, ADMIN_PAGE,
                    count=select(func.count()).where(failing))


def retry(message_id: int, actor_id: int) -> bool:
    """An admin sends a failed or dead message again now, with a fresh count of attempts."""
    message = db.session.get(Message, message_id)
    if message is None or message.status not in (Delivery.FAILED, Delivery.DEAD):
        return False
    return _move(message, Delivery.PENDING, actor_id=actor_id, reason="retry by an admin", attempts=0,
                 next_attempt_at=None)


def get(message_id: int) -> Message | None:
    return db.session.get(Message, message_id)


def recent(kind: str | None = None, page: int = 1) -> Page:
    """One page of every message (or those of one kind), newest first."""
    where = (Message.kind == kind,) if kind else ()
    return paginate(select(Message).where(*where).order_by(Message.id.desc()), page, ADMIN_PAGE,
                    count=select(func.count()).select_from(Message).where(*where))
