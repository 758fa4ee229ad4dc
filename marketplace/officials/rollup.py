"""The nightly roll-up behind the dashboards: per group and Indian day, what sold; order and parcel stages;
dispatch-time histograms; each group's milestones; orders past the promised time.

`rebuild()` recomputes all of it from the orders, catalogue and fulfilment tables in one transaction with
INSERT … SELECT (no rows pass through Python), so readers see the old roll-up or the new one, never half.
Run it nightly (`flask officials rollup`; `rebuild` is the function a scheduler such as Celery beat calls)
and after loading demo data. Dashboards say "as of" the last run.
"""

import time

from sqlalchemy import Date, Integer, cast, delete, func, insert, literal, null, select, text

from marketplace.catalog.models import Product
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.fulfilment.models import FulfilmentEvent, Handover, PackagingHouse, Parcel, Shipment
from marketplace.geo.models import Block, District
from marketplace.officials.metrics import DISPATCH_PROMISE, NOT_YET_DISPATCHED, SOLD, _dialect, seconds_between
from marketplace.officials.models import DispatchDay, RollupRun, SalesDay, SalesMonth, SellerMilestones, StageDay
from marketplace.orders.models import OrderLine, SellerOrder, SellerOrderStatus
from marketplace.sellers.models import Seller

PLACE = (Seller.block_id, Block.district_id, District.state_id)


def ist_day(column):
    """The Indian calendar day of a UTC timestamp."""
    if _dialect() == "postgresql":
        return func.date(func.timezone("Asia/Kolkata", column))
    return func.date(column, "+330 minutes")


def _with_place(stmt):
    return stmt.join(Seller, SellerOrder.seller_id == Seller.id).join(Block, Seller.block_id == Block.id).join(
        District, Block.district_id == District.id)


def last_run() -> RollupRun | None:
    return db.session.scalar(select(RollupRun).order_by(RollupRun.id.desc()).limit(1))


