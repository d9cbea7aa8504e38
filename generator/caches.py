"""The engine's caches of text: typeset, measured and parsed strings, kept while a contract builds.

A contract hits them within itself (its fiches' headers, « 0 € », a text written in the contract and again in its
annexes); a worker of a batch empties them once each contract is built (`clear_text_caches`). Kept across
contracts, each entry held a block of Python's small-object allocator alive among the contract's freed objects:
a worker grew from 71 to 131 MiB over 150 own-prose contracts (bench/README.md, *Memory*).
"""

from __future__ import annotations

from functools import lru_cache

_TEXT_CACHES: list = []


def text_cache(maxsize: int):
    """Decorate a function of texts with a least-recently-used cache of `maxsize` entries that
    `clear_text_caches` empties."""

    def decorate(function):
        cached = lru_cache(maxsize=maxsize)(function)
        _TEXT_CACHES.append(cached)
        return cached

    return decorate


def text_store(store: dict) -> dict:
    """Register a dictionary a module fills with what it measured of texts: `clear_text_caches` empties it."""
    _TEXT_CACHES.append(store)
    return store


def clear_text_caches() -> None:
    """Empty every cache made by `text_cache` and every store registered by `text_store`."""
    for cache in _TEXT_CACHES:
        if isinstance(cache, dict):
            cache.clear()
        else:
            cache.cache_clear()
