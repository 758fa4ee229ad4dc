"""An institution (government department, panchayat, school, hospital, company, NGO) buys in bulk. It is approved
by a district official or an admin before its first requisition; its GSTIN and state are the place of supply on
every invoice it receives."""

from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.states import StateMachine, TransitionRecord
from marketplace.core.types import TimestampMixin
from marketplace.extensions import db


class InstitutionKind(StrEnum):
    GOVERNMENT = "government"
    PANCHAYAT = "panchayat"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    COMPANY = "company"
    NGO = "ngo"


class InstitutionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class PersonRole(StrEnum):
    REQUESTER = "requester"  # writes requisitions
    APPROVER = "approver"  # submits them on the institution's behalf, accepts quotes and splits


INSTITUTION_STATUS = StateMachine.define("institution", {
    InstitutionStatus.PENDING: (InstitutionStatus.APPROVED, InstitutionStatus.REJECTED),
    InstitutionStatus.REJECTED: (InstitutionStatus.PENDING,),  # corrected and asked again
    InstitutionStatus.APPROVED: (InstitutionStatus.REJECTED,),  # withdrawn, with a reason
})


class Institution(TimestampMixin, db.Model):
    __tablename__ = "institutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(12))
    gstin: Mapped[str | None] = mapped_column(String(15))
    billing_address: Mapped[str] = mapped_column(String(400))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)  # who approves it
    state_code: Mapped[str] = mapped_column(String(4))  # the place of supply on invoices
    status: Mapped[str] = mapped_column(String(10), default=InstitutionStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))

    people: Mapped[list["InstitutionPerson"]] = relationship(order_by="InstitutionPerson.id")
    points: Mapped[list["DeliveryPoint"]] = relationship(order_by="DeliveryPoint.id")
    history: Mapped[list["InstitutionEvent"]] = relationship(order_by="InstitutionEvent.id")

    @property
    def is_approved(self) -> bool:
        return self.status == InstitutionStatus.APPROVED


class InstitutionPerson(db.Model):
    __tablename__ = "institution_people"
    __table_args__ = (UniqueConstraint("institution_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=PersonRole.REQUESTER)


class DeliveryPoint(db.Model):
    """A place the institution receives goods (an office, a panchayat bhawan, a school)."""

    __tablename__ = "institution_delivery_points"
    __table_args__ = (UniqueConstraint("institution_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))


class InstitutionEvent(TransitionRecord, db.Model):
    __tablename__ = "institution_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
