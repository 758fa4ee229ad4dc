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
