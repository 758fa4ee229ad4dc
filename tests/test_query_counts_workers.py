"""No N+1 on the workers' list pages: the statements a page runs do not grow with what it lists."""

from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.workers import services

from . import factories
from .conftest import login
from .test_query_counts import counting
from .workers_helpers import done, request, worker


def _statements(client, url: str) -> int:
    client.get(url)
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.fixture
def cats(geo):
    services.seed_categories()
    return geo


def _fill(geo, household, n: int, start: int, regular=None):
    for i in range(n):
        if regular is not None:  # /workers/mine: one worker's bookings grow too
            request(household, regular, day=services.today_in_india() + timedelta(days=start + i))
        w, _ = worker(geo, slugs=("plumber", "mason"))
        if i % 2:
            done(household, w, day=services.today_in_india() + timedelta(days=start + i))
        else:
            request(household, w, day=services.today_in_india() + timedelta(days=start + i))
        services.report(services.household_bookings(household).items[0], household, f"Report number {start + i}")


def test_workers_pages_do_not_grow(app, cats):
    household = factories.user(Role.CUSTOMER)
    official = factories.official(cats["Nadaun"])
    regular, regular_user = worker(cats, slugs=("plumber",))
    urls = ["/workers/?q=nal+mistri", "/workers/?q=plumber&pin=177033", "/workers/bookings", "/workers/official",
            "/workers/mine"]
    users = {"/workers/official": official, "/workers/mine": regular_user}
    counts = {}
    for size, start in ((2, 1), (10, 20)):
        _fill(cats, household, size - (counts and 2 or 0), start, regular)
        for url in urls:
            client = app.test_client()
            login(client, users.get(url, household).login_name)
            counts.setdefault(url, []).append(_statements(client, url))
    for url, (small, large) in counts.items():
        assert small == large, (url, small, large)
