"""A transactional outbox: domains record what changed in the same transaction as the change itself;
consumers (the search indexer) apply the rows later, in order, from one process. Nothing is lost if a
consumer is down, and no web worker ever needs the search index's single writer lock."""

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.types import UTCDateTime, utcnow
from marketplace.extensions import db


class OutboxEntry(db.Model):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)  # e.g. "product"
    entity_id: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record_change(topic: str, entity_id: int) -> None:
    """Call inside the transaction that makes the change; it commits (or rolls back) with it."""
    db.session.add(OutboxEntry(topic=topic, entity_id=entity_id))


def pending(topic: str, limit: int = 500) -> list[OutboxEntry]:
    stmt = select(OutboxEntry).where(OutboxEntry.topic == topic).order_by(OutboxEntry.id).limit(limit)
    return list(db.session.scalars(stmt))
