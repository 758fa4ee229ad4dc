"""What groups can make: declared weekly capacity of live listings of verified groups (bulk orders and
institutional requisitions read it through here)."""

from sqlalchemy import func, select

from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.sellers.models import Seller, Verification


def weekly_capacity_by_seller(product_id: int | None = None, category_id: int | None = None) -> dict[int, int]:
    """seller_id -> units a week, for one product (its group) or for a category (every group selling in it)."""
    stmt = (select(Product.seller_id, func.sum(Product.weekly_capacity)).join(Seller, Seller.id == Product.seller_id)
            .where(Product.status == ProductStatus.LIVE, Product.weekly_capacity > 0,
                   Seller.status == Verification.VERIFIED).group_by(Product.seller_id))
    if product_id is not None:
        stmt = stmt.where(Product.id == product_id)
    elif category_id is not None:
        stmt = stmt.where(Product.category_id == category_id)
    return {seller_id: int(units) for seller_id, units in db.session.execute(stmt)}
