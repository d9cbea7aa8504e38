"""glibc's malloc, tuned for builds whose document bodies run to tens of megabytes (elsewhere than glibc, nothing
is done)."""

from __future__ import annotations

import functools

LARGE_BLOCK = 4 << 20
"""The size from which glibc's malloc gives a block pages of its own, returned to the system once freed."""


def _glibc(function: str, *arguments: int) -> None:
    """Call one of glibc's malloc functions by name; nothing where the C library has none (musl, macOS, Windows)."""
    try:
        import ctypes

        getattr(ctypes.CDLL(None), function)(*arguments)
    except (OSError, AttributeError):
        pass


@functools.lru_cache(maxsize=1)
def return_large_blocks() -> None:
    """Have glibc's malloc map every block of `LARGE_BLOCK` bytes or more apart, and unmap it when it is freed.

    By default malloc raises that threshold to the size of the largest block freed (up to 32 MiB): after a
    contract of 1000 fiches, whose bodies are 26 MB and are copied as they are finished, the next copies come
    from the heap, whose freed holes are kept and too small for the next, larger copy (272 MiB at the peak
    instead of 230). The bodies of a contract of 27 fiches (about 1 MB) stay below it."""
    _glibc("mallopt", -3, LARGE_BLOCK)  # M_MMAP_THRESHOLD (glibc's malloc.h)


def return_freed_memory() -> None:
    """Give the system back the pages malloc holds free (glibc's `malloc_trim`)."""
    _glibc("malloc_trim", 0)
