"""Payments of orders: the record of each, its state machine and event log, refunds, and webhook bookkeeping.

This module knows payments, not orders: the orders domain calls it inside its own transactions (functions
marked "no commit") and decides what a payment's outcome means for the order. Talking to Stripe happens in
functions that commit around the call, never inside an open order transaction.
"""

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.payments.gateway import GatewayError, IntentState, gateway
from marketplace.payments.models import (
    PAYMENT_STATES,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
)

log = logging.getLogger(__name__)
MAX_REFUND_ATTEMPTS = 120  # the timer runs every half minute: an hour of retries

PAID = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REFUNDED})
OPEN = frozenset({PaymentStatus.PENDING, PaymentStatus.FAILED})

# Stripe's decline codes -> what the customer reads (Stripe's own text is English only).
DECLINE_MESSAGES = {
    "card_declined": _l("Your card was declined. No money was taken. Please try another card or pay cash on "
                        "delivery."),
    "insufficient_funds": _l("Your card has not enough balance. No money was taken. Please try another card."),
    "expired_card": _l("Your card has expired. Please use another card."),
    "incorrect_cvc": _l("The CVC number is wrong. Please check the three digits on the back of the card."),
    "payment_intent_authentication_failure": _l("The bank could not confirm it was you. No money was taken. "
                                                "Please try again."),
}
LABELS = {
    PaymentStatus.PENDING: _l("Waiting for payment"),
    PaymentStatus.FAILED: _l("Payment failed — please try again"),
    PaymentStatus.SUCCEEDED: _l("Paid"),
    PaymentStatus.REVIEW: _l("Being checked by Haat"),
    PaymentStatus.CANCELLED: _l("Not paid"),
    PaymentStatus.PARTLY_REFUNDED: _l("Paid, partly refunded"),
    PaymentStatus.REFUNDED: _l("Refunded"),
    PaymentStatus.COD_DUE: _l("Cash on delivery"),
}
GENERIC_FAILURE = _l("The payment did not go through. No money was taken. Please try again.")
# The one reason for review where amount, currency and order number all matched: the money was only late.
LATE = "paid after the order stopped waiting"


class StaleState(Exception):
    """Someone else changed this record first (a webhook and the return page at the same moment)."""


class PaymentFailed(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def decline_message(code: str | None):
    return DECLINE_MESSAGES.get(code or "", GENERIC_FAILURE)


def card_payments_available() -> bool:
    return gateway() is not None


# ---------------------------------------------------------------- state changes (no commit)

def _move(payment: Payment, target: str, source: str, *, actor_id: int | None = None, reason: str | None = None,
          amounts: dict[str, int] | None = None) -> None:
    """Check the transition, then change the row (status and the `amounts` given, e.g. refunded_paise) only
    if none of them changed since it was read: two refunds at once cannot both add to the same old total."""
    current, amounts = payment.status, amounts or {}
    PAYMENT_STATES.check(current, target)
    unchanged = [getattr(Payment, name) == getattr(payment, name) for name in amounts]
    result = db.session.execute(update(Payment).where(Payment.id == payment.id, Payment.status == current, *unchanged)
                                .values(status=target, **amounts).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaleState(payment.id)
    for name, value in {"status": target, **amounts}.items():
        set_committed_value(payment, name, value)
    db.session.add(PaymentEvent(payment_id=payment.id, actor_id=actor_id, source=source, from_state=current,
                                to_state=target, reason=reason))


def open_payment(order_id: int, order_number: str, method: str, amount_paise: int) -> int:
    """The payment record of a new order and its first event, two INSERTs (no commit); returns its id."""
    status = PaymentStatus.COD_DUE if method == "cod" else PaymentStatus.PENDING
    payment_id = db.session.execute(_INSERT_PAYMENT, dict(order_id=order_id, order_number=order_number, method=method,
                                                          status=status, amount_paise=amount_paise,
                                                          currency="inr")).scalar_one()
    db.session.execute(_INSERT_EVENT, dict(payment_id=payment_id, source="checkout", from_state=None, to_state=status))
    return payment_id


_INSERT_PAYMENT = insert(Payment.__table__).returning(Payment.__table__.c.id)
_INSERT_EVENT = insert(PaymentEvent.__table__)


def payment_of(order_id: int) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.order_id == order_id))


def payments_of(order_ids: list[int]) -> dict[int, Payment]:
    """The payments of many orders in one query, by order id."""
    return {p.order_id: p for p in db.session.scalars(select(Payment).where(Payment.order_id.in_(order_ids)))}


