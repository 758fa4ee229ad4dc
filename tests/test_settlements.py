"""The seller ledger: credits on delivery, fees, refunds after delivery, payout batches. After any sequence of
these the entries sum to zero and each balance is sales - refunds - fees + fees given back - payouts."""

import csv
import io
import random

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.orders.models import SellerOrder
from marketplace.payments.models import Payment, Refund
from marketplace.sellers.models import BankAccount
from marketplace.settlements import services as ledger
from marketplace.settlements.models import LedgerEntry, PayoutBatch, PayoutStatus

from .conftest import login, post
from .e2e import shop as shopping
from .test_fulfilment import CUSTOMER, build_world, hand_over, part_of, ready_order, ship


@pytest.fixture
def world(geo):
    w = build_world(geo)
    for i, seller in enumerate(w.sellers):
        db.session.add(BankAccount(seller_id=seller.id, account_name=f"{seller.name_en} account",
                                   account_number=f"00012345678{i}", ifsc="SBIN0001234", bank_name="SBI"))
    db.session.commit()
    return w


def _deliver(app, world, seller, lines=None, verdicts=None):
    """One order from `seller` taken all the way to delivered; returns its part."""
    order = ready_order(app, world, lines=lines)
    part = part_of(order, seller)
    record = hand_over(app, world, part, verdicts=verdicts)
    ship(app, world, record.shipment_id)
    return shopping.reload(SellerOrder, part.id)


def _assert_balanced():
    assert ledger.ledger_sum() == 0
    assert ledger.unbalanced_transactions() == []


def test_a_delivery_credits_the_sale_and_debits_commission_and_packaging_fee(app, world):
    part = _deliver(app, world, world.sellers[1], lines=[(world.products[1], 3)])  # 3 × ₹180
    assert ledger.totals(world.sellers[1].id) == {"sale": 54000, "commission": -2700, "packaging_fee": -1000}
    assert ledger.balance(world.sellers[1].id) == 50300
    _assert_balanced()
    with app.test_request_context():
        ledger.credit_delivery(part, 54000, None)  # the same delivery again changes nothing
        db.session.commit()
    assert ledger.balance(world.sellers[1].id) == 50300


def test_commission_and_packaging_fee_are_configurable_and_may_be_zero(app, world):
    app.config.update(COMMISSION_BP=0, PACKAGING_FEE_PAISE=0)
    try:
        _deliver(app, world, world.sellers[1], lines=[(world.products[1], 1)])
    finally:
        del app.config["COMMISSION_BP"], app.config["PACKAGING_FEE_PAISE"]
    assert ledger.totals(world.sellers[1].id) == {"sale": 18000}
    assert ledger.balance(world.sellers[1].id) == 18000
    _assert_balanced()


