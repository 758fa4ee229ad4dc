"""Business rules for seller organisations."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.geo.models import Block
from marketplace.sellers.models import Member, Seller, Verification


def list_verified_sellers(limit: int = 50) -> list[Seller]:
    stmt = (select(Seller).where(Seller.status == Verification.VERIFIED)
            .options(selectinload(Seller.block).selectinload(Block.district), selectinload(Seller.village))
            .order_by(Seller.verified_at.desc(), Seller.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def get_seller(seller_id: int) -> Seller | None:
    return db.session.get(Seller, seller_id)


def sellers_of_user(user) -> list[Seller]:
    """The organisations in which `user` is an active member."""
    stmt = (select(Seller).join(Member, Member.seller_id == Seller.id)
            .where(Member.user_id == user.id, Member.active.is_(True)).order_by(Seller.id))
    return list(db.session.scalars(stmt))
