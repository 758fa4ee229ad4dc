"""The default backend: an embedded Whoosh index on local disk.

Layout of SEARCH_INDEX_DIR:
    writer.lock           flock held by the one process writing (outbox apply or rebuild)
    current -> gen-…      symlink to the live index; a rebuild writes a new gen-… and swaps the link
    gen-…/                Whoosh index directories (the previous one is kept for readers still on it)

Readers keep one searcher per thread and reopen it when the index changed or the link moved. Facet counts
intersect the matched documents with per-value bitmaps, kept per segment.
"""

import fcntl
import os
import shutil
import threading
import time
import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, KEYWORD, STORED, TEXT, Schema
from whoosh.idsets import DocIdSet
from whoosh.query import And, Every, Or, Term
from whoosh.sorting import FieldFacet, QueryFacet, ScoreFacet
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


class Allowed(DocIdSet):
    """A bitmap as Whoosh's search filter: constant-time membership."""

    def __init__(self, bits: int):
        self._bytes = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")

    def __bool__(self):
        return True

    def __contains__(self, docnum):
        byte = docnum >> 3
        return byte < len(self._bytes) and bool(self._bytes[byte] >> (docnum & 7) & 1)


def _segment_values(leaf) -> dict[str, dict]:
    """One segment's facet value -> bitmap of its (local) documents. Segments never change, so this is
    worked out once per segment; a small commit adds a small segment and only that one is read."""
    size = leaf.doc_count_all()
    return {facet: {_FACET_VALUE[facet](term.decode("utf-8")): bitmap(leaf.postings(facet, term).all_ids(), size)
                    for term in leaf.lexicon(facet)}
            for facet in FACETS}


def _leaves(reader) -> list:
    """The segment readers with their document offsets (none for an index without documents)."""
    return [(leaf, offset) for leaf, offset in reader.leaf_readers() if leaf.segment() is not None]


class IndexView:
    """One version of the index: the live documents and each facet value's documents, as bitmaps."""

    def __init__(self, reader, segment_values):
        self.live = 0
        self.values: dict[str, dict] = {facet: {} for facet in FACETS}
        for leaf, offset in _leaves(reader):
            segment = leaf.segment()
            live = (1 << leaf.doc_count_all()) - 1
            for d in segment.deleted_docs() if segment.has_deletions() else ():
                live &= ~(1 << d)
            self.live |= live << offset
            for facet, values in segment_values(leaf).items():
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


class WhooshBackend:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
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
        try:
            return self.root / os.readlink(self._link)
        except FileNotFoundError:
            return None

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
                self._view = (key, IndexView(searcher.reader(), self._segment_values))
            return self._view[1]

    def _segment_values(self, leaf) -> dict[str, dict]:
        segment_id = leaf.segment().segment_id()
        if segment_id not in self._segments:
            self._segments[segment_id] = _segment_values(leaf)
        return self._segments[segment_id]

    @staticmethod
    def _query(request: Request):
        # Phonetic keys are only in titles; the body has stems.
        groups = [Or([Term("title", t) for t in sorted(group)]
                     + [Term("body", t) for t in sorted(group) if not t.startswith(KEY_PREFIX)])
                  for group in request.groups]
        if not groups:
            return None
        return And(groups) if request.match_all else Or(groups)

    @staticmethod
    def _named(request: Request):
        """Documents whose title or category names match the query (every group of it, when all must match)."""
        groups = [Or([Term("title", t) for t in sorted(group)]
                     + [Term("kinds", t) for t in sorted(group) if not t.startswith(KEY_PREFIX)])
                  for group in request.groups]
        return And(groups) if request.match_all else Or(groups)

    def search(self, request: Request) -> Answer:
        searcher = self._searcher()
        if searcher is None:
            return Answer(0, [], {f: {} for f in FACETS})
        view = self._index_view(searcher)
        query = self._query(request)
        size = searcher.reader().doc_count_all()
        matched = view.live if query is None else bitmap(query.docs(searcher), size)
        active = {f: view.docs(f, v) for f, v in request.filters.active().items()}
        final = matched
        for bits in active.values():
            final &= bits
        facets = self._counts(view, matched, active) if request.facets else {}
        hits = self._page(searcher, query, request, final) if final and request.limit else []
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

    @staticmethod
    def _page(searcher, query, request: Request, final: int) -> list[dict]:
        if request.sort == "price_asc":
            order = FieldFacet("price_paise")
        elif request.sort == "price_desc":
            order = FieldFacet("price_paise", reverse=True)
        elif request.sort == "newest" or query is None:
            order = FieldFacet("published", reverse=True)
        else:  # relevance: products named (or of a kind named) by the query before mere mentions in a description
            order = [QueryFacet({"0": WhooshBackend._named(request)}, other="1"), ScoreFacet()]  # "0" sorts first
        # whatever the order asked for, what can be bought now comes before what cannot
        sortedby = [FieldFacet("in_stock", reverse=True), *(order if isinstance(order, list) else [order])]
        results = searcher.search(query or Every(), filter=Allowed(final), limit=request.offset + request.limit,
                                  sortedby=sortedby)
        return [hit["data"] for hit in results[request.offset:request.offset + request.limit]]

    # -- the lexicon -----------------------------------------------------------------------------------------

    def known(self, terms: Iterable[str]) -> bool:
        searcher = self._searcher()
        if searcher is None:
            return False
        reader = searcher.reader()
        return any(("title", t) in reader or ("body", t) in reader for t in terms)

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
