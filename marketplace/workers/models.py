"""Local workers (the Swarozgar directory): categories, profiles, the places they serve, bookings with their
events, ratings and reports."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin, UTCDateTime, utcnow
from marketplace.extensions import db


class WorkCategory(db.Model):
    """One of the 26 kinds of work (data: data/workers/categories.csv; an admin may add more)."""

    __tablename__ = "work_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_hi: Mapped[str] = mapped_column(String(80))
    icon: Mapped[str] = mapped_column(String(40))  # static/workers/icons/<icon>.svg
    aliases: Mapped[str] = mapped_column(String(1000), default="")  # other words people use, ';'-separated
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class RateUnit(StrEnum):
    DAY = "day"
    JOB = "job"


class WorkerProfile(TimestampMixin, db.Model):
    """A worker. `user_id` when she registered herself; otherwise `registered_by_id` (a block official or an SHG
    member) and `seller_id` (the SHG) tell who speaks for her. `contact_mobile` is where booking requests go
    and the number a household sees once she accepts; it is never shown before that."""

    __tablename__ = "worker_profiles"
    __table_args__ = (CheckConstraint("rate_paise >= 0", name="rate_not_negative"),
                      CheckConstraint("start_hour >= 0 AND end_hour <= 24 AND start_hour < end_hour",
                                      name="hours_in_day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"))
    name: Mapped[str] = mapped_column(String(120))
    contact_mobile: Mapped[str] = mapped_column(String(16), index=True)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)  # home block: its official checks her
    villages: Mapped[str] = mapped_column(String(300), default="")
    experience_years: Mapped[int] = mapped_column(default=0)
    rate_paise: Mapped[int] = mapped_column(default=0)
    rate_unit: Mapped[str] = mapped_column(String(4), default=RateUnit.DAY)
    weekdays: Mapped[str] = mapped_column(String(7), default="0123456")  # Monday = 0
    start_hour: Mapped[int] = mapped_column(default=8)
    end_hour: Mapped[int] = mapped_column(default=18)
    languages: Mapped[str] = mapped_column(String(100), default="hi")  # codes, ','-separated
    about: Mapped[str] = mapped_column(String(500), default="")
    paused: Mapped[bool] = mapped_column(default=False)
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Kept up to date by the booking services (so search needs no aggregate per result).
    jobs_done: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)

    photo = relationship("Image", lazy="joined")
    categories: Mapped[list[WorkCategory]] = relationship(secondary="worker_categories",
                                                          order_by="WorkCategory.position")
    areas: Mapped[list["WorkerArea"]] = relationship(cascade="all, delete-orphan", order_by="WorkerArea.id")

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def identity_checked(self) -> bool:
        return self.identity_checked_at is not None


class WorkerCategory(db.Model):
    __tablename__ = "worker_categories"
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker_profiles.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("work_categories.id"), primary_key=True, index=True)


class WorkerArea(db.Model):
    """A block the worker serves, or one PIN code (with the block it belongs to)."""

    __tablename__ = "worker_areas"
    __table_args__ = (UniqueConstraint("worker_id", "block_id", "pin_code", name="uq_worker_areas_place"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker_profiles.id", ondelete="CASCADE"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)
    pin_code: Mapped[str | None] = mapped_column(String(6), index=True)


class Slot(StrEnum):
    MORNING = "morning"  # 8–12
    AFTERNOON = "afternoon"  # 12–16
    EVENING = "evening"  # 16–20


SLOT_HOURS = {Slot.MORNING: (8, 12), Slot.AFTERNOON: (12, 16), Slot.EVENING: (16, 20)}


class BookingStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


BOOKING_STATES = StateMachine.define("worker booking", {
    BookingStatus.REQUESTED: (BookingStatus.ACCEPTED, BookingStatus.DECLINED, BookingStatus.EXPIRED,
                              BookingStatus.CANCELLED),
    BookingStatus.ACCEPTED: (BookingStatus.DONE, BookingStatus.CANCELLED, BookingStatus.NO_SHOW),
    BookingStatus.DECLINED: (),
    BookingStatus.EXPIRED: (),
    BookingStatus.DONE: (),
    BookingStatus.CANCELLED: (),
    BookingStatus.NO_SHOW: (),
})
# States in which both sides see each other's phone numbers.
NUMBERS_SHOWN = frozenset({BookingStatus.ACCEPTED, BookingStatus.DONE, BookingStatus.NO_SHOW})


class Booking(TimestampMixin, db.Model):
    """A household's request for a worker on a date and slot. `slot_key` ("worker:date:slot") is set while the
    booking holds the slot and NULL otherwise; its unique constraint is what makes a double booking
    impossible, whichever process or database (NULLs never clash, on SQLite and PostgreSQL alike)."""

    __tablename__ = "worker_bookings"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker_profiles.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("work_categories.id"))
    work_date: Mapped[date] = mapped_column(Date, index=True)
    slot: Mapped[str] = mapped_column(String(10))
    slot_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=BookingStatus.REQUESTED, index=True)
    address: Mapped[str] = mapped_column(String(300))
    pin_code: Mapped[str] = mapped_column(String(6))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    worker: Mapped[WorkerProfile] = relationship()
    category: Mapped[WorkCategory] = relationship()


class BookingEvent(TransitionRecord, db.Model):
    __tablename__ = "worker_booking_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("worker_bookings.id", ondelete="CASCADE"), index=True)


class Rating(db.Model):
    """The household's rating of a finished job: one per booking (the unique key refuses a second)."""

    __tablename__ = "worker_ratings"
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_1_to_5"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("worker_bookings.id"), unique=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker_profiles.id"), index=True)
    stars: Mapped[int]
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportStatus(StrEnum):
    OPEN = "open"
    HANDLED = "handled"


class Report(db.Model):
    """One side of a booking reports the other; an official of the worker's block handles it."""

    __tablename__ = "worker_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("worker_bookings.id"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)  # the worker's home block
    by_household: Mapped[bool]  # True: the household reports the worker; False: the other way round
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.OPEN, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_note: Mapped[str | None] = mapped_column(String(500))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship()
