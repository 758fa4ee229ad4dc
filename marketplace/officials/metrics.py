"""The dashboard's figures, each from one aggregate SQL statement grouped by the unit one level down.

This is a read side over other domains' tables (sellers, catalogue, orders, fulfilment, settlements), like
catalog/queries.py: it only reads. Every figure is computed by the database (COUNT / SUM / MIN / window
functions); Python only adds up the per-unit rows into the scope's total. The number of statements does not
depend on how many units, groups or orders there are.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Integer, and_, case, cast, distinct, false, func, literal, or_, select, true

from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.extensions import cache, db
from marketplace.geo.models import Block, District, State
from marketplace.officials.models import (
    DispatchDay,
    OdopItem,
    RollupRun,
    SalesDay,
    SalesMonth,
    SellerMilestones,
    StageDay,
    SurveyEntry,
)
from marketplace.officials.periods import IST, Period
from marketplace.orders.models import SellerOrderStatus
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
ROLLUP_CACHE_SECONDS = 6 * 3600  # a new roll-up makes new keys; this only bounds what the cache keeps
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
    rolled_up_at: object = None  # when the roll-up these figures come from was made (None: never)

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


def block_ids(unit: Unit) -> list[int]:
    """The blocks under a unit (one statement), for figures other domains keep per block."""
    stmt = select(Block.id).join(District, Block.district_id == District.id).where(_place_scope(unit.level, unit.id))
    return list(db.session.scalars(stmt))


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


def _rkey(model, level: str):
    """The child key on a roll-up table (which carries block, district and state ids)."""
    return {"country": model.state_id, "state": model.district_id, "district": model.block_id,
            "block": getattr(model, "seller_id", None)}[level]


def _rscope(model, level: str, unit_id: int):
    return {"country": true(), "state": model.state_id == unit_id, "district": model.district_id == unit_id,
            "block": model.block_id == unit_id}[level]


def _days(model, p: Period):
    return and_(model.day >= p.first, model.day <= p.last)


def _sales_table(p: Period):
    """The monthly roll-up when the period is whole months (a month, a financial year), else the daily one."""
    whole_months = p.first.day == 1 and (p.last + timedelta(days=1)).day == 1
    return SalesMonth if whole_months else SalesDay


def _milestones(level, unit_id, p: Period) -> dict:
    m = SellerMilestones
    key = _rkey(m, level)
    stmt = select(
        key,
        func.count(m.first_listing_at).filter(m.first_listing_at < p.end),
        func.count(m.first_listing_at).filter(_in(m.first_listing_at, p.start, p.end)),
        func.count(m.first_sale_at).filter(m.first_sale_at < p.end),
        func.count(m.first_sale_at).filter(_in(m.first_sale_at, p.start, p.end)),
    ).where(_rscope(m, level, unit_id)).group_by(key)
    return {r[0]: {"first_listing": r[1], "first_listing_new": r[2], "first_sale": r[3], "first_sale_new": r[4]}
            for r in db.session.execute(stmt)}


def _active(level, unit_id, p: Period) -> dict:
    """Groups with a sale in the 30 days up to the period's end (or up to today)."""
    last = min(p.last, p.as_of.astimezone(IST).date())
    key = _rkey(SalesDay, level)
    stmt = select(key, func.count(distinct(SalesDay.seller_id))).where(
        _rscope(SalesDay, level, unit_id), SalesDay.category_id.is_(None),
        SalesDay.day > last - ACTIVE_WINDOW, SalesDay.day <= last).group_by(key)
    return {r[0]: {"active": r[1]} for r in db.session.execute(stmt)}


def _listings(level, unit_id) -> dict:
    key = _child_key(level)
    stmt = _sellers(select(key, func.count(Product.id)).select_from(Product)
                    .join(Seller, Product.seller_id == Seller.id)).where(
        _scope(level, unit_id), Product.status == ProductStatus.LIVE).group_by(key)
    return {r[0]: {"listings": r[1]} for r in db.session.execute(stmt)}


