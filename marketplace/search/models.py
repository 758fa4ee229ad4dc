"""Tables of the PostgreSQL search backend (unused with Whoosh, harmless on SQLite).

The portable columns are declared here; the PostgreSQL-only parts are added by `POSTGRES_DDL` (on
`create_all`, and idempotently by the backend's setup for databases built by migrations):
a generated `tsv tsvector` column over `tsv_source`, its GIN index, the documents' row layout (narrow rows, the
tsvector in them) and trigram / prefix indexes on terms.
"""

from datetime import datetime

from sqlalchemy import DDL, JSON, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.types import UTCDateTime
from marketplace.extensions import db


class SearchDocument(db.Model):
    """One searchable product, as analysed by marketplace.search.analysis."""

    __tablename__ = "search_documents"
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tsv_source: Mapped[str] = mapped_column(Text)  # a tsvector literal: 'haldi':1A '~hldi':1A 'powder':2B …
    terms: Mapped[str] = mapped_column(Text)  # its distinct terms, space-separated (to keep term counts right)
    words: Mapped[str] = mapped_column(Text)  # its distinct shown words, space-separated
    category_path: Mapped[str] = mapped_column(String(200))  # "/3/17/": the category and its ancestors
    district_id: Mapped[int] = mapped_column(index=True)
    seller_kind: Mapped[str] = mapped_column(String(10))
    price_paise: Mapped[int]
    in_stock: Mapped[bool]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON)  # what a result card shows


class SearchTerm(db.Model):
    """The lexicon: every indexed term ("term") and shown word ("word") with its document count."""

    __tablename__ = "search_terms"
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200))  # a shown word's phonetic key, for autocomplete
    df: Mapped[int] = mapped_column(default=0)


EXTENSION_DDL = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
DOCUMENTS_DDL = (
    "ALTER TABLE search_documents ADD COLUMN IF NOT EXISTS tsv tsvector"
    " GENERATED ALWAYS AS (tsv_source::tsvector) STORED",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_tsv ON search_documents USING gin (tsv)",
    # Narrow rows: all but the tsvector and the facet columns out of line (TOAST), the tsvector kept in the
    # row, so that a search's one pass over its matches reads few pages and ranks without detoasting.
    # (Rows written before this keep their old layout until `flask search reindex`.)
    "ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE MAIN",
    "ALTER TABLE search_documents SET (toast_tuple_target = 128)",
)
TERMS_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_search_terms_trgm ON search_terms USING gin (term gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_search_terms_key ON search_terms (kind, key text_pattern_ops)",
)
POSTGRES_DDL = (EXTENSION_DDL, *DOCUMENTS_DDL, *TERMS_DDL)
# True once all of that is in place (the last of each table's statements done).
POSTGRES_DDL_DONE = """
    SELECT a.attstorage = 'm' AND c.reloptions @> ARRAY['toast_tuple_target=128']
           AND to_regclass('ix_search_terms_key') IS NOT NULL
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tsv' AND NOT a.attisdropped
    WHERE c.oid = to_regclass('search_documents')"""

# What that DDL makes, by (kind, table, name): Alembic's autogenerate must leave these alone (migrations/env.py),
# or `flask db migrate` on PostgreSQL would write a migration dropping them.
POSTGRES_ONLY_OBJECTS = frozenset({
    ("column", "search_documents", "tsv"),
    ("index", "search_documents", "ix_search_documents_tsv"),
    ("index", "search_terms", "ix_search_terms_trgm"),
    ("index", "search_terms", "ix_search_terms_key"),
})

for _table, _statements in ((SearchDocument.__table__, DOCUMENTS_DDL), (SearchTerm.__table__, TERMS_DDL)):
    event.listen(_table, "before_create", DDL(EXTENSION_DDL).execute_if(dialect="postgresql"))
    for _statement in _statements:
        event.listen(_table, "after_create", DDL(_statement).execute_if(dialect="postgresql"))


class SearchIndexOwner(db.Model):
    """Which index directory serves this database's Whoosh backend. Whoosh keeps its index on one machine's
    disk; a second machine sharing nothing would answer from a stale (or empty) index of its own, so it
    refuses to start instead (marketplace/search/ownership.py)."""

    __tablename__ = "search_index_owner"
    backend: Mapped[str] = mapped_column(String(20), primary_key=True)
    index_id: Mapped[str] = mapped_column(String(32))  # also written to SEARCH_INDEX_DIR/index-id
    host: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(Text)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
