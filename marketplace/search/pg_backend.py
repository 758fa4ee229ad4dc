"""PostgreSQL full-text backend, for deployments that outgrow one machine's index: a `tsvector` over the same
analysed terms as the Whoosh index (titles weighted A, the rest B), `pg_trgm` on the lexicon for typos.

Writes go through the same outbox and single-writer rule (a PostgreSQL advisory lock instead of a file lock);
they join the caller's transaction, so the index rows and the applied outbox rows commit together, and a
rebuild is invisible to readers until its one commit.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import (
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY, aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from whoosh.support.levenshtein import distance

from marketplace.extensions import db
from marketplace.search.analysis import index_terms, sound_key
from marketplace.search.base import (
    FACETS,
    PRICE_BANDS,
    Answer,
    Request,
    display_data,
    shown_words,
    term_positions,
)
from marketplace.search.models import POSTGRES_DDL, POSTGRES_DDL_DONE, SearchDocument, SearchTerm

LOCK_KEY = 0x4861617453  # "HaatS": the advisory lock of the one index writer
SETUP_LOCK_KEY = LOCK_KEY + 1
TRIGRAM_THRESHOLD = 0.2  # low on purpose: candidates are checked by edit distance afterwards
BATCH = 1000
TSV = literal_column("search_documents.tsv")
doc = SearchDocument.__table__
terms = SearchTerm.__table__


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsv_source(title: list[tuple[str, ...]], body: list[tuple[str, ...]],
               kinds: list[tuple[str, ...]] = ()) -> str:
    """A tsvector literal with positions and weights; terms at one position share it. Weight A: titles and tags,
    B: the rest (descriptions, category, seller and place names), C: category names again, so that a query can
    tell "named or of that kind" (A or C) from "mentioned" (B only)."""
    positions: dict[str, list[str]] = {}
    for weight, offset, seq in (("A", 1, title), ("B", len(title) + 1, body),
                                ("C", len(title) + len(body) + 1, list(kinds))):
        for pos, group in enumerate(seq, offset):
            for term in group:
                positions.setdefault(term, []).append(f"{min(pos, 16383)}{weight}")
    return " ".join(f"{_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


def _row(d: dict) -> dict:
    title, body = term_positions(d)
    kinds = index_terms(" ".join(d.get("category_names", ())), keyed=False)
    return {
        "product_id": d["id"], "tsv_source": tsv_source(title, body, kinds),
        "terms": " ".join(sorted({t for group in (*title, *body) for t in group})),
        "words": " ".join(shown_words(d)),
        "category_path": "/" + "".join(f"{c}/" for c in d["category_ids"]),
        "district_id": d["district_id"], "seller_kind": d["seller_kind"], "price_paise": d["price_paise"],
        "in_stock": d["in_stock"], "published_at": d["published_at"], "data": display_data(d),
    }


def _tsquery(request: Request, weights: str = "") -> str:
    """The query as tsquery text; `weights` ("AC") restricts every lexeme to those weights."""
    suffix = f":{weights}" if weights else ""
    groups = ["(" + " | ".join(_lexeme(t) + suffix for t in sorted(g)) + ")" for g in request.groups]
    return (" & " if request.match_all else " | ").join(groups)


BAND = case(*((doc.c.price_paise < high, key) for key, _, high in PRICE_BANDS if high is not None),
            else_=PRICE_BANDS[-1][0])  # a document's PRICE_BANDS key
FACET_VALUES = {"category": doc.c.category_path, "district": doc.c.district_id, "kind": doc.c.seller_kind,
                "price": BAND, "in_stock": doc.c.in_stock}


def _condition(facet: str):
    """A filter on `facet`, its value bound under the facet's name (see `_params`)."""
    if facet == "category":
        return doc.c.category_path.like(bindparam("category"))
    if facet == "in_stock":
        return doc.c.in_stock.is_(True)
    return FACET_VALUES[facet] == bindparam(facet)


def _params(request: Request) -> dict:
    params = {f: v for f, v in request.filters.active().items() if f != "in_stock"}
    if "category" in params:
        params["category"] = f"%/{int(params['category'])}/%"
    if request.groups:
        params.update(query=_tsquery(request), named_query=_tsquery(request, "AC"))
    return {**params, "offset": request.offset, "limit": request.limit}