def test_after_any_sequence_of_deliveries_refunds_and_payouts_the_ledger_balances(app, world):
    """A seeded random walk; the expected balances are tallied here, apart from the ledger."""
    rng = random.Random(20261107)
    admin = world.admin
    expected = {s.id: 0 for s in world.sellers}
    delivered: list[SellerOrder] = []
    refundable: dict[int, int] = {}
    for _ in range(14):
        step = rng.choice(["deliver", "deliver", "refund", "payout", "payout_cancel"])
        if step == "deliver":
            seller = rng.choice(world.sellers)
            product = world.products[1] if seller is world.sellers[1] else rng.choice([world.products[0],
                                                                                        world.products[2]])
            n = rng.randint(1, 3)
            part = _deliver(app, world, seller, lines=[(product, n)])
            sale = product.price_paise * n
            expected[seller.id] += sale - ledger_commission(app, sale) - 1000
            delivered.append(part)
            refundable[part.id] = sale
        elif step == "refund" and delivered:
            part = rng.choice(delivered)
            if refundable[part.id] < 100:
                continue
            amount = rng.randint(1, refundable[part.id] // 100) * 100
            with app.test_request_context():
                ledger.refund_delivered(admin, db.session.get(SellerOrder, part.id), f"{amount // 100}")
            refundable[part.id] -= amount
            expected[part.seller_id] += -amount + ledger_commission(app, amount)
        elif step in ("payout", "payout_cancel"):
            with app.test_request_context():
                try:
                    batch = ledger.make_batch(admin)
                except ledger.SettlementError:
                    continue
                paid = {item.seller_id: item.amount_paise for item in batch.items}
                if step == "payout":
                    ledger.mark_paid(admin, batch, "UTR123456789")
                    for seller_id, amount in paid.items():
                        expected[seller_id] -= amount
                else:
                    ledger.cancel_batch(admin, batch, "bank file rejected")
        _assert_balanced()
        for seller in world.sellers:
            assert ledger.balance(seller.id) == expected[seller.id]
    for seller in world.sellers:  # balance = sales - refunds - fees + fees back - payouts, kind by kind
        t = ledger.totals(seller.id)
        assert ledger.balance(seller.id) == (t.get("sale", 0) + t.get("refund", 0) + t.get("commission", 0)
                                             + t.get("commission_back", 0) + t.get("packaging_fee", 0)
                                             + t.get("payout", 0) + t.get("payout_cancelled", 0))
    kinds = {k for s in world.sellers for k in ledger.totals(s.id)}
    assert {"sale", "commission", "packaging_fee", "refund", "commission_back", "payout", "payout_cancelled"} <= kinds


def ledger_commission(app, amount: int) -> int:
    with app.app_context():
        return ledger.commission_on(amount)


# ---------------------------------------------------------------- payouts

def test_a_payout_batch_pays_each_seller_owed_enough_with_a_bank_account(app, client, world):
    _deliver(app, world, world.sellers[0], lines=[(world.products[0], 2)])  # owed 50000 - 2500 - 1000
    _deliver(app, world, world.sellers[1], lines=[(world.products[1], 1)])  # owed 18000 - 900 - 1000
    db.session.delete(db.session.scalar(select(BankAccount).where(BankAccount.seller_id == world.sellers[1].id)))
    db.session.commit()
    login(client, world.admin.email)
    page = client.get("/admin/payouts?lang=en").get_data(as_text=True)
    assert "₹465" in page and "none yet" in page
    r = post(client, "/admin/payouts")
    assert r.status_code == 302
    batch = db.session.scalar(select(PayoutBatch))
    assert [(i.seller_id, i.amount_paise) for i in batch.items] == [(world.sellers[0].id, 46500)]
    assert ledger.balance(world.sellers[0].id) == 0 and ledger.balance(world.sellers[1].id) == 16100
    rows = list(csv.reader(io.StringIO(client.get(f"/admin/payouts/{batch.id}.csv").get_data(as_text=True))))
    assert rows[0] == ["beneficiary_name", "account_number", "ifsc", "amount_inr", "reference", "seller"]
    assert rows[1] == ["Kosi Mithila SHG account", "000123456780", "SBIN0001234", "465.00",
                       f"HAAT-{batch.id}-{world.sellers[0].id}", "Kosi Mithila SHG"]
    assert post(client, "/admin/payouts").status_code == 409  # nobody else is owed and has an account
    r = post(client, f"/admin/payouts/{batch.id}/paid?lang=en", {"reference": ""})
    assert r.status_code == 422 and "bank's reference" in r.get_data(as_text=True)
    assert post(client, f"/admin/payouts/{batch.id}/paid", {"reference": "UTR0042"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PayoutBatch, batch.id).status == PayoutStatus.PAID
    assert post(client, f"/admin/payouts/{batch.id}/cancel", {"reason": "late"}).status_code == 409
    assert ledger.balance(world.sellers[0].id) == 0
    _assert_balanced()


def test_a_cancelled_batch_puts_the_money_back(app, client, world):
    _deliver(app, world, world.sellers[1], lines=[(world.products[1], 1)])
    login(client, world.admin.email)
    post(client, "/admin/payouts")
    batch = db.session.scalar(select(PayoutBatch))
    assert ledger.balance(world.sellers[1].id) == 0
    assert post(client, f"/admin/payouts/{batch.id}/cancel", {"reason": ""}).status_code == 422
    assert post(client, f"/admin/payouts/{batch.id}/cancel", {"reason": "IFSC refused"}).status_code == 302
    assert ledger.balance(world.sellers[1].id) == 16100
    _assert_balanced()


def test_the_bank_file_cannot_smuggle_a_spreadsheet_formula(app, world):
    _deliver(app, world, world.sellers[1], lines=[(world.products[1], 1)])
    account = db.session.scalar(select(BankAccount).where(BankAccount.seller_id == world.sellers[1].id))
    account.account_name = '=HYPERLINK("http://evil.example","x")'
    db.session.commit()
    with app.test_request_context():
        batch = ledger.make_batch(world.admin)
        row = list(csv.reader(io.StringIO(ledger.batch_csv(batch))))[1]
    assert row[0].startswith("'=")


def test_small_balances_wait_for_the_next_batch(app, world):
    app.config["PAYOUT_MINIMUM_PAISE"] = 100_000
    try:
        _deliver(app, world, world.sellers[1], lines=[(world.products[1], 1)])
        with app.test_request_context(), pytest.raises(ledger.SettlementError):
            ledger.make_batch(world.admin)
    finally:
        del app.config["PAYOUT_MINIMUM_PAISE"]
    assert db.session.scalar(select(func.count(PayoutBatch.id))) == 0


# ---------------------------------------------------------------- refunds after delivery

@pytest.fixture
def stripe(app):
    from .e2e import stripe as fake_stripe

    with fake_stripe.using_localstripe(app) as server:
        yield server


def test_a_refund_after_delivery_reverses_the_sale_and_refunds_the_card(app, client, world, stripe):
    order = ready_order(app, world, lines=[(world.products[1], 2)], method="card")  # ₹360, free? no: +₹40
    part = part_of(order, world.sellers[1])
    ship(app, world, hand_over(app, world, part).shipment_id)
    assert ledger.balance(world.sellers[1].id) == 36000 - 1800 - 1000
    login(client, world.admin.email)
    for bad in ("0", "361", "abc", "-5"):
        r = post(client, f"/admin/refunds/{part.id}?lang=en", {"amount": bad})
        assert r.status_code == 422 and "up to ₹360" in r.get_data(as_text=True), bad
    assert db.session.scalar(select(func.count(Refund.id))) == 0
    assert post(client, f"/admin/refunds/{part.id}", {"amount": "100"}).status_code == 302
    assert ledger.balance(world.sellers[1].id) == 36000 - 1800 - 1000 - 10000 + 500
    assert ledger.totals(world.sellers[1].id)["refund"] == -10000
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
    db.session.refresh(payment)
    assert payment.refunded_paise == 10000
    _assert_balanced()
    r = post(client, f"/admin/refunds/{part.id}?lang=en", {"amount": "261"})
    assert r.status_code == 422 and "up to ₹260" in r.get_data(as_text=True)


def test_refunds_after_delivery_are_for_delivered_orders_and_admins_only(app, client, world):
    order = ready_order(app, world, lines=[(world.products[1], 1)])
    part = part_of(order, world.sellers[1])
    login(client, world.admin.email)
    assert client.get(f"/admin/refunds/{part.id}").status_code == 404  # not delivered
    seller = app.test_client()
    login(seller, world.members[1].mobile)
    assert seller.get(f"/admin/refunds/{part.id}").status_code == 403
    assert seller.get("/admin/payouts").status_code == 403
    assert post(seller, "/admin/payouts").status_code == 403


# ---------------------------------------------------------------- what a seller sees

def test_a_group_sees_its_own_balance_and_statement_only(app, client, world):
    _deliver(app, world, world.sellers[0], lines=[(world.products[2], 1)],
             )
    _deliver(app, world, world.sellers[1], lines=[(world.products[1], 1)])
    login(client, world.members[0].mobile)
    html = client.get("/seller/money?lang=en").get_data(as_text=True)
    assert "₹75.50" in html  # 9000 - 450 - 1000
    assert "Sale delivered" in html and "Haat commission" in html and "Packaging fee" in html
    assert "₹161" not in html  # the other group's balance
    assert client.get(f"/seller/money?seller={world.sellers[1].id}").status_code == 403
    hindi = client.get("/seller/money?lang=hi").get_data(as_text=True)
    assert "कमीशन" in hindi
    customer = app.test_client()
    login(customer, CUSTOMER)
    assert customer.get("/seller/money").status_code == 403
    assert customer.get(f"/seller/money?seller={world.sellers[0].id}").status_code == 403


def test_the_cli_check_finds_the_ledger_balanced(app, world):
    _deliver(app, world, world.sellers[1], lines=[(world.products[1], 1)])
    result = app.test_cli_runner().invoke(args=["settlements", "check"])
    assert result.exit_code == 0 and "ledger balances" in result.output
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 6
