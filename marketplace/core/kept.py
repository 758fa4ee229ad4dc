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

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g

from marketplace.core import outbox
from marketplace.extensions import cache

T = TypeVar("T")
LOCAL_ENTRIES = 200  # values kept in this process's own memory (`local=True`), the least recently used go first
_local: OrderedDict = OrderedDict()
_local_lock = threading.Lock()


def seconds() -> int:
    return current_app.config.get("CATALOGUE_CACHE_SECONDS", 0 if current_app.testing else 60)


def kept(name: str, *parts, compute: Callable[[], T], local: bool = False) -> T:
    """`compute()`, or what it gave under the same name, parts and catalogue generation. None is not kept.
    `local`: in this process's memory, at most LOCAL_ENTRIES values, for keys anybody can vary without end (a
    search's words) — they would fill a shared cache."""
    lifetime = seconds()
    if not lifetime:
        return compute()
    generation = g.get("catalogue_generation")
    if generation is None:  # once per request (bump_generation forgets it)
        generation = g.catalogue_generation = outbox.generation()
    if generation < 0:  # the cache is down: read the database
        return compute()
    key = f"kept:{generation}:{name}:" + ":".join(map(str, parts))
    if local:
        return _kept_here(key, lifetime, compute)
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


def _kept_here(key: str, lifetime: int, compute: Callable[[], T]) -> T:
    now = time.monotonic()
    with _local_lock:
        found = _local.get(key)
        if found is not None and found[0] > now:
            _local.move_to_end(key)
            return found[1]
    value = compute()
    if value is not None:
        with _local_lock:
            _local[key] = (now + lifetime, value)
            _local.move_to_end(key)
            while len(_local) > LOCAL_ENTRIES:
                _local.popitem(last=False)
    return value
