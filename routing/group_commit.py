"""Group commit: work that arrives at once from several threads shares one transaction.

A commit costs a disk flush, and SQLite allows one writer at a time, so concurrent posts queue
behind each other's flushes. Here one caller at a time is the leader: it takes every piece of
work waiting (up to ``max_batch``, oldest first), runs each in its own savepoint of one
transaction, in arrival order, commits once, wakes the callers whose work it committed, and
hands the lead to the oldest caller still waiting. The others sleep on their own event, so a
batch wakes only the threads it concerns. Every caller returns only after the commit that holds
its work, with its own result or its own exception.

A piece that raises is undone alone (its savepoint) and its caller gets the exception; the rest
of the batch carries on. If the shared transaction itself fails (the commit, a broken
connection), none of it stands, so each piece is run again in a transaction of its own and
each caller gets that answer: a failure reaches only the caller whose work caused it.

Only threads and locks: no I/O of its own. The unit of work comes from the caller's factory.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from routing.ports import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[UnitOfWork], T]

MAX_BATCH = 32
"""At most this many pieces share a transaction: a batch holds the write lock for its length."""


class _Pending(Generic[T]):
    __slots__ = ("done", "error", "leads", "value", "wake", "work")

    def __init__(self, work: Work[T]) -> None:
        self.work = work
        self.wake = threading.Event()
        self.leads = False
        self.done = False
        self.value: T | None = None
        self.error: BaseException | None = None

    def settle(self, value: T | None = None, error: BaseException | None = None) -> None:
        self.value, self.error, self.done = value, error, True

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class GroupCommit(Generic[T]):
    """Runs ``work(uow)`` for concurrent callers, several to a transaction and commit."""

    def __init__(self, begin: Callable[[], UnitOfWork], max_batch: int = MAX_BATCH) -> None:
        self._begin = begin
        self._max_batch = max_batch
        self._waiting: deque[_Pending[T]] = deque()
        self._lock = threading.Lock()
        self._leader = False
        """Someone is running a batch or has been woken to run the next: at most one."""

    def run(self, work: Work[T]) -> T:
        """``work`` in a committed transaction, perhaps shared; its result or its exception."""
        pending = _Pending(work)
        with self._lock:
            self._waiting.append(pending)
            if not self._leader:
                self._leader = pending.leads = True
        if not pending.leads:
            pending.wake.wait()
        if not pending.done:
            self._lead()
        return pending.outcome()

    def _lead(self) -> None:
        """Run one batch (the oldest waiting, this caller's first), then pass the lead on."""
        with self._lock:
            count = min(len(self._waiting), self._max_batch)
            batch = [self._waiting.popleft() for _ in range(count)]
        try:
            self._run(batch)
        finally:
            for pending in batch:
                if not pending.done:  # an interrupt: nobody in the batch may wait for ever
                    pending.settle(error=RuntimeError("the shared transaction was interrupted"))
                pending.wake.set()
            with self._lock:
                if self._waiting:
                    successor = self._waiting[0]
                    successor.leads = True
                    successor.wake.set()
                else:
                    self._leader = False

    def _run(self, batch: list[_Pending[T]]) -> None:
        if len(batch) == 1:
            self._alone(batch[0])
        else:
            self._together(batch)

    def _alone(self, pending: _Pending[T]) -> None:
        try:
            with self._begin() as uow:
                value = pending.work(uow)
                uow.commit()
        except Exception as err:  # noqa: BLE001 - it is the caller's, raised in its thread
            pending.settle(error=err)
        else:
            pending.settle(value)

    def _together(self, batch: list[_Pending[T]]) -> None:
        results: list[tuple[T | None, Exception | None]] = []
        try:
            with self._begin() as uow:
                for pending in batch:
                    try:
                        with uow.savepoint():
                            results.append((pending.work(uow), None))
                    except Exception as err:  # noqa: BLE001 - raised to its own caller
                        results.append((None, err))
                uow.commit()
        except Exception:
            log.warning(
                "A shared transaction of %d pieces failed; running each alone",
                len(batch),
                exc_info=True,
            )
            for pending in batch:
                self._alone(pending)
            return
        for pending, (value, error) in zip(batch, results, strict=True):
            pending.settle(value, error)
