"""Business rules for seller organisations."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.geo.models import Block
from marketplace.sellers.models import Seller, Verification


def list_verified_sellers(limit: int = 50) -> list[Seller]:
    stmt = (select(Seller).where(Seller.status == Verification.VERIFIED)
            .options(selectinload(Seller.block).selectinload(Block.district), selectinload(Seller.village))
            .order_by(Seller.verified_at.desc(), Seller.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))
