"""A transactional outbox: domains record what changed in the same transaction as the change itself;
consumers (the search indexer) apply the rows later, in order, from one process. Nothing is lost if a
consumer is down, and no web worker ever needs the search index's single writer lock.

The same rows drive the shared page cache: once a transaction that recorded changes commits, the catalogue's
generation number in `extensions.cache` goes up, and every web process (sharing Redis) stops using pages kept
under the old number."""

import logging
from collections.abc import Callable
from datetime import datetime

from flask import g, has_app_context
from sqlalchemy import String, event, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from marketplace.core.types import UTCDateTime, utcnow
from marketplace.extensions import cache, db

log = logging.getLogger(__name__)
GENERATION_KEY = "catalogue-generation"


class OutboxEntry(db.Model):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)  # e.g. "product"
    entity_id: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record_change(topic: str, entity_id: int) -> None:
    """Call inside the transaction that makes the change; it commits (or rolls back) with it."""
    db.session.add(OutboxEntry(topic=topic, entity_id=entity_id))


def record_changes(topic: str, entity_ids) -> None:
    """record_change for several entities, written at once in one INSERT (inside the caller's transaction)."""
    rows = [{"topic": topic, "entity_id": entity_id} for entity_id in entity_ids]
    if rows:
        db.session.execute(insert(OutboxEntry.__table__), rows)
        _recorded(db.session())


_hooks: list[Callable[[Session], None]] = []


def on_recorded(hook: Callable[[Session], None]) -> Callable[[Session], None]:
    """Register `hook(session)`, called whenever a transaction writes outbox rows (before it commits), by the
    ORM or by record_changes: the search domain notes it there."""
    _hooks.append(hook)
    return hook


def _recorded(session: Session) -> None:
    session.info["catalogue_changed"] = True
    for hook in _hooks:
        hook(session)


def pending(topic: str, limit: int = 500) -> list[OutboxEntry]:
    stmt = select(OutboxEntry).where(OutboxEntry.topic == topic).order_by(OutboxEntry.id).limit(limit)
    return list(db.session.scalars(stmt))


def generation() -> int:
    """The catalogue's change number: part of every shared page's cache key."""
    try:
        return int(cache.get(GENERATION_KEY) or 0)
    except Exception:  # noqa: BLE001  (a cache that is down must not take pages down; they render uncached)
        log.warning("cache unavailable: reading the catalogue generation failed", exc_info=True)
        return -1


def bump_generation() -> None:
    g.pop("catalogue_generation", None)  # this request's later reads (core/kept.py) must see the new number
    try:
        cache.cache.inc(GENERATION_KEY)  # the backend's atomic increment (INCR on Redis)
    except Exception:  # noqa: BLE001  (kept pages then live out their PAGE_CACHE_SECONDS)
        log.warning("cache unavailable: the catalogue generation was not bumped", exc_info=True)


@event.listens_for(Session, "after_flush")
def _note_change(session, _flush_context):
    if any(isinstance(obj, OutboxEntry) for obj in session.new):
        _recorded(session)


@event.listens_for(Session, "after_commit")
def _changed(session):
    # After the commit, never before: a page rendered meanwhile from the old rows was keyed with the old number.
    if session.info.pop("catalogue_changed", False) and has_app_context():
        bump_generation()


@event.listens_for(Session, "after_rollback")
def _not_changed(session):
    session.info.pop("catalogue_changed", None)
