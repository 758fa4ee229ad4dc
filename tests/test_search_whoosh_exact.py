"""The Whoosh backend answers from postings and bitmaps it keeps per segment instead of through Whoosh's query
objects and sorting collector. On the demo catalogue, spread over several segments with deleted documents, every
page, total and facet count must be exactly what Whoosh itself finds, and a change must show in the next search."""

import random

import pytest
from sqlalchemy import select
from whoosh.query import And, Every, Or, Term
from whoosh.sorting import FieldFacet, QueryFacet, ScoreFacet

from marketplace.catalog.models import Category, Product
from marketplace.core.outbox import record_change
from marketplace.extensions import db
from marketplace.search import services
from marketplace.search.analysis import parse_query
from marketplace.search.base import FACETS, PRICE_BAND_KEYS, SORTS, Filters, Request
from marketplace.search.whoosh_backend import (
    _FACET_VALUE,
    _facet_term,
    _leaves,
    _matching,
    _scores,
    bitmap,
    clauses,
    docnums,
)

from .test_search_backends import using_backend
from .test_search_relevance import _cases, _load_demo_catalogue


def whoosh_answer(backend, request: Request) -> tuple[int, list[int], dict]:
    """(total, ids of the page, facet counts) as Whoosh's own machinery works them out."""
    searcher = backend._searcher()

    def query(other: str):
        groups = [Or([Term(field, term.decode()) for field, term in group]) for group in clauses(request, other)]
        return (And(groups) if request.match_all else Or(groups)) if groups else None

    def having(facet: str, value) -> set[int]:
        return set(Term(facet, _facet_term(facet, value)).docs(searcher))

    found = query("body")
    matched = set(searcher.reader().all_doc_ids()) if found is None else set(found.docs(searcher))
    active = {f: having(f, v) for f, v in request.filters.active().items()}
    final = matched.intersection(*active.values())
    facets = {}
    for facet in FACETS:
        base = matched.intersection(*(docs for other, docs in active.items() if other != facet))
        counts = {_FACET_VALUE[facet](t.decode()): len(base & set(Term(facet, t.decode()).docs(searcher)))
                  for t in searcher.reader().lexicon(facet)}
        facets[facet] = {v: n for v, n in counts.items() if n}
    if request.sort == "price_asc":
        order = [FieldFacet("price_paise")]
    elif request.sort == "price_desc":
        order = [FieldFacet("price_paise", reverse=True)]
    elif request.sort == "newest" or found is None:
        order = [FieldFacet("published", reverse=True)]
    else:
        order = [QueryFacet({"0": query("kinds")}, other="1"), ScoreFacet()]
    hits = []
    if final:
        results = searcher.search(found or Every(), filter=final, limit=request.offset + request.limit,
                                  sortedby=[FieldFacet("in_stock", reverse=True), *order])
        hits = [hit["data"]["id"] for hit in results[request.offset:request.offset + request.limit]]
    return len(final), hits, facets


def scores(backend, request: Request) -> tuple[dict, dict]:
    """Every match's score, from the backend and from Whoosh's matchers (exactly equal: the same sums in the
    same order)."""
    searcher = backend._searcher()
    terms = clauses(request, "body")
    groups = [Or([Term(field, term.decode()) for field, term in group]) for group in terms]
    query = And(groups) if request.match_all else Or(groups)
    results = searcher.search(query, sortedby=ScoreFacet(), limit=None)
    expected = {docnum: 0 - key for key, docnum in results.top_n}
    got = {}
    for seg, leaf, offset in backend._parts(searcher):
        deleted = set_of(leaf.segment().deleted_docs() or ())
        docs = docnums(_matching([(seg, leaf, 0)], terms, request.match_all) & ~deleted)
        got.update(zip([offset + d for d in docs], _scores(searcher, seg, leaf, terms, request.match_all, docs),
                       strict=True))
    return got, expected


def set_of(docs) -> int:
    return bitmap(docs, max(docs, default=0) + 1)


def answer(backend, request: Request) -> tuple[int, list[int], dict]:
    got = backend.search(request)
    return got.total, [h["id"] for h in got.hits], got.facets


def requests(backend) -> list[Request]:
    """Per query: by relevance, all words then any word; and one more of random sort, filters and page."""
    rng = random.Random(14)
    categories = list(db.session.scalars(select(Category.id)))
    queries = [q for q, _, _ in _cases()] + ["", "handmade", "haldi achar shahad", "हल्दी", "madhubnai painting"]
    found = []
    for q in queries:
        groups = services._groups(backend, parse_query(q, services.MAX_WORDS))
        filters = rng.choice([Filters(), Filters(in_stock=True), Filters(category=rng.choice(categories)),
                              Filters(price=rng.choice(PRICE_BAND_KEYS), in_stock=True)])
        found += [Request(groups, limit=30), Request(groups, match_all=False, limit=30),
                  Request(groups, filters, sort=rng.choice(SORTS), offset=rng.choice([0, 10]), limit=20)]
    return found


@pytest.fixture
def demo(app, geo, tmp_path, monkeypatch):
    with using_backend("whoosh", app, tmp_path, monkeypatch):
        ids = _load_demo_catalogue()
        services.reindex()
        yield ids


def test_answers_are_exactly_whooshs_across_segments_and_deletions(demo):
    rng = random.Random(7)
    products = list(db.session.scalars(select(Product).order_by(Product.id)))
    for _ in range(3):  # each batch a new segment, deleting its products' old documents in the others
        for product in rng.sample(products, 25):
            product.price_paise = rng.randrange(1000, product.mrp_paise or 300_000)
            product.stock = rng.choice([0, 0, 3, 40])
            product.status = rng.choice(["live"] * 5 + ["paused"])
            record_change("product", product.id)
        db.session.commit()
        services.apply_pending()
    backend = services.get_backend()
    leaves = _leaves(backend._searcher().reader())
    assert len(leaves) > 1 and any(leaf.segment().has_deletions() for leaf, _ in leaves)
    checked = 0
    for request in requests(backend):
        expected = whoosh_answer(backend, request)
        assert answer(backend, request) == expected, request
        if request.groups and not request.filters.active():
            got, expected_scores = scores(backend, request)
            assert got == expected_scores, request
        checked += bool(expected[1])
    assert checked > 150


def test_a_change_shows_in_the_next_search(demo):
    """The searcher and what is kept per segment are reused between searches: an edited, a sold-out and a paused
    product must still show as they are now."""
    backend = services.get_backend()
    pickle = parse_query("jackfruit pickle", services.MAX_WORDS)
    request = Request(services._groups(backend, pickle))
    first = backend.search(request)
    assert first.total == 3 and first.hits[0]["stock"]
    top = db.session.get(Product, first.hits[0]["id"])
    top.title_en, top.title_hi, top.stock = "Jackfruit pickle, sold out", "कटहल का अचार", 0
    record_change("product", top.id)
    db.session.commit()
    services.apply_pending()
    again = backend.search(request)
    ids = [h["id"] for h in again.hits]
    shown = again.hits[ids.index(top.id)]
    assert shown["stock"] == 0 and shown["title_en"] == "Jackfruit pickle, sold out"
    assert not any(h["stock"] for h in again.hits[ids.index(top.id):])  # after every product in stock
    assert again.facets["in_stock"][True] == first.facets["in_stock"][True] - 1
    top.status = "paused"
    record_change("product", top.id)
    db.session.commit()
    services.apply_pending()
    assert [h["id"] for h in backend.search(request).hits] == [i for i in ids if i != top.id]
    assert backend.search(request).total == 2
