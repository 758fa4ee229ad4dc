"""Search: an Indic-aware Whoosh index (default) or PostgreSQL full text, behind one interface."""
