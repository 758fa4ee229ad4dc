"""The demo's requisitions at full size: 9 lakh masks over 960 groups with three weeks of reports, loaded with
bulk inserts, idempotent; the uniform and dhokra orders; the demo buyer sees all three."""

from sqlalchemy import func, select

from marketplace.demo import loader
from marketplace.demo import requisitions as demo_requisitions
from marketplace.extensions import db
from marketplace.requisitions.models import Allocation, DailyReport, Requisition, RequisitionDay
from marketplace.requisitions.progress import progress
from marketplace.requisitions.queries import visible_requisitions
from marketplace.settlements import services as settlements


def test_demo_requisitions(ctx):
    loader.load_demo(only=["maa-durga-jeevika-bangaon", "sakhi-garments-turki", "bhelwapadar-dhokra-shilp"])
    summary = loader.Summary()
    demo_requisitions.load(summary)
    saharsa = db.session.scalar(select(Requisition).where(Requisition.title == demo_requisitions.SAHARSA_TITLE))
    assert saharsa.quantity == 900_000 and saharsa.status == "partly_delivered"
    allocs = db.session.execute(select(func.count(), func.sum(Allocation.quantity), func.sum(Allocation.made))
                                .where(Allocation.requisition_id == saharsa.id)).one()
    assert allocs[0] == 960 and allocs[1] == 900_000
    reported = db.session.scalar(select(func.sum(DailyReport.made)).where(DailyReport.requisition_id == saharsa.id))
    assert reported == allocs[2] == db.session.scalar(select(func.sum(RequisitionDay.made))
                                                      .where(RequisitionDay.requisition_id == saharsa.id))
    prog = progress(saharsa)
    assert len(prog.daily) == 21 and prog.behind and prog.totals.accepted > 0 and prog.totals.delivered > 0
    assert settlements.ledger_sum() == 0
    buyer = loader.accounts.find_user(demo_requisitions.BUYER)
    assert visible_requisitions(buyer).total == 3
    again = loader.Summary()
    demo_requisitions.load(again)
    assert not again.created
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == allocs[0] + db.session.scalar(
        select(func.count()).select_from(Allocation).where(Allocation.requisition_id != saharsa.id))
