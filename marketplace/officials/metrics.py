"""The dashboard's figures, each from one aggregate SQL statement grouped by the unit one level down.

This is a read side over other domains' tables (sellers, catalogue, orders, fulfilment, settlements), like
catalog/queries.py: it only reads. Every figure is computed by the database (COUNT / SUM / MIN / window
functions); Python only adds up the per-unit rows into the scope's total. The number of statements does not
depend on how many units, groups or orders there are.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, distinct, false, func, literal, or_, select, true

from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.fulfilment.models import FulfilmentEvent, Handover, PackagingHouse, Parcel, Shipment
from marketplace.geo.models import Block, District, State
from marketplace.officials.models import OdopItem, SurveyEntry
from marketplace.officials.periods import Period
from marketplace.orders.models import OrderLine, SellerOrder, SellerOrderStatus
from marketplace.sellers.models import Seller, Verification
from marketplace.settlements.models import PayoutBatch, PayoutItem, PayoutStatus

# A seller order counts as a sale once it is placed (paid, or cash on delivery) and until it is rejected,
# cancelled or returned. One definition for every figure on the dashboard.
SOLD = (SellerOrderStatus.PLACED, SellerOrderStatus.ACCEPTED, SellerOrderStatus.READY,
        SellerOrderStatus.HANDED_OVER, SellerOrderStatus.DELIVERED)
NOT_YET_DISPATCHED = (SellerOrderStatus.PLACED, SellerOrderStatus.ACCEPTED, SellerOrderStatus.READY,
                      SellerOrderStatus.HANDED_OVER)
# The dispatch Haat promises a customer: within this many days of the order (made-to-order lead times are
# agreed separately with institutional buyers).
DISPATCH_PROMISE = timedelta(days=3)
ACTIVE_WINDOW = timedelta(days=30)
CHILD_LEVEL = {"country": "state", "state": "district", "district": "block", "block": "group"}
MILESTONES = ("first_listing", "first_sale")


@dataclass
class Unit:
    level: str
    id: int
    name_en: str
    name_hi: str
    parent: "Unit | None" = None


@dataclass
class Row:
    """One unit one level down, with its figures."""

    unit: Unit
    figures: dict = field(default_factory=dict)
    rank: int = 0


@dataclass
class Dashboard:
    unit: Unit
    period: Period
    rows: list[Row]
    total: dict
    fulfilment: dict
    odop: list[dict]
    computed_at: object = None

    @property
    def child_level(self) -> str:
        return CHILD_LEVEL[self.unit.level]


# ---------------------------------------------------------------- scope

def _child_key(level: str):
    return {"country": District.state_id, "state": Block.district_id, "district": Seller.block_id,
            "block": Seller.id}[level]


def _scope(level: str, unit_id: int):
    return {"country": true(), "state": District.state_id == unit_id, "district": Block.district_id == unit_id,
            "block": Seller.block_id == unit_id}[level]


def _sellers(stmt):
    return stmt.join(Block, Seller.block_id == Block.id).join(District, Block.district_id == District.id)


def _place_key(level: str):
    """The child key for rows that hang on a block rather than a seller (survey lines): None at block level."""
    return {"country": District.state_id, "state": Block.district_id, "district": Block.id}.get(level)


def _place_scope(level: str, unit_id: int):
    return {"country": true(), "state": District.state_id == unit_id, "district": Block.district_id == unit_id,
            "block": Block.id == unit_id}[level]


def load_unit(level: str, unit_id: int) -> Unit | None:
    """The unit with its parents (for the breadcrumb), in one statement."""
    country = Unit("country", 0, "India", "भारत")
    if level == "country":
        return country
    if level == "state":
        row = db.session.execute(select(State.id, State.name_en, State.name_hi).where(State.id == unit_id)).first()
        return Unit("state", row.id, row.name_en, row.name_hi, country) if row else None
    if level == "district":
        row = db.session.execute(
            select(District.id, District.name_en, District.name_hi, State.id.label("sid"),
                   State.name_en.label("sen"), State.name_hi.label("shi"))
            .join(State, District.state_id == State.id).where(District.id == unit_id)).first()
        if row is None:
            return None
        return Unit("district", row.id, row.name_en, row.name_hi, Unit("state", row.sid, row.sen, row.shi, country))
    if level == "block":
        row = db.session.execute(
            select(Block.id, Block.name_en, Block.name_hi, District.id.label("did"), District.name_en.label("den"),
                   District.name_hi.label("dhi"), State.id.label("sid"), State.name_en.label("sen"),
                   State.name_hi.label("shi"))
            .join(District, Block.district_id == District.id).join(State, District.state_id == State.id)
            .where(Block.id == unit_id)).first()
        if row is None:
            return None
        state = Unit("state", row.sid, row.sen, row.shi, country)
        return Unit("block", row.id, row.name_en, row.name_hi, Unit("district", row.did, row.den, row.dhi, state))
    return None


def children(unit: Unit) -> list[Unit]:
    level = CHILD_LEVEL[unit.level]
    if unit.level == "country":
        stmt = select(State.id, State.name_en, State.name_hi)
    elif unit.level == "state":
        stmt = select(District.id, District.name_en, District.name_hi).where(District.state_id == unit.id)
    elif unit.level == "district":
        stmt = select(Block.id, Block.name_en, Block.name_hi).where(Block.district_id == unit.id)
    else:
        stmt = select(Seller.id, func.coalesce(Seller.name_en, Seller.name_hi, ""),
                      func.coalesce(Seller.name_hi, Seller.name_en, "")).where(Seller.block_id == unit.id)
    return [Unit(level, r[0], r[1], r[2], unit) for r in db.session.execute(stmt)]


# ---------------------------------------------------------------- dialect helpers

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def seconds_between(later, earlier):
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def ist_month(column):
    """'YYYY-MM' of a UTC timestamp, in Indian time."""
    if _dialect() == "postgresql":
        return func.to_char(func.timezone("Asia/Kolkata", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+330 minutes")


def _in(column, start, end):
    return and_(column >= start, column < end)


# ---------------------------------------------------------------- the figures, per child unit

def _groups(level, unit_id, p: Period) -> dict:
    key = _child_key(level)
    verified = and_(Seller.status == Verification.VERIFIED, Seller.verified_at < p.end)
    stmt = _sellers(select(
        key, func.count(Seller.id).filter(Seller.created_at < p.end),
        func.count(Seller.id).filter(_in(Seller.created_at, p.start, p.end)),
        func.count(Seller.id).filter(verified),
        func.count(Seller.id).filter(and_(verified, Seller.verified_at >= p.start)),
    ).select_from(Seller)).where(_scope(level, unit_id)).group_by(key)
    return {r[0]: {"registered": r[1], "registered_new": r[2], "verified": r[3], "verified_new": r[4]}
            for r in db.session.execute(stmt)}


def first_listing_subquery():
    return (select(Product.seller_id.label("seller_id"), func.min(Product.published_at).label("at"))
            .where(Product.published_at.is_not(None)).group_by(Product.seller_id).subquery())


def sales_span_subquery(before):
    """Per seller: its first and its latest sale before `before`."""
    return (select(SellerOrder.seller_id.label("seller_id"), func.min(SellerOrder.created_at).label("first"),
                   func.max(SellerOrder.created_at).label("last"))
            .where(SellerOrder.status.in_(SOLD), SellerOrder.created_at < before)
            .group_by(SellerOrder.seller_id).subquery())


def _milestones(level, unit_id, p: Period) -> dict:
    key = _child_key(level)
    listing = first_listing_subquery()
    span = sales_span_subquery(p.end)
    active_since = p.as_of - ACTIVE_WINDOW
    stmt = _sellers(select(
        key,
        func.count(listing.c.at).filter(listing.c.at < p.end),
        func.count(listing.c.at).filter(_in(listing.c.at, p.start, p.end)),
        func.count(span.c.first),
        func.count(span.c.first).filter(span.c.first >= p.start),
        func.count(span.c.last).filter(span.c.last >= active_since),
    ).select_from(Seller).outerjoin(listing, listing.c.seller_id == Seller.id)
        .outerjoin(span, span.c.seller_id == Seller.id)).where(_scope(level, unit_id)).group_by(key)
    return {r[0]: {"first_listing": r[1], "first_listing_new": r[2], "first_sale": r[3], "first_sale_new": r[4],
                   "active": r[5]} for r in db.session.execute(stmt)}


def _listings(level, unit_id) -> dict:
    key = _child_key(level)
    stmt = _sellers(select(key, func.count(Product.id)).select_from(Product)
                    .join(Seller, Product.seller_id == Seller.id)).where(
        _scope(level, unit_id), Product.status == ProductStatus.LIVE).group_by(key)
    return {r[0]: {"listings": r[1]} for r in db.session.execute(stmt)}


def _sales(level, unit_id, p: Period) -> dict:
    key = _child_key(level)
    stmt = _sellers(select(
        key, func.count(distinct(SellerOrder.id)), func.coalesce(func.sum(OrderLine.quantity), 0),
        func.coalesce(func.sum(OrderLine.total_paise), 0), func.count(distinct(SellerOrder.seller_id)),
    ).select_from(OrderLine).join(SellerOrder, OrderLine.seller_order_id == SellerOrder.id)
        .join(Seller, SellerOrder.seller_id == Seller.id)).where(
        _scope(level, unit_id), SellerOrder.status.in_(SOLD), _in(SellerOrder.created_at, p.start, p.end)
    ).group_by(key)
    return {r[0]: {"orders": r[1], "units": int(r[2]), "value_paise": int(r[3]), "selling_groups": r[4]}
            for r in db.session.execute(stmt)}


def _paid(level, unit_id, p: Period) -> dict:
    """Money that reached the groups' bank accounts: items of payout batches the bank confirmed as paid (a paid
    batch changes no more, so its updated_at is when it was marked paid)."""
    key = _child_key(level)
    stmt = _sellers(select(key, func.coalesce(func.sum(PayoutItem.amount_paise), 0),
                           func.count(distinct(PayoutItem.seller_id)))
                    .select_from(PayoutItem).join(PayoutBatch, PayoutItem.batch_id == PayoutBatch.id)
                    .join(Seller, PayoutItem.seller_id == Seller.id)).where(
        _scope(level, unit_id), PayoutBatch.status == PayoutStatus.PAID,
        _in(PayoutBatch.updated_at, p.start, p.end)).group_by(key)
    return {r[0]: {"paid_paise": int(r[1]), "paid_groups": r[2]} for r in db.session.execute(stmt)}


def _surveyed(level, unit_id, p: Period) -> tuple[dict, dict]:
    """Groups found by the village product survey up to the period's end, per child place (and the leads)."""
    key = _place_key(level)
    lead = and_(SurveyEntry.group_name.is_not(None), SurveyEntry.seller_id.is_(None))
    cols = [func.coalesce(func.sum(SurveyEntry.groups_count), 0), func.count(SurveyEntry.id).filter(lead)]
    stmt = (select(key if key is not None else literal(0), *cols).select_from(SurveyEntry)
            .join(Block, SurveyEntry.block_id == Block.id).join(District, Block.district_id == District.id)
            .where(_place_scope(level, unit_id), SurveyEntry.surveyed_on <= p.last))
    if key is not None:
        stmt = stmt.group_by(key)
    rows = {r[0]: {"surveyed": int(r[1]), "leads": r[2]} for r in db.session.execute(stmt)}
    if key is None:
        return {}, rows.get(0, {"surveyed": 0, "leads": 0})
    return rows, {name: sum(r[name] for r in rows.values()) for name in ("surveyed", "leads")}


