from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin, UTCDateTime
from marketplace.extensions import db
from marketplace.geo.models import Block, Village


class SellerKind(StrEnum):
    SHG = "shg"
    ODOP = "odop"  # one-village-one-product unit
    CLUSTER = "cluster"  # cluster / producer group


class FederationLevel(StrEnum):
    VO = "vo"  # village organisation
    CLF = "clf"  # cluster-level federation


class MemberRole(StrEnum):
    PRESIDENT = "president"
    SECRETARY = "secretary"
    TREASURER = "treasurer"
    MEMBER = "member"


class Verification(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


VERIFICATION = StateMachine.define("seller verification", {
    Verification.PENDING: (Verification.VERIFIED, Verification.REJECTED),
    Verification.REJECTED: (Verification.PENDING,),  # the group corrects its details and asks again
    Verification.VERIFIED: (Verification.REJECTED,),  # an official may withdraw verification, with a reason
})


class Seller(TimestampMixin, db.Model):
    __tablename__ = "sellers"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default=SellerKind.SHG)
    name_hi: Mapped[str | None] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    federation_level: Mapped[str | None] = mapped_column(String(4))
    federation_name: Mapped[str | None] = mapped_column(String(120))
    nrlm_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    formed_on: Mapped[date | None] = mapped_column(Date)
    story_hi: Mapped[str | None] = mapped_column(Text)
    story_en: Mapped[str | None] = mapped_column(Text)
    gstin: Mapped[str | None] = mapped_column(String(15))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="SET NULL"))  # the group's photo
    status: Mapped[str] = mapped_column(String(10), default=Verification.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    block: Mapped[Block] = relationship()
    village: Mapped[Village | None] = relationship()
    photo: Mapped["Image | None"] = relationship("Image")  # noqa: F821 (media.models, above this domain)
    members: Mapped[list["Member"]] = relationship(back_populates="seller", order_by="Member.id")
    bank_account: Mapped["BankAccount | None"] = relationship(back_populates="seller", uselist=False)
    history: Mapped[list["VerificationEvent"]] = relationship(order_by="VerificationEvent.id")

    @property
    def is_verified(self) -> bool:
        return self.status == Verification.VERIFIED


class Member(TimestampMixin, db.Model):
    """A person in the group. `user_id` is set once the person has an account (invited by mobile number)."""

    __tablename__ = "seller_members"
    __table_args__ = (
        UniqueConstraint("seller_id", "mobile"),
        # Exactly one president per group, held by the database too (two secretaries may act at once).
        Index("uq_seller_members_one_president", "seller_id", unique=True,
              sqlite_where=text("role = 'president' AND active"),
              postgresql_where=text("role = 'president' AND active")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    mobile: Mapped[str] = mapped_column(String(16))  # E.164
    role: Mapped[str] = mapped_column(String(10), default=MemberRole.MEMBER)
    active: Mapped[bool] = mapped_column(default=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Chosen by the group to receive its order messages; when nobody is chosen, the president receives them.
    gets_messages: Mapped[bool] = mapped_column(default=False, server_default=false())

    seller: Mapped[Seller] = relationship(back_populates="members")


class BankAccount(TimestampMixin, db.Model):
    __tablename__ = "seller_bank_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), unique=True)
    account_name: Mapped[str] = mapped_column(String(120))
    account_number: Mapped[str] = mapped_column(String(20))
    ifsc: Mapped[str] = mapped_column(String(11))
    bank_name: Mapped[str | None] = mapped_column(String(120))

    seller: Mapped[Seller] = relationship(back_populates="bank_account")

    @property
    def masked_number(self) -> str:
        return "XXXX" + self.account_number[-4:]


class VerificationEvent(TransitionRecord, db.Model):
    """Every change of a seller's verification state: who, when, from, to, why."""

    __tablename__ = "seller_verification_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)

    actor: Mapped[User | None] = relationship()
