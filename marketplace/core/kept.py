"""Catalogue reads kept between requests: the one place that decides how long and under which key.

A storefront page is rendered for every request (the visitor's header, cart and CSRF token are hers), but the
catalogue data it shows — the category tree, a listing's cards, a product's or a group's facts — is the same
for everybody until the catalogue changes. Such reads go through `kept()`: the value (plain data, never ORM
objects) is kept in `extensions.cache` (process memory, or Redis shared by every web process) under the
catalogue's generation number (`core/outbox.py`), which goes up after every commit that recorded a change. So
a change made through any process is seen by the next request everywhere, as with the page cache and cards.

`CATALOGUE_CACHE_SECONDS` bounds how long a value lives at most (default 60; 0 turns keeping off; off under
TESTING, where tests write rows directly). The bound matters for what changes without recording a change
(a group's member count) and for several processes that share no Redis (each has its own generation).
"""

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g

from marketplace.core import outbox
from marketplace.extensions import cache

T = TypeVar("T")


def seconds() -> int:
    return current_app.config.get("CATALOGUE_CACHE_SECONDS", 0 if current_app.testing else 60)


def kept(name: str, *parts, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave under the same name, parts and catalogue generation. None is not kept."""
    lifetime = seconds()
    if not lifetime:
        return compute()
    generation = g.get("catalogue_generation")
    if generation is None:  # once per request (bump_generation forgets it)
        generation = g.catalogue_generation = outbox.generation()
    if generation < 0:  # the cache is down: read the database
        return compute()
    key = f"kept:{generation}:{name}:" + ":".join(map(str, parts))
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001  (a cache outage costs speed, never the page)
        current_app.logger.warning("catalogue cache unavailable", exc_info=True)
        return compute()
    if value is not None:
        return value
    value = compute()
    if value is None:
        return None
    try:
        cache.set(key, value, timeout=lifetime)
    except Exception:  # noqa: BLE001
        current_app.logger.warning("catalogue cache unavailable", exc_info=True)
    return value