def _sales(level, unit_id, p: Period) -> dict:
    """Per child: orders, units, value and how many groups sold. Summed per group first, then per child (two
    hash aggregations are much cheaper than COUNT(DISTINCT) over every group-day)."""
    t = _sales_table(p)
    key = _rkey(t, level)
    per_group = select(key.label("k"), func.sum(t.orders).label("o"), func.sum(t.units).label("u"),
                       func.sum(t.value_paise).label("v")).where(
        _rscope(t, level, unit_id), t.category_id.is_(None), _days(t, p)).group_by(key, t.seller_id).subquery()
    stmt = select(per_group.c.k, func.sum(per_group.c.o), func.sum(per_group.c.u), func.sum(per_group.c.v),
                  func.count()).group_by(per_group.c.k)
    return {r[0]: {"orders": int(r[1]), "units": int(r[2]), "value_paise": int(r[3]), "selling_groups": r[4]}
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

def _stages(level, unit_id, p: Period) -> dict:
    """{kind: {status: count}} for orders and parcels of the period, and the late orders (as of the roll-up)."""
    in_period = or_(StageDay.kind == "late", _days(StageDay, p))
    stmt = select(StageDay.kind, StageDay.status, func.sum(StageDay.count)).where(
        _rscope(StageDay, level, unit_id), in_period).group_by(StageDay.kind, StageDay.status)
    found: dict = {"order": {}, "parcel": {}, "late": {}}
    for kind, status, count in db.session.execute(stmt):
        found[kind][status] = int(count)
    return found


def _median_dispatch_hours(level, unit_id, p: Period) -> tuple[float | None, int]:
    """Median whole hours from order to dispatch over the period's dispatched seller orders, from the
    histogram: the mean of the two middle values (one when the count is odd)."""
    hist = (select(DispatchDay.hours.label("h"), func.sum(DispatchDay.count).label("c"))
            .where(_rscope(DispatchDay, level, unit_id), _days(DispatchDay, p)).group_by(DispatchDay.hours)
            .subquery())
    cum = select(hist.c.h, cast(func.sum(hist.c.c).over(order_by=hist.c.h), Integer).label("cum"),
                 cast(func.sum(hist.c.c).over(), Integer).label("n")).subquery()  # PostgreSQL sums are numeric
    low = func.min(case((cum.c.cum >= (cum.c.n + 1) // 2, cum.c.h)))
    high = func.min(case((cum.c.cum >= cum.c.n // 2 + 1, cum.c.h)))
    median_low, median_high, count = db.session.execute(select(low, high, func.max(cum.c.n))).one()
    if count is None:
        return None, 0
    return round((median_low + median_high) / 2, 1), int(count)


# ---------------------------------------------------------------- ODOP items

def _odop(level, unit_id, p: Period) -> list[dict]:
    """Each ODOP item in scope: its live listings now and its sales in the period, by its district's groups
    (a product counts when its category is the item's or a sub-category of it)."""
    in_item = or_(Category.id == OdopItem.category_id, Category.parent_id == OdopItem.category_id)
    # the item's categories first (a handful of rows), then the roll-up rows of those categories and districts
    item_categories = (select(OdopItem.id.label("item_id"), OdopItem.district_id.label("district_id"),
                              Category.id.label("category_id")).join(Category, in_item).subquery())
    t = _sales_table(p)
    sales = (select(item_categories.c.item_id, func.sum(t.units).label("units"),
                    func.sum(t.value_paise).label("value")).select_from(item_categories)
             .join(t, and_(t.district_id == item_categories.c.district_id,
                           t.category_id == item_categories.c.category_id))
             .where(_days(t, p)).group_by(item_categories.c.item_id).subquery())
    listings = (select(item_categories.c.item_id, func.count(Product.id).label("n")).select_from(item_categories)
                .join(Product, Product.category_id == item_categories.c.category_id)
                .join(Seller, Product.seller_id == Seller.id).join(Block, Seller.block_id == Block.id)
                .where(Block.district_id == item_categories.c.district_id, Product.status == ProductStatus.LIVE)
                .group_by(item_categories.c.item_id).subquery())
    scope = {"country": true(), "state": District.state_id == unit_id, "district": OdopItem.district_id == unit_id,
             "block": OdopItem.district_id == select(Block.district_id).where(Block.id == unit_id).scalar_subquery()
             }.get(level, false())
    stmt = (select(OdopItem.id, OdopItem.name_en, OdopItem.name_hi, District.name_en, District.name_hi,
                   func.coalesce(listings.c.n, 0), func.coalesce(sales.c.units, 0), func.coalesce(sales.c.value, 0))
            .join(District, OdopItem.district_id == District.id).outerjoin(sales, sales.c.item_id == OdopItem.id)
            .outerjoin(listings, listings.c.item_id == OdopItem.id)
            .where(scope).order_by(District.name_en, OdopItem.id))
    return [{"id": r[0], "name_en": r[1], "name_hi": r[2], "district_en": r[3], "district_hi": r[4],
             "listings": r[5], "units": int(r[6]), "value_paise": int(r[7])} for r in db.session.execute(stmt)]


# ---------------------------------------------------------------- the whole page

FUNNEL = ("surveyed", "registered", "verified", "first_listing", "first_sale", "active")
SUMMED = ("registered", "registered_new", "verified", "verified_new", "first_listing", "first_listing_new",
          "first_sale", "first_sale_new", "active", "listings", "orders", "units", "value_paise", "selling_groups",
          "paid_paise", "paid_groups", "surveyed", "leads")


def _rolled_up(level, uid, period: Period, run) -> dict:
    """The figures read from the roll-up. They change only when the roll-up is rebuilt, so they are kept in the
    shared cache under the run's id and time (and today's date, which the 30-day window depends on)."""
    def compute():
        median, dispatched = _median_dispatch_hours(level, uid, period)
        return {"milestones": _milestones(level, uid, period), "active": _active(level, uid, period),
                "sales": _sales(level, uid, period), "stages": _stages(level, uid, period),
                "median": median, "dispatched": dispatched}

    if run is None:
        return compute()
    key = (f"officials:{run.id}:{run.finished_at.isoformat()}:{level}:{uid}:{period.first}:{period.last}:"
           f"{period.as_of.astimezone(IST).date()}")
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=ROLLUP_CACHE_SECONDS)
    return found


def dashboard(unit: Unit, period: Period) -> Dashboard:
    level, uid = unit.level, unit.id
    run = db.session.execute(select(RollupRun.id, RollupRun.finished_at).order_by(RollupRun.id.desc())
                             .limit(1)).first()
    rolled = _rolled_up(level, uid, period, run)
    units = children(unit)
    parts = [_groups(level, uid, period), rolled["milestones"], rolled["active"], _listings(level, uid),
             rolled["sales"], _paid(level, uid, period)]
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
    stages = rolled["stages"]
    fulfilment = {"orders": stages["order"], "parcels": stages["parcel"], "median_hours": rolled["median"],
                  "dispatched": rolled["dispatched"], "late": stages["late"].get("", 0)}
    return Dashboard(unit, period, rows, total, fulfilment, _odop(level, uid, period),
                     run.finished_at if run else None)


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