def _order(sort: str, ranked: bool, c) -> list:
    """The order of hits over columns `c` (of the matching rows): what can be bought now first, always."""
    if ranked:  # products named by the query (in a title, or the kind named) before mere mentions, then ts_rank
        asked = [c.named.desc(), c.rank.desc(), c.product_id]
    elif sort == "price_asc":
        asked = [c.price_paise.asc(), c.product_id]
    elif sort == "price_desc":
        asked = [c.price_paise.desc(), c.product_id]
    else:
        asked = [c.published_at.desc(), c.product_id.desc()]
    return [c.in_stock.desc(), *asked]


@cache
def _statement(filters: tuple[str, ...], text_query: bool, facets: bool, paged: bool, sort: str):
    """(total, facet rows, hits as JSON) in one statement over the matching rows, gathered once. Built once for
    each shape of request (which filters, a query or not, ...); the values are bound (`_params`)."""
    query = cast(bindparam("query", type_=Text), TSQUERY)
    ok = and_(true(), *(_condition(f) for f in filters))
    columns = [doc.c.product_id, doc.c.in_stock, doc.c.price_paise, doc.c.published_at]
    where = [TSV.op("@@")(query)] if text_query else []
    if facets:  # a facet counts the rows that pass every other filter: NULL marks the rest
        columns.append(ok.label("ok"))
        for facet in FACETS:
            others = and_(true(), *(_condition(f) for f in filters if f != facet))
            columns.append(case((others, FACET_VALUES[facet])).label(f"f_{facet}"))
    else:
        where.append(ok)
        columns.append(true().label("ok"))
    ranked = text_query and sort not in ("price_asc", "price_desc", "newest")
    if paged and ranked:  # only the rows that pass every filter can be shown: only they are ranked
        named = TSV.op("@@")(cast(bindparam("named_query", type_=Text), TSQUERY))
        columns += [case((ok, named)).label("named"), case((ok, func.ts_rank(TSV, query))).label("rank")]
    m = select(*columns).where(*where).cte("m").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(m).where(m.c.ok).scalar_subquery()
    facet_rows = hits = null()
    if facets:
        keys = [m.c[f"f_{facet}"] for facet in FACETS]
        sets = (select(*keys, func.count().label("n")).group_by(func.grouping_sets(*keys))
                .having(func.num_nonnulls(*keys) > 0).subquery())
        facet_rows = select(func.json_agg(func.json_build_array(*sets.c))).scalar_subquery()
    if paged:
        page = (select(m).where(m.c.ok).order_by(*_order(sort, ranked, m.c))
                .offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer)).subquery())
        hits = (select(func.json_agg(aggregate_order_by(doc.c.data, *_order(sort, ranked, page.c))))
                .join_from(page, doc, doc.c.product_id == page.c.product_id).scalar_subquery())
    return select(total, facet_rows, hits)


def _facet_counts(rows) -> dict:
    """The rows of the grouping sets (one facet value set in each) as facet -> value -> count."""
    counts: dict[str, Counter] = {f: Counter() for f in FACETS}
    for *values, n in rows or ():
        facet, value = next((f, v) for f, v in zip(FACETS, values, strict=True) if v is not None)
        if facet == "category":  # a product counts for its category and every ancestor
            counts[facet].update({int(c): n for c in value.strip("/").split("/") if c})
        else:
            counts[facet][value] += n
    return {f: dict(c) for f, c in counts.items()}


