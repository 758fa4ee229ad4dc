"""What every search backend speaks: the request it answers, the answer, the facets, and how a catalogue
document becomes searchable text. Both backends index exactly the same terms (analysis.index_terms)."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from marketplace.search.analysis import index_terms, words

SORTS = ("relevance", "price_asc", "price_desc", "newest")
FACETS = ("category", "district", "kind", "price", "in_stock")
# Price bands in paise: (key, from inclusive, to exclusive or None).
PRICE_BANDS = (
    ("0-200", 0, 200_00),
    ("200-500", 200_00, 500_00),
    ("500-1000", 500_00, 1000_00),
    ("1000-2500", 1000_00, 2500_00),
    ("2500-", 2500_00, None),
)
PRICE_BAND_KEYS = tuple(b[0] for b in PRICE_BANDS)
SELLER_KINDS = ("shg", "odop", "cluster")


def price_band(paise: int) -> str:
    return next(key for key, low, high in PRICE_BANDS if paise >= low and (high is None or paise < high))


@dataclass(frozen=True)
class Filters:
    category: int | None = None  # any level of the tree: a parent finds its children's products
    district: int | None = None
    kind: str | None = None
    price: str | None = None  # a PRICE_BANDS key
    in_stock: bool = False

    def active(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}

    def without(self, facet: str) -> "Filters":
        return Filters(**{**self.active(), facet: None if facet != "in_stock" else False})


@dataclass(frozen=True)
class Request:
    groups: tuple[frozenset[str], ...]  # per query word, the terms it may match; none = every product
    filters: Filters = Filters()
    match_all: bool = True  # every word must match (else any word)
    sort: str = "relevance"
    offset: int = 0
    limit: int = 24
    facets: bool = True


@dataclass
class Answer:
    total: int
    hits: list[dict]  # the stored display data of each hit, best first
    # facet -> value -> count, each counted with every other active filter applied but not its own
    facets: dict[str, dict] = field(default_factory=dict)


class Backend(Protocol):
    def search(self, request: Request) -> Answer: ...

    def known(self, terms: Iterable[str]) -> bool:
        """Does any of these terms occur in the index?"""

    def near_terms(self, term: str, maxdist: int) -> list[str]:
        """Indexed stems within `maxdist` edits (same first letter), for typo tolerance (Whoosh looks in
        titles and tags only, where product names are)."""

    def near_words(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        """Shown words within `maxdist` edits with their document counts, for "did you mean"."""

    def prefixed_words(self, key_prefix: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Shown words whose phonetic key starts with `key_prefix` or whose text starts with `prefix`."""

    def popular_words(self, limit: int) -> list[str]: ...

    def version(self) -> object:
        """Changes whenever the index does (None if the backend cannot tell)."""

    def writer_lock(self, blocking: bool) -> AbstractContextManager[bool]:
        """The single-writer lock; yields whether it was taken."""

    def write(self, docs: list[dict], delete_ids: Iterable[int]) -> None:
        """Add or replace `docs`, drop `delete_ids`. Caller holds the writer lock."""

    def rebuild(self, docs: Iterator[dict], progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
        """Replace the whole index with `docs`, searchable all along, using up to `procs` processes. Caller
        holds the writer lock."""


# -- what is searchable in a document ---------------------------------------------------------------------

def title_text(doc: dict) -> str:
    """Titles and tags: what a product is called, in any script or spelling (phonetic keys are indexed)."""
    return " ".join(filter(None, (doc.get("title_hi"), doc.get("title_en"), *doc.get("tags", ()))))


def body_text(doc: dict) -> str:
    parts = (doc.get("description_hi"), doc.get("description_en"), *doc.get("category_names", ()),
             doc.get("seller_hi"), doc.get("seller_en"), doc.get("district_hi"), doc.get("district_en"),
             doc.get("state_hi"), doc.get("state_en"))
    return " ".join(filter(None, parts))


def shown_words(doc: dict) -> list[str]:
    """Words worth offering back to customers (suggestions, "did you mean"): those of titles and tags."""
    return list(dict.fromkeys(w for w in words(title_text(doc)) if not w.isdigit()))


def display_data(doc: dict) -> dict:
    """What a result card shows, kept in the index so a results page needs no catalogue query."""
    keep = ("id", "slug", "title_hi", "title_en", "seller_hi", "seller_en", "seller_kind", "district_hi",
            "district_en", "price_paise", "mrp_paise", "unit", "pack_size", "stock", "lead_time_days", "image")
    return {k: doc.get(k) for k in keep}


def term_positions(doc: dict) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    return index_terms(title_text(doc), keyed=True), index_terms(body_text(doc), keyed=False)
