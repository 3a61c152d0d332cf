"""Group commit: concurrent work shares a transaction, each caller still gets its own answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from routing.errors import InvalidInput
from routing.group_commit import GroupCommit


class Ledger:
    """What a database would hold: rows of committed transactions, and how many commits."""

    def __init__(self, fail_commits: int = 0, *, fail_shared_once: bool = False) -> None:
        self.rows: list[str] = []
        self.transactions: list[list[str]] = []
        self.fail_commits = fail_commits
        self.fail_shared_once = fail_shared_once


class RecordingUnitOfWork:
    """Writes go to a pending list; a savepoint undoes its own writes when it raises."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.pending: list[str] = []

    def __enter__(self) -> RecordingUnitOfWork:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.pending = []

    def write(self, row: str) -> None:
        self.pending.append(row)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        mark = len(self.pending)
        try:
            yield
        except BaseException:
            del self.pending[mark:]
            raise

    def commit(self) -> None:
        if self.ledger.fail_commits:
            self.ledger.fail_commits -= 1
            raise OSError("disk full")
        if self.ledger.fail_shared_once and len(self.pending) > 1:
            self.ledger.fail_shared_once = False
            raise OSError("connection lost")
        self.ledger.rows.extend(self.pending)
        self.ledger.transactions.append(list(self.pending))
        self.pending = []


def _group(ledger: Ledger) -> GroupCommit[str]:
    return GroupCommit(lambda: RecordingUnitOfWork(ledger))  # type: ignore[arg-type,return-value]


def _writing(
    row: str, gate: threading.Event | None = None, entered: threading.Event | None = None
) -> Any:
    def work(uow: RecordingUnitOfWork) -> str:
        if entered is not None:
            entered.set()
        if gate is not None:
            gate.wait(timeout=10)
        uow.write(row)
        if row.startswith("bad"):
            raise InvalidInput(f"{row} is refused")
        return f"stored {row}"

    return work


def _run_while_writer_is_busy(group: GroupCommit[str], rows: list[str]) -> dict[str, Any]:
    """The first piece holds the writer until every other caller is waiting, so they batch."""
    gate, entered = threading.Event(), threading.Event()
    answers: dict[str, Any] = {}

    def call(row: str, work: Any) -> None:
        try:
            answers[row] = group.run(work)
        except Exception as err:  # noqa: BLE001 - the test looks at what each caller got
            answers[row] = err

    first = threading.Thread(target=call, args=("first", _writing("first", gate, entered)))
    first.start()
    assert entered.wait(timeout=10)
    others = []
    for row in rows:
        thread = threading.Thread(target=call, args=(row, _writing(row)))
        thread.start()
        others.append(thread)
        while len(group._waiting) < len(others):
            threading.Event().wait(0.001)
    gate.set()
    for thread in [first, *others]:
        thread.join(timeout=10)
    return answers


def test_one_caller_alone_gets_its_own_transaction_and_result() -> None:
    ledger = Ledger()
    assert _group(ledger).run(_writing("a")) == "stored a"
    assert ledger.transactions == [["a"]]


def test_callers_waiting_together_share_one_commit_in_arrival_order() -> None:
    ledger = Ledger()
    rows = [f"r{n}" for n in range(6)]
    answers = _run_while_writer_is_busy(_group(ledger), rows)
    assert answers == {"first": "stored first", **{r: f"stored {r}" for r in rows}}
    assert ledger.transactions == [["first"], rows]


def test_a_piece_that_raises_is_undone_alone_and_its_caller_gets_the_error() -> None:
    ledger = Ledger()
    answers = _run_while_writer_is_busy(_group(ledger), ["a", "bad", "c"])
    assert isinstance(answers["bad"], InvalidInput)
    assert answers["a"] == "stored a"
    assert answers["c"] == "stored c"
    assert ledger.transactions == [["first"], ["a", "c"]]


def test_a_failed_shared_commit_runs_each_piece_alone_so_each_gets_its_own_answer() -> None:
    ledger = Ledger(fail_shared_once=True)
    answers = _run_while_writer_is_busy(_group(ledger), ["a", "bad", "c"])
    assert answers["a"] == "stored a"
    assert answers["c"] == "stored c"
    assert isinstance(answers["bad"], InvalidInput)
    assert ledger.transactions == [["first"], ["a"], ["c"]]


def test_a_commit_that_fails_alone_raises_to_its_caller() -> None:
    ledger = Ledger(fail_commits=1)
    with pytest.raises(OSError, match="disk full"):
        _group(ledger).run(_writing("a"))
    assert ledger.rows == []


def test_many_threads_each_get_their_own_result_and_every_row_is_kept_once() -> None:
    ledger = Ledger()
    group = _group(ledger)
    answers: dict[str, str] = {}
    lock = threading.Lock()

    def call(n: int) -> None:
        for k in range(25):
            row = f"t{n}-{k}"
            answer = group.run(_writing(row))
            with lock:
                answers[row] = answer

    threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 200
    assert all(v == f"stored {k}" for k, v in answers.items())
    assert sorted(ledger.rows) == sorted(answers)
    assert all(len(batch) <= 32 for batch in ledger.transactions)
