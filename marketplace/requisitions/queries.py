"""Read side for the requisition pages (one or two statements each)."""

from sqlalchemy import or_, select

from marketplace.accounts.models import OfficialLevel, Role
from marketplace.core.pagination import Page, paginate
from marketplace.extensions import db
from marketplace.geo.models import District
from marketplace.institutions.models import Institution, InstitutionPerson
from marketplace.requisitions.models import Allocation, Quote, ReqStatus, Requisition, RequisitionPoint
from marketplace.sellers.models import Member, Seller

LIST_PAGE = 50  # requisitions a page on the list


def visible_requisitions(user, page: int = 1) -> Page:
    """One page of the (requisition, institution name) rows this user may open, newest first."""
    where = _visible_where(user)
    if where is None:
        return Page([], 1, 1, 0)
    stmt = (select(Requisition, Institution.name).join(Institution, Institution.id == Requisition.institution_id)
            .where(*where).order_by(Requisition.id.desc()))
    return paginate(stmt, page, LIST_PAGE, fetch=lambda limited: list(db.session.execute(limited)))


def _visible_where(user) -> tuple | None:
    """The conditions on requisitions this user may open; None for nobody."""
    if user.role == Role.ADMIN:
        return ()
    if user.role == Role.BUYER:
        mine = select(InstitutionPerson.institution_id).where(InstitutionPerson.user_id == user.id)
        return (Requisition.institution_id.in_(mine),)
    if user.role == Role.OFFICIAL:
        level = user.official_level
        if level == OfficialLevel.DISTRICT:
            return Requisition.district_id == user.scope_district_id, Requisition.status != ReqStatus.DRAFT
        if level == OfficialLevel.STATE:
            districts = select(District.id).where(District.state_id == user.scope_state_id)
            return Requisition.district_id.in_(districts), Requisition.status != ReqStatus.DRAFT
        block = user.scope_block_id
        return (or_(
            Requisition.id.in_(select(Allocation.requisition_id).where(Allocation.block_id == block)),
            Requisition.id.in_(select(RequisitionPoint.requisition_id).where(RequisitionPoint.block_id == block))),)
    if user.role == Role.SELLER:
        from marketplace.geo.models import Block

        groups = select(Member.seller_id).where(Member.user_id == user.id, Member.active.is_(True))
        districts = select(Block.district_id).join(Seller, Seller.block_id == Block.id).where(Seller.id.in_(groups))
        return (or_(
            Requisition.id.in_(select(Allocation.requisition_id).where(Allocation.seller_id.in_(groups))),
            # "quote me" requisitions of the group's district, open for quotes
            Requisition.price_paise.is_(None) & Requisition.status.in_((ReqStatus.APPROVED, ReqStatus.ALLOCATING))
            & Requisition.district_id.in_(districts)),)
    return None


def own_share(req_id: int, seller_id: int):
    stmt = (select(Allocation, Seller.name_hi, Seller.name_en, Quote).select_from(Allocation)
            .join(Seller, Seller.id == Allocation.seller_id)
            .outerjoin(Quote, (Quote.requisition_id == req_id) & (Quote.seller_id == seller_id))
            .where(Allocation.requisition_id == req_id, Allocation.seller_id == seller_id))
    row = db.session.execute(stmt).first()
    if row is None:
        quote = db.session.scalar(select(Quote).where(Quote.requisition_id == req_id, Quote.seller_id == seller_id))
        return None, quote
    return row[0], row[3]


def requisition_of_quote(quote_id: int) -> Requisition | None:
    return db.session.scalar(select(Requisition).join(Quote, Quote.requisition_id == Requisition.id)
                             .where(Quote.id == quote_id))


def quotable_sellers(user, req: Requisition) -> set[int]:
    """A "quote me" requisition open for quotes: groups of this user in the requisition's district may quote."""
    if req.price_paise is not None or req.status not in (ReqStatus.APPROVED, ReqStatus.ALLOCATING):
        return set()
    from marketplace.geo.models import Block

    stmt = (select(Seller.id).join(Member, Member.seller_id == Seller.id).join(Block, Block.id == Seller.block_id)
            .where(Member.user_id == user.id, Member.active.is_(True), Block.district_id == req.district_id,
                   Seller.status == "verified"))
    return set(db.session.scalars(stmt))
