"""Posting to the seller ledger, balances and statements, payout batches, refunds after delivery.

Every posting is one transaction whose entries sum to zero (checked before anything is written), keyed so
that posting the same event twice changes nothing. What each posting does to a seller's account:

- delivery: + the sale (accepted goods, GST included), - commission on it, - the packaging fee per order
- refund after delivery: - the refunded amount, + the commission on it
- payout batch made: - the amount paid out (it sits in "payouts in transit" until the bank confirms)
- payout batch cancelled: + the amount back

So a seller's balance is always sales - refunds - fees + fees given back - payouts.
"""

import csv
import io
import os
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core.errors import DomainError
from marketplace.core.formatting import format_inr, parse_rupees
from marketplace.core.pagination import Page, paginate
from marketplace.extensions import db
from marketplace.orders import handover as parts
from marketplace.orders.models import SellerOrder, SellerOrderStatus
from marketplace.sellers import services as sellers
from marketplace.sellers.models import Seller
from marketplace.settlements.models import (
    PAYOUT_STATES,
    Account,
    EntryKind,
    LedgerEntry,
    LedgerTransaction,
    PayoutBatch,
    PayoutEvent,
    PayoutItem,
    PayoutStatus,
)

SETTINGS = {  # name: default; each may be set in the environment or the app's config
    "COMMISSION_BP": 500,  # Haat's commission on each sale, in basis points (500 = 5%)
    "PACKAGING_FEE_PAISE": 1000,  # per delivered seller order; may be 0
    "PAYOUT_MINIMUM_PAISE": 10000,  # smaller balances wait for the next batch
}


class SettlementError(DomainError):
    pass


def setting(name: str) -> int:
    return int(current_app.config.get(name, os.environ.get(name, SETTINGS[name])))


def commission_on(paise: int) -> int:
    """Rounded half up to a paisa, in integers."""
    return (paise * setting("COMMISSION_BP") + 5000) // 10000


@dataclass(frozen=True)
class Leg:
    account: str
    kind: str
    amount: int
    seller_id: int | None = None


def _post(key: str, legs: list[Leg], *, seller_id: int | None, memo: str, actor_id: int | None,
          seller_order_id: int | None = None, batch_id: int | None = None) -> LedgerTransaction | None:
    """One balanced transaction (no commit). None if `key` was posted before."""
    legs = [leg for leg in legs if leg.amount]
    if sum(leg.amount for leg in legs) != 0:
        raise ValueError(f"unbalanced ledger transaction {key}")
    if db.session.scalar(select(LedgerTransaction.id).where(LedgerTransaction.key == key)) is not None:
        return None
    txn = LedgerTransaction(key=key, seller_id=seller_id, seller_order_id=seller_order_id, payout_batch_id=batch_id,
                            memo=memo[:200], actor_id=actor_id)
    txn.entries = [LedgerEntry(account=leg.account, seller_id=leg.seller_id, kind=leg.kind, amount_paise=leg.amount)
                   for leg in legs]
    db.session.add(txn)
    return txn


def _seller_leg(seller_id: int, kind: str, amount: int) -> Leg:
    return Leg(Account.SELLER, kind, amount, seller_id)


def credit_delivery(part: SellerOrder, sale_paise: int, actor_id: int | None) -> None:
    """A delivered seller order: the sale credited, commission and packaging fee debited (no commit)."""
    commission, fee = commission_on(sale_paise), setting("PACKAGING_FEE_PAISE")
    s = part.seller_id
    _post(f"delivery:{part.id}", [
        _seller_leg(s, EntryKind.SALE, sale_paise), Leg(Account.SALES_CLEARING, EntryKind.SALE, -sale_paise),
        _seller_leg(s, EntryKind.COMMISSION, -commission), Leg(Account.COMMISSION, EntryKind.COMMISSION, commission),
        _seller_leg(s, EntryKind.PACKAGING_FEE, -fee), Leg(Account.PACKAGING_FEES, EntryKind.PACKAGING_FEE, fee),
    ], seller_id=s, seller_order_id=part.id, memo=part.number, actor_id=actor_id)


