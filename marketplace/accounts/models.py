from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.core.types import TimestampMixin, UTCDateTime
from marketplace.extensions import db


class Role(StrEnum):
    CUSTOMER = "customer"
    SELLER = "seller"  # a member of an SHG / ODOP unit / cluster
    OPERATOR = "operator"  # packaging-house operator
    OFFICIAL = "official"  # scoped to a block, a district or a state
    BUYER = "buyer"  # institutional buyer
    ADMIN = "admin"


class OfficialLevel(StrEnum):
    BLOCK = "block"
    DISTRICT = "district"
    STATE = "state"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email IS NOT NULL OR mobile IS NOT NULL", name="has_login"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(16), unique=True)  # E.164, +91XXXXXXXXXX
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.CUSTOMER, index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An official's scope: exactly one of these, matching official_level.
    official_level: Mapped[str | None] = mapped_column(String(10))
    scope_state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"))
    scope_district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    scope_block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"))

    def set_password(self, password: str) -> None:
        # scrypt by default; the test suite configures a cheap method (hashing itself is tested on its own).
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def login_name(self) -> str:
        return self.mobile or self.email or ""

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class LoginCode(db.Model):
    """A one-time code sent by SMS or e-mail: logs in without the password, so a forgotten password can be
    set again. Stored only as an HMAC; expires, dies after a few wrong tries, and works once. A request for a
    name with no account leaves a row too (user_id NULL), so both answers cost the same and requests per
    name can be counted."""

    __tablename__ = "login_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    login_digest: Mapped[str] = mapped_column(String(64), index=True)  # HMAC of the normalised login name
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
