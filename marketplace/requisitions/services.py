"""Requisitions: writing one (points typed or from a CSV), its states, the split across groups with
compare-and-set on `requisitions.version`, groups' answers, re-offers, quotes and daily reports.

Every service validates everything first, then writes, then commits once. A change of the split runs
`UPDATE requisitions SET version = version + 1 … WHERE id = :id AND version = :seen`: when two officials save at
once, the second finds the version moved and is told to look again (409), so nothing is allocated twice."""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.catalog.capacity import weekly_capacity_by_seller
from marketplace.catalog.models import Category, Product
from marketplace.core.errors import DomainError
from marketplace.core.formatting import to_ist
from marketplace.core.states import IllegalTransition
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block, District
from marketplace.institutions.models import Institution
from marketplace.requisitions import allocation
from marketplace.requisitions.models import (
    REQUISITION,
    RUNNING,
    Allocation,
    AllocationEvent,
    AllocStatus,
    DailyReport,
    Quote,
    QuoteStatus,
    ReqStatus,
    Requisition,
    RequisitionDay,
    RequisitionEvent,
    RequisitionPoint,
)
from marketplace.sellers.models import FederationLevel, Seller

MAX_QUANTITY = 100_000_000  # 10 crore units: anything above is a typing mistake
MAX_POINTS = 2000
MAX_CSV_BYTES = 1_000_000


class RequisitionError(DomainError):
    pass


def today_ist() -> date:
    return to_ist(utcnow()).date()


def _positive_int(raw, field: str, maximum: int = MAX_QUANTITY, allow_zero: bool = False) -> int:
    text = str(raw if raw is not None else "").strip().replace(",", "")
    if not text.isdigit() or len(text) > 10:
        raise RequisitionError(_l("Enter a whole number (digits only)."), field=field)
    value = int(text)
    if value < (0 if allow_zero else 1) or value > maximum:
        raise RequisitionError(_l("Enter a number from %(low)d to %(high)d.", low=0 if allow_zero else 1,
                                  high=maximum), field=field)
    return value


# ---------------------------------------------------------------- delivery points

@dataclass(frozen=True)
class PointRow:
    name: str
    block_id: int | None
    quantity: int


def _block_lookup() -> dict[str, int]:
    rows = db.session.execute(select(Block.id, Block.name_en, Block.name_hi))
    names: dict[str, int] = {}
    for block_id, en, hi in rows:
        names[en.casefold()] = block_id
        names[hi] = block_id
    return names


def parse_points_csv(data: bytes) -> list[PointRow]:
    """Rows of `name,block,quantity` (a header row is allowed). Every bad row is reported; nothing is kept
    unless every row is good."""
    if len(data) > MAX_CSV_BYTES:
        raise RequisitionError(_l("The file is too large (at most 1 MB)."), field="points_csv", status=413)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RequisitionError(_l("Please save the file as CSV in UTF-8."), field="points_csv") from None
    blocks = _block_lookup()
    rows, errors, seen = [], [], set()
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and cells[-1].casefold() in ("quantity", "qty", "मात्रा"):
            continue
        if len(cells) != 3:
            errors.append(_l("Row %(n)d: write three columns: name, block, quantity.", n=number))
            continue
        name, block, qty = cells
        if not 2 <= len(name) <= 160:
            errors.append(_l("Row %(n)d: the delivery point needs a name.", n=number))
        elif name.casefold() in seen:
            errors.append(_l("Row %(n)d: %(name)s is listed twice.", n=number, name=name))
        block_id = blocks.get(block.casefold()) or blocks.get(block) if block else None
        if block and block_id is None:
            errors.append(_l("Row %(n)d: we do not know the block %(block)s.", n=number, block=block))
        if not qty.isdigit() or not 1 <= int(qty) <= MAX_QUANTITY:
            errors.append(_l("Row %(n)d: the quantity must be a whole number above 0.", n=number))
        else:
            rows.append(PointRow(name, block_id, int(qty)))
        seen.add(name.casefold())
    if len(rows) > MAX_POINTS:
        errors.append(_l("At most %(n)d delivery points on one requisition.", n=MAX_POINTS))
    if errors:
        raise RequisitionError(_l("The file has mistakes; nothing was saved."), field="points_csv",
                               errors={"points_csv": errors[0], "rows": errors})
    if not rows:
        raise RequisitionError(_l("The file has no delivery points."), field="points_csv")
    return rows


def parse_points_text(text: str) -> list[PointRow]:
    """The typed form: one point a line, `name, block, quantity`."""
    return parse_points_csv((text or "").encode("utf-8"))


# ---------------------------------------------------------------- writing a requisition

