"""Mission 20-20: monthly targets for the units below an official, achievement against them, and what
"linked to market" means (one place: `linked_milestone`).

Kondagaon's district team asks each block for 20 groups linked to markets a month; the district official sets
those targets here, and the page shows each block's month-by-month achievement, its year so far against the
annual figure (the sum of its monthly targets) and a ranking.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from marketplace.core.errors import DomainError
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block, District
from marketplace.officials.metrics import Unit, _rscope, _scope, _sellers, children, ist_month
from marketplace.officials.models import LinkedDefinition, SellerMilestones, Target, TargetRevision
from marketplace.officials.periods import EARLIEST, fy_months, fy_period, today_ist
from marketplace.sellers.models import Seller, Verification

MEASURES = ("linked", "registered", "verified")
MILESTONES = ("first_sale", "first_listing")
DEFAULT_MILESTONE = "first_sale"
MAX_TARGET = 100_000
# The rows of a targets page: the units one level down, except at block level where it is the block itself.
ROW_LEVEL = {"country": "state", "state": "district", "district": "block", "block": "block"}
_ROW_KEY = {"country": District.state_id, "state": Block.district_id, "district": Block.id, "block": Block.id}


class TargetError(DomainError):
    pass


def measure_label(measure: str) -> str:
    return {"linked": _l("Groups linked to market"), "registered": _l("Groups registered"),
            "verified": _l("Groups verified")}[measure]


def milestone_label(milestone: str) -> str:
    return {"first_sale": _l("first sale"), "first_listing": _l("first listing on sale")}[milestone]


# ---------------------------------------------------------------- "linked to market"

def linked_milestone(unit: Unit) -> str:
    """What "linked to market" means for targets set at `unit` (for the units below it): the definition its
    officials chose, else the nearest one above, else the first sale."""
    chain, u = [], unit
    while u is not None:
        chain.append((u.level, u.id))
        u = u.parent
    rows = dict(db.session.execute(select(LinkedDefinition.unit_level, LinkedDefinition.milestone).where(
        or_(*(and_(LinkedDefinition.unit_level == lv, LinkedDefinition.unit_id == i) for lv, i in chain)))).all())
    for level, _id in chain:
        if level in rows:
            return rows[level]
    return DEFAULT_MILESTONE


def set_linked_milestone(actor, unit: Unit, milestone: str) -> None:
    if milestone not in MILESTONES:
        raise TargetError(_l("Choose first sale or first listing on sale."), field="milestone")
    row = db.session.scalar(select(LinkedDefinition).where(LinkedDefinition.unit_level == unit.level,
                                                           LinkedDefinition.unit_id == unit.id))
    actor_id = actor.id
    if row is None:
        db.session.add(LinkedDefinition(unit_level=unit.level, unit_id=unit.id, milestone=milestone,
                                        set_by_id=actor_id))
    else:
        row.milestone, row.set_by_id, row.at = milestone, actor_id, utcnow()
    db.session.commit()


# ---------------------------------------------------------------- setting targets

def parse_month(text: str) -> date:
    try:
        year, month = (int(x) for x in (text or "").strip().split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise TargetError(_l("Give the month as year-month, e.g. 2026-04."), field="month") from None
    if not EARLIEST <= first <= today_ist().replace(day=1) + timedelta(days=800):
        raise TargetError(_l("Choose a month between 2015 and the end of next financial year."), field="month")
    return first


def _whole(raw: str, name: str, unit_name: str) -> int | None:
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None  # left empty: no change
    if text.startswith("-") and text[1:].isdigit():
        raise TargetError(_l("%(unit)s: a target cannot be below zero.", unit=unit_name), field=name)
    if not text.isdigit():
        raise TargetError(_l("%(unit)s: give the target as a whole number, such as 20.", unit=unit_name),
                          field=name)
    if int(text) > MAX_TARGET:
        raise TargetError(_l("%(unit)s: a monthly target above %(max)d is not believable.", unit=unit_name,
                             max=MAX_TARGET), field=name)
    return int(text)


def set_targets(actor, unit: Unit, measure: str, month_text: str, values: dict[str, str],
                through_march: bool = False, unit_names: dict[int, str] | None = None) -> int:
    """Set the targets of the units below `unit` for one month (or that month and each one after it up to
    March). `values` maps a child unit's id (as the form sends it) to what was typed. Everything is checked
    first; one bad value and nothing is saved. Returns how many targets changed."""
    if unit.level == "block":
        raise TargetError(_l("Targets are set for the units below a district, state or country."), status=403)
    if measure not in MEASURES:
        raise TargetError(_l("Choose what the target counts."), field="measure")
    month = parse_month(month_text)
    fy = month.year if month.month >= 4 else month.year - 1
    months = [m for m in fy_months(fy) if m >= month] if through_march else [month]
    allowed = {u.id: u for u in children(unit)}
    names = unit_names or {}
    errors, parsed = {}, {}
    for raw_id, raw in values.items():
        if not str(raw_id).isdigit() or int(raw_id) not in allowed:
            raise TargetError(_l("One of the units is not below yours: nothing was saved."), field="units",
                              status=403)
        child = allowed[int(raw_id)]
        try:
            value = _whole(raw, f"t-{child.id}", names.get(child.id, child.name_en))
        except TargetError as exc:
            errors.update(exc.errors)
            continue
        if value is not None:
            parsed[child.id] = value
    if errors:
        raise TargetError(_l("Some targets are not whole numbers of 0 or more: nothing was saved."), errors=errors)
    if not parsed:
        raise TargetError(_l("Type at least one target."), field="units")
    existing = {(t.unit_id, t.month): t for t in db.session.scalars(select(Target).where(
        Target.unit_level == ROW_LEVEL[unit.level], Target.unit_id.in_(parsed), Target.measure == measure,
        Target.month.in_(months)))}
    changed = 0
    for child_id, value in parsed.items():
        for m in months:
            target = existing.get((child_id, m))
            if target is not None and target.value == value:
                continue
            if target is None:
                target = Target(unit_level=ROW_LEVEL[unit.level], unit_id=child_id, measure=measure, month=m,
                                value=value, set_by_id=actor.id)
                db.session.add(target)
                db.session.flush()
                old = None
            else:
                old, target.value, target.set_by_id = target.value, value, actor.id
            db.session.add(TargetRevision(target_id=target.id, old_value=old, new_value=value, actor_id=actor.id))
            changed += 1
    db.session.commit()
    return changed


# ---------------------------------------------------------------- achievement

@dataclass
class TargetRow:
    unit: Unit
    months: list[tuple[int | None, int]] = field(default_factory=list)  # (target, achieved) per FY month
    year_achieved: int = 0
    annual_target: int = 0
    to_date_target: int = 0
    rank: int = 0

    @property
    def percent(self) -> float | None:
        """Achievement so far against the targets of the months so far."""
        return round(100.0 * self.year_achieved / self.to_date_target, 1) if self.to_date_target else None


_ROLLUP_KEY = {"country": SellerMilestones.state_id, "state": SellerMilestones.district_id,
               "district": SellerMilestones.block_id, "block": SellerMilestones.block_id}


def achievement(unit: Unit, measure: str, fy: int) -> tuple[list[TargetRow], str]:
    """Per row unit and FY month: target and achieved; year so far; ranking. Linked groups come from the
    roll-up's milestones, registered and verified groups from the groups themselves."""
    period = fy_period(fy)
    milestone = linked_milestone(unit)
    rows_level = ROW_LEVEL[unit.level]
    units = [unit] if unit.level == "block" else children(unit)
    if measure == "linked":
        m = SellerMilestones
        column = m.first_sale_at if milestone == "first_sale" else m.first_listing_at
        key, month = _ROLLUP_KEY[unit.level], ist_month(column)
        stmt = select(key, month, func.count(m.seller_id)).where(_rscope(m, unit.level, unit.id))
    else:
        column = Seller.created_at if measure == "registered" else Seller.verified_at
        key, month = _ROW_KEY[unit.level], ist_month(column)
        stmt = _sellers(select(key, month, func.count(Seller.id)).select_from(Seller)).where(
            _scope(unit.level, unit.id))
        if measure == "verified":
            stmt = stmt.where(Seller.status == Verification.VERIFIED)
    stmt = stmt.where(column >= period.start, column < period.end).group_by(key, month)
    achieved = {(r[0], r[1]): r[2] for r in db.session.execute(stmt)}
    targets = {(t.unit_id, t.month): t.value for t in db.session.execute(
        select(Target.unit_id, Target.month, Target.value).where(
            Target.unit_level == rows_level, Target.unit_id.in_([u.id for u in units]), Target.measure == measure,
            Target.month >= period.first, Target.month <= period.last))}
    months = fy_months(fy)
    this_month = today_ist().replace(day=1)
    rows = []
    for u in units:
        row = TargetRow(u)
        for m in months:
            target = targets.get((u.id, m))
            done = achieved.get((u.id, m.strftime("%Y-%m")), 0)
            row.months.append((target, done))
            row.year_achieved += done
            row.annual_target += target or 0
            if m <= this_month:
                row.to_date_target += target or 0
        rows.append(row)
    rows.sort(key=lambda r: (-(r.percent or 0), -r.year_achieved, r.unit.name_en))
    previous, place = None, 0
    for i, row in enumerate(rows, start=1):
        if (row.percent, row.year_achieved) != previous:
            place, previous = i, (row.percent, row.year_achieved)
        row.rank = place
    return rows, milestone


def history(unit: Unit, measure: str, fy: int, limit: int = 30) -> list:
    """The latest changes to targets below `unit` in a FY: unit id, month, old, new, when, by whom (id)."""
    period = fy_period(fy)
    units = [unit] if unit.level == "block" else children(unit)
    stmt = (select(Target.unit_id, Target.month, TargetRevision.old_value, TargetRevision.new_value,
                   TargetRevision.at)
            .join(TargetRevision, TargetRevision.target_id == Target.id)
            .where(Target.unit_level == ROW_LEVEL[unit.level], Target.unit_id.in_([u.id for u in units]),
                   Target.measure == measure, Target.month >= period.first, Target.month <= period.last)
            .order_by(TargetRevision.id.desc()).limit(limit))
    return list(db.session.execute(stmt))
