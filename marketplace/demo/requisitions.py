"""Demo institutional requisitions (issue 10), loaded with bulk inserts so that `flask demo load` stays fast:

- Saharsa masks: the district administration's 9 lakh masks, 960 groups across Saharsa's ten blocks, each under
  its block's nodal cluster-level federation, delivery points at the panchayats, three weeks of daily reports with
  some groups behind. The demo's own Kahara groups are among them (their presidents can log in and report).
- Muzaffarpur school uniforms: the district education office's order from the garment groups, being allocated.
- Kondagaon dhokra: the state's protocol office asks for gift pieces, "quote me", two clusters have quoted.

The demo buyer (dm-saharsa@haat.example) is a person of all three institutions. Idempotent: each requisition is
looked up by its institution and title first; nothing is made twice."""

import random
from datetime import timedelta

from sqlalchemy import func, insert, select

from marketplace.accounts.services import find_user
from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.core.outbox import OutboxEntry
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block, District
from marketplace.institutions import services as institutions
from marketplace.institutions.models import Institution, InstitutionPerson
from marketplace.requisitions import services as requisitions
from marketplace.requisitions.models import (
    Allocation,
    AllocStatus,
    DailyReport,
    ReqStatus,
    Requisition,
    RequisitionDay,
    RequisitionEvent,
    RequisitionPoint,
)
from marketplace.requisitions.services import PointRow, today_ist
from marketplace.sellers.models import Member, MemberRole, Seller, Verification

BUYER = "dm-saharsa@haat.example"
SAHARSA_TITLE = "Cotton face masks, three layers (Saharsa district)"
SAHARSA_TARGET = 900_000
SAHARSA_GROUPS = 960
DAYS_REPORTED = 21
GROUP_NAMES = ["Maa Durga", "Laxmi", "Saraswati", "Sita", "Gauri", "Parvati", "Jai Maa Kali", "Durga", "Annapurna",
               "Ujala", "Pragati", "Roshni", "Kosi", "Ganga", "Jyoti", "Sakhi", "Shakti", "Asha", "Kiran", "Savitri"]
GROUP_NAMES_HI = ["माँ दुर्गा", "लक्ष्मी", "सरस्वती", "सीता", "गौरी", "पार्वती", "जय माँ काली", "दुर्गा", "अन्नपूर्णा",
                  "उजाला", "प्रगति", "रोशनी", "कोसी", "गंगा", "ज्योति", "सखी", "शक्ति", "आशा", "किरण", "सावित्री"]


def _institution(name: str, kind: str, district: District, gstin: str | None, address: str, buyer) -> Institution:
    inst = db.session.scalar(select(Institution).where(Institution.name == name))
    if inst is None:
        inst = institutions.create_institution(buyer, name=name, kind=kind, district_id=district.id, gstin=gstin,
                                               billing_address=address)
        institutions.approve(inst.id, None)  # approved by the system for the demo (the event row says who: nobody)
    elif not db.session.scalar(select(InstitutionPerson.id).where(InstitutionPerson.institution_id == inst.id,
                                                                  InstitutionPerson.user_id == buyer.id)):
        institutions.add_person(inst, buyer, "approver")
    return inst


def _existing(inst: Institution, title: str) -> Requisition | None:
    return db.session.scalar(select(Requisition).where(Requisition.institution_id == inst.id,
                                                       Requisition.title == title))


def _gstin(prefix: str) -> str:
    return prefix + institutions.gstin_check_char(prefix)


# ---------------------------------------------------------------- Saharsa: 9 lakh masks, 960 groups

