"""The progress of a requisition: made / passed / accepted / delivered against the target and the split, by block
and by group, per day, the finish date at the current rate, and the groups falling behind.

The number of SQL statements does not depend on the number of groups: totals, blocks, days, the groups behind
and one page of groups are each one aggregate or one LIMITed query over the running totals kept on allocations.
`scope_blocks` limits everything to some blocks (a block official sees only his)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.core import charts
from marketplace.core.pagination import paginate
from marketplace.extensions import db
from marketplace.geo.models import Block
from marketplace.institutions.models import Institution
from marketplace.requisitions.models import RUNNING, Allocation, Requisition, RequisitionDay, RequisitionPoint
from marketplace.requisitions.services import today_ist
from marketplace.sellers.models import Seller

PER_PAGE = 50
BEHIND_LIMIT = 20
RATE_DAYS = 7  # the current rate: the last week's reports


@dataclass
class Totals:
    groups: int = 0
    allocated: int = 0
    committed: int = 0
    made: int = 0
    passed: int = 0
    accepted: int = 0
    rejected: int = 0
    delivered: int = 0


@dataclass
class Progress:
    req: Requisition
    totals: Totals
    target: int
    # (block_id, en, hi, groups, committed, made, passed, accepted, delivered)
    blocks: list = field(default_factory=list)
    daily: list = field(default_factory=list)  # (day, made, passed)
    behind: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    page: int = 1
    pages: int = 1
    rate: int = 0  # units a day at the current rate
    forecast: date | None = None
    expected_by_now: int = 0

    @property
    def on_time(self) -> bool | None:
        return None if self.forecast is None else self.forecast <= self.req.deadline

    def percent(self, value: int) -> int:
        return min(100, value * 100 // self.target) if self.target else 0


def _scoped(stmt, column, scope_blocks):
    return stmt if scope_blocks is None else stmt.where(column.in_(list(scope_blocks)))


def daily_totals(req: Requisition, scope_blocks=None) -> list:
    """(day, made, passed) from the per-block day rows (days × blocks rows, whatever the number of groups)."""
    d = RequisitionDay
    return list(db.session.execute(_scoped(
        select(d.day, func.sum(d.made), func.sum(d.passed)).where(d.requisition_id == req.id)
        .group_by(d.day).order_by(d.day), d.block_id, scope_blocks)))


def elapsed_and_duration(req: Requisition, as_of: date) -> tuple[int, int]:
    start = req.started_on or as_of
    duration = max((req.deadline - start).days, 1)
    return min(max((as_of - start).days, 0), duration), duration


def progress(req: Requisition, *, scope_blocks=None, page: int = 1, as_of: date | None = None) -> Progress:
    as_of = as_of or today_ist()
    a = Allocation
    totals_row = db.session.execute(_scoped(select(
        func.count(a.id), func.coalesce(func.sum(a.quantity), 0), func.coalesce(func.sum(a.committed), 0),
        func.coalesce(func.sum(a.made), 0), func.coalesce(func.sum(a.passed), 0),
        func.coalesce(func.sum(a.accepted), 0), func.coalesce(func.sum(a.rejected), 0),
        func.coalesce(func.sum(a.delivered), 0)).where(a.requisition_id == req.id, a.quantity > 0),
        a.block_id, scope_blocks)).one()
    totals = Totals(*(int(v) for v in totals_row))
    target = req.quantity if scope_blocks is None else totals.allocated
    blocks = list(db.session.execute(_scoped(
        select(a.block_id, Block.name_en, Block.name_hi, func.count(a.id), func.sum(a.committed), func.sum(a.made),
               func.sum(a.passed), func.sum(a.accepted), func.sum(a.delivered))
        .join(Block, Block.id == a.block_id).where(a.requisition_id == req.id, a.quantity > 0)
        .group_by(a.block_id, Block.name_en, Block.name_hi).order_by(Block.name_en), a.block_id, scope_blocks)))
    daily = daily_totals(req, scope_blocks)
    elapsed, duration = elapsed_and_duration(req, as_of)
    # behind: made is short of the straight line from the start to the deadline (committed × elapsed / duration)
    shortfall = a.committed * elapsed - a.made * duration
    behind = list(db.session.execute(_scoped(
        select(a, Seller.name_hi, Seller.name_en, Block.name_en, Block.name_hi)
        .join(Seller, Seller.id == a.seller_id).join(Block, Block.id == a.block_id)
        .where(a.requisition_id == req.id, a.committed > 0, shortfall > 0)
        .order_by(shortfall.desc(), a.id).limit(BEHIND_LIMIT), a.block_id, scope_blocks))) if elapsed else []
    groups = paginate(_scoped(
        select(a, Seller.name_hi, Seller.name_en, Block.name_en, Block.name_hi)
        .join(Seller, Seller.id == a.seller_id).join(Block, Block.id == a.block_id)
        .where(a.requisition_id == req.id, a.quantity > 0)
        .order_by(Block.name_en, Seller.name_en, a.id), a.block_id, scope_blocks),
        page, PER_PAGE, total=totals.groups, fetch=lambda stmt: list(db.session.execute(stmt)))
    recent = [made for day, made, _p in daily if day > as_of - timedelta(days=RATE_DAYS)]
    rate = sum(recent) // RATE_DAYS if recent else 0
    remaining = max(target - totals.made, 0)
    forecast = None
    if remaining == 0 and totals.made:
        forecast = daily[-1][0] if daily else as_of
    elif rate > 0:
        forecast = as_of + timedelta(days=-(-remaining // rate))
    return Progress(req, totals, target, blocks, daily, behind, groups.items, groups.number, groups.pages, rate,
                    forecast, target * elapsed // duration)


def chart_svg(prog, title: str, labels: tuple[str, str, str]) -> bytes:
    """Daily made and passed as bars, server-side (no JavaScript; the page shows the same figures in a table)."""
    days = [day for day, _m, _p in prog.daily]
    return charts.daily(title, days, [(labels[0], [int(m) for _d, m, _p in prog.daily]),
                                      (labels[1], [int(p) for _d, _m, p in prog.daily])]).encode("utf-8")


def progress_for_blocks(block_ids) -> list[dict]:
    """Requisitions in production that touch these blocks (a group or a delivery point there), with the target,
    the block's share and what was made and accepted there. For the officials' dashboards."""
    block_ids = list(block_ids)
    if not block_ids:
        return []
    a = Allocation
    with_points = select(RequisitionPoint.requisition_id).where(RequisitionPoint.block_id.in_(block_ids))
    touching = select(a.requisition_id).where(a.block_id.in_(block_ids)).union(with_points).subquery()
    here = (select(a.requisition_id.label("rid"), func.sum(a.committed).label("committed"),
                   func.sum(a.made).label("made"), func.sum(a.accepted).label("accepted"),
                   func.count(a.id).label("groups"))
            .where(a.block_id.in_(block_ids), a.quantity > 0).group_by(a.requisition_id).subquery())
    everywhere = (select(a.requisition_id.label("rid"), func.sum(a.accepted).label("accepted"))
                  .group_by(a.requisition_id).subquery())
    stmt = (select(Requisition.id, Requisition.title, Requisition.status, Requisition.deadline, Requisition.quantity,
                   Institution.name, here.c.committed, here.c.made, here.c.accepted, here.c.groups,
                   everywhere.c.accepted)
            .join(Institution, Institution.id == Requisition.institution_id)
            .outerjoin(here, here.c.rid == Requisition.id).outerjoin(everywhere, everywhere.c.rid == Requisition.id)
            .where(Requisition.id.in_(select(touching.c.requisition_id)), Requisition.status.in_(RUNNING))
            .order_by(Requisition.deadline, Requisition.id))
    return [{"id": rid, "title": title, "status": status, "deadline": deadline, "target": quantity,
             "institution": inst, "block_committed": int(committed or 0), "block_made": int(made or 0),
             "block_accepted": int(accepted or 0), "block_groups": int(groups or 0),
             "accepted": int(total_accepted or 0)}
            for rid, title, status, deadline, quantity, inst, committed, made, accepted, groups, total_accepted
            in db.session.execute(stmt)]