def payment_by_intent(intent_id: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.intent_id == intent_id))


def apply_intent(payment: Payment, state: IntentState, source: str) -> str | None:
    """Bring the record in line with Stripe's view of the intent (no commit). Returns what changed: "paid",
    "review", "failed", "cancelled" or None. Never goes backwards: a failure reported after a success (events
    arrive in any order) changes nothing."""
    if state.id != payment.intent_id:
        raise ValueError("intent of another payment")
    if state.status == "succeeded":
        return _succeeded(payment, state, source)
    if state.status == "requires_payment_method" and state.error_code and payment.status == PaymentStatus.PENDING:
        payment.failure_message = state.error_code
        _move(payment, PaymentStatus.FAILED, source, reason=state.error_code)
        return "failed"
    if state.status == "canceled" and payment.status in OPEN:
        _move(payment, PaymentStatus.CANCELLED, source)
        return "cancelled"
    return None


def _succeeded(payment: Payment, state: IntentState, source: str) -> str | None:
    if payment.status in PAID or payment.status == PaymentStatus.REVIEW:
        return None
    received = {"received_paise": state.amount}
    mismatch = (state.amount != payment.amount_paise or state.currency != payment.currency
                or (state.order_number or payment.order_number) != payment.order_number)
    if mismatch:
        _move(payment, PaymentStatus.REVIEW, source, amounts=received,
              reason=f"received {state.amount} {state.currency} for {state.order_number}, "
                     f"expected {payment.amount_paise} {payment.currency}")
        return "review"
    if payment.status == PaymentStatus.CANCELLED:
        _move(payment, PaymentStatus.REVIEW, source, amounts=received, reason=LATE)
        return "review"
    _move(payment, PaymentStatus.SUCCEEDED, source, amounts=received)
    return "paid"


def give_up(payment: Payment, source: str, actor_id: int | None = None, reason: str | None = None) -> None:
    """The order will not be paid (expired or cancelled before payment, or a cash order cancelled)."""
    if payment.status in OPEN or payment.status == PaymentStatus.COD_DUE:
        _move(payment, PaymentStatus.CANCELLED, source, actor_id=actor_id, reason=reason)


def request_refund(payment: Payment, amount_paise: int, reason: str, source: str,
                   actor_id: int | None = None) -> Refund | None:
    """Record money to give back for a cancelled part (no commit); send_refunds() tells Stripe afterwards.
    A payment in review can only be refunded in full (the state table allows review -> refunded)."""
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REVIEW):
        return None
    amount = min(amount_paise, payment.received_paise - payment.refunded_paise)
    if amount <= 0:
        return None
    refunded = payment.refunded_paise + amount
    _move(payment, _refund_state(payment, refunded), source, actor_id=actor_id, amounts={"refunded_paise": refunded},
          reason=f"refund {amount} for {reason}")
    refund = Refund(payment_id=payment.id, amount_paise=amount, reason=reason)
    db.session.add(refund)
    return refund


def review_notes(payment_ids: list[int]) -> dict[int, str | None]:
    """Why each payment was last sent to review (the reason of its latest event into review)."""
    stmt = (select(PaymentEvent.payment_id, PaymentEvent.reason)
            .where(PaymentEvent.payment_id.in_(payment_ids), PaymentEvent.to_state == PaymentStatus.REVIEW)
            .order_by(PaymentEvent.id))
    return {payment_id: reason for payment_id, reason in db.session.execute(stmt)}


def received_in_full(payment: Payment) -> bool:
    """A payment in review that brought exactly what was asked, in the asked currency (it was only late)."""
    return (payment.status == PaymentStatus.REVIEW and payment.received_paise == payment.amount_paise
            and review_notes([payment.id]).get(payment.id) == LATE)


def accept_in_review(payment: Payment, actor_id: int, reason: str) -> None:
    """A person counts a payment in review as paid (no commit); only for one received_in_full()."""
    _move(payment, PaymentStatus.SUCCEEDED, "admin", actor_id=actor_id, reason=reason)


def events_of(payment: Payment) -> list[PaymentEvent]:
    return list(db.session.scalars(select(PaymentEvent).where(PaymentEvent.payment_id == payment.id)
                                   .order_by(PaymentEvent.id)))


def _refund_state(payment: Payment, refunded: int) -> str:
    return PaymentStatus.REFUNDED if refunded >= payment.received_paise else PaymentStatus.PARTLY_REFUNDED


