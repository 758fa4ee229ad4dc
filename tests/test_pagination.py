"""The one pagination rule (core/pagination.py, templates/_pager.html) and the lists that use it: page 2 shows
the next rows, the last page is the last, page numbers past the end, malformed or huge never answer 500, the
filters stay on the pager's links, and paging never shows what the visitor's scope hides."""

import re
from html import unescape
from urllib.parse import urljoin

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.core import pagination
from marketplace.fulfilment import houses
from marketplace.institutions import services as institutions
from marketplace.requisitions import queries as requisitions
from marketplace.sellers import services as sellers
from marketplace.sellers.models import Seller

from . import factories, req_factories
from .conftest import login

HUGE = "99999999999999999999"
PAGE = 3  # rows a page in these tests: a few rows make several pages


def _rows(html: str) -> list[str]:
    """The groups' names on an officials' list page, in order."""
    return re.findall(r'<a href="/officials/sellers/\d+">([^<]+)</a>', html)


def _next(html: str, path: str) -> str | None:
    """The pager's Next link, as the browser would follow it from `path`."""
    found = re.search(r'<a rel="next" href="([^"]+)"', html)
    return urljoin(path, unescape(found.group(1))) if found else None


def _get(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


@pytest.fixture
def groups(geo, monkeypatch):
    """Kahara: 4 pending and 4 verified groups, 1 pending in Sattar Kataiya (the same district), 3 pending in
    Musahari (another district of the same state). Pages of three."""
    monkeypatch.setattr(sellers, "OFFICIAL_LIST_PAGE", PAGE)
    made = {"pending": [], "verified": [], "sattar": [], "musahari": []}
    for i in range(4):
        made["verified"].append(factories.seller(geo["Kahara"], verified=True, name=f"Kahara verified {i}").name_en)
        made["pending"].append(factories.seller(geo["Kahara"], verified=False, name=f"Kahara pending {i}").name_en)
    made["sattar"].append(factories.seller(geo["Sattar Kataiya"], verified=False, name="Sattar pending").name_en)
    for i in range(3):
        made["musahari"].append(factories.seller(geo["Musahari"], verified=False, name=f"Musahari {i}").name_en)
    return made


def test_page_bounds():
    assert pagination.bounds(1, 0, 10) == (1, 1)  # an empty list has one (empty) page
    assert pagination.bounds(2, 10, 10) == (1, 1)
    assert pagination.bounds(2, 11, 10) == (2, 2)
    assert pagination.bounds(99, 11, 10) == (2, 2)  # past the end: the last page
    assert pagination.bounds(0, 11, 10) == (1, 2)


def test_paginate_reads_one_page_in_order(ctx, groups):
    stmt = select(Seller.name_en).order_by(Seller.id)
    every = groups["verified"][:1] + groups["pending"][:1]  # made alternately: verified 0, pending 0, verified 1…
    first = pagination.paginate(stmt, 1, 2)
    assert (first.items, first.number, first.pages, first.total) == (every, 1, 6, 12)
    assert not first.has_prev and first.has_next
    last = pagination.paginate(stmt, 6, 5)  # 12 rows by 5: three pages, 6 is past the end
    assert (last.number, last.pages, len(last.items), last.has_next) == (3, 3, 2, False)
    assert last.items == groups["musahari"][1:]


def test_officials_list_pages_through_every_group_of_the_scope_once_pending_first(client, geo, groups):
    official = factories.official(geo["Kahara"], "district")
    login(client, official.login_name)
    first = _get(client, "/officials/sellers?lang=en")
    assert "Page 1 of 3" in first and 'aria-label="Pages"' in first and 'rel="prev"' not in first
    seen, url = [], "/officials/sellers?lang=en"
    while url:
        html = _get(client, url)
        rows = _rows(html)
        assert len(rows) == PAGE or _next(html, url) is None
        seen += rows
        url = _next(html, url)
    assert len(seen) == len(set(seen)) == 9  # nothing twice, nothing lost
    pending = set(groups["pending"] + groups["sattar"])
    assert set(seen[:5]) == pending and set(seen[5:]) == set(groups["verified"])  # pending first across pages
    assert not set(seen) & set(groups["musahari"])  # another district's groups on no page
    second = _get(client, "/officials/sellers?page=2&lang=en")
    assert _rows(second) == seen[3:6] and "Page 2 of 3" in second and 'rel="prev"' in second
    last = _get(client, "/officials/sellers?page=3&lang=en")
    assert _rows(last) == seen[6:] and _next(last, "/officials/sellers") is None


def test_a_block_official_pages_only_through_the_block(client, geo, groups):
    official = factories.official(geo["Sattar Kataiya"], "block")
    login(client, official.login_name)
    html = _get(client, "/officials/sellers?lang=en")
    assert _rows(html) == groups["sattar"] and "Page 1 of" not in html  # one page: no pager
    for page in ("2", "99", HUGE):
        assert _rows(_get(client, f"/officials/sellers?page={page}&lang=en")) == groups["sattar"]


@pytest.mark.parametrize("page, shown", [("abc", 1), ("-2", 1), ("0", 1), ("", 1), ("2.5", 1), (HUGE, 1),
                                         ("2147483648", 1), ("4", 3), ("2147483647", 3)])
def test_odd_page_numbers_show_a_page_not_an_error(client, geo, groups, page, shown):
    """Malformed and beyond 2³¹−1: the first page; past the last page: the last."""
    login(client, factories.official(geo["Kahara"], "district").login_name)
    html = _get(client, f"/officials/sellers?page={page}&lang=en")
    assert f"Page {shown} of 3" in html and len(_rows(html)) == PAGE


def test_the_status_filter_stays_on_every_page(client, geo, groups):
    login(client, factories.official(geo["Kahara"], "state").login_name)
    first = _get(client, "/officials/sellers?status=pending&lang=en")
    assert "Page 1 of 3" in first  # 4 + 1 + 3 pending in the state
    link = _next(first, "/officials/sellers")
    assert "status=pending" in link and "page=2" in link and "lang=en" in link
    seen = _rows(first)
    while link:
        html = _get(client, link)
        seen += _rows(html)
        link = _next(html, link)
    assert sorted(seen) == sorted(groups["pending"] + groups["sattar"] + groups["musahari"])
    assert not set(seen) & set(groups["verified"])


def test_nobody_else_gets_a_page_of_groups(ctx, geo, groups):
    page = sellers.sellers_in_scope(factories.user(Role.CUSTOMER), None, 2)
    assert (page.items, page.number, page.pages, page.total) == ([], 1, 1, 0)


def test_institutions_waiting_page_through_the_approvers_scope(client, geo, monkeypatch):
    monkeypatch.setattr(institutions, "PENDING_PAGE", 2)
    ours = [req_factories.institution(geo["Kahara"], approved=False, name=f"Saharsa school {i}")[0].name
            for i in range(3)]
    req_factories.institution(geo["Kahara"], approved=True, name="Already approved")
    req_factories.institution(geo["Musahari"], approved=False, name="Muzaffarpur school")
    login(client, factories.official(geo["Kahara"], "district").login_name)
    first = _get(client, "/institutions/pending?lang=en")
    assert "Page 1 of 2" in first
    last = _get(client, _next(first, "/institutions/pending"))
    names = re.findall(r'<a href="/institutions/\d+">([^<]+)</a>', first + last)
    assert names == ours  # oldest first, neither the approved one nor another district's
    state = client.application.test_client()
    login(state, factories.official(geo["Kahara"], "state").login_name)
    both = _get(state, "/institutions/pending?page=2&lang=en")
    assert "Page 2 of 2" in both and "Muzaffarpur school" in both
    block = client.application.test_client()
    login(block, factories.official(geo["Kahara"], "block").login_name)
    assert block.get("/institutions/pending").status_code == 200
    assert "school" not in _get(block, "/institutions/pending?lang=en")  # block officials approve nothing


def test_requisitions_list_pages(client, geo, monkeypatch):
    monkeypatch.setattr(requisitions, "LIST_PAGE", 2)
    inst, buyer = req_factories.institution(geo["Kahara"])
    category = factories.make_category()
    made = [req_factories.requisition(inst, buyer, category, [("School", geo["Kahara"], 10 + i)]).id
            for i in range(5)]
    login(client, buyer.login_name)
    ids = []
    url = "/requisitions?lang=en"
    while url:
        html = _get(client, url)
        ids += [int(i) for i in re.findall(r'href="/requisitions/(\d+)"', html)]
        url = _next(html, url)
    assert ids == made[::-1]  # newest first, each once
    assert "Page 3 of 3" in _get(client, "/requisitions?page=9&lang=en")
    other = client.application.test_client()
    login(other, factories.user(Role.BUYER).login_name)
    assert "No requisitions yet." in _get(other, "/requisitions?page=2&lang=en")


def test_admin_houses_page(client, geo, monkeypatch):
    monkeypatch.setattr(houses, "ADMIN_PAGE", 2)
    for block in ("Kahara", "Sattar Kataiya", "Musahari"):
        factories.packaging_house(geo[block])
    login(client, factories.user(Role.ADMIN).login_name)
    first, second = (_get(client, f"/admin/houses/?page={n}&lang=en") for n in (1, 2))
    count = lambda html: len(re.findall(r'href="/admin/houses/\d+"', html))  # noqa: E731
    assert (count(first), count(second)) == (2, 1) and "Page 2 of 2" in second
