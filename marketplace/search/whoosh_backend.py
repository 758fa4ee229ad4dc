"""The default backend: an embedded Whoosh index on local disk.

Layout of SEARCH_INDEX_DIR:
    writer.lock           flock held by the one process writing (outbox apply or rebuild)
    current -> gen-…      symlink to the live index; a rebuild writes a new gen-… and swaps the link
    gen-…/                Whoosh index directories (the previous one is kept for readers still on it)

Readers keep one searcher per thread and reopen it when the index changed or the link moved. What is read from
a segment (facet bitmaps, postings of searched terms, length norms, sort columns, stored data) is kept while the
segment lives: matching and facet counts are bitmap operations, and only the documents ranked are scored.
"""

import fcntl
import heapq
import os
import shutil
import threading
import time
import uuid
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter
from pathlib import Path

from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, KEYWORD, STORED, TEXT, Schema
from whoosh.system import pack_uint

from marketplace.search.analysis import KEY_PREFIX, IndicAnalyzer, index_terms, sound_key
from marketplace.search.base import (
    FACETS,
    Answer,
    Request,
    body_text,
    display_data,
    price_band,
    shown_words,
    title_text,
)

TITLE_BOOST = 3.0
SCAN = 2000  # autocomplete looks at this many candidate words at most


def _keyword(**kwargs) -> KEYWORD:
    return KEYWORD(commas=True, **kwargs)


class IndicText(TEXT):
    """A TEXT field analysed by IndicAnalyzer. While indexing it takes the terms straight from
    analysis.index_terms (the very terms the analyzer yields) without a token object per term: indexing
    spends most of its time per term, and this halves the field's share."""

    def __init__(self, keyed: bool, field_boost: float = 1.0):
        super().__init__(analyzer=IndicAnalyzer(keyed=keyed), phrase=False, field_boost=field_boost)
        self.keyed = keyed

    def index(self, value, **kwargs):
        counts = Counter(term for terms in index_terms(value, self.keyed) for term in terms)
        boost = self.format.field_boost
        return [(term.encode("utf-8"), n, n * boost, pack_uint(n)) for term, n in counts.items()]


class HaatCodec(W3Codec):
    """Whoosh's codec without per-posting length statistics. Writing them reads every posting's field
    length back from disk (a sixth of the indexing time) only to tighten the score bounds used for skipping
    blocks; every Haat search walks all its matches anyway (facet counts), and looser bounds change no result."""

    length_stats = False


def make_schema() -> Schema:
    return Schema(
        id=_keyword(unique=True, stored=True),
        title=IndicText(keyed=True, field_boost=TITLE_BOOST),
        body=IndicText(keyed=False),
        kinds=IndicText(keyed=False),  # category names, for ranking only: "what kind of thing it is"
        words=_keyword(),
        category=_keyword(),
        district=_keyword(),
        kind=_keyword(),
        price=_keyword(),
        in_stock=_keyword(),
        price_paise=COLUMN(NumericColumn("q")),  # for sorting only: columns, no index terms
        published=COLUMN(NumericColumn("q")),
        data=STORED,
    )


def _fields(doc: dict) -> dict:
    return {
        "id": str(doc["id"]),
        "title": title_text(doc),
        "body": body_text(doc),
        "kinds": " ".join(doc.get("category_names", ())),
        "words": ",".join(shown_words(doc)),
        "category": ",".join(str(c) for c in doc["category_ids"]),
        "district": str(doc["district_id"]),
        "kind": doc["seller_kind"],
        "price": price_band(doc["price_paise"]),
        "in_stock": "1" if doc["in_stock"] else "0",
        "price_paise": doc["price_paise"],
        "published": int(doc["published_at"].timestamp()),
        "data": display_data(doc),
    }


# Stored facet terms -> the values the search request and the answer use.
_FACET_VALUE = {
    "category": int, "district": int, "kind": str, "price": str, "in_stock": lambda t: t == "1",
}


def _facet_term(facet: str, value) -> str:
    return ("1" if value else "0") if facet == "in_stock" else str(value)


def bitmap(docnums: Iterable[int], size: int) -> int:
    """Document numbers as the bits of one int: intersections and counts then cost microseconds."""
    buf = bytearray((size + 7) >> 3)
    for d in docnums:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


_BYTE_BITS = tuple(tuple(i for i in range(8) if b >> i & 1) for b in range(256))


