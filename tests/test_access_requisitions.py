"""Who sees what of a requisition: a matrix over every institution and requisition route. A group sees only its
own share; a block official only his block's groups; the buyer the totals and every group serving it; another
institution nothing (404, not even that it exists)."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.requisitions import services
from marketplace.requisitions.models import DailyReport

from . import factories as f
from . import req_factories as rf
from .conftest import login, post


@dataclass
class World:
    req: Any
    inst: Any
    g1: Any
    g2: Any
    users: dict
    kahara: Any
    sattar: Any


@pytest.fixture
def world(geo):
    kahara, sattar = geo["Kahara"], geo["Sattar Kataiya"]
    inst, buyer = rf.institution(kahara)
    made, category = rf.groups([kahara, sattar], 1, members=True)
    (g1, m1), (g2, m2) = made
    other_made, _ = rf.groups([kahara], 1, members=True, category=category)
    req = rf.requisition(inst, buyer, category, [("Bangaon", kahara, 500), ("Sattar", sattar, 500)])
    services.save_split(req.id, req.version, {g1.id: 500, g2.id: 500}, None)
    services.answer(req.id, g1.id, None, None)
    services.answer(req.id, g2.id, None, None)
    other_inst, other_buyer = rf.institution(kahara, name="Another body")
    users = {"admin": f.user(Role.ADMIN), "buyer": buyer, "other_buyer": other_buyer,
             "dpm": f.official(kahara, "district"), "bpm": f.official(kahara, "block"),
             "bpm_other": f.official(geo["Kanti"], "block"), "group": m1, "group2": m2,
             "other_group": other_made[0][1], "customer": f.user(Role.CUSTOMER), "anon": None}
    return World(services.get(req.id), inst, g1, g2, users, kahara, sattar)


WHO = ["admin", "buyer", "other_buyer", "dpm", "bpm", "bpm_other", "group", "other_group", "customer", "anon"]
# route -> expected status per visitor (302 for anonymous: to the login page)
MATRIX = {
    "/requisitions/{r}": [200, 200, 404, 200, 200, 404, 302, 404, 404, 302],
    "/requisitions/{r}/chart.svg": [200, 200, 404, 200, 200, 404, 403, 404, 404, 302],
    "/requisitions/{r}/split": [200, 403, 404, 200, 403, 404, 403, 404, 404, 302],
    "/requisitions/{r}/share?seller={g1}": [404, 403, 403, 403, 403, 403, 200, 404, 403, 302],
    "/requisitions/{r}/report?seller={g1}": [403, 403, 403, 403, 403, 403, 200, 404, 403, 302],
    "/requisitions/{r}/block/{kahara}": [200, 403, 403, 200, 200, 404, 403, 403, 403, 302],
    "/requisitions/{r}/block/{sattar}": [200, 403, 403, 200, 403, 404, 403, 403, 403, 302],
    "/institutions/{i}": [200, 200, 403, 200, 403, 403, 403, 403, 403, 302],
    "/institutions/pending": [200, 403, 403, 200, 200, 200, 403, 403, 403, 302],
    "/institutions/new": [200, 200, 200, 403, 403, 403, 403, 403, 403, 302],
    "/requisitions/new": [403, 200, 200, 403, 403, 403, 403, 403, 403, 302],
    "/requisitions": [200, 200, 200, 200, 200, 200, 200, 200, 200, 302],
}


def _url(w: World, path: str) -> str:
    return path.format(r=w.req.id, g1=w.g1.id, i=w.inst.id, kahara=w.kahara.id, sattar=w.sattar.id)


@pytest.mark.parametrize("who", WHO)
def test_matrix(app, world, who):
    client = app.test_client()
    if world.users[who] is not None:
        assert login(client, world.users[who].login_name).status_code == 302
    got = {path: client.get(_url(world, path)).status_code for path in MATRIX}
    expected = {path: row[WHO.index(who)] for path, row in MATRIX.items()}
    assert got == expected


def _page(app, world, who) -> str:
    client = app.test_client()
    login(client, world.users[who].login_name)
    return client.get(f"/requisitions/{world.req.id}?lang=en").get_data(as_text=True)


def test_block_official_sees_only_his_blocks_groups(app, world):
    html = _page(app, world, "bpm")
    assert world.g1.name_en in html and world.g2.name_en not in html


def test_buyer_sees_totals_and_its_groups(app, world):
    html = _page(app, world, "buyer")
    assert world.g1.name_en in html and world.g2.name_en in html and "1,000" in html


def test_group_sees_only_its_share(app, world):
    client = app.test_client()
    login(client, world.users["group"].login_name)
    html = client.get(f"/requisitions/{world.req.id}/share?seller={world.g1.id}&lang=en").get_data(as_text=True)
    assert "500" in html and world.g2.name_en not in html
    assert client.get(f"/requisitions/{world.req.id}/share?seller={world.g2.id}").status_code == 403


def test_report_posts_only_for_own_group(app, world):
    mine, theirs = app.test_client(), app.test_client()
    login(mine, world.users["group"].login_name)
    login(theirs, world.users["group2"].login_name)
    url = f"/requisitions/{world.req.id}/report"
    assert post(theirs, url, {"seller": world.g1.id, "made": "5", "passed": "5"}).status_code == 403
    assert post(mine, url, {"seller": world.g1.id, "made": "40", "passed": "38"}).status_code == 303
    assert post(mine, url, {"seller": world.g1.id, "made": "40", "passed": "38"}).status_code == 303  # replay
    assert post(mine, url, {"seller": world.g1.id, "made": "-4", "passed": "0"}).status_code == 422
    rows = db.session.scalars(select(DailyReport)).all()
    assert [(r.seller_id, r.made, r.passed) for r in rows] == [(world.g1.id, 40, 38)]


def test_block_grid_posts_only_in_own_block(app, world):
    client = app.test_client()
    login(client, world.users["bpm"].login_name)
    base = f"/requisitions/{world.req.id}/block/"
    assert post(client, f"{base}{world.sattar.id}", {f"made-{world.g2.id}": "9"}).status_code == 403
    assert post(client, f"{base}{world.kahara.id}", {f"made-{world.g1.id}": "9", f"passed-{world.g1.id}": "8"}
                ).status_code == 303
    assert [(r.seller_id, r.made) for r in db.session.scalars(select(DailyReport))] == [(world.g1.id, 9)]


def test_split_post_needs_an_allocator(app, world):
    client = app.test_client()
    login(client, world.users["buyer"].login_name)
    url = f"/requisitions/{world.req.id}/split"
    data = {"version": world.req.version, f"share-{world.g1.id}": "1000", f"share-{world.g2.id}": "0"}
    assert post(client, url, data).status_code == 403
    client = app.test_client()
    login(client, world.users["admin"].login_name)
    same = {"version": "1", f"share-{world.g1.id}": "500", f"share-{world.g2.id}": "500"}
    assert post(client, url, same).status_code == 409  # stale version
    assert post(client, url, {**data, f"share-{world.g1.id}": "900"}).status_code == 422  # does not add up
    # the groups accepted 500 each: their shares cannot be cut below that
    assert post(client, url, data).status_code == 422


def test_money_and_delivery_routes(app, world):
    from marketplace.requisitions import delivery

    operator = f.user(Role.OPERATOR)
    house = f.packaging_house(world.kahara, operators=[operator], serves=(world.kahara.id,))
    services.report_day(world.req.id, world.g1.id, services.today_ist(), 100, 100, None)
    group = app.test_client()
    login(group, world.users["group"].login_name)
    assert post(group, f"/requisitions/{world.req.id}/lots", {"seller": world.g1.id, "quantity": "100"}
                ).status_code == 303
    lot_id = delivery.lots_at_house(house.id)[0][0].id
    stranger = app.test_client()
    login(stranger, f.user(Role.OPERATOR).login_name)
    assert stranger.get(f"/requisitions/house/{house.id}").status_code == 403
    assert post(stranger, f"/requisitions/lots/{lot_id}/check", {"accepted": "100"}).status_code == 403
    op = app.test_client()
    login(op, operator.login_name)
    assert op.get(f"/requisitions/house/{house.id}").status_code == 200
    assert post(op, f"/requisitions/lots/{lot_id}/check", {"accepted": "100", "rejected": "0"}).status_code == 303
    inv = delivery.invoices_of(world.req.id)[0]
    for who, status in [("buyer", 200), ("group", 200), ("group2", 404), ("other_buyer", 404), ("bpm", 404)]:
        client = app.test_client()
        login(client, world.users[who].login_name)
        assert client.get(f"/requisitions/invoices/{inv.id}").status_code == status, who
    for who, status in [("buyer", 200), ("other_buyer", 404), ("group", 403)]:
        client = app.test_client()
        login(client, world.users[who].login_name)
        assert client.get(f"/institutions/{world.inst.id}/statement").status_code == status, who
    buyer = app.test_client()
    login(buyer, world.users["buyer"].login_name)
    assert post(buyer, f"/requisitions/{world.req.id}/payments", {"amount": "100", "reference": "UTR1234"}
                ).status_code == 403
    assert delivery.paid_total(world.req.id) == 0


def test_state_quote_reoffer_and_institution_posts(app, world):
    from marketplace.institutions.models import Institution
    from marketplace.requisitions.models import Quote, Requisition

    def client_for(who):
        c = app.test_client()
        login(c, world.users[who].login_name)
        return c

    url = f"/requisitions/{world.req.id}/state"
    assert post(client_for("other_buyer"), url, {"action": "cancel", "reason": "x"}).status_code == 404
    assert post(client_for("group"), url, {"action": "cancel", "reason": "x"}).status_code == 403
    assert post(client_for("bpm"), url, {"action": "cancel", "reason": "x"}).status_code == 403
    assert post(client_for("buyer"), f"/requisitions/{world.req.id}/reoffer", {"version": "9"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Requisition, world.req.id).status == "in_production"
    # a quote on another requisition of this institution: another institution's buyer cannot accept it
    quote = Quote(requisition_id=world.req.id, seller_id=world.g1.id, price_paise=400, quantity=10)
    db.session.add(quote)
    db.session.commit()
    assert post(client_for("other_buyer"), f"/requisitions/quotes/{quote.id}/accept", {"version": "1"}
                ).status_code == 404
    assert db.session.get(Quote, quote.id).status == "open"
    pending, _ = rf.institution(world.kahara, approved=False, name="Pending body")
    assert post(client_for("bpm"), f"/institutions/{pending.id}/decide", {"action": "approve"}).status_code == 403
    assert post(client_for("dpm"), f"/institutions/{pending.id}/decide", {"action": "approve"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Institution, pending.id).status == "approved"
    assert post(client_for("other_buyer"), "/requisitions/dispatches/999/receive", {"received": "1"}
                ).status_code == 404


def test_group_finds_and_answers_a_quote_me_requisition(app, world):
    from marketplace.catalog.models import Category
    from marketplace.requisitions.models import Quote

    category = db.session.get(Category, world.req.category_id)
    req = rf.requisition(world.inst, world.users["buyer"], category, [("Bangaon", world.kahara, 100)], price=None)
    client = app.test_client()
    login(client, world.users["other_group"].login_name)  # a Kahara group with no share yet
    assert f"/requisitions/{req.id}/share" in client.get("/requisitions").get_data(as_text=True)
    assert client.get(f"/requisitions/{req.id}/share").status_code == 200
    assert post(client, f"/requisitions/{req.id}/share", {"action": "quote", "price": "14.50", "quantity": "60"}
                ).status_code == 303
    quote = db.session.scalar(select(Quote))
    assert (quote.price_paise, quote.quantity) == (1450, 60)
    outsider = app.test_client()
    login(outsider, f.user(Role.SELLER).login_name)
    assert outsider.get(f"/requisitions/{req.id}/share").status_code in (403, 404)


def test_delivery_points_of_an_institution(app, world):
    from marketplace.institutions.models import DeliveryPoint

    url = f"/institutions/{world.inst.id}/points"
    other = app.test_client()
    login(other, world.users["other_buyer"].login_name)
    assert post(other, url, {"name": "Someone else's office"}).status_code == 404
    mine = app.test_client()
    login(mine, world.users["buyer"].login_name)
    assert post(mine, url, {"name": "Collectorate store", "block_id": world.kahara.id}).status_code == 303
    assert [p.name for p in db.session.scalars(select(DeliveryPoint))] == ["Collectorate store"]
    assert "Collectorate store" in mine.get(f"/institutions/{world.inst.id}").get_data(as_text=True)