def _saharsa_groups(district: District, blocks: list[Block], category_id: int) -> list[tuple[int, int, str]]:
    """960 verified groups (the demo's own Saharsa groups first), each with a live mask listing declaring its
    weekly capacity. Returns (seller_id, block_id, federation) per group."""
    own = list(db.session.execute(select(Seller.id, Seller.block_id).join(Block).where(
        Block.district_id == district.id, Seller.status == Verification.VERIFIED, Seller.kind == "shg")
        .order_by(Seller.id)))
    made = db.session.scalar(select(func.count()).select_from(Seller).where(Seller.nrlm_code.like("BR-SAH-M%")))
    needed = SAHARSA_GROUPS - len(own) - made
    rng = random.Random("saharsa-masks")
    now = utcnow()
    per_block = {b.id: b for b in blocks}
    if needed > 0:
        rows, start = [], made + 1
        for n in range(start, start + needed):
            block = blocks[n % len(blocks)]
            i = n % len(GROUP_NAMES)
            rows.append({"kind": "shg", "name_en": f"{GROUP_NAMES[i]} Jeevika SHG {n}",
                         "name_hi": f"{GROUP_NAMES_HI[i]} जीविका समूह {n}", "slug": f"saharsa-mask-shg-{n}",
                         "block_id": block.id, "federation_level": "clf",
                         "federation_name": f"{block.name_en} Jeevika CLF", "nrlm_code": f"BR-SAH-M{n:05d}",
                         "status": Verification.VERIFIED, "verified_at": now, "created_at": now, "updated_at": now})
        db.session.execute(insert(Seller), rows)
        new = list(db.session.execute(select(Seller.id, Seller.block_id).where(Seller.nrlm_code.like("BR-SAH-M%"))
                                      .where(Seller.slug.in_([r["slug"] for r in rows]))))
        db.session.execute(insert(Member), [
            {"seller_id": sid, "name": f"Didi {sid}", "mobile": f"+91720{sid:07d}", "role": MemberRole.PRESIDENT,
             "active": True, "created_at": now, "updated_at": now} for sid, _b in new])
        published = datetime_2020()
        db.session.execute(insert(Product), [
            {"seller_id": sid, "category_id": category_id, "slug": f"cotton-mask-shg-{sid}",
             "title_en": "Three-layer cotton face mask", "title_hi": "तीन परत वाला सूती मास्क",
             "price_paise": 1500, "unit": "piece", "pack_size": 1, "min_order_qty": 10, "stock": 0,
             "lead_time_days": 7, "weekly_capacity": rng.randrange(240, 320, 10), "hsn_code": "6307",
             "gst_rate_bp": 500, "status": ProductStatus.LIVE, "published_at": published, "created_at": now,
             "updated_at": now} for sid, _b in new])
        # the listings go into the search index like any other (the outbox, applied after the load)
        listed = db.session.scalars(select(Product.id).where(Product.seller_id.in_([sid for sid, _b in new])))
        db.session.execute(insert(OutboxEntry), [{"topic": "product", "entity_id": pid, "at": now} for pid in listed])
    own_ids = [sid for sid, _ in own]
    with_listing = set(db.session.scalars(select(Product.seller_id).where(Product.seller_id.in_(own_ids),
                                                                          Product.weekly_capacity.is_not(None))))
    for sid in own_ids:  # the demo's own groups declare mask capacity on one of their listings
        if sid not in with_listing:
            db.session.execute(insert(Product).values(
                seller_id=sid, category_id=category_id, slug=f"cotton-mask-shg-{sid}",
                title_en="Three-layer cotton face mask", title_hi="तीन परत वाला सूती मास्क", price_paise=1500,
                unit="piece", pack_size=1, min_order_qty=10, stock=0, lead_time_days=7, weekly_capacity=300,
                hsn_code="6307", gst_rate_bp=500, status=ProductStatus.LIVE, published_at=datetime_2020(),
                created_at=now, updated_at=now))
    rows = db.session.execute(select(Seller.id, Seller.block_id, Seller.federation_name).where(
        (Seller.nrlm_code.like("BR-SAH-M%")) | Seller.id.in_(own_ids)).order_by(Seller.id))
    return [(sid, bid, fed or f"{per_block[bid].name_en} Jeevika CLF") for sid, bid, fed in rows
            if bid in per_block][:SAHARSA_GROUPS]


