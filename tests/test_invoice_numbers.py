"""Issue 9 #1: invoice numbers hold for any group id and any year within GST's 16 characters. The first
numbering used the raw seller id ('H12-2627-00001') and refused every group from id 10,000 on, inside dispatch."""

import pytest
from sqlalchemy import text

from marketplace.core.params import MAX_ID
from marketplace.extensions import db
from marketplace.invoices import services as invoices
from marketplace.sellers.models import Seller, Verification

from .test_fulfilment import build_world, hand_over, part_of, ready_order, ship

IDS = (1, 35, 36, 9_999, 10_000, 99_999, 1_000_000, 1_679_615, 1_679_616, 60_466_175, 60_466_176, MAX_ID)


@pytest.mark.parametrize("seller_id", IDS)
def test_numbers_fit_sixteen_characters_for_any_group_and_year(seller_id):
    most = 99_999 if seller_id < 36**5 else 9_999
    for start in range(2024, 2100):
        fy = f"{start}-{(start + 1) % 100:02d}"
        for seq in (1, most):
            number = invoices.invoice_number(seller_id, fy, seq)
            assert len(number) <= 16 and set(number) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/"), number


def test_a_million_groups_keep_five_digit_serials_and_never_share_a_series():
    codes = {invoices.series_code(i) for i in range(1, 1_000_001)}
    assert len(codes) == 1_000_000
    assert max(len(c) for c in codes) == 4
    assert len(invoices.invoice_number(1_000_000, "2026-27", 999_999)) == 16  # room for a huge year
    # the new numbers cannot collide with numbers already issued as H<id>-<fy>-<serial>
    assert "-" not in invoices.invoice_number(38, "2026-27", 1)


@pytest.fixture
def big_ids(geo):
    """Groups created from now on get ids above a million (a sequence bump on PostgreSQL, a high row on SQLite)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('sellers', 'id'), 1234566)"))
    else:
        db.session.add(Seller(id=1_234_566, name_en="Placeholder", name_hi="स्थान", slug="placeholder-high-id",
                              block_id=geo["Kahara"].id, status=Verification.PENDING))
    db.session.commit()


def test_an_operator_dispatches_for_a_group_with_a_seven_digit_id(app, geo, big_ids):
    world = build_world(geo)
    assert all(s.id > 1_000_000 for s in world.sellers)
    order = ready_order(app, world)
    for seller in world.sellers:
        ship(app, world, hand_over(app, world, part_of(order, seller)).shipment_id)
    with app.app_context():
        numbers = {seller.id: invoices.invoice_of_part(part_of(order, seller).id).number for seller in world.sellers}
    assert numbers == {s.id: f"{invoices.series_code(s.id)}/{_fy()}/00001" for s in world.sellers}
    assert all(len(n) <= 16 for n in numbers.values())


def _fy() -> str:
    from marketplace.core.types import utcnow

    fy = invoices.financial_year(utcnow())
    return f"{fy[2:4]}{fy[5:7]}"
