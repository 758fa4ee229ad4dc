"""Relevance on the demo catalogue: the queries of tests/search_relevance.csv (Hindi, English, Hinglish, typos,
several words, mixed scripts) must find their products in the top 10, recall@10 >= 0.9 over the set.

recall@10 of a query = expected products among the first 10 / min(expected products, 10): a broad query
("haldi": 16 turmeric products) must fill its first page's top 10 with them."""

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.catalog import categories
from marketplace.catalog.models import Category, Product
from marketplace.config import PROJECT_ROOT
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block
from marketplace.search import services
from marketplace.sellers.models import Seller

from .test_search_backends import backend  # noqa: F401  (the fixture: Whoosh, and PostgreSQL when there)

DEMO = PROJECT_ROOT / "data" / "demo"
RELEVANCE = Path(__file__).with_name("search_relevance.csv")
INTS = ("price_paise", "mrp_paise", "pack_size", "min_order_qty", "stock", "lead_time_days", "gst_rate_bp",
        "weight_grams")


def _load_demo_catalogue() -> dict[str, int]:
    """The verified groups' products from data/demo (no photos, no users): demo ref -> product id."""
    categories.upsert(categories.read_rows())
    cats = {c.slug: c.id for c in db.session.scalars(select(Category))}
    blocks = {(b.district.name_en, b.name_en): b.id for b in db.session.scalars(select(Block))}
    by_district = {district: block for (district, _), block in blocks.items()}
    sellers = {}
    for s in json.loads((DEMO / "sellers.json").read_text(encoding="utf-8"))["sellers"]:
        if s["status"] == "verified":
            block = blocks.get((s["district"], s["block"])) or by_district[s["district"]]
            sellers[s["key"]] = Seller(kind=s["kind"], name_en=s["name_en"], name_hi=s["name_hi"], slug=s["key"],
                                       block_id=block, status="verified", verified_at=utcnow())
    db.session.add_all(sellers.values())
    db.session.flush()
    products = {}
    with (DEMO / "products.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["seller_key"] not in sellers:
                continue
            numbers = {k: int(row[k]) if row[k] else None for k in INTS}
            products[row["ref"]] = Product(
                seller_id=sellers[row["seller_key"]].id, category_id=cats[row["category"]], slug=row["ref"],
                status="live", published_at=utcnow(), unit=row["unit"], hsn_code=row["hsn_code"] or None,
                tags=row["tags"], **{k: row[k] or None for k in ("title_en", "title_hi", "description_en",
                                                                    "description_hi")}, **numbers)
    db.session.add_all(products.values())
    db.session.commit()
    return {ref: p.id for ref, p in products.items()}


def _cases() -> list[tuple[str, str, list[str]]]:
    with RELEVANCE.open(encoding="utf-8") as fh:
        return [(row["query"], row["kind"], row["expected"].split()) for row in csv.DictReader(fh)]


def test_the_relevance_set_is_big_and_varied():
    cases = _cases()
    kinds = {kind for _, kind, _ in cases}
    assert len(cases) >= 50
    assert {"english", "hindi", "hinglish", "typo", "multi-word"} <= kinds


@pytest.mark.usefixtures("backend")
def test_recall_at_10(geo):
    ids = _load_demo_catalogue()
    services.reindex()
    misses, recalls = [], []
    for query, kind, expected in _cases():
        wanted = {ids[ref] for ref in expected}
        top = [h.id for h in services.search(query).hits[:10]]
        recall = len(wanted & set(top)) / min(len(wanted), 10)
        recalls.append(recall)
        if recall < 1:
            misses.append(f"{kind}: {query!r} {recall:.2f}")
    mean = sum(recalls) / len(recalls)
    assert mean >= 0.9, f"recall@10 {mean:.3f}; below 1: {misses}"
