"""Relevance on the demo catalogue: the queries of tests/search_relevance.csv (Hindi, English, Hinglish, typos,
several words, mixed scripts) must find their products in the top 10, recall@10 >= 0.9 over the set, and rank
them well, nDCG@10 >= 0.9.

recall@10 of a query = expected products among the first 10 / min(expected products, 10): a broad query
("haldi": 16 turmeric products) must fill its first page's top 10 with them.

Graded judgements: `expected` are exactly what was asked (grade 2); `related` (optional) are products a shopper
would accept (grade 1, e.g. a turmeric pickle for "haldi"); anything else is wrong (grade 0). nDCG@10 =
DCG@10 / ideal DCG@10 with gain 2^grade - 1 and discount log2(rank + 1)."""

import csv
import json
import math
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


def _grades() -> dict[str, dict[str, int]]:
    """query -> {demo ref: grade} (2 exact, 1 related; absent: 0)."""
    with RELEVANCE.open(encoding="utf-8") as fh:
        return {row["query"]: {**{ref: 1 for ref in (row.get("related") or "").split()},
                               **{ref: 2 for ref in row["expected"].split()}} for row in csv.DictReader(fh)}


def ndcg_at(k: int, ranked: list, grades: dict) -> float:
    def dcg(gains):
        return sum((2 ** g - 1) / math.log2(rank + 1) for rank, g in enumerate(gains[:k], start=1))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(item, 0) for item in ranked]) / ideal if ideal else 1.0


def measure(ids: dict[str, int], k: int = 10) -> tuple[float, float, list[str]]:
    """(mean recall@k, mean nDCG@k, lines about the queries below 1) over the relevance set."""
    grades = _grades()
    recalls, ndcgs, notes = [], [], []
    for query, kind, expected in _cases():
        wanted = {ids[ref] for ref in expected}
        top = [h.id for h in services.search(query).hits[:k]]
        recall = len(wanted & set(top)) / min(len(wanted), k)
        ndcg = ndcg_at(k, top, {ids[ref]: g for ref, g in grades[query].items()})
        recalls.append(recall)
        ndcgs.append(ndcg)
        if recall < 1 or ndcg < 0.9:
            notes.append(f"{kind}: {query!r} recall {recall:.2f} nDCG {ndcg:.2f}")
    return sum(recalls) / len(recalls), sum(ndcgs) / len(ndcgs), notes


def test_the_relevance_set_is_big_and_varied():
    cases = _cases()
    kinds = {kind for _, kind, _ in cases}
    assert len(cases) >= 50
    assert {"english", "hindi", "hinglish", "typo", "multi-word"} <= kinds
    graded = _grades()
    assert sum(1 in g.values() for g in graded.values()) >= 10  # related products judged, not only exact ones


def test_ndcg_rewards_good_order_only():
    grades = {"a": 2, "b": 2, "c": 1}
    assert ndcg_at(10, ["a", "b", "c"], grades) == pytest.approx(1.0)
    assert ndcg_at(10, ["x", "a", "b", "c"], grades) < ndcg_at(10, ["a", "b", "x", "c"], grades) < 1
    assert ndcg_at(10, ["x", "y"], grades) == 0.0


@pytest.mark.usefixtures("backend")
def test_recall_and_ndcg_at_10(geo, backend):  # noqa: F811
    ids = _load_demo_catalogue()
    services.reindex()
    recall, ndcg, notes = measure(ids)
    print(f"\n{backend}: recall@10 {recall:.3f}  nDCG@10 {ndcg:.3f}", *notes, sep="\n  ")  # pytest -s
    assert recall >= 0.9, f"recall@10 {recall:.3f}; {notes}"
    assert ndcg >= 0.9, f"nDCG@10 {ndcg:.3f}; {notes}"