def _reverse_sale(part: SellerOrder, amount: int, actor_id: int | None) -> None:
    back = commission_on(amount)
    s = part.seller_id
    n = db.session.scalar(select(func.count(LedgerTransaction.id)).where(
        LedgerTransaction.seller_order_id == part.id, LedgerTransaction.key.like("refund:%")))
    _post(f"refund:{part.id}:{n + 1}", [
        _seller_leg(s, EntryKind.REFUND, -amount), Leg(Account.SALES_CLEARING, EntryKind.REFUND, amount),
        _seller_leg(s, EntryKind.COMMISSION_BACK, back), Leg(Account.COMMISSION, EntryKind.COMMISSION_BACK, -back),
    ], seller_id=s, seller_order_id=part.id, memo=part.number, actor_id=actor_id)


# ---------------------------------------------------------------- refunds after delivery

def credited_sale(part_id: int) -> int:
    """What was credited for this part's sale, less what was reversed since."""
    stmt = (select(func.coalesce(func.sum(LedgerEntry.amount_paise), 0)).join(LedgerTransaction)
            .where(LedgerTransaction.seller_order_id == part_id, LedgerEntry.account == Account.SELLER,
                   LedgerEntry.kind.in_((EntryKind.SALE, EntryKind.REFUND))))
    return db.session.scalar(stmt)


def delivered_part(part_id: int) -> SellerOrder | None:
    part = db.session.get(SellerOrder, part_id)
    return part if part is not None and part.status == SellerOrderStatus.DELIVERED else None


def refund_delivered(actor, part: SellerOrder, amount_text: str) -> int:
    """Give a customer money back for a delivered part (a complaint upheld): the card is refunded (a cash
    order is paid back by hand) and the sale is reversed on the seller's account. Commits."""
    try:
        amount = parse_rupees(amount_text or "")
    except ValueError:
        amount = 0
    most = credited_sale(part.id)
    if part.status != SellerOrderStatus.DELIVERED or most <= 0:
        raise SettlementError(_l("Only a delivered order can be refunded here."), status=409)
    if not 0 < amount <= most:
        raise SettlementError(_l("Enter an amount up to %(most)s.", most=format_inr(most)), field="amount")
    if not parts.is_cash(part) and amount > parts.refundable_paise(part):
        raise SettlementError(_l("The card payment has only %(left)s left to refund.",
                                 left=format_inr(parts.refundable_paise(part))), field="amount")
    parts.refund_delivered(part, amount, actor.id)
    _reverse_sale(part, amount, actor.id)
    db.session.commit()
    parts.send_refunds(part.order_id)
    return amount


# ---------------------------------------------------------------- balances and statements

def balance(seller_id: int) -> int:
    stmt = select(func.coalesce(func.sum(LedgerEntry.amount_paise), 0)).where(
        LedgerEntry.account == Account.SELLER, LedgerEntry.seller_id == seller_id)
    return db.session.scalar(stmt)


def totals(seller_id: int) -> dict[str, int]:
    """Sum per kind of entry on the seller's account."""
    stmt = (select(LedgerEntry.kind, func.sum(LedgerEntry.amount_paise))
            .where(LedgerEntry.account == Account.SELLER, LedgerEntry.seller_id == seller_id)
            .group_by(LedgerEntry.kind))
    return {kind: int(total) for kind, total in db.session.execute(stmt)}


@dataclass(frozen=True)
class StatementRow:
    at: datetime
    kind: str
    memo: str | None
    amount: int
    balance: int


STATEMENT_PAGE = 50  # entries a page of a seller's statement
BATCHES_PAGE = 50  # payout batches a page on the admins' payouts page


