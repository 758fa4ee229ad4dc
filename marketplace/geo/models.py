from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db


class State(db.Model):
    __tablename__ = "states"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_hi: Mapped[str] = mapped_column(String(80))
    districts: Mapped[list["District"]] = relationship(back_populates="state", order_by="District.name_en")


class District(db.Model):
    __tablename__ = "districts"
    __table_args__ = (UniqueConstraint("state_id", "name_en"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_hi: Mapped[str] = mapped_column(String(80))
    state: Mapped[State] = relationship(back_populates="districts")
    blocks: Mapped[list["Block"]] = relationship(back_populates="district", order_by="Block.name_en")


class Block(db.Model):
    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("district_id", "name_en"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_hi: Mapped[str] = mapped_column(String(80))
    district: Mapped[District] = relationship(back_populates="blocks")
    villages: Mapped[list["Village"]] = relationship(back_populates="block", order_by="Village.name_en")


class Village(db.Model):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("block_id", "name_en"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_hi: Mapped[str] = mapped_column(String(80))
    block: Mapped[Block] = relationship(back_populates="villages")
