"""Search: answering queries (typo tolerance, "did you mean", facets) and keeping the index true.

Keeping the index true: the catalogue records every visible change in the outbox, in the same transaction.
`apply_pending` moves those rows into the index and deletes them only after the index accepted them. Only the
holder of the backend's writer lock ever writes, so several web workers never meet Whoosh's LockError:
- after a request whose transaction wrote outbox rows, the worker tries the lock once the response has been
  sent (never waiting; if another process holds it, that one picks the rows up);
- a search first applies waiting rows if it can take the lock at once (changes made by command-line tools);
- `flask search apply --watch` can run as its own process instead, and `flask search reindex` rebuilds.
A writer re-checks the outbox after letting go of the lock, so a row recorded while it held the lock (whose
writer could not take the lock) is never stranded.
"""

import math
import threading
import time
from dataclasses import dataclass, field, replace
from functools import partial

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, exists, select
from sqlalchemy.orm import Session

from marketplace.catalog import indexing
from marketplace.catalog.cards import CardImage
from marketplace.core.outbox import OutboxEntry, generation, on_recorded
from marketplace.extensions import db
from marketplace.i18n import current_locale
from marketplace.search.analysis import QueryWord, parse_query, sound_key, words
from marketplace.search.base import PRICE_BAND_KEYS, SELLER_KINDS, Answer, Backend, Filters, Request

TOPICS = ("product", "seller")
BATCH = 500
PAGE_SIZE = 24
MAX_PAGE = 500
MAX_QUERY_CHARS = 200
MAX_WORDS = 10
FEW_RESULTS = 3  # fewer than this: look for a better spelling
TYPO_MIN_LETTERS = 5
SUGGESTIONS = 8
DISTRICTS_SHOWN = 12
LABELS_TTL = 60.0  # seconds
RESULTS_KEPT = 200  # result pages kept per process
CATCH_UP_SECONDS = 1.0

KIND_LABELS = {"shg": _l("Self-help group"), "odop": _l("ODOP unit"), "cluster": _l("Artisan cluster")}
PRICE_LABELS = {
    "0-200": _l("Under ₹200"), "200-500": _l("₹200 to ₹500"), "500-1000": _l("₹500 to ₹1,000"),
    "1000-2500": _l("₹1,000 to ₹2,500"), "2500-": _l("₹2,500 and more"),
}
FACET_TITLES = {"category": _l("Category"), "district": _l("District"), "kind": _l("Made by"),
                "price": _l("Price"), "in_stock": _l("Availability")}
STOCK_LABELS = {True: _l("In stock now")}
_backends: dict[tuple, Backend] = {}
_labels: dict[tuple, tuple[float, dict]] = {}
_in_language: dict[tuple, dict] = {}
_results: dict[tuple, tuple[float, "Results"]] = {}  # oldest first
_results_lock = threading.Lock()


def get_backend() -> Backend:
    """The configured backend (SEARCH_BACKEND = "whoosh" or "postgres"), one per process and setting."""
    cfg = current_app.config
    name = cfg.get("SEARCH_BACKEND", "whoosh")
    key = (name, cfg["SEARCH_INDEX_DIR"], cfg["SQLALCHEMY_DATABASE_URI"])
    if key not in _backends:
        if name == "postgres":
            from marketplace.search.pg_backend import PostgresBackend

            _backends[key] = PostgresBackend()
        elif name == "whoosh":
            from marketplace.search import ownership
            from marketplace.search.whoosh_backend import WhooshBackend

            ownership.claim(cfg["SEARCH_INDEX_DIR"])  # raises IndexElsewhere on a second machine
            _backends[key] = WhooshBackend(cfg["SEARCH_INDEX_DIR"])
        else:
            raise ValueError(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {name!r}")
    return _backends[key]


def check_on_start(app) -> None:
    """At server start (wsgi.py): open the configured backend, so a Whoosh backend on a machine that does not
    hold this database's index stops the server with a clear message instead of serving stale results.
    Before `flask db upgrade` there are no tables yet: the check waits for the first search. Under the `flask`
    command (which loads wsgi.py too) it only warns, so `flask search reindex --take-over` can still run."""
    import click
    from sqlalchemy.exc import SQLAlchemyError

    from marketplace.search.ownership import IndexElsewhere

    with app.app_context():
        try:
            get_backend()
        except SQLAlchemyError:
            db.session.rollback()
            app.logger.warning("search: backend not checked at start (database not ready)")
        except IndexElsewhere as exc:
            if click.get_current_context(silent=True) is None:
                raise
            app.logger.warning("%s", exc)


def close_backends() -> None:
    """Forget every backend, closing open index files (tests, and a change of configuration)."""
    for backend in _backends.values():
        close = getattr(backend, "close", None)
        if close:
            close()
    _backends.clear()
    _labels.clear()
    _results.clear()


# -- keeping the index true -----------------------------------------------------------------------------------

def _pending_rows() -> list[OutboxEntry]:
    stmt = select(OutboxEntry).where(OutboxEntry.topic.in_(TOPICS)).order_by(OutboxEntry.id).limit(BATCH)
    return list(db.session.scalars(stmt))


_ANY_PENDING = select(exists().where(OutboxEntry.topic.in_(TOPICS)))  # built once: every search asks


def has_pending() -> bool:
    return bool(db.session.scalar(_ANY_PENDING))


def _apply(backend: Backend, rows: list[OutboxEntry]) -> None:
    product_ids = {r.entity_id for r in rows if r.topic == "product"}
    for r in rows:
        if r.topic == "seller":
            product_ids.update(indexing.product_ids_of_seller(r.entity_id))
    docs = list(indexing.documents(product_ids))
    backend.write(docs, product_ids - {d["id"] for d in docs})
    db.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_([r.id for r in rows])))
    db.session.commit()


