"""Garbage-collector settings for a bulk ingest.

An ingest allocates millions of short-lived containers (parsed headers, rows, segment tuples).
With CPython's default thresholds the collector runs a young-generation pass every 700
allocations and, every hundred of those, a full pass over everything alive, the imported
libraries included (SQLAlchemy, whoosh: some 70,000 objects before the first mail is read).

`bulk_gc` freezes what exists when the ingest starts (the libraries; workers forked later share
it) and collects the young generation every 50,000 allocations instead of 700. Cycles are still
collected: less often, so memory stays bounded by what one batch allocates.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLDS = (50_000, 20, 10)


@contextmanager
def bulk_gc() -> Iterator[None]:
    """Run the block with the library objects frozen and relaxed thresholds; restore after."""
    saved = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BULK_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
        gc.unfreeze()