def statement(seller_id: int, page: int = 1) -> Page:
    """One page of the entries on the seller's account, newest first, each with the balance after it."""
    own = (LedgerEntry.account == Account.SELLER, LedgerEntry.seller_id == seller_id)
    stmt = select(LedgerEntry, LedgerTransaction).join(LedgerTransaction).where(*own).order_by(LedgerEntry.id.desc())
    found = paginate(stmt, page, STATEMENT_PAGE, count=select(func.count()).where(*own),
                     fetch=lambda limited: db.session.execute(limited).all())
    rows = []
    if found.items:  # the balance after the page's newest entry: the sum of it and every older one
        running = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_paise), 0))
                                    .where(*own, LedgerEntry.id <= found.items[0][0].id))
        for entry, txn in found.items:
            rows.append(StatementRow(txn.at, entry.kind, txn.memo, entry.amount_paise, running))
            running -= entry.amount_paise
    return Page(rows, found.number, found.pages, found.total)


def ledger_sum() -> int:
    """Zero, always: every transaction balances."""
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_paise), 0)))


def unbalanced_transactions() -> list[int]:
    stmt = (select(LedgerEntry.transaction_id).group_by(LedgerEntry.transaction_id)
            .having(func.sum(LedgerEntry.amount_paise) != 0))
    return list(db.session.scalars(stmt))


def seller_balances() -> list[tuple[Seller, int]]:
    """Every seller with entries, and what Haat owes them, largest first."""
    stmt = (select(LedgerEntry.seller_id, func.sum(LedgerEntry.amount_paise).label("owed"))
            .where(LedgerEntry.account == Account.SELLER).group_by(LedgerEntry.seller_id)
            .order_by(func.sum(LedgerEntry.amount_paise).desc()))
    owed = list(db.session.execute(stmt))
    by_id = {s.id: s for s in db.session.scalars(select(Seller).where(Seller.id.in_([r[0] for r in owed]))
                                                 .options(selectinload(Seller.bank_account)))}
    return [(by_id[seller_id], int(amount)) for seller_id, amount in owed]


# ---------------------------------------------------------------- payout batches

