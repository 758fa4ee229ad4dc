"""Targets (with their history), the village product survey, the districts' ODOP items, and the nightly
roll-up of each group's milestones."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from marketplace.core.types import TimestampMixin, UTCDateTime, utcnow
from marketplace.extensions import db
from marketplace.geo.models import Village


class Target(TimestampMixin, db.Model):
    """A monthly target for one unit (a state, district or block) and one measure. Changing it writes a
    TargetRevision, so the history of what was asked stays."""

    __tablename__ = "official_targets"
    __table_args__ = (UniqueConstraint("unit_level", "unit_id", "measure", "month"),
                      CheckConstraint("value >= 0", name="value_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_level: Mapped[str] = mapped_column(String(10))  # state, district, block
    unit_id: Mapped[int]
    measure: Mapped[str] = mapped_column(String(20))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    value: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    revisions: Mapped[list["TargetRevision"]] = relationship(order_by="TargetRevision.id", viewonly=True)


class TargetRevision(db.Model):
    """Every value a target has had: who set it, when, from what."""

    __tablename__ = "official_target_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("official_targets.id"), index=True)
    old_value: Mapped[int | None]
    new_value: Mapped[int]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkedDefinition(db.Model):
    """What "linked to market" means for the targets an official sets below her unit: the group's first
    listing on sale, or its first sale (the default when there is no row)."""

    __tablename__ = "official_linked_definitions"
    __table_args__ = (UniqueConstraint("unit_level", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_level: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int]
    milestone: Mapped[str] = mapped_column(String(20))  # first_listing, first_sale
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SurveyEntry(TimestampMixin, db.Model):
    """One line of the village product survey: what a village (or one named group in it) makes."""

    __tablename__ = "survey_entries"
    __table_args__ = (
        CheckConstraint("groups_count >= 0 AND households_count >= 0", name="counts_not_negative"),
        CheckConstraint("groups_count + households_count > 0", name="someone_makes_it"),
        CheckConstraint("capacity_per_month IS NULL OR capacity_per_month >= 0", name="capacity_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)  # the village's, for scope
    product: Mapped[str] = mapped_column(String(120))  # product or craft, as the surveyor wrote it
    search_terms: Mapped[str] = mapped_column(String(600), default="")  # analysed words, for the lookup
    group_name: Mapped[str | None] = mapped_column(String(120))  # a named group: a lead until it registers
    groups_count: Mapped[int] = mapped_column(default=0)
    households_count: Mapped[int] = mapped_column(default=0)
    capacity_per_month: Mapped[int | None]
    capacity_unit: Mapped[str | None] = mapped_column(String(20))
    season: Mapped[str | None] = mapped_column(String(80))
    raw_material: Mapped[str | None] = mapped_column(String(160))
    contact_mobile: Mapped[str | None] = mapped_column(String(16))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), index=True)  # once on Haat
    surveyed_on: Mapped[date] = mapped_column(Date)
    surveyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    village: Mapped[Village] = relationship()


class OdopItem(db.Model):
    """A district's one-district-one-product item; listings in its category from the district's groups are
    its sales."""

    __tablename__ = "odop_items"
    __table_args__ = (UniqueConstraint("district_id", "category_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    name_en: Mapped[str] = mapped_column(String(120))
    name_hi: Mapped[str] = mapped_column(String(120))


# ---------------------------------------------------------------- the nightly roll-up (officials/rollup.py)
# Rebuilt whole by `rollup.rebuild()` (`flask officials rollup`; schedule it nightly). Each row carries its
# block, district and state so that a dashboard at any level reads one table without joins.

class RollupRun(db.Model):
    __tablename__ = "officials_rollup_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seconds: Mapped[float] = mapped_column(default=0.0)


class _Place:
    block_id: Mapped[int] = mapped_column(index=True)
    district_id: Mapped[int] = mapped_column(index=True)
    state_id: Mapped[int] = mapped_column(index=True)


class SellerMilestones(_Place, db.Model):
    """When each group first put a listing on sale, first sold, and last sold."""

    __tablename__ = "officials_seller_milestones"
    seller_id: Mapped[int] = mapped_column(primary_key=True)
    first_listing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_sale_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class _Sales(_Place):
    """One group's sales in one period (day or month): all categories (category_id NULL), and per category for
    ODOP. The day and month tables have the same columns and indexes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    seller_id: Mapped[int] = mapped_column(index=True)
    category_id: Mapped[int | None]
    orders: Mapped[int]
    units: Mapped[int] = mapped_column(BigInteger)
    value_paise: Mapped[int] = mapped_column(BigInteger)

    @declared_attr.directive
    def __table_args__(cls):
        return (Index(f"ix_{cls.__tablename__}_district_category_day", "district_id", "category_id", "day"),
                Index(f"ix_{cls.__tablename__}_state_day", "state_id", "day"))


class SalesDay(_Sales, db.Model):
    """One group's sales on one Indian day."""

    __tablename__ = "officials_sales_days"


class SalesMonth(_Sales, db.Model):
    """SalesDay summed per calendar month (day = the month's first day): a month or a financial year reads
    this table, a third or less of the rows."""

    __tablename__ = "officials_sales_months"


class StageDay(_Place, db.Model):
    """Seller orders (kind "order", by order day) and parcels (kind "parcel", by packing day, at the house's
    block) per status; kind "late" counts orders past the promised dispatch time at the roll-up."""

    __tablename__ = "officials_stage_days"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))
    count: Mapped[int]


class DispatchDay(_Place, db.Model):
    """How many seller orders of a day were dispatched after how many whole hours (a histogram: medians)."""

    __tablename__ = "officials_dispatch_days"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[int]
    count: Mapped[int]
