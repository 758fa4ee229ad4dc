"""Commits that need not wait for the disk."""

from sqlalchemy import text

from marketplace.extensions import db

_NO_WAIT = text("SET LOCAL synchronous_commit TO OFF")


def commit_without_waiting_for_disk() -> None:
    """Commit, and on PostgreSQL do not wait for the write-ahead log to reach the disk (synchronous_commit off
    for this one transaction): only for data whose loss in a crash harms nobody, such as a cart line. The
    database stays consistent; a crash may forget the last such commits, as SQLite's WAL with synchronous=NORMAL
    may. A later ordinary commit (an order) is durable together with everything committed before it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_NO_WAIT)
    db.session.commit()
