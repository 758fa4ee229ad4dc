"""A year of history for the officials' dashboards in every demo district (issue 11), written with bulk
inserts: Kondagaon's blocks linking about 20 groups a month to markets against Mission 20-20 targets of 20,
Saharsa's mask drive (hundreds of groups stitching masks for a few months), and a steadier trickle elsewhere;
a village product survey in every block; ODOP items; payouts; parcels and dispatch times.

History groups get slugs starting "hist-" and their listings are paused today (they are the past: they do
not crowd the storefront or search). The orders belong to one inactive "history buyers" account. Idempotent:
if history groups exist nothing is written again; the roll-up is rebuilt every time (it is cheap)."""

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Category, Product
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.fulfilment.models import FulfilmentEvent, Handover, PackagingHouse, Parcel, Shipment
from marketplace.geo.models import Block, District, Village
from marketplace.officials import rollup, survey
from marketplace.officials.models import OdopItem, SurveyEntry, Target, TargetRevision
from marketplace.officials.periods import IST, fy_months, fy_of, today_ist
from marketplace.orders.models import Order, OrderLine, SellerOrder
from marketplace.sellers.models import Seller
from marketplace.settlements.models import PayoutBatch, PayoutItem

HISTORY_BUYER = "history-buyers@haat.example"
# district -> (groups linked a month per block (low, high), category slugs, price range ₹, units per order)
PLANS = {
    "Kondagaon": ((14, 24), ["metal-craft", "bamboo-cane", "millets"], (250, 2500), (1, 4)),
    "Saharsa": ((1, 3), ["snacks-sweets", "sanitary-pads", "masks"], (40, 400), (2, 10)),
    "Muzaffarpur": ((1, 3), ["honey", "folk-paintings", "pickles"], (150, 900), (1, 3)),
    "Patna": ((1, 3), ["snacks-sweets", "stationery", "spices"], (60, 500), (1, 5)),
    "Hamirpur": ((1, 3), ["shawls", "pickles", "honey"], (200, 3000), (1, 2)),
}
ODOP = {"Kondagaon": ("metal-craft", "Dhokra bell-metal craft", "ढोकरा बेल मेटल शिल्प"),
        "Muzaffarpur": ("honey", "Shahi litchi honey", "शाही लीची शहद"),
        "Saharsa": ("snacks-sweets", "Makhana (fox nut)", "मखाना"),
        "Hamirpur": ("shawls", "Handloom shawls", "हथकरघा शॉल"),
        "Patna": ("snacks-sweets", "Bakery and sweets", "बेकरी और मिठाई")}
SURVEY = {"Kondagaon": [("ढोकरा शिल्प", "bell metal, wax", "pieces"), ("बाँस की टोकरी", "bamboo", "pieces"),
                        ("Kodo-kutki millets", "millet", "kg"), ("Tumba craft", "bottle gourd", "pieces")],
          "Saharsa": [("सूती मास्क", "cotton cloth", "pieces"), ("मखाना", "fox nut seeds", "kg"),
                      ("Sikki grass baskets", "sikki grass", "pieces"), ("कपड़े के थैले", "cotton cloth", "pieces")],
          "Muzaffarpur": [("लीची शहद", "bee boxes", "kg"), ("Madhubani paintings", "handmade paper", "pieces"),
                          ("आम का अचार", "raw mango, mustard oil", "kg")],
          "Patna": [("Khaja sweets", "flour, sugar", "kg"), ("पेपर बैग", "paper", "pieces")],
          "Hamirpur": [("Handloom shawls", "wool", "pieces"), ("लिंगड़ का अचार", "fiddlehead fern", "kg")]}
NAMES = [("Jai Maa Durga", "जय माँ दुर्गा"), ("Laxmi", "लक्ष्मी"), ("Saraswati", "सरस्वती"), ("Gulab", "गुलाब"),
         ("Pragati", "प्रगति"), ("Ujala", "उजाला"), ("Ekta", "एकता"), ("Jeevan Jyoti", "जीवन ज्योति"),
         ("Kamal", "कमल"), ("Sakhi", "सखी"), ("Danteshwari", "दंतेश्वरी"), ("Jagriti", "जागृति")]


def _ist(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), IST).astimezone(UTC)


def _buyer() -> User:
    user = accounts.find_user(HISTORY_BUYER)
    if user is None:
        user = accounts.create_user("History buyers (demo)", HISTORY_BUYER, "history-demo-2026", Role.CUSTOMER)
        user.is_active_account = False
        db.session.commit()
    return user


