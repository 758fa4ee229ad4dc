from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin, UTCDateTime, utcnow
from marketplace.extensions import db
from marketplace.media.models import Image
from marketplace.sellers.models import Seller


class ProductStatus(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    PAUSED = "paused"
    REMOVED = "removed"  # hidden by moderation, with a reason


PRODUCT_STATUS = StateMachine.define("product", {
    ProductStatus.DRAFT: (ProductStatus.LIVE, ProductStatus.REMOVED),
    ProductStatus.LIVE: (ProductStatus.PAUSED, ProductStatus.REMOVED),
    ProductStatus.PAUSED: (ProductStatus.LIVE, ProductStatus.REMOVED),
    ProductStatus.REMOVED: (ProductStatus.DRAFT,),  # restored by moderation; the seller publishes again
})


class Category(db.Model):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_hi: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped["Category | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Category"]] = relationship(back_populates="parent", order_by="Category.position")


class Product(TimestampMixin, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price_paise > 0", name="price_positive"),
        CheckConstraint("mrp_paise IS NULL OR mrp_paise >= price_paise", name="mrp_not_below_price"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("title_hi IS NOT NULL OR title_en IS NOT NULL", name="has_title"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
        CheckConstraint("min_order_qty >= 1", name="min_order_qty_positive"),
        CheckConstraint("gst_rate_bp IN (0, 500, 1200, 1800, 2800)", name="gst_rate_known"),
        CheckConstraint("lead_time_days IS NULL OR lead_time_days >= 1", name="lead_time_positive"),
        CheckConstraint("weight_grams IS NULL OR weight_grams >= 1", name="weight_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title_hi: Mapped[str | None] = mapped_column(String(160))
    title_en: Mapped[str | None] = mapped_column(String(160))
    description_hi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    price_paise: Mapped[int]
    mrp_paise: Mapped[int | None]
    unit: Mapped[str] = mapped_column(String(12), default="piece")  # piece, kg, g, litre, ml, pack, metre
    pack_size: Mapped[int] = mapped_column(default=1)  # how many units per pack
    min_order_qty: Mapped[int] = mapped_column(default=1)
    stock: Mapped[int] = mapped_column(default=0)
    lead_time_days: Mapped[int | None]  # made to order when set
    weekly_capacity: Mapped[int | None]  # units the group can make in a week (bulk orders, requisitions)
    hsn_code: Mapped[str | None] = mapped_column(String(8))
    gst_rate_bp: Mapped[int] = mapped_column(default=0)  # basis points: 500 = 5 %
    weight_grams: Mapped[int | None]
    tags: Mapped[str | None] = mapped_column(String(300))  # comma-separated, either script
    status: Mapped[str] = mapped_column(String(10), default=ProductStatus.DRAFT, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    seller: Mapped[Seller] = relationship()
    category: Mapped[Category] = relationship()
    variants: Mapped[list["Variant"]] = relationship(back_populates="product", order_by="Variant.id",
                                                    cascade="all, delete-orphan")
    photos: Mapped[list["ProductPhoto"]] = relationship(back_populates="product", order_by="ProductPhoto.position",
                                                       cascade="all, delete-orphan")
    history: Mapped[list["ProductEvent"]] = relationship(order_by="ProductEvent.id")

    @property
    def primary_photo(self) -> "ProductPhoto | None":
        return next((p for p in self.photos if p.is_primary), self.photos[0] if self.photos else None)


class Variant(db.Model):
    __tablename__ = "product_variants"
    __table_args__ = (
        UniqueConstraint("product_id", "sku"),
        CheckConstraint("price_paise > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(40))
    size: Mapped[str | None] = mapped_column(String(30))
    colour: Mapped[str | None] = mapped_column(String(30))
    price_paise: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="variants")


class ProductPhoto(db.Model):
    __tablename__ = "product_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"))
    position: Mapped[int] = mapped_column(default=0)
    is_primary: Mapped[bool] = mapped_column(default=False)
    alt_text: Mapped[str | None] = mapped_column(String(200))

    product: Mapped[Product] = relationship(back_populates="photos")
    image: Mapped[Image] = relationship(lazy="joined")


class ProductEvent(TransitionRecord, db.Model):
    """Every status change of a listing (publish, pause, removal by moderation): who, when, from, to, why."""

    __tablename__ = "product_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)

    actor: Mapped[User | None] = relationship()


class PriceBreak(db.Model):
    """A bulk price: from `min_quantity` units on, each costs `price_paise` (e.g. 100+ and 1,000+)."""

    __tablename__ = "product_price_breaks"
    __table_args__ = (UniqueConstraint("product_id", "min_quantity"),
                      CheckConstraint("min_quantity >= 2", name="break_min_quantity"),
                      CheckConstraint("price_paise > 0", name="break_price_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    min_quantity: Mapped[int]
    price_paise: Mapped[int]
class StockAlert(db.Model):
    """"Tell me when it is back": one waiting request per product and address; `sent_at` once the message is
    queued in the notifications outbox."""

    __tablename__ = "stock_alerts"
    __table_args__ = (Index("uq_stock_alert_waiting", "product_id", "address", unique=True,
                            sqlite_where=text("sent_at IS NULL"), postgresql_where=text("sent_at IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(10))  # sms or email
    address: Mapped[str] = mapped_column(String(254))  # E.164 mobile or e-mail address
    locale: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
