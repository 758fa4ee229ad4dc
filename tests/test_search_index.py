"""Keeping the index true: catalogue changes reach search through the outbox, one writer at a time, and a
rebuild swaps indexes without search going down."""

import multiprocessing
import random

import pytest
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.catalog import indexing
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product
from marketplace.core.outbox import OutboxEntry, record_change
from marketplace.extensions import db
from marketplace.search import services
from marketplace.search.base import Request
from marketplace.sellers import services as sellers

from . import factories
from .conftest import login, post
from .test_search_backends import BACKENDS, using_backend


@pytest.fixture(params=BACKENDS)
def shop(request, app, tmp_path, monkeypatch, geo):
    """A verified group with a member and a category, searched with each backend in turn."""
    with using_backend(request.param, app, tmp_path, monkeypatch) as name:
        member = factories.user(Role.SELLER)
        org = factories.seller(geo["Kahara"], members=[member])
        yield {"member": member, "seller": org, "backend": name,
               "category": factories.make_category("spices", name_en="Spices", name_hi="मसाले")}


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEntry))


def found(q: str) -> list[int]:
    return [h.id for h in services.search(q).hits]


def test_create_edit_pause_stock_and_removal_reach_search(shop):
    member, admin = shop["member"], factories.user(Role.ADMIN)
    item = catalog.create_product(shop["seller"], member, title_en="Turmeric powder", title_hi="हल्दी पाउडर",
                                  category_id=shop["category"].id, price_paise=12000, stock=5)
    services.apply_pending()
    assert found("haldi") == []  # a draft is not for sale
    catalog.publish(item, member)
    assert pending() == 1
    services.apply_pending()
    assert pending() == 0 and found("haldi") == [item.id]

    catalog.update_product(item, member, title_en="Mango pickle", title_hi="आम का अचार")
    services.apply_pending()
    assert found("haldi") == [] and found("achar") == [item.id]

    catalog.set_stock(item, 0, member)
    services.apply_pending()
    assert services.count("achar").facets["in_stock"].get(True, 0) == 0

    catalog.pause(item, member)
    services.apply_pending()
    assert found("achar") == []
    catalog.publish(item, member)
    services.apply_pending()
    assert found("achar") == [item.id]

    catalog.remove(item, admin, "Wrong category for this product")
    services.apply_pending()
    assert found("achar") == []


def test_withdrawn_verification_takes_the_sellers_products_out(shop, geo):
    item = factories.make_product(shop["seller"], shop["category"], title_en="Turmeric powder", title_hi="हल्दी")
    services.reindex()
    assert found("haldi") == [item.id]
    sellers.reject(shop["seller"], factories.official(geo["Kahara"]), "Bank details do not match")
    services.apply_pending()
    assert found("haldi") == []


def test_outbox_rows_stay_until_the_index_took_them(shop, monkeypatch):
    item = factories.make_product(shop["seller"], shop["category"], title_en="Turmeric powder", title_hi="हल्दी")
    record_change("product", item.id)
    db.session.commit()

    def broken(*_args):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(services.get_backend(), "write", broken)
        with pytest.raises(OSError):
            services.apply_pending()
    assert pending() == 1
    assert services.apply_pending() == 1 and pending() == 0 and found("haldi") == [item.id]


def test_a_busy_writer_lock_is_never_waited_for(shop):
    item = factories.make_product(shop["seller"], shop["category"], title_en="Turmeric powder", title_hi="हल्दी")
    record_change("product", item.id)
    db.session.commit()
    with services.get_backend().writer_lock(blocking=True) as held:
        assert held
        assert services.apply_pending() == 0  # another writer is busy: it will pick the row up
        assert services.search("haldi").total == 0  # and search answers meanwhile
    assert pending() == 1
    assert services.apply_pending() == 1 and found("haldi") == [item.id]


def test_search_catches_up_with_changes_made_outside_requests(shop):
    item = factories.make_product(shop["seller"], shop["category"], title_en="Turmeric powder", title_hi="हल्दी")
    record_change("product", item.id)  # e.g. `flask demo load`
    db.session.commit()
    assert found("haldi") == [item.id]
    assert pending() == 0