def load_history(summary=None) -> dict:
    """Write the history if it is not there yet; always rebuild the roll-up. Returns counts written."""
    done = db.session.scalar(select(func.count(Seller.id)).where(Seller.slug.like("hist-%")))
    counts = {}
    if not done:
        counts = _write()
    run = rollup.rebuild()
    counts["roll-up seconds"] = run.seconds
    if summary is not None:
        for what, n in counts.items():
            if what != "roll-up seconds":
                summary.created[f"history {what}"] += n
    return counts


def _write() -> dict:
    rng = random.Random(20_20)
    now = utcnow()
    today = today_ist()
    first_day = today - timedelta(days=365)
    buyer = _buyer()
    cats = dict(db.session.execute(select(Category.slug, Category.id)).all())
    houses = dict(db.session.execute(select(PackagingHouse.block_id, PackagingHouse.id)).all())
    blocks = db.session.execute(select(Block.id, Block.name_en, District.name_en, District.id)
                                .join(District, Block.district_id == District.id)).all()
    villages = {}
    for vid, bid in db.session.execute(select(Village.id, Village.block_id)):
        villages.setdefault(bid, []).append(vid)
    official = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))

    sellers, products, plan_of = [], [], {}
    n = 0
    for block_id, block_en, district_en, _district_id in blocks:
        plan = PLANS.get(district_en)
        if plan is None:
            continue
        (low, high), slugs, _price, _units = plan
        for month_start in _months(first_day, today):
            for _ in range(rng.randint(low, high)):
                n += 1
                registered = month_start + timedelta(days=rng.randint(0, 9))
                if registered > today:
                    continue
                en, hi = NAMES[n % len(NAMES)]
                slug = f"hist-{n:05d}"
                pending = rng.random() < 0.06
                verified = None if pending else registered + timedelta(days=rng.randint(1, 5))
                sellers.append({"kind": "shg", "name_en": f"{en} SHG {block_en} {n:04d}",
                                "name_hi": f"{hi} स्वयं सहायता समूह {n:04d}", "slug": slug, "block_id": block_id,
                                "village_id": rng.choice(villages[block_id]) if villages.get(block_id) else None,
                                "status": "pending" if pending else "verified",
                                "verified_at": _ist(min(verified, today), 12) if verified else None,
                                "created_at": _ist(registered), "updated_at": now})
                plan_of[slug] = (district_en, block_id, registered, verified)
    db.session.execute(insert(Seller), sellers)
    ids = dict(db.session.execute(select(Seller.slug, Seller.id).where(Seller.slug.like("hist-%"))).all())

    for slug, (district_en, _block_id, _registered, verified) in plan_of.items():
        if verified is None:
            continue
        _low_high, slugs, (p_low, p_high), _units = PLANS[district_en]
        published = verified + timedelta(days=rng.randint(1, 6))
        if published > today:
            continue
        category = slugs[0] if rng.random() < 0.5 else rng.choice(slugs)
        products.append({"seller_id": ids[slug], "category_id": cats[category], "slug": f"{slug}-1",
                         "title_en": f"{category.replace('-', ' ').title()} ({slug})", "title_hi": None,
                         "price_paise": rng.randint(p_low, p_high) * 100, "unit": "piece", "pack_size": 1,
                         "min_order_qty": 1, "stock": 0, "gst_rate_bp": 0, "status": "paused",
                         "published_at": _ist(published, 15), "created_at": _ist(published, 9), "updated_at": now})
    db.session.execute(insert(Product), products)
    product_rows = db.session.execute(select(Product.id, Product.seller_id, Product.price_paise, Product.published_at)
                                      .where(Product.slug.like("hist-%"))).all()
    seller_block = {ids[s]: plan_of[s][1] for s in plan_of}
    seller_district = {ids[s]: plan_of[s][0] for s in plan_of}

    orders, parts, lines, made = [], [], [], []
    k = 0
    for product_id, seller_id, price, published_at in product_rows:
        district_en = seller_district[seller_id]
        units = PLANS[district_en][3]
        start = published_at.astimezone(IST).date() + timedelta(days=rng.randint(0, 20))
        day = start
        mask_drive = district_en == "Saharsa"
        while day <= today:
            k += 1
            quantity = rng.randint(*units)
            if mask_drive and _in_drive(day, today):
                quantity *= 40  # the district asked every group for masks: bulk orders
            status = "delivered"
            if (today - day).days < 3:
                status = rng.choice(["placed", "accepted"])
            elif rng.random() < 0.05:
                status = "cancelled"
            elif (today - day).days < 6 and rng.random() < 0.3:
                status = "accepted"  # late: past the promised dispatch
            at = _ist(day, rng.randint(8, 19))
            total = price * quantity
            orders.append({"number": f"H{k:07d}", "customer_id": buyer.id, "checkout_token": f"hist-{k}",
                           "status": "cancelled" if status == "cancelled" else "confirmed", "payment_method": "cod",
                           "items_paise": total, "delivery_paise": 0, "gst_paise": 0, "total_paise": total,
                           "ship_name": "Demo buyer", "ship_mobile": "+919811000001", "ship_line1": "Demo street",
                           "ship_district": "Patna", "ship_state_code": "BR", "ship_pin_code": "800001",
                           "created_at": at, "updated_at": at})
            made.append((k, seller_id, product_id, price, quantity, status, at))
            gap = rng.randint(8, 35) if not (mask_drive and _in_drive(day, today)) else rng.randint(3, 8)
            day += timedelta(days=gap)
    db.session.execute(insert(Order), orders)
    order_ids = dict(db.session.execute(select(Order.number, Order.id).where(Order.number.like("H%"))).all())
    for k, seller_id, _product_id, price, quantity, status, at in made:
        parts.append({"order_id": order_ids[f"H{k:07d}"], "seller_id": seller_id, "number": f"H{k:07d}-1",
                      "status": status, "items_paise": price * quantity, "delivery_paise": 0, "gst_paise": 0,
                      "total_paise": price * quantity, "created_at": at, "updated_at": at})
    db.session.execute(insert(SellerOrder), parts)
    part_ids = dict(db.session.execute(select(SellerOrder.number, SellerOrder.id)
                                       .where(SellerOrder.number.like("H%"))).all())
    shipments, dispatch_after = [], {}
    for k, seller_id, product_id, price, quantity, status, at in made:
        part_id = part_ids[f"H{k:07d}-1"]
        lines.append({"seller_order_id": part_id, "product_id": product_id, "title_en": "History item",
                      "unit_price_paise": price, "gst_rate_bp": 0, "quantity": quantity,
                      "total_paise": price * quantity, "gst_paise": 0})
        house = houses.get(seller_block[seller_id])
        if status == "delivered" and house:
            hours = rng.choice([18, 20, 24, 26, 30, 36, 40, 48, 60, 72, 90])
            shipments.append({"number": f"HS{k:07d}", "order_id": order_ids[f"H{k:07d}"], "house_id": house,
                              "status": "delivered", "status_at": at + timedelta(hours=hours + 48),
                              "cod_due_paise": 0, "created_at": at, "updated_at": at})
            dispatch_after[f"HS{k:07d}"] = (part_id, house, at + timedelta(hours=hours))
    db.session.execute(insert(OrderLine), lines)
    db.session.execute(insert(Shipment), shipments)
    ship_ids = dict(db.session.execute(select(Shipment.number, Shipment.id).where(Shipment.number.like("HS%"))).all())
    db.session.execute(insert(Handover), [
        {"seller_order_id": part_id, "house_id": house, "shipment_id": ship_ids[number], "status": "checked",
         "status_at": when, "given_back_paise": 0, "created_at": when, "updated_at": when}
        for number, (part_id, house, when) in dispatch_after.items()])
    db.session.execute(insert(FulfilmentEvent), [
        {"shipment_id": ship_ids[number], "from_state": "packed", "to_state": "dispatched", "at": when}
        for number, (_part, _house, when) in dispatch_after.items()])
    db.session.execute(insert(Parcel), [
        {"number": f"HP{number[2:]}", "shipment_id": ship_ids[number], "house_id": house, "status": "delivered",
         "status_at": when, "weight_g": 800, "length_cm": 30, "width_cm": 20, "height_cm": 10,
         "created_at": when - timedelta(hours=3), "updated_at": when}
        for number, (_part, house, when) in dispatch_after.items()])

    paid = _payouts(made, seller_block, official, today)
    surveyed = _survey(rng, blocks, villages, today, official)
    _odop(cats)
    targets = _targets(blocks, today, official)
    db.session.commit()
    return {"groups": len(sellers), "listings": len(products), "orders": len(orders), "shipments": len(shipments),
            "payout items": paid, "survey lines": surveyed, "targets": targets}