def create_requisition(institution: Institution, user, *, title: str, quantity, deadline: date | None,
                       points: list[PointRow], product_id: int | None = None, category_id: int | None = None,
                       spec: str | None = None, price_paise: int | None = None, quality_standard: str | None = None,
                       sample_image_id: int | None = None, run_by_buyer: bool = False, unit: str = "piece",
                       po_number: str | None = None, advance_paise: int = 0) -> Requisition:
    errors = {}
    title = (title or "").strip()
    if not 3 <= len(title) <= 160:
        errors["title"] = _l("Give the requisition a short title.")
    try:
        quantity = _positive_int(quantity, "quantity")
    except RequisitionError as exc:
        errors.update(exc.errors)
        quantity = None
    if deadline is None:
        errors["deadline"] = _l("Enter the deadline.")
    elif deadline <= today_ist():
        errors["deadline"] = _l("The deadline must be a date after today.")
    product = db.session.get(Product, product_id) if product_id else None
    if product_id and product is None:
        errors["product_id"] = _l("We could not find that product.")
    if product is not None:
        category_id = product.category_id
    if category_id is None or db.session.get(Category, category_id) is None:
        errors["category_id"] = _l("Choose a product or a category.")
    if product is None and not (spec or "").strip():
        errors["spec"] = _l("Describe what you need (size, material, colour) when no product is chosen.")
    if price_paise is not None and not 1 <= price_paise <= 10_000_000_00:
        errors["price"] = _l("Enter a price per unit above ₹0, or choose 'quote me'.")
    if not points:
        errors["points"] = _l("Add at least one delivery point.")
    elif quantity is not None and sum(p.quantity for p in points) != quantity:
        errors["points"] = _l("The delivery points add up to %(sum)d, not the total %(total)d.",
                              sum=sum(p.quantity for p in points), total=quantity)
    if not institution.is_approved:
        errors["institution"] = _l("An official must approve your institution before its first requisition.")
    if advance_paise < 0:
        errors["advance"] = _l("The advance cannot be negative.")
    if errors:
        raise RequisitionError(_l("Please correct the marked fields."), errors=errors)
    req = Requisition(institution_id=institution.id, created_by_id=user.id, title=title, product_id=product_id,
                      category_id=category_id, spec=(spec or "").strip() or None, sample_image_id=sample_image_id,
                      quantity=quantity, unallocated=quantity, price_paise=price_paise, deadline=deadline,
                      quality_standard=(quality_standard or "").strip() or None, district_id=institution.district_id,
                      run_by_buyer=run_by_buyer, unit=unit, po_number=(po_number or "").strip() or None,
                      advance_paise=advance_paise, gst_rate_bp=product.gst_rate_bp if product else 0,
                      hsn_code=product.hsn_code if product else None)
    db.session.add(req)
    db.session.flush()
    db.session.execute(RequisitionPoint.__table__.insert(), [
        {"requisition_id": req.id, "name": p.name, "block_id": p.block_id, "quantity": p.quantity, "received": 0,
         "shortfall": 0} for p in points])
    db.session.add(RequisitionEvent(requisition_id=req.id, from_state=None, to_state=ReqStatus.DRAFT,
                                    actor_id=user.id, reason="written"))
    db.session.commit()
    return req


def get(req_id: int) -> Requisition | None:
    return db.session.get(Requisition, req_id)