def test_a_request_that_changed_products_applies_them_after_its_response(app, shop):
    item = factories.make_product(shop["seller"], shop["category"], title_en="Turmeric powder", title_hi="हल्दी")
    services.reindex()
    client = app.test_client()
    login(client, shop["member"].login_name)
    response = post(client, f"/seller/products/{item.id}/pause", buffered=True)
    assert response.status_code in (302, 303)
    assert pending() == 0  # applied once the response was sent
    assert services.get_backend().search(Request(())).total == 0


def test_reindex_swaps_directories_and_search_stays_up(shop, monkeypatch):
    if shop["backend"] != "whoosh":
        pytest.skip("PostgreSQL swaps in one transaction: nothing to see on disk")
    items = [factories.make_product(shop["seller"], shop["category"], title_en=f"Turmeric {n}", title_hi="हल्दी")
             for n in range(3)]
    assert services.reindex() == 3
    backend = services.get_backend()
    first = backend.current_dir()
    seen_during = []
    real_documents = indexing.documents

    def documents_while_searching(*args):
        for doc in real_documents(*args):
            seen_during.append(services.search("haldi").total)  # the old index answers meanwhile
            yield doc

    factories.make_product(shop["seller"], shop["category"], title_en="Turmeric 4", title_hi="हल्दी")
    monkeypatch.setattr(indexing, "documents", documents_while_searching)
    assert services.reindex() == 4
    assert seen_during == [3, 3, 3, 3]
    second = backend.current_dir()
    assert second != first and first.exists()  # the previous one is kept for readers still on it
    monkeypatch.setattr(indexing, "documents", real_documents)
    services.reindex()
    assert not first.exists() and second.exists()
    assert services.search("haldi").total == 4 and items[0].id in found("haldi")


def test_reindex_takes_pending_rows_with_it(shop):
    item = factories.make_product(shop["seller"], shop["category"], title_en="Turmeric", title_hi="हल्दी")
    record_change("product", item.id)
    db.session.commit()
    services.reindex()
    assert pending() == 0 and found("haldi") == [item.id]


def test_cli_commands(app, shop):
    factories.make_product(shop["seller"], shop["category"], title_en="Turmeric", title_hi="हल्दी")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "1 products indexed" in result.output
    result = runner.invoke(args=["search", "apply"])
    assert result.exit_code == 0 and "0 changes applied" in result.output
    result = runner.invoke(args=["search", "reindex", "--procs", "2"])  # big catalogues: several writers
    assert result.exit_code == 0 and found("haldi") != []


# -- two processes at once -------------------------------------------------------------------------------------

def _change_prices(config: dict, product_ids: list[int], seed: int, rounds: int) -> list[str]:
    """A separate process (like a second gunicorn worker): changes prices and applies the outbox each time."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", **config})
    rng = random.Random(seed)
    errors = []
    with app.app_context():
        for _ in range(rounds):
            product = db.session.get(Product, rng.choice(product_ids))
            product.price_paise = rng.randrange(1000, 100_000)
            record_change("product", product.id)
            db.session.commit()
            try:
                services.apply_pending()
            except Exception as exc:  # reported to the test: a LockError would land here
                errors.append(repr(exc))
        services.close_backends()
        db.session.remove()
        db.engine.dispose()
    return errors


def test_two_processes_updating_at_once_leave_the_index_consistent(app, shop):
    ids = [factories.make_product(shop["seller"], shop["category"], title_en=f"Turmeric {n}", title_hi="हल्दी").id
           for n in range(6)]
    services.reindex()
    services.close_backends()
    db.session.remove()
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SEARCH_INDEX_DIR", "SEARCH_BACKEND")}
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.starmap(_change_prices, [(config, ids, seed, 15) for seed in (1, 2)])
    assert results == [[], []]
    assert pending() == 0
    indexed = {h["id"]: h["price_paise"] for h in services.get_backend().search(Request((), limit=50)).hits}
    in_db = dict(db.session.execute(select(Product.id, Product.price_paise).where(Product.id.in_(ids))).all())
    assert indexed == in_db
