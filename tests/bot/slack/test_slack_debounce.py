"""Background work asked for in a burst runs once per key, a moment after it was first asked for."""

from __future__ import annotations

import threading

from bot.slack.transport.debounce import Debouncer
from tests.support.clock import FakeClock


def test_requests_for_one_key_merge_into_one_run_after_the_delay() -> None:
    ran: list[str] = []
    clock = FakeClock()
    later = Debouncer(ran.append, delay=0.5, clock=clock.monotonic, threaded=False)
    for key in ("UALICE", "UALICE", "UBOB", "UALICE"):
        later.request(key)

    assert later.run_due() == 0
    clock.advance(seconds=0.5)
    assert later.run_due() == 2
    assert sorted(ran) == ["UALICE", "UBOB"]
    later.request("UALICE")
    clock.advance(seconds=0.5)
    later.run_due()
    assert ran.count("UALICE") == 2


def test_a_failing_run_is_logged_and_the_others_still_run() -> None:
    ran: list[str] = []

    def action(key: str) -> None:
        if key == "bad":
            raise RuntimeError("boom")
        ran.append(key)

    clock = FakeClock()
    later = Debouncer(action, delay=0.0, clock=clock.monotonic, threaded=False)
    later.request("bad")
    later.request("good")
    assert later.run_due() == 2
    assert ran == ["good"]


def test_the_worker_thread_runs_due_work_and_stops_on_close() -> None:
    done = threading.Event()
    later = Debouncer(lambda _key: done.set(), delay=0.01)
    later.request("UALICE")
    assert done.wait(5)
    later.close()
    later.request("UBOB")  # ignored once closed
    assert later.run_due() == 0
    assert not any(t.name == "slack-later" and t.is_alive() for t in threading.enumerate())
