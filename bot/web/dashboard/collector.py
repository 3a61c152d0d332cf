"""Pausing Python's cyclic garbage collector while one request builds a large, acyclic result.

A funnel report over a week of a large team decodes some 70,000 events and their histories,
rep tallies and customer dates: hundreds of thousands of new objects, none of them in a
reference cycle, so reference counting frees them all. The cyclic collector cannot know that:
it runs every 700 new container objects and, as the heap grows, walks every object the process
holds, again and again. Profiled on the dashboard's overview of last week (1,000,000 leads), it
did about 600 young and 4 full collections, a third of the page's time.

:func:`collector_paused` turns it off for the duration of a block, shared between threads (the
collector is process-wide): it is turned back on when the last block still running ends, and
only if it was on before the first began. Cyclic garbage made meanwhile is collected then.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the block runs (nor while any other such block does)."""
    global _running, _resume
    with _lock:
        if _running == 0:
            _resume = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _resume:
                gc.enable()
