"""The category tree: a bilingual list in data/categories.csv (slug, parent_slug, name_en, name_hi), parents
before their children, in display order. Seeding is keyed by slug, so it can be run again after the file grows
or a name is corrected."""

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from marketplace.catalog.models import Category
from marketplace.config import PROJECT_ROOT
from marketplace.extensions import db

CATEGORIES_CSV = PROJECT_ROOT / "data" / "categories.csv"


@dataclass(frozen=True)
class CategoryRow:
    slug: str
    parent_slug: str | None
    name_en: str
    name_hi: str
    position: int


def read_rows(path: Path = CATEGORIES_CSV) -> list[CategoryRow]:
    """The rows of the file; raises ValueError if a parent is unknown or comes after its child."""
    rows: list[CategoryRow] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            parent = row["parent_slug"].strip() or None
            if parent is not None and parent not in seen:
                raise ValueError(f"{path.name} line {n}: parent {parent!r} must come before {row['slug']!r}")
            rows.append(CategoryRow(row["slug"].strip(), parent, row["name_en"].strip(), row["name_hi"].strip(), n))
            seen.add(row["slug"].strip())
    return rows


def upsert(rows: list[CategoryRow]) -> int:
    """Adds missing categories and updates names, parents and order of existing ones (no commit).
    Returns the number added."""
    by_slug = {c.slug: c for c in db.session.scalars(select(Category))}
    added = 0
    for row in rows:
        category = by_slug.get(row.slug)
        if category is None:
            category = by_slug[row.slug] = Category(slug=row.slug)
            db.session.add(category)
            added += 1
        category.name_en, category.name_hi, category.position = row.name_en, row.name_hi, row.position
        category.parent = by_slug[row.parent_slug] if row.parent_slug else None
    db.session.flush()
    return added


def tree() -> list[tuple[Category, list[Category]]]:
    """Top-level categories with their children, in display order."""
    everything = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
    children: dict[int, list[Category]] = {}
    for c in everything:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    return [(c, children.get(c.id, [])) for c in everything if c.parent_id is None]


# The usual HSN code and GST rate of what each category holds, offered to sellers when they list a product (they
# may change both: their accountant has the last word). Rates are those of GST in force for such goods sold by
# small producers; a category missing here gets no suggestion.
TAX_HINTS: dict[str, tuple[str, int]] = {
    "folk-paintings": ("9701", 1200), "pottery-terracotta": ("6912", 1200), "wood-craft": ("4420", 1200),
    "metal-craft": ("8306", 1200), "bamboo-cane": ("4602", 1200),
    "sarees": ("5208", 500), "dupattas-stoles": ("6214", 500), "shawls": ("6214", 500), "fabrics": ("5208", 500),
    "home-linen": ("6302", 500), "womens-wear": ("6204", 500), "mens-wear": ("6205", 500),
    "kids-wear": ("6209", 500), "leather-bags": ("4202", 1800), "footwear": ("6403", 1200),
    "wallets-belts": ("4203", 1200), "handmade-paper": ("4802", 1200), "files-folders": ("4820", 1200),
    "stationery": ("4820", 1200), "spices": ("0910", 500), "pickles": ("2001", 1200), "millets": ("1008", 0),
    "honey": ("0409", 0), "flour-grains": ("1102", 0), "snacks-sweets": ("2106", 1200), "masks": ("6307", 500),
    "soaps": ("3401", 1800), "sanitary-pads": ("9619", 0), "herbal-care": ("3305", 1800),
    "kitchenware": ("7323", 1200), "home-decor": ("6913", 1200), "baskets-storage": ("4602", 1200),
    "jute-cloth-bags": ("6305", 500), "organic-vegetables-fruits": ("0709", 0), "organic-pulses-rice": ("0713", 0),
    "organic-oils": ("1515", 500),
}


def tax_hint(category: Category | None) -> tuple[str, int] | None:
    """(HSN code, GST rate in basis points) usual for the category, or None."""
    return TAX_HINTS.get(category.slug) if category is not None else None
