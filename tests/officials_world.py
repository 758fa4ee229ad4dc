"""A small hand-built world for the officials' dashboards: every figure the tests expect is worked out by
hand in the test from what is written here (October 2026 in Saharsa district)."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.fulfilment.models import FulfilmentEvent, Handover, Parcel, Shipment
from marketplace.officials import rollup
from marketplace.officials.models import OdopItem, SurveyEntry
from marketplace.orders.models import Order, OrderLine, SellerOrder
from marketplace.settlements.models import PayoutBatch, PayoutItem

from . import factories as f

IST = ZoneInfo("Asia/Kolkata")
_n = itertools.count(1)


def ist(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=IST)


def group(block, registered, *, verified=None, name=None):
    org = f.seller(block, verified=verified is not None, name=name)
    org.created_at = registered
    org.verified_at = verified
    db.session.commit()
    return org


def sale(org, at, lines, *, status="delivered", customer=None):
    """A seller order of `org` placed at `at` with lines [(product, qty, unit price paise)]."""
    n = next(_n)
    items = sum(q * p for _prod, q, p in lines)
    order = Order(number=f"T-{n}", customer_id=customer.id, checkout_token=f"tok-{n}", status="confirmed",
                  payment_method="cod", items_paise=items, delivery_paise=0, gst_paise=0, total_paise=items,
                  ship_name="X", ship_mobile="+919811000009", ship_line1="Line", ship_district="Patna",
                  ship_state_code="BR", ship_pin_code="800001", created_at=at)
    db.session.add(order)
    db.session.flush()
    part = SellerOrder(order_id=order.id, seller_id=org.id, number=f"T-{n}-1", status=status, items_paise=items,
                       delivery_paise=0, gst_paise=0, total_paise=items, created_at=at)
    db.session.add(part)
    db.session.flush()
    for prod, q, p in lines:
        db.session.add(OrderLine(seller_order_id=part.id, product_id=prod.id, title_en=prod.title_en,
                                 unit_price_paise=p, gst_rate_bp=0, quantity=q, total_paise=q * p, gst_paise=0))
    db.session.commit()
    return part


def dispatch(part, house, at):
    """The part went through `house` in its own shipment and one parcel, dispatched at `at`."""
    n = next(_n)
    ship = Shipment(number=f"S-{n}", order_id=part.order_id, house_id=house.id, status="delivered", status_at=at)
    db.session.add(ship)
    db.session.flush()
    db.session.add(Handover(seller_order_id=part.id, house_id=house.id, shipment_id=ship.id, status="checked"))
    db.session.add(FulfilmentEvent(shipment_id=ship.id, from_state="packed", to_state="dispatched", at=at))
    db.session.add(Parcel(number=f"P-{n}", shipment_id=ship.id, house_id=house.id, status="delivered", weight_g=500,
                          length_cm=10, width_cm=10, height_cm=10, created_at=at))
    db.session.commit()


@dataclass
class World:
    a: object
    b: object
    c: object
    d: object
    e: object
    masks: object
    kahara: object
    sattar: object
    mahishi: object
    musahari: object


def build(geo) -> World:
    kahara, sattar, mahishi, musahari = geo["Kahara"], geo["Sattar Kataiya"], geo["Mahishi"], geo["Musahari"]
    customer = f.user(Role.CUSTOMER)
    masks = f.make_category("masks", name_en="Masks", name_hi="मास्क")
    bags = f.make_category("bags", name_en="Bags", name_hi="थैले")
    a = group(kahara, ist(2026, 9, 10), verified=ist(2026, 9, 12), name="Group A")
    b = group(kahara, ist(2026, 10, 3), verified=ist(2026, 10, 4), name="Group B")
    c = group(kahara, ist(2026, 10, 20), name="Group C")  # pending
    d = group(sattar, ist(2026, 8, 1), verified=ist(2026, 8, 2), name="Group D")
    e = group(musahari, ist(2026, 8, 1), verified=ist(2026, 8, 2), name="Group E")  # another district
    a_mask = f.make_product(a, masks, published_at=ist(2026, 9, 20))
    a_bag = f.make_product(a, bags, published_at=ist(2026, 9, 21))
    f.make_product(b, bags, published_at=ist(2026, 10, 6))
    d_bag = f.make_product(d, bags, published_at=ist(2026, 8, 5))
    e_bag = f.make_product(e, bags, published_at=ist(2026, 8, 5))
    house = f.packaging_house(kahara)

    first = sale(a, ist(2026, 10, 5, 10), [(a_mask, 3, 10000), (a_bag, 1, 25000)], customer=customer)
    dispatch(first, house, ist(2026, 10, 6, 16))  # 30 hours
    second = sale(a, ist(2026, 10, 8, 9), [(a_bag, 1, 10000)], customer=customer)
    dispatch(second, house, ist(2026, 10, 8, 21))  # 12 hours
    sale(d, ist(2026, 8, 10), [(d_bag, 1, 10000)], customer=customer)  # before the period
    sale(d, ist(2026, 10, 15), [(d_bag, 5, 4000)], status="placed", customer=customer)  # never dispatched: late
    sale(d, ist(2026, 10, 25), [(d_bag, 10, 4000)], status="cancelled", customer=customer)  # not a sale
    sale(e, ist(2026, 10, 7), [(e_bag, 100, 1000)], customer=customer)  # Muzaffarpur: outside Saharsa

    batch = PayoutBatch(status="paid", total_paise=50000, updated_at=ist(2026, 10, 28))
    db.session.add(batch)
    db.session.flush()
    for org, amount in ((a, 40000), (d, 10000)):
        db.session.add(PayoutItem(batch_id=batch.id, seller_id=org.id, seller_name=org.name_en, amount_paise=amount,
                                  account_name="X", account_number="1234567890", ifsc="SBIN0000001"))
    db.session.add_all([
        SurveyEntry(village_id=kahara.villages[0].id, block_id=kahara.id, product="Cotton masks", groups_count=5,
                    surveyed_on=date(2026, 10, 1)),
        SurveyEntry(village_id=mahishi.villages[0].id, block_id=mahishi.id, product="Sikki grass baskets",
                    group_name="Sita Jeevika SHG", groups_count=1, surveyed_on=date(2026, 10, 2)),
        SurveyEntry(village_id=kahara.villages[0].id, block_id=kahara.id, product="Pickles", groups_count=2,
                    surveyed_on=date(2026, 11, 2)),  # after the period
        OdopItem(district_id=kahara.district_id, category_id=masks.id, name_en="Cotton masks", name_hi="सूती मास्क"),
    ])
    db.session.commit()
    rollup.rebuild()
    return World(a, b, c, d, e, masks, kahara, sattar, mahishi, musahari)