def day_rows(req_id: int, reports: list[dict]) -> list[dict]:
    """The per-block day totals of bulk-inserted reports (requisition_days, as report_day keeps them)."""
    days: dict = {}
    for r in reports:
        made, passed = days.get((r["block_id"], r["day"]), (0, 0))
        days[(r["block_id"], r["day"])] = (made + r["made"], passed + r["passed"])
    return [{"requisition_id": req_id, "block_id": b, "day": d, "made": m, "passed": p}
            for (b, d), (m, p) in days.items()]


def datetime_2020():
    from datetime import UTC, datetime

    return datetime(2020, 4, 20, 6, 0, tzinfo=UTC)


def _saharsa(buyer, summary) -> None:
    district = db.session.scalar(select(District).where(District.name_en == "Saharsa"))
    inst = _institution("District Administration, Saharsa", "government", district, _gstin("10AAAGD1234H1Z"),
                        "Collectorate, Saharsa, Bihar 852201", buyer)
    if _existing(inst, SAHARSA_TITLE) is not None:
        return
    blocks = list(db.session.scalars(select(Block).where(Block.district_id == district.id).order_by(Block.name_en)))
    category_id = db.session.scalar(select(Category.id).where(Category.slug == "masks"))
    groups = _saharsa_groups(district, blocks, category_id)
    started = today_ist() - timedelta(days=DAYS_REPORTED)
    deadline = started + timedelta(days=35)
    points = []
    for b in blocks:  # a panchayat bhawan per village, and more numbered panchayats to reach the district's count
        for v in b.villages:
            points.append((f"Gram Panchayat {v.name_en} ({b.name_en})", b.id))
        for n in range(1, 16 - len(b.villages)):
            points.append((f"Gram Panchayat {b.name_en} {n}", b.id))
    base, extra = divmod(SAHARSA_TARGET, len(points))
    now = utcnow()
    req = Requisition(institution_id=inst.id, created_by_id=buyer.id, title=SAHARSA_TITLE, category_id=category_id,
                      spec="Three layers of washable cotton, elastic ear loops, 17 x 9 cm, packed in tens.",
                      unit="piece", quantity=SAHARSA_TARGET, unallocated=0, price_paise=1500, gst_rate_bp=500,
                      hsn_code="6307", deadline=deadline, quality_standard="Ministry of Health advisory on homemade "
                      "masks; own check by each group", district_id=district.id, status=ReqStatus.IN_PRODUCTION,
                      version=5, started_on=started, po_number="DM/SAH/2020/MASK-01", advance_paise=30_000_000)
    db.session.add(req)
    db.session.flush()
    db.session.execute(insert(RequisitionPoint), [
        {"requisition_id": req.id, "name": name, "block_id": bid, "quantity": base + (1 if i < extra else 0),
         "received": 0, "shortfall": 0} for i, (name, bid) in enumerate(points)])
    history = [(None, "draft", "written"), ("draft", "submitted", "submitted"), ("submitted", "approved", "approved"),
               ("approved", "allocating", "split across 960 groups through the block CLFs"),
               ("allocating", "in_production", "every share accepted")]
    db.session.execute(insert(RequisitionEvent), [
        {"requisition_id": req.id, "from_state": a, "to_state": b, "reason": why, "actor_id": None,
         "at": now - timedelta(days=DAYS_REPORTED + 2 - i)} for i, (a, b, why) in enumerate(history)])
    share, rest = divmod(SAHARSA_TARGET, len(groups))
    db.session.execute(insert(Allocation), [
        {"requisition_id": req.id, "seller_id": sid, "block_id": bid, "federation_name": fed,
         "quantity": share + (1 if i < rest else 0), "committed": share + (1 if i < rest else 0),
         "price_paise": 1500, "status": AllocStatus.ACCEPTED, "made": 0, "passed": 0, "accepted": 0, "rejected": 0,
         "delivered": 0, "answered_at": now} for i, (sid, bid, fed) in enumerate(groups)])
    allocs = list(db.session.execute(select(Allocation.id, Allocation.seller_id, Allocation.block_id)
                                     .where(Allocation.requisition_id == req.id).order_by(Allocation.id)))
    rng = random.Random("saharsa-reports")
    reports, totals = [], {}
    for alloc_id, sid, bid in allocs:
        behind = rng.random() < 0.12  # about one group in eight falls behind
        pace = rng.randint(8, 15) if behind else rng.randint(26, 34)
        made_total = passed_total = 0
        for d in range(DAYS_REPORTED):
            if rng.random() < 0.08:
                continue  # a day without a report (market day, rain)
            made = max(pace + rng.randint(-4, 4), 0)
            passed = made - rng.randint(0, min(2, made))
            made_total, passed_total = made_total + made, passed_total + passed
            reports.append({"requisition_id": req.id, "allocation_id": alloc_id, "seller_id": sid, "block_id": bid,
                            "day": started + timedelta(days=d), "made": made, "passed": passed, "current": True,
                            "at": now})
        totals[alloc_id] = (made_total, passed_total)
    db.session.execute(insert(DailyReport), reports)
    db.session.execute(insert(RequisitionDay), day_rows(req.id, reports))
    from sqlalchemy import bindparam, update

    db.session.execute(update(Allocation.__table__).where(Allocation.__table__.c.id == bindparam("aid"))
                       .values(made=bindparam("m"), passed=bindparam("p")),
                       [{"aid": aid, "m": m, "p": p} for aid, (m, p) in totals.items()])
    db.session.commit()
    summary.created["requisition groups (Saharsa masks)"] += len(allocs)
    summary.created["daily reports"] += len(reports)
    _first_lots(req, groups, buyer, summary)


