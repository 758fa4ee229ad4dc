from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import UTCDateTime, utcnow
from marketplace.extensions import db


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


class Delivery(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by one delivery run (sent_at: when); taken again only after CLAIM_LEASE
    SENT = "sent"  # handed to SMTP / the SMS gateway / WhatsApp (provider_id says which message it became)
    LOGGED = "logged"  # no backend configured for the channel: written to the log and shown on the admin page
    FAILED = "failed"  # the last attempt failed; tried again at next_attempt_at (exponential backoff)
    DEAD = "dead"  # given up (too many attempts, or refused outright); an admin may send it again


MESSAGE = StateMachine.define("message", {
    Delivery.PENDING: (Delivery.SENDING,),
    Delivery.SENDING: (Delivery.SENT, Delivery.LOGGED, Delivery.FAILED, Delivery.DEAD),
    Delivery.FAILED: (Delivery.SENDING, Delivery.PENDING),  # PENDING: an admin's "send again now"
    Delivery.DEAD: (Delivery.PENDING,),
    Delivery.SENT: (),
    Delivery.LOGGED: (),
})


class Message(db.Model):
    """One message to one address, already rendered in the recipient's language."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to: Mapped[str] = mapped_column(String(254))  # e-mail address or E.164 mobile number
    locale: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=Delivery.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    params: Mapped[str | None] = mapped_column(Text)  # JSON of the template's values (WhatsApp templates)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    backend: Mapped[str | None] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(100))


class MessageEvent(TransitionRecord, db.Model):
    """Each change of a message's delivery state (attempts, give-ups, an admin's retry)."""

    __tablename__ = "notification_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