def apply_pending(blocking: bool = False) -> int:
    """Apply waiting outbox rows to the index; returns how many. Without `blocking` it never waits for the
    writer lock: if another process holds it, that process applies them."""
    backend = get_backend()
    applied = 0
    while True:
        with backend.writer_lock(blocking) as got:
            if not got:
                return applied
            while rows := _pending_rows():
                _apply(backend, rows)
                applied += len(rows)
        db.session.rollback()  # end the read snapshot, so the re-check below sees rows committed meanwhile
        if not has_pending():
            return applied


def reindex(progress=None, procs: int = 1) -> int:
    """Rebuild the whole index from the catalogue. Searches keep being answered from the old index until
    the new one is complete; changes made meanwhile wait in the outbox and are applied right after."""
    backend = get_backend()
    with backend.writer_lock(blocking=True):
        covered = list(db.session.scalars(select(OutboxEntry.id).where(OutboxEntry.topic.in_(TOPICS))))
        n = backend.rebuild(indexing.documents(), progress, procs)
        for start in range(0, len(covered), BATCH):
            db.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(covered[start:start + BATCH])))
        db.session.commit()
    apply_pending()
    return n


def _catch_up() -> None:
    """Before a search, apply outbox rows nobody applied yet (changes made by command-line tools, or whose own
    process could not). Asking the database costs a query, so it is asked when the catalogue's generation
    (core/outbox.py: bumped after every commit that recorded a change, seen by every process sharing the cache)
    moved since the last time, and otherwise once CATCH_UP_SECONDS have passed: a change made where this process
    cannot see the generation move (another process with its own memory cache) waits no longer than that."""
    seen = current_app.extensions.setdefault("search_caught_up", [None, -math.inf])  # generation, when
    now, number = time.monotonic(), generation()
    if number == seen[0] and number != -1 and now - seen[1] < CATCH_UP_SECONDS:
        return
    if has_pending():
        apply_pending(blocking=False)
    seen[:] = number, now


@on_recorded
def _note_outbox_rows(session):
    session.info["search_outbox"] = True


@event.listens_for(Session, "after_commit")
def _outbox_committed(session):
    if session.info.pop("search_outbox", False) and has_request_context():
        g.search_outbox_committed = True


@event.listens_for(Session, "after_rollback")
def _outbox_rolled_back(session):
    session.info.pop("search_outbox", None)


def _apply_quietly(app) -> None:
    """Runs after the response went out; a failure here must never reach a customer. With Celery workers
    (CELERY_BROKER_URL) the web process only queues the index update for them."""
    celery = app.extensions.get("celery")
    if celery is not None and not celery.conf.task_always_eager:
        try:
            celery.send_task("haat.search.apply")
        except Exception:
            app.logger.exception("search: queueing the index update failed; beat's next run applies it")
        return
    with app.app_context():
        try:
            apply_pending(blocking=False)
        except Exception:
            app.logger.exception("search: applying outbox rows failed; they stay queued")


def apply_after_response(response):
    """after_request hook: if this request committed outbox rows, apply them once the response is sent."""
    if g.pop("search_outbox_committed", False):
        response.call_on_close(partial(_apply_quietly, current_app._get_current_object()))
    return response


# -- answering ------------------------------------------------------------------------------------------------

class Hit:
    """A result card: the display data stored with the document."""

    def __init__(self, data: dict):
        self.__dict__.update(data)
        image = data.get("image")
        self.image = CardImage(image["sha256"], image["width"], image["height"], image["widths"]) if image else None
        self.alt = image.get("alt") if image else None