def _first_lots(req: Requisition, groups: list, buyer, summary) -> None:
    """The demo's own Kahara groups have handed their first lots to the Kahara packaging house, which checked
    them (invoices issued, ledgers credited); one lot reached its panchayat with a small shortfall; the
    district paid its advance by bank transfer. Through the real services, so the money adds up."""
    from marketplace.requisitions import delivery

    operator = find_user("+919811000002")
    admin = find_user("admin@haat.example")
    kahara = db.session.scalar(select(Block.id).where(Block.name_en == "Kahara"))
    own = [sid for sid, bid, _f in groups if bid == kahara and not db.session.scalar(
        select(Seller.nrlm_code.like("BR-SAH-M%")).where(Seller.id == sid))][:3]
    first = None
    for sid in own:
        passed = db.session.scalar(select(Allocation.passed).where(Allocation.requisition_id == req.id,
                                                                   Allocation.seller_id == sid))
        lot = delivery.hand_lot(req.id, sid, passed // 2, None)
        rejected = lot.quantity // 40
        delivery.check_lot(lot.id, lot.quantity - rejected, rejected, "loose ear loops" if rejected else None,
                           operator)
        first = first or lot
        summary.created["lots checked"] += 1
    if first is not None:
        point = db.session.scalar(select(RequisitionPoint).where(RequisitionPoint.requisition_id == req.id,
                                                                 RequisitionPoint.block_id == kahara).limit(1))
        db.session.refresh(first)
        sent = delivery.dispatch(first.id, point.id, first.accepted, operator)
        delivery.receive(sent.id, first.accepted - 12, buyer, "12 masks wet in the rain")
    delivery.record_payment(req.id, req.advance_paise, "SBIN20200421ADV01", admin)


# ---------------------------------------------------------------- Muzaffarpur uniforms, Kondagaon dhokra

def _seller_id(name_en: str) -> int | None:
    return db.session.scalar(select(Seller.id).where(Seller.name_en == name_en))


def _uniforms(buyer, summary) -> None:
    district = db.session.scalar(select(District).where(District.name_en == "Muzaffarpur"))
    inst = _institution("District Education Office, Muzaffarpur", "school", district, None,
                        "DEO Office, Collectorate Campus, Muzaffarpur, Bihar 842001", buyer)
    title = "School uniforms: shirt and skirt or trousers (class 1 to 8)"
    if _existing(inst, title) is not None:
        return
    garment = [s for s in (_seller_id("Sakhi Jeevika Garment SHG"), _seller_id("Roshni Jeevika Leather and "
               "Garment SHG"), _seller_id("Mahila Shakti Jeevika SHG")) if s]
    category_id = db.session.scalar(select(Category.id).where(Category.slug.in_(("kids-wear", "ready-made-garments")))
                                    .limit(1)) or db.session.scalar(select(Category.id).limit(1))
    blocks = {b.name_en: b.id for b in db.session.scalars(select(Block).where(Block.district_id == district.id))}
    points = [PointRow(f"Middle School {name}", bid, 2000) for name, bid in sorted(blocks.items())[:6]]
    req = requisitions.create_requisition(
        inst, buyer, title=title, quantity=sum(p.quantity for p in points), deadline=today_ist() + timedelta(days=45),
        points=points, category_id=category_id, spec="Sky-blue shirt, navy skirt or trousers; sizes 22 to 34 in the "
        "proportions of the attached list; school badge stitched on the pocket.", price_paise=32500,
        quality_standard="Poly-cotton 65/35, colour-fast (IS 766)", po_number="DEO/MZF/2026/UNI-14")
    requisitions.submit(req.id, buyer)
    requisitions.approve(req.id, None)
    if garment:
        total = req.quantity
        shares = {sid: total // len(garment) for sid in garment}
        shares[garment[0]] += total - sum(shares.values())
        requisitions.save_split(req.id, requisitions.get(req.id).version, shares, None, notify_groups=False)
        requisitions.answer(req.id, garment[0], None, None)
    summary.created["requisitions"] += 1


def _dhokra(buyer, summary) -> None:
    district = db.session.scalar(select(District).where(District.name_en == "Kondagaon"))
    inst = _institution("Protocol Office, Government of Chhattisgarh", "government", district,
                        _gstin("22AAAGP5678K1Z"), "Mantralaya, Nava Raipur Atal Nagar, Chhattisgarh 492002", buyer)
    title = "Dhokra gift pieces for state guests (Nandi and tribal musicians)"
    if _existing(inst, title) is not None:
        return
    category_id = db.session.scalar(select(Category.id).where(Category.slug == "metal-craft")) \
        or db.session.scalar(select(Category.id).limit(1))
    block_id = db.session.scalar(select(Block.id).where(Block.district_id == district.id, Block.name_en == "Kondagaon"))
    req = requisitions.create_requisition(
        inst, buyer, title=title, quantity=300, deadline=today_ist() + timedelta(days=30),
        points=[PointRow("Protocol Office, Mantralaya", None, 250), PointRow("Collectorate, Kondagaon", block_id, 50)],
        category_id=category_id, spec="Lost-wax cast brass, 15 to 20 cm, on a wooden base, in a gift box with a "
        "card on the craft in Hindi and English.", price_paise=None, quality_standard="Handmade, no machine polish")
    requisitions.submit(req.id, buyer)
    requisitions.approve(req.id, None)
    for name, price, qty in (("Bhelwapadar Dhokra Shilp Samooh", 185000, 200), ("Kopabeda Lauh Shilp Cluster",
                                                                                 162000, 150)):
        sid = _seller_id(name)
        if sid:
            requisitions.submit_quote(req.id, sid, price, qty, "Pieces made in our village workshop")
    summary.created["requisitions"] += 1


def load(summary) -> None:
    buyer = find_user(BUYER)
    if buyer is None:
        return
    _saharsa(buyer, summary)
    _uniforms(buyer, summary)
    _dhokra(buyer, summary)

