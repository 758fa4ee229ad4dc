from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.types import UTCDateTime, utcnow
from marketplace.extensions import db


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


class Delivery(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by one delivery run (sent_at: when); taken again only after CLAIM_LEASE
    SENT = "sent"  # handed to SMTP
    LOGGED = "logged"  # development backend: written to the log and shown on the admin page
    FAILED = "failed"  # gave up after several attempts


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
