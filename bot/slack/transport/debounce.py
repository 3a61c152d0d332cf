"""Merging bursts of background work: one run per key, a moment after it was first asked for."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Debouncer:
    """Runs ``action(key)`` on its own thread ``delay`` seconds after the first request for
    ``key`` since its last run; the requests in between merge into that one run.

    Refreshing a rep's home tab after each of their clicks cost as much as the clicks themselves
    under load; merged, a burst of fifty commands by three reps costs three refreshes.
    """

    def __init__(
        self,
        action: Callable[[str], None],
        delay: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        threaded: bool = True,
    ) -> None:
        """``threaded=False`` starts no thread: the owner calls :meth:`run_due` itself."""
        self.action = action
        self.delay = delay
        self.clock = clock
        self.threaded = threaded
        self._due: dict[str, float] = {}
        self._changed = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def request(self, key: str) -> None:
        with self._changed:
            if self._closed:
                return
            self._due.setdefault(key, self.clock() + self.delay)
            if self.threaded and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="slack-later", daemon=True)
                self._thread.start()
            self._changed.notify()

    def run_due(self) -> int:
        """Run every action that is due now; returns how many ran (one step of the thread)."""
        with self._changed:
            now = self.clock()
            keys = [key for key, at in self._due.items() if at <= now]
            for key in keys:
                del self._due[key]
        for key in keys:
            try:
                self.action(key)
            except Exception:
                log.exception("background work for %s failed", key)
        return len(keys)

    def close(self) -> None:
        """Stop the thread; work not yet due is dropped (a home tab refreshes on its next open)."""
        with self._changed:
            self._closed = True
            self._changed.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._closed and not self._has_due():
                    self._changed.wait(self._until_next())
                if self._closed:
                    return
            self.run_due()

    def _has_due(self) -> bool:
        now = self.clock()
        return any(at <= now for at in self._due.values())

    def _until_next(self) -> float | None:
        if not self._due:
            return None
        return max(0.0, min(self._due.values()) - self.clock())
