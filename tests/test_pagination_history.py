"""Histories are paged, not cut: a customer's orders, a seller's order tabs, invoices and statement, the workers'
bookings (household's and worker's) and reports, the admins' payout batches, failed tasks and messages used to
stop at a fixed number of rows, the older ones out of reach. Each list now pages through every row once, newest
first: page 2 holds the next rows, odd page numbers give a page (not a 500), filters and tabs stay on the pager's
links, and nobody else's rows are on any page."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urljoin

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.invoices import services as invoices
from marketplace.invoices.models import Invoice
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Delivery, Message
from marketplace.orders import lifecycle
from marketplace.orders import services as orders
from marketplace.orders.models import Order
from marketplace.settlements import services as settlements
from marketplace.settlements.models import Account, EntryKind, PayoutBatch, PayoutStatus
from marketplace.tasks.models import FailedTask
from marketplace.workers import services as workers
from marketplace.workers.models import Report

from . import factories
from .conftest import login
from .e2e import shop as shopping
from .test_fulfilment import HINDI_ADDRESS, build_world
from .workers_helpers import request, worker

HUGE = "99999999999999999999"
PAGE = 3  # rows a page where the page size is made small


def _get(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


def _next(html: str, url: str, name: str) -> str | None:
    """The Next link of the pager for the `name` page argument, as the browser would follow it from `url`."""
    for href in re.findall(r'<a rel="next" href="([^"]+)"', html):
        if f"{name}=" in unescape(href):
            return urljoin(url, unescape(href))
    return None


def _with(url: str, name: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{name}={value}"


def _check_list(client, url: str, pattern: str, expected: list, per_page: int, name: str = "page") -> list[str]:
    """Walks the list from `url` by its Next links: every expected row once, in order, and nothing else; page 2
    and odd page numbers. Returns the Next link of the first page."""
    pages, link, first_next = [], url, None
    while link:
        html = _get(client, link)
        pages.append(re.findall(pattern, html))
        link = _next(html, link, name)
        first_next = first_next or link
    assert len(pages) >= 2, "the list should need more than one page"
    assert [row for page in pages for row in page] == expected  # each once, newest first, nobody else's
    assert all(len(page) == per_page for page in pages[:-1])
    assert re.findall(pattern, _get(client, _with(url, name, "2"))) == expected[per_page:2 * per_page]
    for odd in ("abc", "-1", "0", HUGE):  # malformed or huge: the first page
        assert re.findall(pattern, _get(client, _with(url, name, odd))) == expected[:per_page], odd
    assert re.findall(pattern, _get(client, _with(url, name, "9999"))) == pages[-1]  # past the end: the last
    return first_next


# ---------------------------------------------------------------- orders, invoices, statement

@pytest.fixture
def shop(app, geo, monkeypatch):
    """8 orders of the world's customer from the Kahara group, 2 of another customer from the Sattar group."""
    monkeypatch.setattr(orders, "ORDERS_PAGE", PAGE)
    monkeypatch.setattr(orders, "SELLER_ORDERS_PAGE", PAGE)
    w = build_world(geo)
    w.other = shopping.quick_user(name="Other customer", locale="en")
    orders.save_address(w.other, HINDI_ADDRESS)

    def order(user, product) -> Order:
        shopping.fill(app, user, [(product, 1)])
        return shopping.reload(Order, shopping.place(app, user).id)

    w.mine = [order(w.customer, w.products[0]) for _ in range(8)]
    w.theirs = [order(w.other, w.products[1]) for _ in range(2)]
    return w


def test_a_customers_orders_page_through_all_of_them(app, client, shop):
    login(client, shop.customer.login_name)
    newest_first = [o.number for o in reversed(shop.mine)]
    _check_list(client, "/orders?lang=en", r'href="/orders/(HT[\w-]+)"', newest_first, PAGE)
    other = app.test_client()
    login(other, shop.other.login_name)
    for page in ("1", "2", HUGE):
        assert re.findall(r'href="/orders/(HT[\w-]+)"', _get(other, f"/orders?page={page}")) == \
            [o.number for o in reversed(shop.theirs)]