def rebuild() -> RollupRun:
    started = time.perf_counter()
    session = db.session
    for model in (SalesDay, SalesMonth, StageDay, DispatchDay, SellerMilestones):
        session.execute(delete(model))
    sold = SellerOrder.status.in_(SOLD)
    day = ist_day(SellerOrder.created_at)
    place_cols = ["block_id", "district_id", "state_id"]

    # sales per group and day: all categories, then per category
    for per_category in (False, True):
        category = Product.category_id if per_category else null()
        stmt = select(day, SellerOrder.seller_id, category, *PLACE, func.count(func.distinct(SellerOrder.id)),
                      func.sum(OrderLine.quantity), func.sum(OrderLine.total_paise)).select_from(OrderLine).join(
            SellerOrder, OrderLine.seller_order_id == SellerOrder.id)
        if per_category:
            stmt = stmt.join(Product, OrderLine.product_id == Product.id)
        stmt = _with_place(stmt).where(sold).group_by(day, SellerOrder.seller_id, *PLACE,
                                                      *([Product.category_id] if per_category else []))
        session.execute(insert(SalesDay).from_select(
            ["day", "seller_id", "category_id", *place_cols, "orders", "units", "value_paise"], stmt))

    # the same per month, for month and financial-year periods
    month = func.date_trunc("month", SalesDay.day).cast(Date) if _dialect() == "postgresql" else func.date(
        SalesDay.day, "start of month")
    stmt = select(month, SalesDay.seller_id, SalesDay.category_id, SalesDay.block_id, SalesDay.district_id,
                  SalesDay.state_id, func.sum(SalesDay.orders), func.sum(SalesDay.units),
                  func.sum(SalesDay.value_paise)).group_by(month, SalesDay.seller_id, SalesDay.category_id,
                                                           SalesDay.block_id, SalesDay.district_id, SalesDay.state_id)
    session.execute(insert(SalesMonth).from_select(
        ["day", "seller_id", "category_id", *place_cols, "orders", "units", "value_paise"], stmt))

    # seller orders per status and day (awaiting payment is not an order yet)
    stmt = _with_place(select(day, literal("order"), SellerOrder.status, *PLACE, func.count(SellerOrder.id))
                       .select_from(SellerOrder)).where(
        SellerOrder.status != SellerOrderStatus.AWAITING_PAYMENT).group_by(day, SellerOrder.status, *PLACE)
    session.execute(insert(StageDay).from_select(["day", "kind", "status", *place_cols, "count"], stmt))

    # parcels per status and packing day, at the packaging house's block
    parcel_day = ist_day(Parcel.created_at)
    stmt = (select(parcel_day, literal("parcel"), Parcel.status, PackagingHouse.block_id, Block.district_id,
                   District.state_id, func.count(Parcel.id)).select_from(Parcel)
            .join(PackagingHouse, Parcel.house_id == PackagingHouse.id)
            .join(Block, PackagingHouse.block_id == Block.id).join(District, Block.district_id == District.id)
            .group_by(parcel_day, Parcel.status, PackagingHouse.block_id, Block.district_id, District.state_id))
    session.execute(insert(StageDay).from_select(["day", "kind", "status", *place_cols, "count"], stmt))

    # orders past the promised dispatch time, as of now
    now = utcnow()
    shipped = (select(Handover.id).join(Shipment, Handover.shipment_id == Shipment.id)
               .where(Handover.seller_order_id == SellerOrder.id,
                      Shipment.status.in_(("dispatched", "delivered", "returned"))).exists())
    today = ist_day(literal(now, type_=SellerOrder.created_at.type))
    stmt = _with_place(select(today, literal("late"), literal(""), *PLACE, func.count(SellerOrder.id))
                       .select_from(SellerOrder)).where(
        SellerOrder.status.in_(NOT_YET_DISPATCHED), SellerOrder.created_at < now - DISPATCH_PROMISE,
        ~shipped).group_by(*PLACE)
    session.execute(insert(StageDay).from_select(["day", "kind", "status", *place_cols, "count"], stmt))

    # hours from order to dispatch, as a histogram per order day
    dispatched = (select(FulfilmentEvent.shipment_id.label("shipment_id"), func.min(FulfilmentEvent.at).label("at"))
                  .where(FulfilmentEvent.shipment_id.is_not(None), FulfilmentEvent.to_state == "dispatched")
                  .group_by(FulfilmentEvent.shipment_id).subquery())
    hours = cast(func.round(seconds_between(dispatched.c.at, SellerOrder.created_at) / 3600.0), Integer)
    stmt = _with_place(select(day, hours, *PLACE, func.count(SellerOrder.id)).select_from(SellerOrder)
                       .join(Handover, Handover.seller_order_id == SellerOrder.id)
                       .join(dispatched, dispatched.c.shipment_id == Handover.shipment_id)).group_by(
        day, hours, *PLACE)
    session.execute(insert(DispatchDay).from_select(["day", "hours", *place_cols, "count"], stmt))

    # each group's milestones
    listing = (select(Product.seller_id.label("seller_id"), func.min(Product.published_at).label("at"))
               .where(Product.published_at.is_not(None)).group_by(Product.seller_id).subquery())
    first_sale = (select(SellerOrder.seller_id.label("seller_id"), func.min(SellerOrder.created_at).label("at"))
                  .where(sold).group_by(SellerOrder.seller_id).subquery())
    stmt = (select(Seller.id, *PLACE, listing.c.at, first_sale.c.at).select_from(Seller)
            .join(Block, Seller.block_id == Block.id).join(District, Block.district_id == District.id)
            .outerjoin(listing, listing.c.seller_id == Seller.id)
            .outerjoin(first_sale, first_sale.c.seller_id == Seller.id))
    session.execute(insert(SellerMilestones).from_select(
        ["seller_id", *place_cols, "first_listing_at", "first_sale_at"], stmt))

    run = RollupRun(finished_at=utcnow(), seconds=round(time.perf_counter() - started, 3))
    session.add(run)
    session.commit()
    if _dialect() == "postgresql":  # fresh statistics, or the planner guesses 1 row and sorts on disk
        for model in (SalesDay, SalesMonth, StageDay, DispatchDay, SellerMilestones):
            session.execute(text(f"ANALYZE {model.__tablename__}"))
        session.commit()
    return run
