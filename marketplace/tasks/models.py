from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.types import UTCDateTime, utcnow
from marketplace.extensions import db


class FailedTask(db.Model):
    """A task that still failed after its retries: what ran, with what, and why it failed."""

    __tablename__ = "failed_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)  # Celery's id: a task recorded twice is one row
    name: Mapped[str] = mapped_column(String(120), index=True)
    arguments: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str] = mapped_column(Text, default="")
    retries: Mapped[int] = mapped_column(default=0)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