# ---------------------------------------------------------------- fulfilment (scope totals)

def _orders_by_stage(level, unit_id, p: Period) -> dict:
    stmt = _sellers(select(SellerOrder.status, func.count(SellerOrder.id)).select_from(SellerOrder)
                    .join(Seller, SellerOrder.seller_id == Seller.id)).where(
        _scope(level, unit_id), _in(SellerOrder.created_at, p.start, p.end),
        SellerOrder.status != SellerOrderStatus.AWAITING_PAYMENT).group_by(SellerOrder.status)
    return dict(db.session.execute(stmt).all())


def _parcels_by_stage(level, unit_id, p: Period) -> dict:
    """Parcels made in the period at the packaging houses standing in the scope."""
    stmt = (select(Parcel.status, func.count(Parcel.id)).select_from(Parcel)
            .join(PackagingHouse, Parcel.house_id == PackagingHouse.id)
            .join(Block, PackagingHouse.block_id == Block.id).join(District, Block.district_id == District.id)
            .where(_place_scope(level, unit_id) if level != "block" else PackagingHouse.block_id == unit_id,
                   _in(Parcel.created_at, p.start, p.end)).group_by(Parcel.status))
    return dict(db.session.execute(stmt).all())


def _median_dispatch_hours(level, unit_id, p: Period) -> tuple[float | None, int]:
    """Median hours from order to dispatch over the seller orders of the period that have been dispatched."""
    dispatched = (select(FulfilmentEvent.shipment_id.label("shipment_id"), func.min(FulfilmentEvent.at).label("at"))
                  .where(FulfilmentEvent.shipment_id.is_not(None), FulfilmentEvent.to_state == "dispatched")
                  .group_by(FulfilmentEvent.shipment_id).subquery())
    hours = seconds_between(dispatched.c.at, SellerOrder.created_at) / 3600.0
    ranked = _sellers(select(hours.label("h"), func.row_number().over(order_by=hours).label("rn"),
                             func.count().over().label("n"))
                      .select_from(SellerOrder).join(Seller, SellerOrder.seller_id == Seller.id)
                      .join(Handover, Handover.seller_order_id == SellerOrder.id)
                      .join(dispatched, dispatched.c.shipment_id == Handover.shipment_id)).where(
        _scope(level, unit_id), _in(SellerOrder.created_at, p.start, p.end)).subquery()
    stmt = select(func.avg(ranked.c.h), func.max(ranked.c.n)).where(
        or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
    median, count = db.session.execute(stmt).one()
    return (round(float(median), 1) if median is not None else None), int(count or 0)


def _late(level, unit_id) -> int:
    """Seller orders not yet dispatched although the promised dispatch time has passed (as of now)."""
    shipped = (select(Handover.id).join(Shipment, Handover.shipment_id == Shipment.id)
               .where(Handover.seller_order_id == SellerOrder.id,
                      Shipment.status.in_(("dispatched", "delivered", "returned"))).exists())
    stmt = _sellers(select(func.count(SellerOrder.id)).select_from(SellerOrder)
                    .join(Seller, SellerOrder.seller_id == Seller.id)).where(
        _scope(level, unit_id), SellerOrder.status.in_(NOT_YET_DISPATCHED),
        SellerOrder.created_at < utcnow() - DISPATCH_PROMISE, ~shipped)
    return db.session.scalar(stmt) or 0


# ---------------------------------------------------------------- ODOP items

def _odop(level, unit_id, p: Period) -> list[dict]:
    """Each ODOP item in scope: its live listings and its sales in the period, by its district's groups."""
    in_item = and_(Block.district_id == OdopItem.district_id,
                   or_(Product.category_id == OdopItem.category_id, Category.parent_id == OdopItem.category_id))
    listings = (select(func.count(Product.id)).select_from(Product).join(Category, Product.category_id == Category.id)
                .join(Seller, Product.seller_id == Seller.id).join(Block, Seller.block_id == Block.id)
                .where(in_item, Product.status == ProductStatus.LIVE).correlate(OdopItem).scalar_subquery())

    def sold(column):
        return (select(func.coalesce(func.sum(column), 0)).select_from(OrderLine)
                .join(SellerOrder, OrderLine.seller_order_id == SellerOrder.id)
                .join(Product, OrderLine.product_id == Product.id).join(Category, Product.category_id == Category.id)
                .join(Seller, SellerOrder.seller_id == Seller.id).join(Block, Seller.block_id == Block.id)
                .where(in_item, SellerOrder.status.in_(SOLD), _in(SellerOrder.created_at, p.start, p.end))
                .correlate(OdopItem).scalar_subquery())

    units, value = sold(OrderLine.quantity), sold(OrderLine.total_paise)
    scope = {"country": true(), "state": District.state_id == unit_id, "district": OdopItem.district_id == unit_id,
             "block": OdopItem.district_id == select(Block.district_id).where(Block.id == unit_id).scalar_subquery()
             }.get(level, false())
    stmt = (select(OdopItem.id, OdopItem.name_en, OdopItem.name_hi, District.name_en, District.name_hi,
                   listings, units, value)
            .join(District, OdopItem.district_id == District.id).where(scope).order_by(District.name_en, OdopItem.id))
    return [{"id": r[0], "name_en": r[1], "name_hi": r[2], "district_en": r[3], "district_hi": r[4],
             "listings": r[5], "units": int(r[6]), "value_paise": int(r[7])} for r in db.session.execute(stmt)]


# ---------------------------------------------------------------- the whole page

FUNNEL = ("surveyed", "registered", "verified", "first_listing", "first_sale", "active")
SUMMED = ("registered", "registered_new", "verified", "verified_new", "first_listing", "first_listing_new",
          "first_sale", "first_sale_new", "active", "listings", "orders", "units", "value_paise", "selling_groups",
          "paid_paise", "paid_groups", "surveyed", "leads")


def dashboard(unit: Unit, period: Period) -> Dashboard:
    level, uid = unit.level, unit.id
    units = children(unit)
    parts = [_groups(level, uid, period), _milestones(level, uid, period), _listings(level, uid),
             _sales(level, uid, period), _paid(level, uid, period)]
    surveyed_rows, surveyed_total = _surveyed(level, uid, period)
    parts.append(surveyed_rows)
    rows = []
    for child in units:
        figures = dict.fromkeys(SUMMED, 0)
        for part in parts:
            figures.update(part.get(child.id, {}))
        rows.append(Row(child, figures))
    total = {name: sum(r.figures[name] for r in rows) for name in SUMMED}
    total.update(surveyed_total)
    for figures in [r.figures for r in rows] + [total]:
        figures["avg_value_paise"] = figures["value_paise"] // figures["selling_groups"] if figures[
            "selling_groups"] else 0
        figures["avg_paid_paise"] = figures["paid_paise"] // figures["paid_groups"] if figures["paid_groups"] else 0
    rank(rows)
    median, dispatched = _median_dispatch_hours(level, uid, period)
    fulfilment = {"orders": _orders_by_stage(level, uid, period), "parcels": _parcels_by_stage(level, uid, period),
                  "median_hours": median, "dispatched": dispatched, "late": _late(level, uid)}
    return Dashboard(unit, period, rows, total, fulfilment, _odop(level, uid, period), utcnow())


def rank(rows: list[Row]) -> None:
    """Best first: goods value sold in the period, then groups linked to market, then name. Equal figures
    share a rank (1, 2, 2, 4)."""
    rows.sort(key=lambda r: (-r.figures["value_paise"], -r.figures["first_sale"], r.unit.name_en))
    previous, place = None, 0
    for i, row in enumerate(rows, start=1):
        key = (row.figures["value_paise"], row.figures["first_sale"])
        if key != previous:
            place, previous = i, key
        row.rank = place


def funnel(total: dict) -> list[tuple[str, int, float | None]]:
    """(step, count, percentage of the step before) along the path to market."""
    steps, before = [], None
    for name in FUNNEL:
        count = total[name]
        steps.append((name, count, round(100.0 * count / before, 1) if before else None))
        before = count
    return steps