def _months(first: date, last: date) -> list[date]:
    out, m = [], first.replace(day=1)
    while m <= last:
        out.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def _in_drive(day: date, today: date) -> bool:
    """Saharsa's mask drive: from seven months ago to four months ago."""
    return today - timedelta(days=210) <= day <= today - timedelta(days=120)


def _payouts(made, seller_block, official, today) -> int:
    """A paid payout batch per block at the start of every month for the month before's delivered sales (less
    10 %); one batch per block keeps each batch's total well inside a batch's integer paise."""
    owed: dict = {}
    for _k, seller_id, _product, price, quantity, status, at in made:
        if status != "delivered":
            continue
        key = (at.astimezone(IST).date().replace(day=1), seller_block[seller_id])
        owed.setdefault(key, {}).setdefault(seller_id, 0)
        owed[key][seller_id] += price * quantity * 9 // 10
    items = 0
    for (month, block_id), amounts in sorted(owed.items()):
        pay_day = date(month.year + (month.month == 12), month.month % 12 + 1, 5)
        if pay_day > today:
            continue
        batch = PayoutBatch(status="paid", total_paise=sum(amounts.values()), created_by_id=official.id,
                            bank_reference=f"HIST-{month:%Y%m}-{block_id}", created_at=_ist(pay_day),
                            updated_at=_ist(pay_day))
        db.session.add(batch)
        db.session.flush()
        db.session.execute(insert(PayoutItem), [
            {"batch_id": batch.id, "seller_id": sid, "seller_name": "History group", "amount_paise": amount,
             "account_name": "History group", "account_number": "000000000000", "ifsc": "SBIN0000000"}
            for sid, amount in amounts.items()])
        items += len(amounts)
    return items