def transition(req_id: int, target: str, actor, reason: str | None = None, *, commit: bool = True) -> None:
    """Guarded state change: UPDATE … WHERE status = :seen, and an event row."""
    current = db.session.scalar(select(Requisition.status).where(Requisition.id == req_id))
    if current is None:
        raise RequisitionError(_l("We could not find that requisition."), status=404)
    try:
        REQUISITION.check(current, target)
    except IllegalTransition:
        raise RequisitionError(_l("This requisition cannot change to that state now."), status=409) from None
    values = {"status": target, "version": Requisition.version + 1}
    if target == ReqStatus.ALLOCATING:
        values["started_on"] = today_ist()
    done = db.session.execute(update(Requisition).where(Requisition.id == req_id, Requisition.status == current)
                              .values(**values).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise RequisitionError(_l("Someone else changed this requisition just now. Please look again."), status=409)
    db.session.add(RequisitionEvent(requisition_id=req_id, from_state=current, to_state=target,
                                    actor_id=actor.id if actor else None, reason=reason))
    if commit:
        db.session.commit()
        db.session.expire_all()


def submit(req_id: int, actor) -> None:
    transition(req_id, ReqStatus.SUBMITTED, actor, "submitted")


def approve(req_id: int, actor) -> None:
    transition(req_id, ReqStatus.APPROVED, actor, "approved")


def cancel(req_id: int, actor, reason: str) -> None:
    if not (reason or "").strip():
        raise RequisitionError(_l("Please give a reason."), field="reason")
    transition(req_id, ReqStatus.CANCELLED, actor, reason.strip()[:500])


# ---------------------------------------------------------------- the split

@dataclass
class ProposedShare:
    seller_id: int
    name_hi: str | None
    name_en: str | None
    block_id: int
    block_en: str
    block_hi: str
    federation_name: str | None
    capacity: int
    share: int
    current: int = 0
    committed: int = 0


def _days_left(req: Requisition) -> int:
    return max((req.deadline - today_ist()).days, 1)


def _capacity_until(weekly: int, days: int) -> int:
    return weekly * max(days, 7) // 7


def nodal_federations(block_ids) -> dict[int, str]:
    """block_id -> the cluster-level federation most of its groups belong to."""
    stmt = (select(Seller.block_id, Seller.federation_name, func.count()).where(
        Seller.block_id.in_(list(block_ids)), Seller.federation_level == FederationLevel.CLF,
        Seller.federation_name.is_not(None)).group_by(Seller.block_id, Seller.federation_name))
    best: dict[int, tuple[int, str]] = {}
    for block_id, name, n in db.session.execute(stmt):
        if block_id not in best or n > best[block_id][0]:
            best[block_id] = (n, name)
    return {b: name for b, (_n, name) in best.items()}


def candidates(req: Requisition, exclude: set[int] = frozenset(),
               used: dict[int, int] | None = None) -> tuple[list[allocation.Candidate], dict]:
    """Groups that can make this item, with capacity left before the deadline; and their facts for display."""
    weekly = weekly_capacity_by_seller(category_id=req.category_id)
    for seller_id in exclude:
        weekly.pop(seller_id, None)
    if not weekly:
        return [], {}
    point_blocks = set(db.session.scalars(select(RequisitionPoint.block_id).where(
        RequisitionPoint.requisition_id == req.id, RequisitionPoint.block_id.is_not(None))).all())
    stmt = (select(Seller.id, Seller.name_hi, Seller.name_en, Seller.block_id, Block.name_en, Block.name_hi,
                   Block.district_id).join(Block, Block.id == Seller.block_id).where(Seller.id.in_(list(weekly))))
    facts = {row[0]: row for row in db.session.execute(stmt)}
    nodal = nodal_federations({row[3] for row in facts.values()})
    days = _days_left(req)
    used = used or {}
    out = []
    for seller_id, (_, _hi, _en, block_id, _ben, _bhi, district_id) in facts.items():
        tier = 0 if block_id in point_blocks else (1 if district_id == req.district_id else 2)
        capacity = max(_capacity_until(weekly[seller_id], days) - used.get(seller_id, 0), 0)
        out.append(allocation.Candidate(seller_id, block_id, capacity, tier, nodal.get(block_id)))
    return out, {"facts": facts, "weekly": weekly}


def propose(req: Requisition, cap: int | None = None, override: bool = False) -> list[ProposedShare]:
    """The proposed split of the whole total (groups that declined are left out)."""
    declined = set(db.session.scalars(select(Allocation.seller_id).where(
        Allocation.requisition_id == req.id, Allocation.status == AllocStatus.DECLINED, Allocation.committed == 0)))
    cands, info = candidates(req, exclude=declined)
    try:
        shares = allocation.propose(req.quantity, cands, cap=cap, override=override)
    except allocation.NotEnoughCapacity as exc:
        raise RequisitionError(_l("The groups can make only %(available)d of %(wanted)d by the deadline. Raise "
                                  "the cap per group, or allow more than declared capacity.",
                                  available=exc.available, wanted=exc.wanted), field="cap", status=409) from None
    current = {a.seller_id: a for a in allocations_of(req.id)}
    by_id = {c.seller_id: c for c in cands}
    out = []
    for seller_id, share in sorted(shares.items(), key=lambda kv: (info["facts"][kv[0]][4], kv[0])):
        _, hi, en, block_id, ben, bhi, _d = info["facts"][seller_id]
        a = current.get(seller_id)
        out.append(ProposedShare(seller_id, hi, en, block_id, ben, bhi, by_id[seller_id].federation_name,
                                 by_id[seller_id].capacity, share, a.quantity if a else 0, a.committed if a else 0))
    return out


def allocations_of(req_id: int) -> list[Allocation]:
    return list(db.session.scalars(select(Allocation).where(Allocation.requisition_id == req_id)
                                   .order_by(Allocation.id)))


def _bump(req_id: int, expected_version: int, **values) -> None:
    """The compare-and-set every change of the split goes through."""
    done = db.session.execute(update(Requisition).where(Requisition.id == req_id,
                                                        Requisition.version == expected_version)
                              .values(version=Requisition.version + 1, **values)
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise RequisitionError(_l("Someone else changed the split of this requisition just now. Please look "
                                  "again."), status=409)


def save_split(req_id: int, expected_version: int, shares: dict[int, int], actor, reason: str = "split saved",
               *, notify_groups: bool = True) -> None:
    """Replace the split by `shares` (seller_id -> units); they must add up to the total. A group's committed
    quantity is kept when its share still covers it; a share below what a group committed is refused (the
    group must decline part first), so nothing promised is silently taken away."""
    req = db.session.get(Requisition, req_id)
    if req is None:
        raise RequisitionError(_l("We could not find that requisition."), status=404)
    if req.status not in (ReqStatus.APPROVED, *RUNNING):
        raise RequisitionError(_l("This requisition cannot be allocated in its present state."), status=409)
    shares = {int(k): int(v) for k, v in shares.items()}
    if any(v < 0 or v > req.quantity for v in shares.values()):
        raise RequisitionError(_l("Each share must be between 0 and the total."), field="shares")
    existing = {a.seller_id: a for a in allocations_of(req_id)}
    for seller_id in existing:
        shares.setdefault(seller_id, 0)  # a group left out of the new split loses its uncommitted share
    if sum(shares.values()) != req.quantity:
        raise RequisitionError(_l("The shares add up to %(sum)d, not the total %(total)d.",
                                  sum=sum(shares.values()), total=req.quantity), field="shares")
    below = [s for s, q in shares.items() if s in existing and q < existing[s].committed]
    if below:
        raise RequisitionError(_l("A share cannot be less than what the group already accepted."), field="shares")
    new_ids = [s for s, q in shares.items() if s not in existing and q > 0]
    facts = dict(db.session.execute(select(Seller.id, Seller.block_id).where(Seller.id.in_(new_ids))).all()) \
        if new_ids else {}
    if len(facts) != len(new_ids):
        raise RequisitionError(_l("We could not find one of the groups."), field="shares", status=404)
    nodal = nodal_federations(set(facts.values()))
    _bump(req_id, expected_version, unallocated=0)
    if req.status == ReqStatus.APPROVED:
        transition(req_id, ReqStatus.ALLOCATING, actor, reason, commit=False)
    changed = []
    for seller_id, q in shares.items():
        a = existing.get(seller_id)
        if a is None:
            if q:
                changed.append({"requisition_id": req_id, "seller_id": seller_id, "block_id": facts[seller_id],
                                "federation_name": nodal.get(facts[seller_id]), "quantity": q, "committed": 0,
                                "price_paise": req.price_paise, "status": AllocStatus.OFFERED})
            continue
        if q == a.quantity:
            continue
        status = AllocStatus.OFFERED if q > a.committed else (AllocStatus.ACCEPTED if q else AllocStatus.DECLINED)
        if a.status == AllocStatus.DECLINED and q == 0:
            status = AllocStatus.DECLINED
        db.session.execute(update(Allocation).where(Allocation.id == a.id).values(quantity=q, status=status)
                           .execution_options(synchronize_session=False))
        db.session.add(AllocationEvent(allocation_id=a.id, from_state=a.status, to_state=status,
                                       actor_id=actor.id if actor else None, reason=reason, quantity=q))
    if changed:
        db.session.execute(Allocation.__table__.insert(), [{**row, "made": 0, "passed": 0, "accepted": 0,
                                                            "rejected": 0, "delivered": 0} for row in changed])
    db.session.add(RequisitionEvent(requisition_id=req_id, from_state=req.status, to_state=req.status,
                                    actor_id=actor.id if actor else None,
                                    reason=f"{reason}: {sum(1 for q in shares.values() if q)} groups"))
    if notify_groups and changed:
        _notify_offers(req, [row["seller_id"] for row in changed])
    db.session.commit()
    db.session.expire_all()


def _notify_offers(req: Requisition, seller_ids: list[int]) -> None:
    """One WhatsApp per group president about its new share (kept inside the split's transaction)."""
    from marketplace.notifications import services as notifications
    from marketplace.sellers.models import Member, MemberRole

    stmt = select(Member.name, Member.mobile, Member.seller_id).where(
        Member.seller_id.in_(seller_ids), Member.role == MemberRole.PRESIDENT, Member.active.is_(True))
    link = notifications.link("requisitions.share", req_id=req.id)
    for name, mobile, _seller_id in db.session.execute(stmt):
        notifications.notify(notifications.for_member(name, mobile), "requisition_offer", title=req.title,
                             link=link)


def _allocation_for(req_id: int, seller_id: int) -> Allocation:
    a = db.session.scalar(select(Allocation).where(Allocation.requisition_id == req_id,
                                                   Allocation.seller_id == seller_id))
    if a is None:
        raise RequisitionError(_l("Your group has no share in this requisition."), status=404)
    return a


def answer(req_id: int, seller_id: int, actor, accept: int | None, *, expected_version: int | None = None) -> None:
    """The group accepts `accept` units of what is offered to it (all of it when None), or declines (0).
    What it does not take goes back to the unallocated pool to be offered again."""
    req = db.session.get(Requisition, req_id)
    if req is None or req.status not in RUNNING:
        raise RequisitionError(_l("This requisition is not open for answers."), status=409)
    a = _allocation_for(req_id, seller_id)
    offered = a.quantity - a.committed
    if offered <= 0:
        raise RequisitionError(_l("There is nothing waiting for your answer."), status=409)
    take = offered if accept is None else accept
    if not 0 <= take <= offered:
        raise RequisitionError(_l("You can accept from 0 up to %(n)d.", n=offered), field="quantity")
    back = offered - take
    _bump(req_id, req.version if expected_version is None else expected_version,
          unallocated=Requisition.unallocated + back)
    committed = a.committed + take
    status = AllocStatus.ACCEPTED if committed else AllocStatus.DECLINED
    done = db.session.execute(update(Allocation).where(Allocation.id == a.id, Allocation.committed == a.committed,
                                                       Allocation.quantity == a.quantity)
                              .values(committed=committed, quantity=committed, status=status, answered_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise RequisitionError(_l("Your share changed just now. Please look again."), status=409)
    db.session.add(AllocationEvent(allocation_id=a.id, from_state=a.status, to_state=status,
                                   actor_id=actor.id if actor else None, quantity=take,
                                   reason="accepted" if back == 0 else ("declined" if take == 0 else "accepted part")))
    db.session.flush()
    _maybe_start_production(req_id, actor)
    db.session.commit()
    db.session.expire_all()


def _maybe_start_production(req_id: int, actor) -> None:
    """Everything allocated and accepted: the requisition is in production."""
    req = db.session.get(Requisition, req_id)
    db.session.refresh(req)
    if req.status != ReqStatus.ALLOCATING or req.unallocated:
        return
    open_offers = db.session.scalar(select(func.count()).select_from(Allocation).where(
        Allocation.requisition_id == req_id, Allocation.quantity > Allocation.committed))
    if not open_offers:
        transition(req_id, ReqStatus.IN_PRODUCTION, actor, "every share accepted", commit=False)


def lagging(req: Requisition, as_of: date | None = None, tolerance: float = 0.9) -> dict[int, int]:
    """allocation_id -> units a group will not make by the deadline at its rate so far (only groups that have
    been producing for at least three days and are below `tolerance` of the pace)."""
    as_of = as_of or today_ist()
    if req.started_on is None:
        return {}
    elapsed = (as_of - req.started_on).days
    left = max((req.deadline - as_of).days, 0)
    if elapsed < 3:
        return {}
    out = {}
    rows = db.session.execute(select(Allocation.id, Allocation.committed, Allocation.made).where(
        Allocation.requisition_id == req.id, Allocation.committed > 0))
    for alloc_id, committed, made in rows:
        projected = made + made * left // elapsed
        if projected < committed * tolerance:
            out[alloc_id] = committed - projected
    return out


def reoffer(req_id: int, expected_version: int, actor, *, as_of: date | None = None) -> int:
    """Take lagging groups' shortfall back and offer it, with everything unallocated, to groups with spare
    capacity (not those that declined or lag). Returns the units offered again."""
    req = db.session.get(Requisition, req_id)
    if req is None or req.status not in RUNNING:
        raise RequisitionError(_l("This requisition is not in production."), status=409)
    lags = lagging(req, as_of)
    current = allocations_of(req_id)
    by_id = {a.id: a for a in current}
    pool = req.unallocated + sum(lags.values())
    if pool == 0:
        return 0
    lagging_sellers = {by_id[i].seller_id for i in lags}
    declined = {a.seller_id for a in current if a.status == AllocStatus.DECLINED}
    used = {a.seller_id: a.quantity - a.made for a in current}
    cands, info = candidates(req, exclude=lagging_sellers | declined, used=used)
    try:
        extra = allocation.propose(pool, cands)
    except allocation.NotEnoughCapacity as exc:
        raise RequisitionError(_l("The other groups can take only %(available)d of %(wanted)d more by the "
                                  "deadline.", available=exc.available, wanted=exc.wanted), status=409) from None
    _bump(req_id, expected_version, unallocated=0)
    for alloc_id, lag in lags.items():
        a = by_id[alloc_id]
        db.session.execute(update(Allocation).where(Allocation.id == a.id)
                           .values(quantity=Allocation.quantity - lag, committed=Allocation.committed - lag)
                           .execution_options(synchronize_session=False))
        db.session.add(AllocationEvent(allocation_id=a.id, from_state=a.status, to_state=a.status,
                                       actor_id=actor.id if actor else None, quantity=-lag, reason="lagging"))
    by_seller = {a.seller_id: a for a in current}
    new_rows = []
    nodal = nodal_federations({c.block_id for c in cands})
    for seller_id, q in extra.items():
        a = by_seller.get(seller_id)
        if a is None:
            block_id = info["facts"][seller_id][3]
            new_rows.append({"requisition_id": req_id, "seller_id": seller_id, "block_id": block_id,
                             "federation_name": nodal.get(block_id), "quantity": q, "committed": 0,
                             "price_paise": req.price_paise, "status": AllocStatus.OFFERED, "made": 0, "passed": 0,
                             "accepted": 0, "rejected": 0, "delivered": 0})
        else:
            db.session.execute(update(Allocation).where(Allocation.id == a.id)
                               .values(quantity=Allocation.quantity + q, status=AllocStatus.OFFERED)
                               .execution_options(synchronize_session=False))
            db.session.add(AllocationEvent(allocation_id=a.id, from_state=a.status, to_state=AllocStatus.OFFERED,
                                           actor_id=actor.id if actor else None, quantity=q, reason="offered again"))
    if new_rows:
        db.session.execute(Allocation.__table__.insert(), new_rows)
    db.session.add(RequisitionEvent(requisition_id=req_id, from_state=req.status, to_state=req.status,
                                    actor_id=actor.id if actor else None, reason=f"offered again: {pool} units"))
    db.session.commit()
    db.session.expire_all()
    return pool


# ---------------------------------------------------------------- quotes ("quote me")

def submit_quote(req_id: int, seller_id: int, price_paise: int, quantity, note: str | None = None) -> Quote:
    req = db.session.get(Requisition, req_id)
    if req is None or req.price_paise is not None or req.status not in (ReqStatus.APPROVED, *RUNNING):
        raise RequisitionError(_l("This requisition does not take quotes now."), status=409)
    quantity = _positive_int(quantity, "quantity", maximum=req.quantity)
    if not price_paise or price_paise <= 0 or price_paise > 10_000_000_00:
        raise RequisitionError(_l("Enter a price per unit above ₹0."), field="price")
    quote = db.session.scalar(select(Quote).where(Quote.requisition_id == req_id, Quote.seller_id == seller_id))
    if quote is not None and quote.status != QuoteStatus.OPEN:
        raise RequisitionError(_l("Your quote was already answered."), status=409)
    if quote is None:
        quote = Quote(requisition_id=req_id, seller_id=seller_id, price_paise=price_paise, quantity=quantity)
        db.session.add(quote)
    quote.price_paise, quote.quantity, quote.note = price_paise, quantity, (note or "").strip()[:300] or None
    db.session.commit()
    return quote


def quotes_of(req_id: int) -> list:
    stmt = (select(Quote, Seller.name_hi, Seller.name_en).join(Seller, Seller.id == Quote.seller_id)
            .where(Quote.requisition_id == req_id).order_by(Quote.price_paise, Quote.id))
    return list(db.session.execute(stmt))


def accept_quote(quote_id: int, expected_version: int, actor) -> None:
    """The buyer accepts a group's quote: the group is committed to its quantity (at most what is unallocated)
    at its price."""
    quote = db.session.get(Quote, quote_id)
    if quote is None:
        raise RequisitionError(_l("We could not find that quote."), status=404)
    req = db.session.get(Requisition, quote.requisition_id)
    if quote.status != QuoteStatus.OPEN:
        raise RequisitionError(_l("This quote was already answered."), status=409)
    take = min(quote.quantity, req.unallocated)
    if take <= 0:
        raise RequisitionError(_l("The whole quantity is already allocated."), status=409)
    was = req.status
    _bump(req.id, expected_version, unallocated=Requisition.unallocated - take)
    if was == ReqStatus.APPROVED:
        transition(req.id, ReqStatus.ALLOCATING, actor, "quote accepted", commit=False)
    done = db.session.execute(update(Quote).where(Quote.id == quote.id, Quote.status == QuoteStatus.OPEN)
                              .values(status=QuoteStatus.ACCEPTED).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise RequisitionError(_l("This quote was already answered."), status=409)
    a = db.session.scalar(select(Allocation).where(Allocation.requisition_id == req.id,
                                                   Allocation.seller_id == quote.seller_id))
    if a is None:
        block_id = db.session.scalar(select(Seller.block_id).where(Seller.id == quote.seller_id))
        a = Allocation(requisition_id=req.id, seller_id=quote.seller_id, block_id=block_id, quantity=take,
                       committed=take, price_paise=quote.price_paise, status=AllocStatus.ACCEPTED,
                       federation_name=nodal_federations([block_id]).get(block_id), answered_at=utcnow())
        db.session.add(a)
    else:
        a.quantity += take
        a.committed += take
        a.price_paise = quote.price_paise
    db.session.flush()
    db.session.add(AllocationEvent(allocation_id=a.id, from_state=None, to_state=AllocStatus.ACCEPTED,
                                   actor_id=actor.id if actor else None, quantity=take, reason="quote accepted"))
    _maybe_start_production(req.id, actor)
    db.session.commit()
    db.session.expire_all()


# ---------------------------------------------------------------- daily reports

@dataclass(frozen=True)
class ReportResult:
    outcome: str  # "saved", "corrected", "unchanged"
    report_id: int


def _check_day(req: Requisition, day: date) -> None:
    if day > today_ist():
        raise RequisitionError(_l("You cannot report a day that has not come yet."), field="day")
    if req.started_on and day < req.started_on - timedelta(days=1):
        raise RequisitionError(_l("That day is before production started."), field="day")


def report_day(req_id: int, seller_id: int, day: date, made, passed, actor, over_note: str | None = None,
               *, commit: bool = True) -> ReportResult:
    """Record a group's output for one day. Sending the same figures again changes nothing; different figures
    replace the day (the old row is kept, not current). Made in total may not exceed the group's share unless an
    over-production note says why."""
    req = db.session.get(Requisition, req_id)
    if req is None:
        raise RequisitionError(_l("We could not find that requisition."), status=404)
    if req.status not in RUNNING:
        raise RequisitionError(_l("This requisition is not in production."), status=409)
    made = _positive_int(made, "made", allow_zero=True)
    passed = _positive_int(passed, "passed", allow_zero=True)
    if passed > made:
        raise RequisitionError(_l("Passed the check cannot be more than made."), field="passed")
    _check_day(req, day)
    a = _allocation_for(req_id, seller_id)
    if a.committed == 0:
        raise RequisitionError(_l("Please accept your share first."), status=409)
    old = db.session.scalar(select(DailyReport).where(
        DailyReport.requisition_id == req_id, DailyReport.seller_id == seller_id, DailyReport.day == day,
        DailyReport.current.is_(True)))
    note = (over_note or "").strip()[:300] or None
    if old is not None and old.made == made and old.passed == passed:
        return ReportResult("unchanged", old.id)  # a replay (double tap, resent SMS): nothing to do
    d_made = made - (old.made if old else 0)
    d_passed = passed - (old.passed if old else 0)
    if a.made + d_made > a.committed and not note:
        raise RequisitionError(_l("That makes %(total)d in all, more than your share of %(share)d. Write a note "
                                  "to report over-production.", total=a.made + d_made, share=a.committed),
                               field="over_note")
    if old is not None:
        gone = db.session.execute(update(DailyReport).where(DailyReport.id == old.id, DailyReport.current.is_(True))
                                  .values(current=False).execution_options(synchronize_session=False)).rowcount
        if gone != 1:
            db.session.rollback()
            raise RequisitionError(_l("This day was changed just now. Please look again."), status=409)
    row = DailyReport(requisition_id=req_id, allocation_id=a.id, seller_id=seller_id, block_id=a.block_id, day=day,
                      made=made, passed=passed, over_note=note, reported_by_id=actor.id if actor else None)
    db.session.add(row)
    # relative update: two reports of different days at once both count
    values = {"made": Allocation.made + d_made, "passed": Allocation.passed + d_passed}
    if note:
        values["over_note"] = note
    db.session.execute(update(Allocation).where(Allocation.id == a.id).values(**values)
                       .execution_options(synchronize_session=False))
    try:
        db.session.flush()
    except IntegrityError:  # the same day reported at the same moment by another member: theirs stands
        db.session.rollback()
        raise RequisitionError(_l("This day was reported just now. Please look again."), status=409) from None
    _add_to_day(req_id, a.block_id, day, d_made, d_passed)
    if commit:
        db.session.commit()
    return ReportResult("corrected" if old else "saved", row.id)


def _add_to_day(req_id: int, block_id: int, day: date, made: int, passed: int) -> None:
    """Add a report's difference to the block's day row (made at the first report of that block and day)."""
    if not made and not passed:
        return
    key = (RequisitionDay.requisition_id == req_id, RequisitionDay.block_id == block_id, RequisitionDay.day == day)
    bump = (update(RequisitionDay).where(*key).values(made=RequisitionDay.made + made,
                                                      passed=RequisitionDay.passed + passed)
            .execution_options(synchronize_session=False))
    if db.session.execute(bump).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(RequisitionDay(requisition_id=req_id, block_id=block_id, day=day, made=made, passed=passed))
    except IntegrityError:  # another report of the block made the row just now
        db.session.execute(bump)


def report_history(req_id: int, seller_id: int, limit: int = 14) -> list[DailyReport]:
    return list(db.session.scalars(select(DailyReport).where(
        DailyReport.requisition_id == req_id, DailyReport.seller_id == seller_id)
        .order_by(DailyReport.day.desc(), DailyReport.id.desc()).limit(limit)))


@dataclass(frozen=True)
class BlockRow:
    seller_id: int
    made: int
    passed: int
    over_note: str | None = None


def parse_block_csv(data: bytes, allowed: dict[str, int]) -> list[BlockRow]:
    """`group,made,passed[,note]` where group is the NRLM code or the id shown on the grid. Every bad row is
    reported; nothing is saved unless all are good."""
    if len(data) > MAX_CSV_BYTES:
        raise RequisitionError(_l("The file is too large (at most 1 MB)."), field="csv", status=413)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RequisitionError(_l("Please save the file as CSV in UTF-8."), field="csv") from None
    rows, errors = [], []
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or (number == 1 and not cells[1].isdigit() if len(cells) > 1 else False):
            continue
        if len(cells) not in (3, 4):
            errors.append(_l("Row %(n)d: write group, made, passed (and a note if over the share).", n=number))
            continue
        seller_id = allowed.get(cells[0])
        if seller_id is None:
            errors.append(_l("Row %(n)d: %(group)s is not a group of this block in this requisition.", n=number,
                             group=cells[0]))
        if not (cells[1].isdigit() and cells[2].isdigit() and int(cells[2]) <= int(cells[1]) <= MAX_QUANTITY):
            errors.append(_l("Row %(n)d: made and passed must be whole numbers, passed not more than made.",
                             n=number))
        elif seller_id is not None:
            rows.append(BlockRow(seller_id, int(cells[1]), int(cells[2]), cells[3] if len(cells) == 4 else None))
    if errors:
        raise RequisitionError(_l("The file has mistakes; nothing was saved."), field="csv",
                               errors={"csv": errors[0], "rows": errors})
    return rows


def report_block_day(req_id: int, day: date, rows: list[BlockRow], actor) -> Counter:
    """A block coordinator's whole day at once: all rows or none."""
    outcomes: Counter = Counter()
    errors = []
    for row in rows:
        try:
            outcomes[report_day(req_id, row.seller_id, day, row.made, row.passed, actor, row.over_note,
                                commit=False).outcome] += 1
        except RequisitionError as exc:
            errors.append((row.seller_id, exc.message))
    if errors:
        db.session.rollback()
        raise RequisitionError(_l("Some rows have mistakes; nothing was saved."), field="grid",
                               errors={"grid": errors[0][1], "rows": [m for _, m in errors],
                                       "sellers": [s for s, _ in errors]})
    db.session.commit()
    return outcomes


def block_grid(req_id: int, block_id: int, day: date) -> list:
    """Every group of the block in this requisition with its share, totals and the day's current report."""
    stmt = (select(Allocation, Seller.name_hi, Seller.name_en, Seller.nrlm_code, DailyReport.made, DailyReport.passed)
            .join(Seller, Seller.id == Allocation.seller_id)
            .outerjoin(DailyReport, (DailyReport.allocation_id == Allocation.id) & (DailyReport.day == day)
                       & DailyReport.current.is_(True))
            .where(Allocation.requisition_id == req_id, Allocation.block_id == block_id, Allocation.committed > 0)
            .order_by(Seller.name_en, Allocation.id))
    return list(db.session.execute(stmt))


def shares_of_sellers(seller_ids: list[int]) -> list:
    """The running requisitions a group has a share in (for its home page and its phone report page)."""
    if not seller_ids:
        return []
    stmt = (select(Allocation, Requisition.title, Requisition.deadline, Requisition.status, Requisition.unit)
            .join(Requisition, Requisition.id == Allocation.requisition_id)
            .where(Allocation.seller_id.in_(seller_ids), Requisition.status.in_(RUNNING))
            .order_by(Requisition.deadline))
    return list(db.session.execute(stmt))


def district_of(req: Requisition) -> District:
    return db.session.get(District, req.district_id)


def progress_for_blocks(block_ids) -> list[dict]:
    """Requisitions in production touching these blocks, with target and accepted quantities (see progress.py)."""
    from marketplace.requisitions.progress import progress_for_blocks as impl

    return impl(block_ids)


# ---------------------------------------------------------------- made-to-order from a listing

def order_listing(institution: Institution, user, product_id: int, quantity, point_name: str,
                  block_id: int | None = None) -> Requisition:
    """An institution orders a made-to-order listing beyond its stock, up to capacity × lead time: a requisition
    for that one group at the listing's bulk price, promised by today + what the group needs (at most the lead
    time). It needs no official's split: the group is offered the whole quantity and accepts or declines."""
    from marketplace.catalog import bulk
    from marketplace.catalog.models import ProductStatus

    product = db.session.get(Product, product_id)
    if product is None or product.status != ProductStatus.LIVE:
        raise RequisitionError(_l("This product is not on sale at the moment."), status=404)
    limit = bulk.made_to_order_limit(product)
    if limit is None:
        raise RequisitionError(_l("This product is not made to order."), status=409)
    quantity = _positive_int(quantity, "quantity", maximum=limit)
    if quantity < product.min_order_qty:
        raise RequisitionError(_l("Enter a quantity of at least %(n)d.", n=product.min_order_qty), field="quantity")
    price = bulk.unit_price(product.price_paise, bulk.breaks_for([product.id]).get(product.id), quantity)
    promised = bulk.promised_date(product, quantity, today_ist())
    req = create_requisition(institution, user, title=(product.title_en or product.title_hi)[:160],
                             quantity=quantity, deadline=promised, points=[PointRow(point_name, block_id, quantity)],
                             product_id=product.id, price_paise=price, unit=product.unit)
    transition(req.id, ReqStatus.SUBMITTED, user, "ordered from the listing")
    transition(req.id, ReqStatus.APPROVED, None, "a listing's own group: no split needed")
    save_split(req.id, get(req.id).version, {product.seller_id: quantity}, user, "ordered from the listing")
    return get(req.id)
