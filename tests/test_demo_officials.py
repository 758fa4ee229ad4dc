"""The officials' demo history: written once (a second run writes nothing), true to the stories."""

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.catalog import services as catalog
from marketplace.demo.officials_history import _in_drive, load_history
from marketplace.extensions import db
from marketplace.fulfilment import houses
from marketplace.geo.models import Block, District
from marketplace.officials import metrics, targets
from marketplace.officials.models import SalesMonth, Target
from marketplace.officials.periods import fy_of, today_ist
from marketplace.sellers.models import Seller

from . import factories as f


def test_history_once_and_true_to_the_stories(geo):
    catalog.seed_categories()
    houses.ensure_house_per_block()
    f.user(Role.ADMIN)
    first = load_history()
    assert first["groups"] > 1000 and first["orders"] > 5000
    groups = db.session.scalar(select(func.count(Seller.id)))
    again = load_history()
    assert set(again) == {"roll-up seconds"}  # nothing written the second time
    assert db.session.scalar(select(func.count(Seller.id))) == groups

    # Kondagaon: every block has a target of 20 a month, and achieves around it
    kondagaon = db.session.scalar(select(District).where(District.name_en == "Kondagaon"))
    assert set(db.session.scalars(select(Target.value).join(Block, Block.id == Target.unit_id)
                                  .where(Block.district_id == kondagaon.id))) == {20}
    rows, milestone = targets.achievement(metrics.load_unit("district", kondagaon.id), "linked",
                                          fy_of(today_ist()))
    assert milestone == "first_sale" and len(rows) == len(kondagaon.blocks)
    assert all(r.year_achieved > 0 for r in rows)

    # Saharsa: the mask drive months sell far more than the months around them
    saharsa = db.session.scalar(select(District).where(District.name_en == "Saharsa"))
    monthly = dict(db.session.execute(
        select(SalesMonth.day, func.sum(SalesMonth.units)).where(
            SalesMonth.district_id == saharsa.id, SalesMonth.category_id.is_(None)).group_by(SalesMonth.day)).all())
    today = today_ist()
    drive = [units for month, units in monthly.items() if _in_drive(month + timedelta(days=14), today)]
    other = [units for month, units in monthly.items() if not _in_drive(month + timedelta(days=14), today)]
    assert min(drive) > 3 * max(other)