def docnums(bits: int) -> list[int]:
    """The set bits of a bitmap, ascending: read from its binary digits when at least one in six is set, else
    byte by byte (the digits cost per position, the bytes per set bit)."""
    if bits.bit_count() * 6 > bits.bit_length():
        return [i for i, digit in enumerate(bin(bits)[:1:-1]) if digit == "1"]
    found = []
    for i, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) >> 3, "little")):
        if byte:
            found.extend(map((i << 3).__add__, _BYTE_BITS[byte]))
    return found


def _segment_values(leaf) -> dict[str, dict]:
    """One segment's facet value -> bitmap of its (local) documents."""
    size = leaf.doc_count_all()
    return {facet: {_FACET_VALUE[facet](term.decode("utf-8")): bitmap(leaf.postings(facet, term).all_ids(), size)
                    for term in leaf.lexicon(facet)}
            for facet in FACETS}


def _leaves(reader) -> list:
    """The segment readers with their document offsets (none for an index without documents)."""
    return [(leaf, offset) for leaf, offset in reader.leaf_readers() if leaf.segment() is not None]


class Norms(dict):
    """Document -> BM25's length part of its score in one field, worked out (when first asked for) exactly as
    whoosh.scoring.bm25 does."""

    def __init__(self, leaf, field: str, avgfl: float, B: float, K1: float):
        super().__init__()
        self.key, self.leaf, self.field = (avgfl, B, K1), leaf, field

    def __missing__(self, docnum: int) -> float:
        avgfl, B, K1 = self.key
        norm = self[docnum] = K1 * ((1 - B) + B * self.leaf.doc_field_length(docnum, self.field, 1) / avgfl)
        return norm


class TermScores(dict):
    """Document -> BM25's score for one term in one field (`idf` and `norm` from the index as it is now), worked
    out when first asked for exactly as whoosh.scoring.bm25 does. Only documents having the term are asked."""

    def __init__(self, ids: list[int], weights: list[float], idf: float, norm: Norms, k1_1: float):
        super().__init__()
        self.ids, self.weights, self.idf, self.norm, self.k1_1 = ids, weights, idf, norm, k1_1

    def __missing__(self, docnum: int) -> float:
        w = self.weights[bisect_left(self.ids, docnum)]
        score = self[docnum] = self.idf * ((w * self.k1_1) / (w + self.norm[docnum]))
        return score


class Segment:
    """What is read from one segment, once: a segment's documents never change (deleting one only marks it, and
    every use below is masked with the live documents), so this is kept while the segment is in the index, and a
    small commit, which adds a small segment, costs only that segment's reading. Read lazily: facet bitmaps,
    the postings of the terms searched for (the most recent ones, up to POSTINGS_KEPT), BM25's length norms
    (while the average lengths stay), the sort columns and the stored display data of the documents shown."""

    POSTINGS_KEPT = 200_000
    STORED_KEPT = 5_000

    def __init__(self, leaf):
        self.size = leaf.doc_count_all()
        self.values = _segment_values(leaf)
        self._postings: dict[tuple[str, bytes], tuple] = {}
        self._postings_kept = 0
        self._norms: dict[str, Norms] = {}
        self._term_scores: dict[tuple[str, bytes], TermScores] = {}
        self._columns: dict[str, list] = {}
        self._stored: dict[int, dict] = {}

    def postings(self, leaf, field: str, term: bytes) -> tuple[list[int], list[float], int, int]:
        """(document numbers, weights, bitmap, document frequency) of one term in this segment."""
        found = self._postings.get((field, term))
        if found is None:
            ids, weights, frequency = [], [], 0
            if (field, term) in leaf:
                frequency = leaf.doc_frequency(field, term)  # deleted documents included, as Whoosh counts
                m = leaf.postings(field, term)
                while m.is_active():
                    ids.append(m.id())
                    weights.append(m.weight())
                    m.next()
            found = (ids, weights, bitmap(ids, self.size), frequency)
            if self._postings_kept > self.POSTINGS_KEPT:
                self._postings, self._term_scores, self._postings_kept = {}, {}, 0
            self._postings[(field, term)] = found
            self._postings_kept += len(ids) + 1
        return found

    def norms(self, leaf, field: str, avgfl: float, B: float, K1: float) -> "Norms":
        """BM25's length part of each document's scores in `field`; kept until the average length (another
        version of the index) changes."""
        kept = self._norms.get(field)
        if kept is None or kept.key != (avgfl, B, K1) or kept.leaf is not leaf:  # reads through an open reader
            kept = self._norms[field] = Norms(leaf, field, avgfl, B, K1)
        return kept

    def term_scores(self, leaf, field: str, term: bytes, idf: float, avgfl: float, B: float, K1: float) -> "TermScores":
        """Document -> BM25's score for one term, worked out when first asked for; kept until the term's idf or
        the average length (another version of the index) changes, counted with the postings kept."""
        norm = self.norms(leaf, field, avgfl, B, K1)
        kept = self._term_scores.get((field, term))
        if kept is None or kept.idf != idf or kept.norm is not norm:
            ids, weights, _, _ = self.postings(leaf, field, term)
            kept = self._term_scores[(field, term)] = TermScores(ids, weights, idf, norm, K1 + 1)
        return kept

    def column(self, leaf, field: str) -> list:
        if field not in self._columns:
            self._columns[field] = list(leaf.column_reader(field, translate=False))
        return self._columns[field]

    def stored(self, leaf, docnum: int) -> dict:
        data = self._stored.get(docnum)
        if data is None:
            if len(self._stored) > self.STORED_KEPT:
                self._stored = {}
            data = self._stored[docnum] = leaf.stored_fields(docnum)["data"]
        return data