def test_a_sellers_tabs_page_and_keep_the_tab(app, client, shop):
    parts = [o.parts[0] for o in shop.mine]
    with app.test_request_context():
        for part in parts[:4]:  # the four oldest rejected: the closed tab
            lifecycle.reject(shop.members[0], shopping.reload(type(part), part.id), "Out of stock")
    seller = shop.sellers[0].id
    login(client, shop.members[0].login_name)
    ids = [str(p.id) for p in reversed(parts)]
    pattern = r'href="/seller/orders/(\d+)"'
    link = _check_list(client, f"/seller/orders/?seller={seller}&show=closed&lang=en", pattern, ids[4:], PAGE)
    assert "show=closed" in link and f"seller={seller}" in link
    _check_list(client, "/seller/orders/?show=new&lang=en", pattern, ids[:4], PAGE)
    # the other group's member: not these pages, whatever the page number
    other = app.test_client()
    login(other, shop.members[1].login_name)
    assert other.get(f"/seller/orders/?seller={seller}&show=closed&page=2").status_code == 403
    theirs = re.findall(pattern, _get(other, "/seller/orders/?show=new&page=2"))
    assert theirs == [str(o.parts[0].id) for o in reversed(shop.theirs)]


def _invoice(part, seq: int) -> Invoice:
    return Invoice(seller_order_id=part.id, order_id=part.order_id, seller_id=part.seller_id, fy="2026-27", seq=seq,
                   number=f"T{part.seller_id}-{seq}", kind="tax_invoice", order_number=part.number,
                   supplier_name="Group", supplier_address="Kahara", supplier_state_code="10", recipient_name="Sunita",
                   recipient_address="Saharsa", recipient_state_code="10", taxable_paise=100, total_paise=100)


def test_a_sellers_invoices_page(app, client, shop, monkeypatch):
    monkeypatch.setattr(invoices, "INVOICES_PAGE", PAGE)
    mine = [_invoice(o.parts[0], i + 1) for i, o in enumerate(shop.mine)]
    theirs = [_invoice(o.parts[0], i + 1) for i, o in enumerate(shop.theirs)]
    db.session.add_all(mine + theirs)
    db.session.commit()
    login(client, shop.members[0].login_name)
    _check_list(client, "/seller/invoices?lang=en", r'href="/invoices/(\d+)\.pdf"',
                [str(i.id) for i in reversed(mine)], PAGE)
    other = app.test_client()
    login(other, shop.members[1].login_name)
    assert other.get(f"/seller/invoices?seller={shop.sellers[0].id}&page=2").status_code == 403


def test_a_sellers_statement_pages_with_the_right_balances(app, client, shop, monkeypatch):
    monkeypatch.setattr(settlements, "STATEMENT_PAGE", PAGE)
    for seller in shop.sellers:
        for i in range(8 if seller is shop.sellers[0] else 2):
            amount = 100 * (i + 1) * (1 if i % 3 else -1)
            settlements._post(f"test:{seller.id}:{i}", [
                settlements.Leg(Account.SELLER, EntryKind.SALE, amount, seller.id),
                settlements.Leg(Account.SALES_CLEARING, EntryKind.SALE, -amount)],
                seller_id=seller.id, memo=f"entry {seller.id}-{i}", actor_id=None)
    db.session.commit()
    ours = shop.sellers[0].id
    login(client, shop.members[0].login_name)
    _check_list(client, "/seller/money?lang=en", rf'<span class="muted">entry ({ours}-\d)</span>',
                [f"{ours}-{i}" for i in reversed(range(8))], PAGE)
    # each row's balance is the sum of it and every older entry, on every page
    amounts = [100 * (i + 1) * (1 if i % 3 else -1) for i in range(8)]
    after = [sum(amounts[:i + 1]) for i in range(8)][::-1]
    with app.test_request_context():
        rows = [r for n in (1, 2, 3) for r in settlements.statement(ours, n).items]
    assert [r.balance for r in rows] == after and [r.amount for r in rows] == amounts[::-1]


# ---------------------------------------------------------------- workers