@dataclass
class FacetValue:
    value: object
    count: int
    label_hi: str
    label_en: str
    selected: bool = False


@dataclass
class Facet:
    name: str
    title: str
    values: list[FacetValue]
    selected: object = None  # the active value, if any


@dataclass
class Results:
    q: str
    filters: Filters
    sort: str
    page: int
    total: int = 0
    pages: int = 1
    hits: list[Hit] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # the words searched for
    relaxed: bool = False  # no product had every word: these have some
    did_you_mean: str | None = None
    shortened: bool = False  # the query was cut to MAX_QUERY_CHARS / MAX_WORDS
    popular: list[str] = field(default_factory=list)


def _groups(backend: Backend, qwords: list[QueryWord]) -> tuple[frozenset[str], ...]:
    """Each word's terms; a word of 5+ letters that matches nothing exactly also takes its near spellings."""
    groups = []
    for w in qwords:
        terms = set(w.terms)
        if len(w.text) >= TYPO_MIN_LETTERS and not backend.known(w.terms):
            terms.update(backend.near_terms(w.stem, 1))
        groups.append(frozenset(terms))
    return tuple(groups)


def _did_you_mean(backend: Backend, qwords: list[QueryWord], request: Request, total: int) -> str | None:
    """A respelling of the query from words customers see on the site, if it finds at least as much."""
    better, changed = [], False
    for w in qwords:
        choice = w.text
        if len(w.text) >= 4 and not w.text.isdigit() and not backend.known([w.stem]):
            near = backend.near_words(w.text, 1 if len(w.text) < 8 else 2)
            if near:
                choice = max(near, key=lambda wc: (wc[1], wc[0]))[0]
                changed = True
        better.append(choice)
    if not changed:
        return None
    suggestion = " ".join(better)
    groups = _groups(backend, parse_query(suggestion, MAX_WORDS))
    found = backend.search(replace(request, groups=groups, limit=0, facets=False)).total
    return suggestion if found and found >= total else None


def _facet_labels(backend: Backend, version: object, category_ids: set, district_ids: set) -> dict:
    """Names of categories and districts. Every search page needs them and they rarely change, so they are
    kept per index version for a minute (and fetched again at once when an unknown id turns up)."""
    key, now = (id(backend), version), time.monotonic()
    cached = _labels.get(key)
    if cached and now - cached[0] < LABELS_TTL:
        labels = cached[1]
        if category_ids <= labels["category"].keys() and district_ids <= labels["district"].keys():
            return labels
    labels = indexing.facet_labels()
    _labels.clear()
    _labels[key] = (now, labels)
    return labels


def _category_facet(counts: dict, filters: Filters, cats: dict, title: str) -> Facet:
    """Top-level categories, or the children of the chosen one, with their counts."""
    values = [FacetValue(cid, counts[cid], hi, en) for cid, (hi, en, parent_id) in cats.items()
              if parent_id == filters.category and counts.get(cid)]
    if filters.category in cats:
        hi, en, _ = cats[filters.category]
        values.insert(0, FacetValue(filters.category, counts.get(filters.category, 0), hi, en, True))
    return Facet("category", title, values, filters.category)


def _district_facet(counts: dict, filters: Filters, names: dict, title: str) -> Facet:
    top = sorted((d for d in counts if d in names), key=lambda d: -counts[d])[:DISTRICTS_SHOWN]
    if filters.district in names and filters.district not in top:
        top.append(filters.district)
    values = [FacetValue(d, counts.get(d, 0), *names[d], d == filters.district) for d in top]
    values.sort(key=lambda v: (not v.selected, -v.count, v.label_en))
    return Facet("district", title, values, filters.district)


def in_language(labels: dict) -> dict:
    """A module's dict of lazy strings, translated into the current language once per language and process: a
    lazy string costs ~11 µs every time it is shown, and a results page shows some thirty. Outside a request
    (no language chosen yet) the lazy strings themselves."""
    if not has_request_context():
        return labels
    key = (id(labels), str(current_locale()))
    found = _in_language.get(key)
    if found is None:
        found = _in_language[key] = {k: str(v) for k, v in labels.items()}
    return found


def _fixed_facet(name: str, labels: dict, counts: dict, selected, title: str) -> Facet:
    values = [FacetValue(v, counts[v], label, label, v == selected) for v, label in in_language(labels).items()
              if counts.get(v) or v == selected]
    return Facet(name, title, values, selected)