class IndexView:
    """One version of the index: the live documents and each facet value's documents, as bitmaps."""

    def __init__(self, reader, segment: Callable[[object], Segment]):
        self.live = 0
        self.values: dict[str, dict] = {facet: {} for facet in FACETS}
        for leaf, offset in _leaves(reader):
            seg = leaf.segment()
            live = (1 << leaf.doc_count_all()) - 1
            for d in seg.deleted_docs() if seg.has_deletions() else ():
                live &= ~(1 << d)
            self.live |= live << offset
            for facet, values in segment(leaf).values.items():
                merged = self.values[facet]
                for value, bits in values.items():
                    merged[value] = merged.get(value, 0) | bits << offset
        self.popular: list[str] | None = None
        self._sounds: list[tuple[str, str]] | None = None
        self._reader = reader

    def sounds(self) -> list[tuple[str, str]]:
        """(phonetic key, word) for every shown word, sorted: prefix lookups across scripts by bisection."""
        if self._sounds is None:
            words = (t.decode("utf-8") for t in self._reader.lexicon("words"))
            self._sounds = sorted((sound_key(w), w) for w in words)
        return self._sounds

    def docs(self, facet: str, value) -> int:
        return self.values[facet].get(_FACET_VALUE[facet](_facet_term(facet, value)), 0)


def _within(reader, field: str, word: str, maxdist: int) -> set[str]:
    """Terms within `maxdist` edits, a swap of two neighbouring letters counting as one (hladi -> haldi):
    Whoosh's automaton counts a swap as two, so swapped spellings are looked up directly."""
    found = set(reader.terms_within(field, word, maxdist, prefix=1))
    swaps = (word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 1))
    found.update(w for w in swaps if (field, w) in reader)
    return found


# -- answering a query ------------------------------------------------------------------------------------------
# The results are exactly those of Whoosh's own query objects and sorting collector (BM25F scores, summed in the
# order Whoosh's matcher trees add them, ties by document number; tests/test_search_whoosh_exact.py compares
# the two), worked out on the kept postings instead of through Whoosh's per-document matcher machinery, which
# cost a search page ~6 ms of CPU.

def clauses(request: Request, other: str) -> list[list[tuple[str, bytes]]]:
    """Per query word, the (field, term) pairs that match it: titles, and `other` ("body" to find products,
    "kinds" for the products a query names), in this order. Phonetic keys are only in titles."""
    return [[("title", t.encode()) for t in sorted(group)]
            + [(other, t.encode()) for t in sorted(group) if not t.startswith(KEY_PREFIX)]
            for group in request.groups]


def _matching(parts: list, terms: list, match_all: bool) -> int:
    """The documents matching every group of terms (or any, without `match_all`), deleted ones included."""
    found = 0
    for seg, leaf, offset in parts:
        bits = None
        for group in terms:
            either = 0
            for field, term in group:
                either |= seg.postings(leaf, field, term)[2]
            bits = either if bits is None else (bits & either if match_all else bits | either)
        found |= (bits or 0) << offset
    return found