def test_bookings_and_reports_page(app, client, geo, monkeypatch):
    monkeypatch.setattr(workers, "BOOKINGS_PAGE", PAGE)
    monkeypatch.setattr(workers, "REPORTS_PAGE", PAGE)
    workers.seed_categories()
    household, neighbour = factories.user(Role.CUSTOMER), factories.user(Role.CUSTOMER)
    ours, ours_user = worker(geo)
    theirs, _ = worker(geo)
    today = workers.today_in_india()
    mine = [request(household, ours, day=today + timedelta(days=d)) for d in range(1, 8)]
    others = [request(neighbour, theirs, day=today + timedelta(days=d)) for d in range(1, 3)]
    for b in mine + others:
        workers.report(b, household if b.household_id == household.id else neighbour, f"Report {b.id}")
    latest_first = [str(b.id) for b in reversed(mine)]  # later work days first
    pattern = r'href="/workers/bookings/(\d+)"'
    login(client, household.login_name)
    _check_list(client, "/workers/bookings?lang=en", pattern, latest_first, PAGE)
    as_worker = app.test_client()
    login(as_worker, ours_user.login_name)
    _check_list(as_worker, "/workers/mine?lang=en", pattern, latest_first, PAGE)
    # the officials' reports: their own pager argument, newest first; another block's official sees none
    official = app.test_client()
    login(official, factories.official(geo["Nadaun"]).login_name)
    pattern = r'action="/workers/official/reports/(\d+)"'
    expected = [str(i) for i in sorted(db.session.scalars(select(Report.id)), reverse=True)]
    assert len(expected) == 9
    _check_list(official, "/workers/official?lang=en", pattern, expected, PAGE, name="reports")
    elsewhere = app.test_client()
    login(elsewhere, factories.official(geo["Kahara"]).login_name)
    assert not re.findall(pattern, _get(elsewhere, "/workers/official?reports=2&lang=en"))


# ---------------------------------------------------------------- the admins' lists: beyond the old caps

@pytest.fixture
def admin(client, ctx):
    login(client, factories.user(Role.ADMIN).login_name)
    return client


def test_payout_batches_beyond_the_old_fifty(admin):
    made = [PayoutBatch(status=PayoutStatus.PAID, total_paise=100 + i) for i in range(settlements.BATCHES_PAGE + 3)]
    db.session.add_all(made)
    db.session.commit()
    ids = [str(b.id) for b in reversed(made)]
    _check_list(admin, "/admin/payouts?lang=en", r'href="/admin/payouts/(\d+)"', ids, settlements.BATCHES_PAGE)


def test_failed_tasks_beyond_the_old_two_hundred(admin):
    db.session.add_all([FailedTask(task_id=f"task-{i:04d}", name="haat.test", error="boom") for i in range(203)])
    db.session.commit()
    from marketplace.tasks import services as tasks

    expected = [f"{i:04d}" for i in reversed(range(203))]
    _check_list(admin, "/admin/tasks/failed?lang=en", r'<span class="muted">task-(\d{4})</span>', expected,
                tasks.ADMIN_PAGE)


def test_messages_beyond_the_old_two_hundred_and_the_kind_filter_kept(admin):
    def message(i, kind, status):
        return Message(channel="sms", to=f"+9198110{i:05d}", locale="en", kind=kind, subject="s", body="b",
                       status=status, attempts=2, last_error="HTTP 503")
    rows = [message(i, "order_status" if i % 2 else "refund", Delivery.DEAD if i % 3 else Delivery.SENT)
            for i in range(205)]
    db.session.add_all(rows)
    db.session.commit()
    pattern = r"\+9198110(\d{5})"
    failing = [f"{i:05d}" for i in reversed(range(205)) if i % 3]
    _check_list(admin, "/admin/notifications/problems?lang=en", pattern, failing, notifications.ADMIN_PAGE)
    refunds = [f"{i:05d}" for i in reversed(range(205)) if not i % 2]
    link = _check_list(admin, "/admin/notifications?kind=refund&lang=en", pattern, refunds, notifications.ADMIN_PAGE)
    assert "kind=refund" in link
    assert len(re.findall(pattern, _get(admin, "/admin/notifications?page=5&lang=en"))) == 5  # 205 in all


@pytest.mark.parametrize("url", ["/admin/payouts?page=2", "/admin/tasks/failed?page=2",
                                 "/admin/notifications?page=2", "/admin/notifications/problems?page=2"])
def test_admin_lists_stay_admin_only_on_every_page(client, ctx, url):
    login(client, factories.user(Role.CUSTOMER).login_name)
    assert client.get(url).status_code in (403, 404)
