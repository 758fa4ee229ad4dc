"""PostgreSQL full-text backend, for deployments that outgrow one machine's index: a `tsvector` over the same
analysed terms as the Whoosh index (titles weighted A, the rest B), `pg_trgm` on the lexicon for typos.

Writes go through the same outbox and single-writer rule (a PostgreSQL advisory lock instead of a file lock);
they join the caller's transaction, so the index rows and the applied outbox rows commit together, and a
rebuild is invisible to readers until its one commit.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import case, cast, delete, func, literal, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from whoosh.support.levenshtein import distance

from marketplace.extensions import db
from marketplace.search.analysis import index_terms, sound_key
from marketplace.search.base import (
    FACETS,
    PRICE_BANDS,
    Answer,
    Filters,
    Request,
    display_data,
    shown_words,
    term_positions,
)
from marketplace.search.models import POSTGRES_DDL, SearchDocument, SearchTerm

LOCK_KEY = 0x4861617453  # "HaatS": the advisory lock of the one index writer
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


def _band_case():
    return case(*((doc.c.price_paise < high, key) for key, _, high in PRICE_BANDS if high is not None),
                else_=PRICE_BANDS[-1][0])


def _condition(facet: str, value):
    if facet == "category":
        return doc.c.category_path.like(f"%/{int(value)}/%")
    if facet == "district":
        return doc.c.district_id == value
    if facet == "kind":
        return doc.c.seller_kind == value
    if facet == "price":
        low, high = next((lo, hi) for key, lo, hi in PRICE_BANDS if key == value)
        return doc.c.price_paise >= low if high is None else doc.c.price_paise.between(low, high - 1)
    return doc.c.in_stock.is_(True)


class PostgresBackend:
    def __init__(self):
        self._ready = False

    def _setup(self) -> None:
        """Add the PostgreSQL-only column and indexes if the tables came from a migration without them."""
        if self._ready:
            return
        with db.engine.begin() as conn:
            has_tsv = conn.scalar(text("SELECT 1 FROM information_schema.columns WHERE table_name ="
                                       " 'search_documents' AND column_name = 'tsv'"))
            if not has_tsv:
                for statement in POSTGRES_DDL:
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
        for start in range(0, len(values), BATCH):
            stmt = pg_insert(terms).values(values[start:start + BATCH])
            db.session.execute(stmt.on_conflict_do_update(
                index_elements=["kind", "term"],
                set_={"df": terms.c.df + stmt.excluded.df, "key": func.coalesce(stmt.excluded.key, terms.c.key)}))
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

    def _where(self, request: Request, filters: Filters) -> list:
        conditions = [_condition(f, v) for f, v in filters.active().items()]
        if request.groups:
            conditions.append(TSV.op("@@")(cast(literal(_tsquery(request)), TSQUERY)))
        return conditions

    def search(self, request: Request) -> Answer:
        self._setup()
        where = self._where(request, request.filters)
        total = db.session.scalar(select(func.count()).select_from(doc).where(*where))
        facets = {f: self._facet(request, f) for f in FACETS} if request.facets else {}
        hits = []
        if total and request.limit:
            stmt = select(doc.c.data).where(*where).order_by(*self._order(request))
            hits = list(db.session.scalars(stmt.offset(request.offset).limit(request.limit)))
        return Answer(total, hits, facets)

    def _order(self, request: Request) -> list:
        return [doc.c.in_stock.desc(), *self._asked_order(request)]  # what can be bought now first, always

    def _asked_order(self, request: Request) -> list:
        if request.sort == "price_asc":
            return [doc.c.price_paise.asc(), doc.c.product_id]
        if request.sort == "price_desc":
            return [doc.c.price_paise.desc(), doc.c.product_id]
        if request.sort == "newest" or not request.groups:
            return [doc.c.published_at.desc(), doc.c.product_id.desc()]
        rank = func.ts_rank(TSV, cast(literal(_tsquery(request)), TSQUERY))
        named = TSV.op("@@")(cast(literal(_tsquery(request, "AC")), TSQUERY))  # in a title, or the kind named
        return [named.desc(), rank.desc(), doc.c.product_id]

    def _facet(self, request: Request, facet: str) -> dict:
        where = self._where(request, request.filters.without(facet))
        column = {"category": doc.c.category_path, "district": doc.c.district_id, "kind": doc.c.seller_kind,
                  "price": _band_case(), "in_stock": doc.c.in_stock}[facet]
        rows = db.session.execute(select(column, func.count()).where(*where).group_by(column))
        if facet != "category":
            return {value: n for value, n in rows if n}
        counts: Counter = Counter()
        for path, n in rows:
            counts.update({int(c): n for c in path.strip("/").split("/") if c})
        return dict(counts)

    # -- the lexicon -----------------------------------------------------------------------------------------

    def known(self, probe: Iterable[str]) -> bool:
        self._setup()
        stmt = select(terms.c.term).where(terms.c.kind == "term", terms.c.term.in_(list(probe))).limit(1)
        return db.session.scalar(stmt) is not None

    def _similar(self, kind: str, word: str, maxdist: int) -> list[tuple[str, int]]:
        self._setup()
        db.session.execute(text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
                           {"t": str(TRIGRAM_THRESHOLD)})
        stmt = select(terms.c.term, terms.c.df).where(
            terms.c.kind == kind, terms.c.term.op("%")(word), func.left(terms.c.term, 1) == word[:1])
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