def _weighted_tree(items: list[tuple[float, object]]):
    """whoosh.util.make_weighted_tree's shape: the two lightest joined first, ties in their given order."""
    items = sorted(items, key=itemgetter(0))
    while len(items) > 1:
        (wa, a), (wb, b) = items[0], items[1]
        del items[:2]
        items.insert(bisect_right(items, wa + wb, key=itemgetter(0)), (wa + wb, (a, b)))
    return items[0][1]


def _score_tree(leaf, seg: "Segment", terms: list, match_all: bool):
    """In which order Whoosh adds up a document's term scores in this segment: a tree of term indices. Each
    group is a union weighted by document frequency, the groups an intersection weighted by minus each one's
    estimated size (a union when not all must match)."""
    nodes, j = [], 0
    for group in terms:
        items = []
        for field, term in group:
            items.append((seg.postings(leaf, field, term)[3], j))
            j += 1
        nodes.append((min(sum(w for w, _ in items), leaf.doc_count()), _weighted_tree(items)))
    return _weighted_tree([(-size, node) for size, node in nodes] if match_all else nodes)


def _only(tree, present: int):
    """The tree without the terms a document lacks (`present`: bit j set when it has term j)."""
    if isinstance(tree, int):
        return tree if present >> tree & 1 else None
    a, b = _only(tree[0], present), _only(tree[1], present)
    return b if a is None else a if b is None else (a, b)


def _add(tree, scores: list[dict], docs: list[int]) -> list[float]:
    """The documents' sums along `tree` (each has every term of it)."""
    if isinstance(tree, int):
        return [scores[tree][d] for d in docs]
    return [a + b for a, b in zip(_add(tree[0], scores, docs), _add(tree[1], scores, docs), strict=True)]


def _scores(searcher, seg: "Segment", leaf, terms: list, match_all: bool, docs: list[int]) -> list[float]:
    """BM25F scores of `docs` (this segment's numbers): whoosh.scoring.bm25 for each term (kept per term while
    the index's statistics stay, `Segment.term_scores`), and the terms' scores added up as Whoosh's matchers add
    them. Documents with the same terms add up the same way: they are sorted out with the terms' bitmaps."""
    B, K1 = searcher.weighting.B, searcher.weighting.K1  # Whoosh's default BM25F: one B for every field
    scores: list[dict[int, float]] = []  # term j -> document -> its score for the term
    alike = {0: bitmap(docs, seg.size)}  # which terms (bit j: term j) -> the documents having just those
    for j, (field, term) in enumerate(t for group in terms for t in group):
        scores.append(seg.term_scores(leaf, field, term, searcher.idf(field, term),
                                      searcher.avg_field_length(field) or 1, B, K1))
        having = seg.postings(leaf, field, term)[2]
        split = {}
        for bits, group in alike.items():
            if with_term := group & having:
                split[bits | 1 << j] = with_term
            if without := group & ~having:
                split[bits] = without
        alike = split
    tree = _score_tree(leaf, seg, terms, match_all)
    found: dict[int, float] = {}
    for bits, group in alike.items():
        numbers = docs if len(alike) == 1 else docnums(group)
        found.update(zip(numbers, _add(_only(tree, bits), scores, numbers), strict=True))
    return [found[d] for d in docs]


SORT_COLUMNS = {"price_asc": ("price_paise", 1), "price_desc": ("price_paise", -1), "newest": ("published", -1)}


def _page(searcher, parts: list, view: IndexView, request: Request, terms: list, final: int) -> list[dict]:
    """The stored data of the requested page of `final`. Whatever the order asked for, what can be bought now
    comes first; by relevance, products named (or of a kind named) by the query come before mere mentions in a
    description, then the higher score; ties go by document number."""
    want = request.offset + request.limit
    stock = view.docs("in_stock", True)
    tiers = [final & stock, final & ~stock]
    relevance = bool(terms) and request.sort not in SORT_COLUMNS
    if relevance:
        named = _matching(parts, clauses(request, "kinds"), request.match_all)
        tiers = [tier & n for tier in tiers for n in (named, ~named)]
    else:
        column, sign = SORT_COLUMNS.get(request.sort, SORT_COLUMNS["newest"])
    chosen: list[tuple] = []
    for tier in tiers:
        if len(chosen) >= want:
            break
        keyed = []
        for n, (seg, leaf, offset) in enumerate(parts):
            docs = docnums(tier >> offset & (1 << seg.size) - 1)
            if not docs:
                continue
            if relevance:
                values = _scores(searcher, seg, leaf, terms, request.match_all, docs)
                keyed.extend((0 - v, offset + d, n, d) for v, d in zip(values, docs, strict=True))
            else:
                values = seg.column(leaf, column)
                keyed.extend((sign * values[d], offset + d, n, d) for d in docs)
        chosen.extend(heapq.nsmallest(want - len(chosen), keyed))
    return [parts[n][0].stored(parts[n][1], d) for _, _, n, d in chosen[request.offset:want]]


