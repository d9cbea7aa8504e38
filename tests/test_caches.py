"""The engine's text caches: every large cache of the engine is one `clear_text_caches` empties."""

import importlib
import pkgutil
from functools import _lru_cache_wrapper

import generator
from generator import caches


def test_every_large_cache_of_the_engine_is_emptied_with_the_text_caches():
    """A cache of 1024 entries or more keeps texts: made with `functools.lru_cache`, it would outlive its contract
    in a worker of a batch (and pin the memory of the contract's freed objects)."""
    large = []
    for module_info in pkgutil.walk_packages(generator.__path__, "generator."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, _lru_cache_wrapper) and (value.cache_info().maxsize or 0) >= 1024:
                if value.__module__ == module.__name__:
                    large.append((module.__name__, name, value))
    assert len(large) >= 15  # typography, amounts, dates, runs, measures, parsed prose…
    assert [(module, name) for module, name, value in large
            if not any(value is cache for cache in caches._TEXT_CACHES)] == []


def test_clearing_empties_caches_and_stores():
    @caches.text_cache(maxsize=4)
    def length(text):
        return len(text)

    store = caches.text_store({})
    length("abc")
    store["abc"] = 3
    caches.clear_text_caches()
    assert length.cache_info().currsize == 0 and store == {}