def apply_refunded_charge(payment: Payment, amount_refunded: int, source: str) -> str | None:
    """charge.refunded: Stripe's running total of refunds on the charge (no commit). Only ever grows, so
    repeated or reordered events change nothing; refunds made in Stripe's dashboard are recorded here."""
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTLY_REFUNDED):
        return None
    if amount_refunded <= payment.refunded_paise:
        return None
    refunded = min(amount_refunded, payment.received_paise)
    _move(payment, _refund_state(payment, refunded), source, amounts={"refunded_paise": refunded},
          reason=f"Stripe reports {amount_refunded} refunded")
    return "refunded"


def claim_event(event_id: str, event_type: str) -> bool:
    """Note a webhook event as handled (no commit); False if it was handled before.

    A plain INSERT … ON CONFLICT DO NOTHING inside the caller's transaction, never a SAVEPOINT: on SQLite a
    SAVEPOINT opened outside a transaction commits on release, so a handler failing afterwards left the event
    claimed and Stripe's retry was dropped as a duplicate. Now the claim commits with the handling or not at
    all. On PostgreSQL a concurrent delivery of the same id waits on the unique index for the first one's
    commit (then does nothing) or rollback (then claims it)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(WebhookEvent).values(event_id=event_id, type=event_type, outcome="received", received_at=utcnow())
    stmt = stmt.on_conflict_do_nothing(index_elements=["event_id"]).returning(WebhookEvent.id)
    return db.session.execute(stmt).scalar() is not None  # (rowcount is -1 here with psycopg)


def set_event_outcome(event_id: str, outcome: str) -> None:
    db.session.execute(update(WebhookEvent).where(WebhookEvent.event_id == event_id).values(outcome=outcome[:40]))


# ---------------------------------------------------------------- talking to Stripe (these commit)

def ensure_intent(payment: Payment) -> Payment:
    """The PaymentIntent of a card payment, created once (idempotency key per order) and remembered."""
    if payment.intent_id or payment.method != "card":
        return payment
    gw = gateway()
    if gw is None:
        raise GatewayError("card payments are not configured")
    state = gw.create_intent(payment.order_number, payment.amount_paise)
    payment.intent_id, payment.client_secret = state.id, state.client_secret
    db.session.commit()
    return payment


def pay_with_token(payment: Payment, token: str) -> IntentState:
    """Charge the card behind a Stripe.js token. A decline is recorded and raised as PaymentFailed."""
    gw = gateway()
    try:
        ensure_intent(payment)
        if not payment.stripe_customer_id:
            payment.stripe_customer_id = gw.create_customer(payment.order_number)
            db.session.commit()
        return gw.pay_with_token(payment.intent_id, payment.stripe_customer_id, token)
    except GatewayError as exc:
        db.session.rollback()
        if not exc.declined:
            log.warning("card payment for %s failed: %s", payment.order_number, exc)
        _record_decline(payment, exc.code)
        raise PaymentFailed(decline_message(exc.code) if exc.declined else GENERIC_FAILURE) from exc


def _record_decline(payment: Payment, code: str | None) -> None:
    payment = db.session.get(Payment, payment.id)
    if payment.status in OPEN:
        payment.failure_message = code
        try:
            _move(payment, PaymentStatus.FAILED, "checkout", reason=code)
            db.session.commit()
        except StaleState:
            db.session.rollback()


def send_refunds(payment_id: int | None = None, limit: int = 50) -> int:
    """Tell Stripe about recorded refunds; each commits on its own. Failures stay pending for the next run,
    up to MAX_REFUND_ATTEMPTS (then they wait, logged, for a person: Stripe keeps refusing them)."""
    gw = gateway()
    stmt = (select(Refund).where(Refund.status == RefundStatus.PENDING, Refund.attempts < MAX_REFUND_ATTEMPTS)
            .order_by(Refund.id).limit(limit))
    if payment_id is not None:
        stmt = stmt.where(Refund.payment_id == payment_id)
    sent = 0
    for refund in list(db.session.scalars(stmt)):
        payment = db.session.get(Payment, refund.payment_id)
        if gw is None or not payment.intent_id:
            continue
        refund.attempts += 1
        try:
            refund.stripe_refund_id = gw.refund(payment.intent_id, refund.amount_paise, f"haat-refund-{refund.id}")
            refund.status = RefundStatus.SUCCEEDED
            sent += 1
        except GatewayError as exc:
            refund.last_error = str(exc)[:300]
            log.warning("refund %s for %s failed: %s", refund.id, payment.order_number, exc)
        db.session.commit()
    return sent
