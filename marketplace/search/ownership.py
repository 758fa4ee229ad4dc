"""One machine's disk holds the Whoosh index: the database records which index directory that is, and a
Whoosh backend whose directory is not that one refuses to start.

SEARCH_INDEX_DIR/index-id holds a random id made when the directory is first used; the table
`search_index_owner` holds the id of the directory that serves the database. The first directory to start
claims the database; the same directory (the same machine, or a disk every machine mounts) starts again
freely; any other directory gets `IndexElsewhere` with what to do. `flask search reindex --take-over`
rebuilds the index here and moves the claim (the old machine then refuses in turn)."""

import socket
import uuid
from pathlib import Path

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.search.models import SearchIndexOwner

BACKEND = "whoosh"
MARKER = "index-id"


class IndexElsewhere(RuntimeError):
    """This machine's Whoosh index directory is not the one that serves the database."""


def local_id(root: Path, create: bool) -> str | None:
    marker = Path(root) / MARKER
    if marker.is_file():
        return marker.read_text().strip() or None
    if not create:
        return None
    Path(root).mkdir(parents=True, exist_ok=True)
    new = uuid.uuid4().hex
    tmp = marker.with_name(f".{MARKER}-{new}")
    tmp.write_text(new + "\n")
    tmp.replace(marker)
    return new


def _row() -> SearchIndexOwner | None:
    db.session.expire_all()
    return db.session.get(SearchIndexOwner, BACKEND)


def _insert(index_id: str, root: Path) -> None:
    db.session.execute(insert(SearchIndexOwner).values(backend=BACKEND, index_id=index_id, host=socket.gethostname(),
                                                       path=str(Path(root).resolve()), claimed_at=utcnow()))


def claim(root: Path) -> None:
    """Start here only if this directory serves the database (claiming it if nothing does yet)."""
    row = _row()
    mine = local_id(root, create=row is None)
    if row is None:
        try:
            _insert(mine, root)
            db.session.commit()
        except IntegrityError:  # another machine claimed it at the same moment
            db.session.rollback()
        row = _row()
    if row.index_id != mine:
        here = f"holds index {mine}" if mine else "holds no index"
        db.session.rollback()
        raise IndexElsewhere(
            f"Search: the Whoosh index of this database is index {row.index_id} in {row.path} on {row.host} "
            f"(claimed {row.claimed_at:%Y-%m-%d %H:%M} UTC); this machine's SEARCH_INDEX_DIR {Path(root).resolve()} "
            f"{here}. Whoosh keeps its index on one machine's disk, so this machine would answer from a stale "
            "index and it refuses to start. For several web machines set SEARCH_BACKEND=postgres on all of them "
            "(docs/deployment.md); to move the Whoosh index to this machine run `flask search reindex --take-over`.")
    db.session.rollback()


def take_over(root: Path) -> None:
    """Make this directory the one that serves the database (the caller then rebuilds the index here)."""
    mine = local_id(root, create=True)
    db.session.execute(delete(SearchIndexOwner).where(SearchIndexOwner.backend == BACKEND))
    _insert(mine, root)
    db.session.commit()