def _move(batch: PayoutBatch, target: str, actor_id: int, reason: str | None = None) -> None:
    current = batch.status
    PAYOUT_STATES.check(current, target)
    result = db.session.execute(update(PayoutBatch).where(PayoutBatch.id == batch.id, PayoutBatch.status == current)
                                .values(status=target).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise SettlementError(_l("This batch has just changed. Please look at it again."), status=409)
    set_committed_value(batch, "status", target)
    db.session.add(PayoutEvent(batch_id=batch.id, actor_id=actor_id, from_state=current, to_state=target,
                               reason=reason))


def make_batch(actor) -> PayoutBatch:
    """Pay every seller owed at least the minimum who has a bank account. The sellers' rows are locked first
    (PostgreSQL), so two admins at once cannot pay the same money twice. Commits."""
    candidates = [s.id for s, owed in seller_balances() if owed >= setting("PAYOUT_MINIMUM_PAISE")]
    db.session.scalars(select(Seller.id).where(Seller.id.in_(candidates)).order_by(Seller.id).with_for_update()).all()
    items = []
    for seller_id in candidates:
        owed, seller = balance(seller_id), sellers.get_seller(seller_id)
        account = seller.bank_account
        if owed >= setting("PAYOUT_MINIMUM_PAISE") and account is not None:
            items.append(PayoutItem(seller_id=seller_id, seller_name=(seller.name_en or seller.name_hi)[:120],
                                    amount_paise=owed, account_name=account.account_name,
                                    account_number=account.account_number, ifsc=account.ifsc))
    if not items:
        raise SettlementError(_l("No seller is owed enough money and has bank details."), status=409)
    batch = PayoutBatch(status=PayoutStatus.OPEN, total_paise=sum(i.amount_paise for i in items),
                        created_by_id=actor.id, items=items)
    db.session.add(batch)
    db.session.flush()
    db.session.add(PayoutEvent(batch_id=batch.id, actor_id=actor.id, from_state=None, to_state=PayoutStatus.OPEN))
    for item in items:
        _post(f"payout:{batch.id}:{item.seller_id}", [
            _seller_leg(item.seller_id, EntryKind.PAYOUT, -item.amount_paise),
            Leg(Account.PAYOUTS_IN_TRANSIT, EntryKind.PAYOUT, item.amount_paise),
        ], seller_id=item.seller_id, batch_id=batch.id, memo=f"payout batch {batch.id}", actor_id=actor.id)
    db.session.commit()
    return batch


def mark_paid(actor, batch: PayoutBatch, reference: str | None) -> None:
    """The bank confirmed the transfers. Commits."""
    reference = " ".join((reference or "").split())
    if not 3 <= len(reference) <= 60:
        raise SettlementError(_l("Write the bank's reference for this transfer."), field="reference")
    _move(batch, PayoutStatus.PAID, actor.id, reference)
    batch.bank_reference = reference
    _post(f"paid:{batch.id}", [Leg(Account.PAYOUTS_IN_TRANSIT, EntryKind.PAYOUT_PAID, -batch.total_paise),
                               Leg(Account.BANK, EntryKind.PAYOUT_PAID, batch.total_paise)],
          seller_id=None, batch_id=batch.id, memo=reference, actor_id=actor.id)
    db.session.commit()


def cancel_batch(actor, batch: PayoutBatch, reason: str | None) -> None:
    """The transfer was not made: every seller's amount goes back on their account. Commits."""
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise SettlementError(_l("Write why the batch is cancelled."), field="reason")
    _move(batch, PayoutStatus.CANCELLED, actor.id, reason)
    for item in batch.items:
        _post(f"payout-cancelled:{batch.id}:{item.seller_id}", [
            _seller_leg(item.seller_id, EntryKind.PAYOUT_CANCELLED, item.amount_paise),
            Leg(Account.PAYOUTS_IN_TRANSIT, EntryKind.PAYOUT_CANCELLED, -item.amount_paise),
        ], seller_id=item.seller_id, batch_id=batch.id, memo=f"payout batch {batch.id} cancelled", actor_id=actor.id)
    db.session.commit()


def get_batch(batch_id: int) -> PayoutBatch | None:
    stmt = select(PayoutBatch).where(PayoutBatch.id == batch_id).options(selectinload(PayoutBatch.items),
                                                                         selectinload(PayoutBatch.events))
    return db.session.scalar(stmt)


def batches(page: int = 1) -> Page:
    """One page of the payout batches, newest first."""
    return paginate(select(PayoutBatch).order_by(PayoutBatch.id.desc()), page, BATCHES_PAGE,
                    count=select(func.count()).select_from(PayoutBatch))


def _cell(value: str) -> str:
    """Spreadsheets run cells that start with these as formulas: make them plain text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def batch_csv(batch: PayoutBatch) -> str:
    """For the bank's bulk transfer upload: one row per seller, amounts in rupees with two decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["beneficiary_name", "account_number", "ifsc", "amount_inr", "reference", "seller"])
    for item in batch.items:
        rupees, paise = divmod(item.amount_paise, 100)
        writer.writerow([_cell(item.account_name), _cell(item.account_number), _cell(item.ifsc),
                         f"{rupees}.{paise:02d}", f"HAAT-{batch.id}-{item.seller_id}", _cell(item.seller_name)])
    return out.getvalue()


# ---------------------------------------------------------------- institutional requisitions (issue 10)

def credit_requisition_lot(seller_id: int, lot_id: int, sale_paise: int, actor_id: int | None, memo: str) -> None:
    """A group's units accepted at the packaging house for an institution: the sale credited, Haat's commission
    debited (no commit; idempotent per lot). The institution's bank transfer settles the clearing account."""
    commission = commission_on(sale_paise)
    _post(f"req-lot:{lot_id}", [
        _seller_leg(seller_id, EntryKind.SALE, sale_paise), Leg(Account.SALES_CLEARING, EntryKind.SALE, -sale_paise),
        _seller_leg(seller_id, EntryKind.COMMISSION, -commission),
        Leg(Account.COMMISSION, EntryKind.COMMISSION, commission),
    ], seller_id=seller_id, memo=memo, actor_id=actor_id)