def _facets(backend: Backend, version: object, counts: dict, filters: Filters) -> list[Facet]:
    if not counts:
        return []
    chosen = {filters.category} - {None}, {filters.district} - {None}
    labels = _facet_labels(backend, version, set(counts["category"]) | chosen[0],
                           set(counts["district"]) | chosen[1])
    titles = in_language(FACET_TITLES)
    return [
        _category_facet(counts["category"], filters, labels["category"], titles["category"]),
        _district_facet(counts["district"], filters, labels["district"], titles["district"]),
        _fixed_facet("kind", KIND_LABELS, {k: counts["kind"].get(k, 0) for k in SELLER_KINDS}, filters.kind,
                     titles["kind"]),
        _fixed_facet("price", PRICE_LABELS, {k: counts["price"].get(k, 0) for k in PRICE_BAND_KEYS}, filters.price,
                     titles["price"]),
        _fixed_facet("in_stock", STOCK_LABELS, {True: counts["in_stock"].get(True, 0)}, filters.in_stock or None,
                     titles["in_stock"]),
    ]


def index_version() -> object | None:
    """The index's version as a search would see it now (the outbox applied first); None if the backend cannot
    tell when it changed."""
    _catch_up()
    return get_backend().version()


def search(q: str, filters: Filters = Filters(), sort: str = "relevance", page: int = 1) -> Results:
    """A page of results. Pages are kept per process under the index version they were found in (and the
    language of their labels): any change reaching the index gives new keys at once, in every process, as search
    itself would see it; the outbox is applied first, as for every search. Kept no longer than the labels of
    categories and districts (LABELS_TTL). Callers must not change what they get."""
    _catch_up()
    backend = get_backend()
    version = backend.version()
    if version is None:  # a backend that cannot tell when it changed: nothing is kept
        return _search(backend, None, q, filters, sort, page)
    key = (q, filters, sort, page, str(current_locale()) if has_request_context() else None, id(backend), version)
    now = time.monotonic()
    with _results_lock:
        kept = _results.get(key)
    if kept and now - kept[0] < LABELS_TTL:
        return kept[1]
    found = _search(backend, version, q, filters, sort, page)
    with _results_lock:
        _results.pop(key, None)
        _results[key] = (now, found)
        while len(_results) > RESULTS_KEPT:
            del _results[next(iter(_results))]  # the oldest
    return found


def _search(backend: Backend, version: object, q: str, filters: Filters, sort: str, page: int) -> Results:
    text = q[:MAX_QUERY_CHARS]
    qwords = parse_query(text, MAX_WORDS)
    shortened = len(q) > MAX_QUERY_CHARS or len(words(text)) > MAX_WORDS
    page = min(max(page, 1), MAX_PAGE)
    if text.strip() and not qwords:  # only punctuation, emoji or little words like "the": nothing to look for
        return Results(q=text, filters=filters, sort=sort, page=1, shortened=shortened,
                       popular=backend.popular_words(SUGGESTIONS))
    request = Request(_groups(backend, qwords), filters, sort=sort if qwords or sort != "relevance" else "newest",
                      offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    answer = backend.search(request)
    relaxed = False
    if answer.total == 0 and len(qwords) > 1:
        request = replace(request, match_all=False)
        answer, relaxed = backend.search(request), True
    pages = max(1, math.ceil(answer.total / PAGE_SIZE))
    if page > pages:
        page = pages
        answer = backend.search(replace(request, offset=(page - 1) * PAGE_SIZE))
    results = Results(q=text, filters=filters, sort=sort, page=page, total=answer.total, pages=pages,
                      hits=[Hit(h) for h in answer.hits], facets=_facets(backend, version, answer.facets, filters),
                      words=[w.text for w in qwords], relaxed=relaxed, shortened=shortened)
    if qwords and answer.total < FEW_RESULTS:
        results.did_you_mean = _did_you_mean(backend, qwords, request, answer.total)
    if not answer.total or not qwords:
        results.popular = backend.popular_words(SUGGESTIONS)
    return results


def count(q: str, filters: Filters = Filters()) -> Answer:
    """Just the number of matches and facet counts (used by tests and the benchmark)."""
    backend = get_backend()
    qwords = parse_query(q[:MAX_QUERY_CHARS], MAX_WORDS)
    return backend.search(Request(_groups(backend, qwords), filters, limit=0))


def suggest(prefix: str) -> list[str]:
    """Autocomplete: whole words in either script for the last word being typed, most common first."""
    typed = words(prefix[:MAX_QUERY_CHARS])
    if not typed or len(typed[-1]) < 2:
        return []
    head, last = typed[:-1], typed[-1]
    found = get_backend().prefixed_words(sound_key(last), last, SUGGESTIONS)
    return [" ".join([*head, w]) for w, _ in found]
