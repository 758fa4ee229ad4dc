"""The tasks: thin wrappers over the domains' own services, each idempotent and safe to retry (every service
claims its rows with a compare-and-set update, so two runs at once, or a rerun after a crash, do no harm)."""

import logging
from contextlib import contextmanager

from celery import shared_task
from flask import current_app

log = logging.getLogger(__name__)

RETRY = {"autoretry_for": (Exception,), "max_retries": 3, "retry_backoff": 2, "retry_backoff_max": 60,
         "retry_jitter": True}
SEARCH_LOCK = "haat:search-writer"
SEARCH_LOCK_SECONDS = 900  # longer than any apply; a crashed holder frees it after this


def haat_task(name: str, **options):
    return shared_task(name=name, **{**RETRY, **options})


@haat_task("haat.orders.expire_unpaid")
def expire_unpaid() -> int:
    from marketplace.orders import lifecycle

    return lifecycle.expire_unpaid()


@haat_task("haat.payments.send_refunds")
def send_refunds() -> int:
    from marketplace.payments import services

    return services.send_refunds()


@haat_task("haat.notifications.deliver")
def deliver_messages() -> int:
    from marketplace.notifications import services

    return services.deliver_pending()


@contextmanager
def _shared_lock(name: str, seconds: int):
    """One holder at a time across machines when Redis is configured; without Redis there is one machine,
    and the search backend's own writer lock is enough. Yields whether the lock was taken."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        yield True
        return
    import redis

    client = redis.Redis.from_url(url)
    lock = client.lock(name, timeout=seconds, blocking=False)
    if not lock.acquire():
        yield False
        return
    try:
        yield True
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:  # expired meanwhile: someone else may hold it now
            log.warning("lock %s expired before it was released", name)
        finally:
            client.close()


@haat_task("haat.search.apply")
def apply_search_changes() -> int:
    """The search index's single writer: whoever holds the lock applies the outbox; a second worker that
    finds it taken returns at once (the rows wait for the holder, or for the next run)."""
    from marketplace.search import services

    with _shared_lock(SEARCH_LOCK, SEARCH_LOCK_SECONDS) as got:
        return services.apply_pending(blocking=False) if got else 0


class LedgerOutOfBalance(RuntimeError):
    pass


@haat_task("haat.settlements.check")
def check_ledger() -> str:
    from marketplace.settlements import services

    unbalanced = services.unbalanced_transactions()
    if unbalanced or services.ledger_sum() != 0:
        raise LedgerOutOfBalance(f"ledger out of balance: transactions {unbalanced}")
    return "ledger balances"


@haat_task("haat.workers.expire")
def expire_worker_requests() -> int:
    from marketplace.workers import services

    return services.expire_stale()


@haat_task("haat.catalog.alerts")
def back_in_stock_alerts() -> int:
    """Back-in-stock messages for stock that came back without a catalogue edit (a cancelled order)."""
    from marketplace.catalog import alerts
    from marketplace.extensions import db

    sent = alerts.send_due()
    db.session.commit()
    return sent


@haat_task("haat.requisitions.summaries")
def requisition_summaries() -> int:
    """Yesterday's progress of every running requisition to its buyer and officials (once per day and
    requisition, however often it runs)."""
    from marketplace.requisitions.summary import send_all

    return send_all()


@haat_task("haat.officials.rollup")
def officials_rollup() -> int:
    from marketplace.officials import rollup

    return rollup.rebuild().id
