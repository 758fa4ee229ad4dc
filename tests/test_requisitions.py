"""Requisitions: writing one, the split across groups, answers and re-offers, quotes, daily reports."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.requisitions import services
from marketplace.requisitions.models import (
    Allocation,
    DailyReport,
    Requisition,
    RequisitionDay,
    RequisitionEvent,
    RequisitionPoint,
)
from marketplace.requisitions.services import PointRow, RequisitionError, today_ist

from . import factories as f
from . import req_factories as rf


@pytest.fixture
def setup(geo):
    kahara, sattar, kanti = geo["Kahara"], geo["Sattar Kataiya"], geo["Kanti"]
    inst, buyer = rf.institution(kahara)
    made, category = rf.groups([kahara, sattar, kanti], 4, weekly=700, members=True, federation="CLF")
    return {"inst": inst, "buyer": buyer, "groups": made, "category": category, "kahara": kahara,
            "sattar": sattar, "kanti": kanti}


def _req(s, quantity=6000, **kw):
    return rf.requisition(s["inst"], s["buyer"], s["category"],
                          [("Panchayat Bangaon", s["kahara"], quantity // 2),
                           ("Panchayat Sattar", s["sattar"], quantity - quantity // 2)], **kw)


def _totals(req_id):
    db.session.expire_all()
    req = db.session.get(Requisition, req_id)
    shares = db.session.scalar(select(func.coalesce(func.sum(Allocation.quantity), 0))
                               .where(Allocation.requisition_id == req_id))
    return req, shares


# ---------------------------------------------------------------- writing

def test_points_csv_reports_every_bad_row_and_keeps_nothing(app, setup):
    data = ("name,block,quantity\nBangaon,Kahara,100\n,Kahara,5\nSattar,Nowhere,10\nDewna,Sonbarsa,-3\n"
            "Bangaon,Kahara,7\nKoparia,सलखुआ,abc\n").encode()
    with pytest.raises(RequisitionError) as exc:
        services.parse_points_csv(data)
    with app.test_request_context("/?lang=en"):
        rows = [str(m) for m in exc.value.errors["rows"]]
    assert len(rows) == 5
    assert rows[0].startswith("Row 3") and "Nowhere" in rows[1] and rows[2].startswith("Row 5")
    assert "twice" in rows[3] and rows[4].startswith("Row 7")
    assert db.session.query(RequisitionPoint).count() == 0


def test_points_csv_good(setup):
    rows = services.parse_points_csv("Bangaon,Kahara,100\nDewna,सोनबरसा,20\nCollectorate,,5\n".encode())
    assert [(r.name, r.quantity) for r in rows] == [("Bangaon", 100), ("Dewna", 20), ("Collectorate", 5)]
    assert rows[1].block_id is not None and rows[2].block_id is None


@pytest.mark.parametrize("changes,field", [
    ({"quantity": "-5"}, "quantity"), ({"quantity": "0"}, "quantity"), ({"quantity": "99999999999999"}, "quantity"),
    ({"deadline": "past"}, "deadline"), ({"deadline": "today"}, "deadline"), ({"points": "short"}, "points"),
    ({"price_paise": 0}, "price"), ({"spec": ""}, "spec"),
])
def test_bad_requisitions_are_refused_with_a_field(setup, changes, field):
    values = {"title": "Masks", "quantity": "100", "deadline": today_ist() + timedelta(days=10),
              "points": [PointRow("A", None, 100)], "category_id": setup["category"].id, "spec": "cotton",
              "price_paise": None}
    if changes.get("deadline") == "past":
        changes["deadline"] = today_ist() - timedelta(days=1)
    elif changes.get("deadline") == "today":
        changes["deadline"] = today_ist()
    if changes.get("points") == "short":
        changes["points"] = [PointRow("A", None, 99)]
    values.update(changes)
    with pytest.raises(RequisitionError) as exc:
        services.create_requisition(setup["inst"], setup["buyer"], **values)
    assert field in exc.value.errors
    assert db.session.query(Requisition).count() == 0


def test_unapproved_institution_cannot_requisition(geo):
    inst, buyer = rf.institution(geo["Kahara"], approved=False)
    with pytest.raises(RequisitionError) as exc:
        services.create_requisition(inst, buyer, title="Masks", quantity=10, deadline=today_ist() + timedelta(5),
                                    points=[PointRow("A", None, 10)], category_id=f.make_category().id, spec="x")
    assert "institution" in exc.value.errors


def test_states_are_guarded_and_recorded(setup):
    req = _req(setup, status="draft")
    with pytest.raises(RequisitionError) as exc:
        services.approve(req.id, None)
    assert exc.value.status == 409
    services.submit(req.id, setup["buyer"])
    services.cancel(req.id, setup["buyer"], "budget withdrawn")
    with pytest.raises(RequisitionError):
        services.submit(req.id, setup["buyer"])
    events = db.session.scalars(select(RequisitionEvent).where(RequisitionEvent.requisition_id == req.id)
                                .order_by(RequisitionEvent.id)).all()
    assert [e.to_state for e in events] == ["draft", "submitted", "cancelled"]
    assert events[-1].reason == "budget withdrawn" and events[-1].actor_id == setup["buyer"].id


# ---------------------------------------------------------------- the split

def test_proposal_sums_to_total_respects_cap_and_prefers_point_blocks(setup):
    req = _req(setup, quantity=6000)
    shares = services.propose(req, cap=900)
    assert sum(s.share for s in shares) == 6000
    assert all(s.share <= 900 and s.share <= s.capacity for s in shares)
    blocks = {s.block_id for s in shares}
    assert blocks == {setup["kahara"].id, setup["sattar"].id}  # Kanti's groups not needed
    assert all(s.federation_name == f"CLF {s.block_en}" for s in shares)


def test_proposal_spills_over_and_refuses_impossible(setup):
    req = _req(setup, quantity=25000)  # 8 groups in the points' blocks make 4 × 700 = 2800 each by the deadline
    shares = services.propose(req)
    assert sum(s.share for s in shares) == 25000 and len(shares) == 12
    assert all(s.share == s.capacity for s in shares if s.block_id != setup["kanti"].id)
    assert sum(s.share for s in shares if s.block_id == setup["kanti"].id) == 25000 - 8 * 2800
    with pytest.raises(RequisitionError) as exc:
        services.propose(req, cap=1000)
    assert exc.value.status == 409
    over = services.propose(req, cap=3000, override=True)  # beyond declared capacity, within the cap
    assert sum(s.share for s in over) == 25000 and max(s.share for s in over) <= 3000


def test_split_must_sum_to_total(setup):
    req = _req(setup, quantity=1000)
    ids = [g.id for g, _ in setup["groups"]]
    with pytest.raises(RequisitionError):
        services.save_split(req.id, req.version, {ids[0]: 600, ids[1]: 300}, None)
    with pytest.raises(RequisitionError):
        services.save_split(req.id, req.version, {ids[0]: 1200, ids[1]: -200}, None)
    services.save_split(req.id, req.version, {ids[0]: 600, ids[1]: 400}, None)
    req, total = _totals(req.id)
    assert total == 1000 and req.unallocated == 0 and req.status == "allocating"


def test_stale_version_is_refused(setup):
    req = _req(setup, quantity=1000)
    ids = [g.id for g, _ in setup["groups"]]
    seen = req.version
    services.save_split(req.id, seen, {ids[0]: 1000}, None)
    with pytest.raises(RequisitionError) as exc:
        services.save_split(req.id, seen, {ids[1]: 1000}, None)
    assert exc.value.status == 409
    req, total = _totals(req.id)
    assert total == 1000


def test_two_officials_at_once_never_double_allocate(app, setup):
    req = _req(setup, quantity=1000)
    ids = [g.id for g, _ in setup["groups"]]
    seen, req_id = req.version, req.id
    barrier = threading.Barrier(2)
    outcomes = []

    def official(shares):
        with app.app_context():
            try:
                barrier.wait()
                services.save_split(req_id, seen, shares, None)
                outcomes.append("saved")
            except RequisitionError as exc:
                outcomes.append(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=official, args=({ids[0]: 500, ids[1]: 500},)),
               threading.Thread(target=official, args=({ids[2]: 500, ids[3]: 500},))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [409, "saved"]
    req, total = _totals(req_id)
    assert total == 1000 and req.version == seen + 2  # one split (version + status change), not two
    assert db.session.scalar(select(func.count()).select_from(Allocation)
                             .where(Allocation.requisition_id == req_id)) == 2


# ---------------------------------------------------------------- answers and re-offers

def test_accept_part_decline_and_reoffer(setup):
    req = _req(setup, quantity=3000)
    ids = [g.id for g, _ in setup["groups"]]
    services.save_split(req.id, req.version, {ids[0]: 1000, ids[1]: 1000, ids[2]: 1000}, None)
    services.answer(req.id, ids[0], None, None)  # all
    services.answer(req.id, ids[1], None, 600)  # part
    services.answer(req.id, ids[2], None, 0)  # declines
    req, total = _totals(req.id)
    assert req.unallocated == 1400 and total + req.unallocated == 3000 and req.status == "allocating"
    with pytest.raises(RequisitionError):
        services.answer(req.id, ids[2], None, 5)  # nothing offered any more
    offered = services.reoffer(req.id, req.version, None)
    assert offered == 1400
    req, total = _totals(req.id)
    assert req.unallocated == 0 and total == 3000
    by_seller = {a.seller_id: a for a in services.allocations_of(req.id)}
    assert by_seller[ids[2]].quantity == 0 and by_seller[ids[2]].status == "declined"  # not offered again
    for a in by_seller.values():
        if a.quantity > a.committed:
            services.answer(req.id, a.seller_id, None, None)
    req, _ = _totals(req.id)
    assert req.status == "in_production"


def test_lagging_quantities_are_offered_again(setup):
    req = _req(setup, quantity=2000, days=28)
    ids = [g.id for g, _ in setup["groups"]]
    services.save_split(req.id, req.version, {ids[0]: 1000, ids[1]: 1000}, None)
    services.answer(req.id, ids[0], None, None)
    services.answer(req.id, ids[1], None, None)
    start = today_ist() - timedelta(days=10)
    db.session.execute(Requisition.__table__.update().where(Requisition.id == req.id).values(started_on=start))
    db.session.commit()
    for day in range(10):
        services.report_day(req.id, ids[0], start + timedelta(days=day), 60, 60, None)  # on pace
        services.report_day(req.id, ids[1], start + timedelta(days=day), 10, 10, None)  # far behind
    req = services.get(req.id)
    lags = services.lagging(req)
    assert list(lags) == [a.id for a in services.allocations_of(req.id) if a.seller_id == ids[1]]
    services.reoffer(req.id, req.version, None)
    req, total = _totals(req.id)
    assert total == 2000
    slow = next(a for a in services.allocations_of(req.id) if a.seller_id == ids[1])
    assert slow.committed == 100 + 100 * 28 // 10  # what it will make at its rate in the 28 days left
    assert ids[1] not in {a.seller_id for a in services.allocations_of(req.id) if a.quantity > a.committed}


# ---------------------------------------------------------------- quotes

def test_quote_me(setup):
    req = _req(setup, quantity=1000, price=None)
    g1, g2 = setup["groups"][0][0].id, setup["groups"][1][0].id
    q1 = services.submit_quote(req.id, g1, 450, "700")
    q2 = services.submit_quote(req.id, g2, 480, "500")
    assert [row[0].id for row in services.quotes_of(req.id)] == [q1.id, q2.id]  # cheapest first
    services.accept_quote(q1.id, services.get(req.id).version, setup["buyer"])
    services.accept_quote(q2.id, services.get(req.id).version, setup["buyer"])
    req, total = _totals(req.id)
    assert total == 1000 and req.unallocated == 0 and req.status == "in_production"
    prices = {a.seller_id: (a.committed, a.price_paise) for a in services.allocations_of(req.id)}
    assert prices == {g1: (700, 450), g2: (300, 480)}
    with pytest.raises(RequisitionError):
        services.accept_quote(q1.id, req.version, setup["buyer"])


# ---------------------------------------------------------------- daily reports

@pytest.fixture
def running(setup):
    req = _req(setup, quantity=1000)
    ids = [g.id for g, _ in setup["groups"]]
    services.save_split(req.id, req.version, {ids[0]: 500, ids[1]: 500}, None)
    services.answer(req.id, ids[0], None, None)
    services.answer(req.id, ids[1], None, None)
    return services.get(req.id), ids


def test_report_is_idempotent_and_correction_keeps_history(running):
    req, ids = running
    day = today_ist()
    assert services.report_day(req.id, ids[0], day, "50", "45", None).outcome == "saved"
    assert services.report_day(req.id, ids[0], day, 50, 45, None).outcome == "unchanged"
    assert services.report_day(req.id, ids[0], day, 40, 40, None).outcome == "corrected"
    rows = db.session.scalars(select(DailyReport).where(DailyReport.seller_id == ids[0])
                              .order_by(DailyReport.id)).all()
    assert [(r.made, r.current) for r in rows] == [(50, False), (40, True)]
    a = next(a for a in services.allocations_of(req.id) if a.seller_id == ids[0])
    assert (a.made, a.passed) == (40, 40)
    services.report_day(req.id, ids[1], day, 7, 7, None)  # the same block and day: one day row, summed
    days = db.session.execute(select(RequisitionDay.day, RequisitionDay.made, RequisitionDay.passed)).all()
    assert days == [(day, 47, 47)]


@pytest.mark.parametrize("made,passed,field", [("-1", "0", "made"), ("5", "6", "passed"), ("x", "0", "made"),
                                               ("99999999999", "0", "made")])
def test_bad_reports(running, made, passed, field):
    req, ids = running
    with pytest.raises(RequisitionError) as exc:
        services.report_day(req.id, ids[0], today_ist(), made, passed, None)
    assert exc.value.field == field


def test_future_day_and_other_groups_refused(running):
    req, ids = running
    with pytest.raises(RequisitionError):
        services.report_day(req.id, ids[0], today_ist() + timedelta(days=1), 1, 1, None)
    with pytest.raises(RequisitionError) as exc:
        services.report_day(req.id, ids[5], today_ist(), 1, 1, None)
    assert exc.value.status == 404


def test_made_never_exceeds_share_without_a_note(running):
    req, ids = running
    services.report_day(req.id, ids[0], today_ist() - timedelta(days=1), 450, 450, None)
    with pytest.raises(RequisitionError) as exc:
        services.report_day(req.id, ids[0], today_ist(), 60, 60, None)
    assert exc.value.field == "over_note"
    services.report_day(req.id, ids[0], today_ist(), 60, 60, None, over_note="Extra cloth from the CLF")
    a = next(a for a in services.allocations_of(req.id) if a.seller_id == ids[0])
    assert a.made == 510 and a.over_note == "Extra cloth from the CLF"


def test_block_day_is_all_or_nothing(running):
    req, ids = running
    rows = [services.BlockRow(ids[0], 30, 30), services.BlockRow(ids[1], 10, 20)]
    with pytest.raises(RequisitionError) as exc:
        services.report_block_day(req.id, today_ist(), rows, None)
    assert len(exc.value.errors["rows"]) == 1
    assert db.session.query(DailyReport).count() == 0
    rows[1] = services.BlockRow(ids[1], 20, 20)
    assert services.report_block_day(req.id, today_ist(), rows, None)["saved"] == 2


def test_block_csv(running):
    req, ids = running
    allowed = {str(ids[0]): ids[0], str(ids[1]): ids[1]}
    rows = services.parse_block_csv(f"group,made,passed\n{ids[0]},5,4\n{ids[1]},6,6,\n".encode(), allowed)
    assert [(r.seller_id, r.made, r.passed) for r in rows] == [(ids[0], 5, 4), (ids[1], 6, 6)]
    with pytest.raises(RequisitionError) as exc:
        services.parse_block_csv(f"{ids[0]},5,9\n999999,1,1\n{ids[1]},a,1\n".encode(), allowed)
    assert len(exc.value.errors["rows"]) == 3