# groups found per survey line, by district: the survey came first and found more groups than registered since
SURVEY_GROUPS = {"Kondagaon": (120, 200), "Saharsa": (6, 14)}


def _survey(rng, blocks, villages, today, official) -> int:
    rows = []
    for block_id, block_en, district_en, _district_id in blocks:
        for village_id in villages.get(block_id, []):
            for product, material, unit in rng.sample(SURVEY.get(district_en, []), k=min(2, len(SURVEY.get(
                    district_en, [])))):
                lead = rng.random() < 0.35
                rows.append({"village_id": village_id, "block_id": block_id, "product": product,
                             "search_terms": survey.terms_of(product, material),
                             "group_name": f"{rng.choice(NAMES)[1]} समूह, {block_en}" if lead else None,
                             "groups_count": 1 if lead else rng.randint(*SURVEY_GROUPS.get(district_en, (3, 10))),
                             "households_count": rng.randint(8, 60), "capacity_per_month": rng.randint(2, 40) * 50,
                             "capacity_unit": unit, "season": "all year" if rng.random() < 0.6 else "October–March",
                             "raw_material": material, "surveyed_on": today - timedelta(days=rng.randint(200, 360)),
                             "surveyed_by_id": official.id, "created_at": utcnow(), "updated_at": utcnow()})
    db.session.execute(insert(SurveyEntry), rows)
    return len(rows)


def _odop(cats) -> None:
    have = set(db.session.scalars(select(OdopItem.district_id)))
    for district_en, (slug, en, hi) in ODOP.items():
        district_id = db.session.scalar(select(District.id).where(District.name_en == district_en))
        if district_id and district_id not in have and slug in cats:
            db.session.add(OdopItem(district_id=district_id, category_id=cats[slug], name_en=en, name_hi=hi))


def _targets(blocks, today, official) -> int:
    """Mission 20-20: 20 groups linked to market per Kondagaon block per month of this and last financial
    year (one month revised, so the history shows)."""
    dpm = db.session.scalar(select(User).where(User.email == "dpm-kondagaon@haat.example")) or official
    rows = []
    for fy in (fy_of(today) - 1, fy_of(today)):
        for block_id, _en, district_en, _d in blocks:
            if district_en != "Kondagaon":
                continue
            for month in fy_months(fy):
                rows.append({"unit_level": "block", "unit_id": block_id, "measure": "linked", "month": month,
                             "value": 20, "set_by_id": dpm.id, "created_at": utcnow(), "updated_at": utcnow()})
    db.session.execute(insert(Target), rows)
    db.session.flush()
    for target_id, value in db.session.execute(select(Target.id, Target.value)):
        db.session.add(TargetRevision(target_id=target_id, old_value=None, new_value=value, actor_id=dpm.id))
    return len(rows)
