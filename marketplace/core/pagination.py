"""Pagination, one rule for every list that grows with the deployment.

A list page shows one page of rows: `paginate(stmt, page_number(), per_page)` counts the rows, bounds the page
number to what exists and reads that page with LIMIT/OFFSET, so a page costs the same statements whatever the
number of rows (tests/test_query_counts_pages.py). The page number comes from `?page=` the forgiving way
(`params.arg_int_or`): absent, malformed or past 2³¹−1 is page 1, and past the last page is the last page —
a bookmark to page 7 of a list that shrank still shows rows rather than an empty table. The template shows
`templates/_pager.html`'s `pager(page.number, page.pages)`, which keeps the other query arguments (filters).

The stored order must be total (end with a unique column) or rows may repeat or go missing between pages.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from marketplace.core.params import arg_int_or
from marketplace.extensions import db


@dataclass(frozen=True)
class Page:
    """One page of a list. Plain data when the items are (the catalogue keeps its pages of cards)."""

    items: list
    number: int  # 1-based, within 1..pages
    pages: int  # at least 1, even for an empty list
    total: int

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(name: str = "page") -> int:
    """The page asked for in the query string; 1 when absent or not a page number."""
    return arg_int_or(name, 1, minimum=1)


def bounds(number: int, total: int, per_page: int) -> tuple[int, int]:
    """(page number within range, number of pages) for `total` rows."""
    pages = max(1, -(-total // per_page))
    return min(max(1, number), pages), pages


def paginate(stmt, number: int, per_page: int, *, total: int | None = None, count=None,
             fetch: Callable[[Any], list] | None = None) -> Page:
    """Page `number` of `stmt` (ordered), `per_page` rows a page.

    `total`: the number of rows when the caller already knows it (no count statement); `count`: a statement
    giving it more cheaply than counting the subquery; `fetch`: turns the LIMITed statement into the items
    (default: the ORM objects it selects)."""
    if total is None:
        if count is None:
            count = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = db.session.scalar(count) or 0
    number, pages = bounds(number, total, per_page)
    limited = stmt.limit(per_page).offset((number - 1) * per_page)
    items = fetch(limited) if fetch is not None else list(db.session.scalars(limited))
    return Page(items, number, pages, total)