class WhooshBackend:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._link_name = str(self._link)
        self._dirs: dict[str, Path] = {}
        self.schema = make_schema()
        self._searchers: dict[int, tuple] = {}
        self._searchers_lock = threading.Lock()
        self._view: tuple[tuple, IndexView] | None = None
        self._segments: dict[str, dict] = {}
        self._view_lock = threading.Lock()

    # -- layout and the writer lock --------------------------------------------------------------------------

    @property
    def _link(self) -> Path:
        return self.root / "current"

    def current_dir(self) -> Path | None:
        """The live generation's directory (every search asks: the link is read each time, the Path made once)."""
        try:
            name = os.readlink(self._link_name)
        except FileNotFoundError:
            return None
        path = self._dirs.get(name)
        if path is None:
            if len(self._dirs) > 8:
                self._dirs.clear()
            path = self._dirs[name] = self.root / name
        return path

    @contextmanager
    def writer_lock(self, blocking: bool):
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _new_dir(self) -> Path:
        path = self.root / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        path.mkdir(parents=True)
        index.create_in(str(path), self.schema)
        return path

    def _switch(self, path: Path) -> None:
        """Point `current` at `path` in one rename, then drop all but the two newest generations."""
        tmp = self.root / f".current-{uuid.uuid4().hex}"
        os.symlink(path.name, tmp)
        os.replace(tmp, self._link)
        keep = {path.name}
        for old in sorted(self.root.glob("gen-*"), key=lambda p: p.stat().st_mtime, reverse=True):
            if old.name in keep:
                continue
            if len(keep) < 2:
                keep.add(old.name)  # readers that have not noticed the switch still use it
            else:
                shutil.rmtree(old, ignore_errors=True)

    # -- writing (the caller holds the writer lock) ----------------------------------------------------------

    def write(self, docs: list[dict], delete_ids: Iterable[int]) -> None:
        path = self.current_dir()
        if path is None:
            path = self._new_dir()
            self._switch(path)
        writer = index.open_dir(str(path), schema=self.schema).writer(codec=HaatCodec())
        try:
            for product_id in delete_ids:
                writer.delete_by_term("id", str(product_id))
            for doc in docs:
                writer.update_document(**_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, docs: Iterator[dict], progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
        """With `procs` > 1, that many processes analyse and write segments side by side (kept as separate
        segments: merging them would cost as much again)."""
        path = self._new_dir()
        try:
            ix = index.open_dir(str(path), schema=self.schema)
            writer = ix.writer(limitmb=256, procs=procs, multisegment=procs > 1, codec=HaatCodec())
            n = 0
            try:
                for doc in docs:
                    writer.add_document(**_fields(doc))
                    n += 1
                    if progress:
                        progress(1)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._switch(path)
        return n

    # -- reading ---------------------------------------------------------------------------------------------

    def _searcher(self):
        """This thread's searcher, reopened if the index changed or the `current` link moved."""
        path = self.current_dir()
        if path is None:
            return None
        searcher = self._reopen(path)
        searcher.haat_path = path  # which generation directory it reads, for the per-version caches
        return searcher

    def _reopen(self, path: Path):
        thread = threading.get_ident()
        with self._searchers_lock:
            searcher, opened_at = self._searchers.get(thread, (None, None))
        if searcher is not None and opened_at == path and searcher.up_to_date():
            return searcher
        # Not Searcher.refresh(): whoosh-reloaded 2.7.5 puts the old segments back into the new reader
        # (deleted documents reappear), and fails on an empty index.
        if searcher is not None:
            searcher.close()
        searcher = index.open_dir(str(path), schema=self.schema).searcher()
        with self._searchers_lock:
            self._searchers[thread] = (searcher, path)
        return searcher

    def close(self) -> None:
        """Close every thread's searcher (tests; a configuration change)."""
        with self._searchers_lock:
            for searcher, _ in self._searchers.values():
                searcher.close()
            self._searchers.clear()

    def _index_view(self, searcher) -> IndexView:
        key = (searcher.haat_path, searcher.reader().generation())
        with self._view_lock:
            if self._view is None or self._view[0] != key:
                leaves = [leaf.segment().segment_id() for leaf, _ in _leaves(searcher.reader())]
                self._segments = {k: v for k, v in self._segments.items() if k in leaves}
                self._view = (key, IndexView(searcher.reader(), self._segment))
            return self._view[1]

    def _segment(self, leaf) -> Segment:
        segment_id = leaf.segment().segment_id()
        found = self._segments.get(segment_id)
        if found is None:
            found = self._segments[segment_id] = Segment(leaf)
        return found

    def _parts(self, searcher) -> list[tuple[Segment, object, int]]:
        """(what is kept of the segment, its reader in this searcher, its first document number) per segment."""
        return [(self._segment(leaf), leaf, offset) for leaf, offset in _leaves(searcher.reader())]

    def search(self, request: Request) -> Answer:
        searcher = self._searcher()
        if searcher is None:
            return Answer(0, [], {f: {} for f in FACETS})
        view = self._index_view(searcher)
        parts = self._parts(searcher)
        terms = clauses(request, "body")
        matched = view.live
        if terms:
            matched &= _matching(parts, terms, request.match_all)
        active = {f: view.docs(f, v) for f, v in request.filters.active().items()}
        final = matched
        for bits in active.values():
            final &= bits
        facets = self._counts(view, matched, active) if request.facets else {}
        hits = _page(searcher, parts, view, request, terms, final) if final and request.limit else []
        return Answer(final.bit_count(), hits, facets)

    @staticmethod
    def _counts(view: IndexView, matched: int, active: dict) -> dict:
        counts = {}
        for facet in FACETS:
            base = matched
            for other, bits in active.items():
                if other != facet:
                    base &= bits
            values = ((v, (base & bits).bit_count()) for v, bits in view.values[facet].items())
            counts[facet] = {v: n for v, n in values if n}
        return counts

    # -- the lexicon -----------------------------------------------------------------------------------------

    def known(self, terms: Iterable[str]) -> bool:
        searcher = self._searcher()
        if searcher is None:
            return False
        parts = self._parts(searcher)  # in some segment's lexicon (as `term in reader`), read once per segment
        return any(seg.postings(leaf, field, t.encode())[3] for t in terms for field in ("title", "body")
                   for seg, leaf, _ in parts)

    def near_terms(self, term: str, maxdist: int) -> list[str]:
        searcher = self._searcher()
        if searcher is None:
            return []
        reader = searcher.reader()
        # Titles and tags only: that is where product names are, and their lexicon is the smaller one.
        return sorted(_within(reader, "title", term, maxdist) - {term})

    def near_words(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        searcher = self._searcher()
        if searcher is None:
            return []
        reader = searcher.reader()
        return [(w, reader.doc_frequency("words", w)) for w in _within(reader, "words", word, maxdist) if w != word]

    def prefixed_words(self, key_prefix: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        searcher = self._searcher()
        if searcher is None:
            return []
        reader = searcher.reader()
        found = {term.decode("utf-8") for term in islice(reader.expand_prefix("words", prefix), SCAN)}
        if key_prefix:
            sounds = self._index_view(searcher).sounds()
            start = bisect_left(sounds, (key_prefix, ""))
            found.update(w for key, w in islice(sounds, start, start + SCAN) if key.startswith(key_prefix))
        counted = ((w, reader.doc_frequency("words", w)) for w in found)
        return sorted(counted, key=lambda wc: (-wc[1], wc[0]))[:limit]

    def popular_words(self, limit: int) -> list[str]:
        searcher = self._searcher()
        if searcher is None:
            return []
        view = self._index_view(searcher)
        if view.popular is None:
            view.popular = [t.decode("utf-8") for _, t in searcher.reader().most_frequent_terms("words", 50)]
        return view.popular[:limit]

    def version(self) -> object:
        searcher = self._searcher()
        return None if searcher is None else (searcher.haat_path, searcher.reader().generation())
