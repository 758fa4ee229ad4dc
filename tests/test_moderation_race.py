"""Issue 9 #5: product status changes are compare-and-set transitions with an event row. A seller's pause racing
an official's removal can never leave the listing on sale (before, the stale pause overwrote the removal and the
seller could publish again). Threads on real connections; runs on PostgreSQL too."""

import threading

import pytest
from sqlalchemy import select

from marketplace.catalog import services
from marketplace.catalog.models import Product, ProductEvent, ProductStatus
from marketplace.extensions import db

from . import factories


@pytest.fixture
def listing(geo):
    member = factories.user("seller")
    official = factories.official(geo["Kahara"], "district")
    group = factories.seller(geo["Kahara"], members=[member])
    product = factories.draft_product(group, factories.seeded_category("spices"), title_en="Mango pickle")
    services.publish(product, None)
    return product.id, member.id, official.id


def _as_stale(app, product_id, user_id, act, ready: threading.Barrier, results: list):
    """Read the listing (live), wait until the other side has read it too, then act on what was read."""
    from marketplace.accounts.models import User

    with app.app_context():
        product, user = db.session.get(Product, product_id), db.session.get(User, user_id)
        assert product.status == ProductStatus.LIVE
        ready.wait(timeout=30)
        try:
            act(product, user)
            results.append("done")
        except services.CatalogError as exc:
            results.append(exc.status)
        finally:
            db.session.remove()


def _race(app, product_id, member_id, official_id, first: str | None = None):
    ready, results = threading.Barrier(2), {"pause": [], "remove": []}
    pause_done = threading.Event()

    def pause(product, user):
        if first == "remove":
            pause_done.wait(timeout=30)  # here: the removal has committed
        services.pause(product, user)

    def remove(product, user):
        if first == "pause":
            pause_done.wait(timeout=30)
        try:
            services.remove(product, user, "Not a food product we may sell")
        finally:
            if first == "remove":
                pause_done.set()

    def pause_then_signal(product, user):
        try:
            pause(product, user)
        finally:
            if first != "remove":
                pause_done.set()

    threads = [threading.Thread(target=_as_stale, args=(app, product_id, member_id, pause_then_signal, ready,
                                                        results["pause"])),
               threading.Thread(target=_as_stale, args=(app, product_id, official_id, remove, ready,
                                                        results["remove"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _after(product_id, member_id) -> tuple[str, list]:
    from marketplace.accounts.models import User

    db.session.expire_all()
    product = db.session.get(Product, product_id)
    events = db.session.execute(select(ProductEvent.from_state, ProductEvent.to_state)
                                .where(ProductEvent.product_id == product_id).order_by(ProductEvent.id)).all()
    # and the seller trying to put it back on sale afterwards
    with pytest.raises(services.CatalogError) as refused:
        services.publish(product, db.session.get(User, member_id))
    assert refused.value.status == 409
    db.session.expire_all()
    return db.session.get(Product, product_id).status, [tuple(e) for e in events]


def test_a_stale_pause_after_the_removal_is_refused(app, ctx, listing):
    results = _race(app, *listing, first="remove")
    assert results == {"pause": [409], "remove": ["done"]}
    status, events = _after(listing[0], listing[1])
    assert status == ProductStatus.REMOVED
    assert events[-1] == ("live", "removed") and ("removed", "paused") not in events


def test_a_removal_read_before_the_pause_still_removes(app, ctx, listing):
    results = _race(app, *listing, first="pause")
    assert results == {"pause": ["done"], "remove": ["done"]}
    status, events = _after(listing[0], listing[1])
    assert status == ProductStatus.REMOVED
    assert events[-2:] == [("live", "paused"), ("paused", "removed")]  # each change recorded from where it was


@pytest.mark.parametrize("round_", range(5))
def test_pause_and_removal_at_the_same_moment_never_leave_it_on_sale(app, ctx, listing, round_):
    results = _race(app, *listing)
    assert results["remove"] == ["done"] and results["pause"] in (["done"], [409])
    status, events = _after(listing[0], listing[1])
    assert status == ProductStatus.REMOVED
    assert ("removed", "paused") not in events and events[-1][1] == "removed"