class PostgresBackend:
    def __init__(self):
        self._ready = False

    def _setup(self) -> None:
        """Bring the PostgreSQL-only parts (models.POSTGRES_DDL) into place if the tables came from a migration
        without them: once per database, one process at a time."""
        if self._ready:
            return
        with db.engine.begin() as conn:
            if not conn.scalar(text(POSTGRES_DDL_DONE)):
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SETUP_LOCK_KEY})
                for statement in POSTGRES_DDL:  # each one idempotent
                    conn.execute(text(statement))
        self._ready = True

    @contextmanager
    def writer_lock(self, blocking: bool):
        with db.engine.connect() as conn:
            if blocking:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
                got = True
            else:
                got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}))
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                    conn.commit()

    # -- writing (joins the caller's transaction; the caller commits) ----------------------------------------

    def write(self, docs: list[dict], delete_ids: Iterable[int]) -> None:
        self._setup()
        ids = {d["id"] for d in docs} | set(delete_ids)
        delta: Counter = Counter()
        old = db.session.execute(select(doc.c.terms, doc.c.words).where(doc.c.product_id.in_(ids)))
        for old_terms, old_words in old:
            delta.subtract(("term", t) for t in old_terms.split())
            delta.subtract(("word", w) for w in old_words.split())
        db.session.execute(delete(doc).where(doc.c.product_id.in_(ids)))
        rows = [_row(d) for d in docs]
        keys = self._count(rows, delta)
        if rows:
            db.session.execute(doc.insert(), rows)
        self._add_terms(delta, keys)

    @staticmethod
    def _count(rows: list[dict], delta: Counter) -> dict[str, str]:
        keys = {}
        for r in rows:
            delta.update(("term", t) for t in r["terms"].split())
            delta.update(("word", w) for w in r["words"].split())
            keys.update((w, sound_key(w)) for w in r["words"].split())
        return keys

    @staticmethod
    def _add_terms(delta: Counter, keys: dict[str, str]) -> None:
        values = [{"kind": kind, "term": term, "key": keys.get(term) or None if kind == "word" else None, "df": n}
                  for (kind, term), n in delta.items() if n]
        if values:  # one statement, executed many times (its SQL built once, not a VALUES list per batch)
            stmt = pg_insert(terms)
            db.session.execute(stmt.on_conflict_do_update(
                index_elements=["kind", "term"],
                set_={"df": terms.c.df + stmt.excluded.df, "key": func.coalesce(stmt.excluded.key, terms.c.key)}),
                values)
        db.session.execute(delete(terms).where(terms.c.df <= 0))

    def rebuild(self, docs: Iterator[dict], progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
        self._setup()
        db.session.execute(delete(doc))
        db.session.execute(delete(terms))
        delta: Counter = Counter()
        keys: dict[str, str] = {}
        n, batch = 0, []
        for d in docs:
            batch.append(_row(d))
            if len(batch) == BATCH:
                n += self._insert_batch(batch, delta, keys, progress)
                batch = []
        n += self._insert_batch(batch, delta, keys, progress)
        self._add_terms(delta, keys)
        return n

    def _insert_batch(self, batch, delta, keys, progress) -> int:
        if batch:
            keys.update(self._count(batch, delta))
            db.session.execute(doc.insert(), batch)
            if progress:
                progress(len(batch))
        return len(batch)

    # -- reading ---------------------------------------------------------------------------------------------

    def search(self, request: Request) -> Answer:
        """One statement, one pass over the matching rows: they are gathered once (narrow rows: the heap holds
        the facet columns and the tsvector, the rest is out of line) and the total, every facet's counts and
        the page are all taken from that set, ranking only the rows that pass every filter."""
        self._setup()
        shape = (tuple(request.filters.active()), bool(request.groups), request.facets, bool(request.limit),
                 request.sort)
        n, facet_rows, hits = db.session.execute(_statement(*shape), _params(request)).one()
        return Answer(n, hits or [], _facet_counts(facet_rows) if request.facets else {})

    # -- the lexicon -----------------------------------------------------------------------------------------

    def known(self, probe: Iterable[str]) -> bool:
        self._setup()
        stmt = select(terms.c.term).where(terms.c.kind == "term", terms.c.term.in_(list(probe))).limit(1)
        return db.session.scalar(stmt) is not None

    def _similar(self, kind: str, word: str, maxdist: int) -> list[tuple[str, int]]:
        self._setup()
        # Trigram similarity only for terms of the same first letter: inside a CASE, since the planner would
        # otherwise compute it for every term first (~6x slower). The trigram index is never chosen at this size
        # (its scan costs more than reading the lexicon).
        similar = func.similarity(terms.c.term, word) >= TRIGRAM_THRESHOLD
        stmt = select(terms.c.term, terms.c.df).where(
            terms.c.kind == kind, case((func.left(terms.c.term, 1) == word[:1], similar), else_=False))
        return [(t, n) for t, n in db.session.execute(stmt) if t != word and distance(t, word, maxdist) <= maxdist]

    def near_terms(self, term: str, maxdist: int) -> list[str]:
        return sorted(t for t, _ in self._similar("term", term, maxdist))

    def near_words(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        return self._similar("word", word, maxdist)

    def prefixed_words(self, key_prefix: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        self._setup()
        like = [terms.c.term.startswith(prefix, autoescape=True)]
        if key_prefix:
            like.append(terms.c.key.startswith(key_prefix, autoescape=True))
        stmt = (select(terms.c.term, terms.c.df).where(terms.c.kind == "word", or_(*like))
                .order_by(terms.c.df.desc(), terms.c.term).limit(limit))
        return [(t, n) for t, n in db.session.execute(stmt)]

    def popular_words(self, limit: int) -> list[str]:
        self._setup()
        stmt = select(terms.c.term).where(terms.c.kind == "word").order_by(terms.c.df.desc(), terms.c.term)
        return list(db.session.scalars(stmt.limit(limit)))

    def version(self) -> object:
        return None
