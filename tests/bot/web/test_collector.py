"""The cyclic collector pause around bulk reads: off inside, back as it was after, shared."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from bot.web.dashboard.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after_even_after_an_error() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_blocks_in_two_threads_resume_it_only_when_the_last_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert inside.wait(timeout=30)
    assert not gc.isenabled(), "the other thread's block is still running"
    release.set()
    thread.join(timeout=30)
    assert gc.isenabled()
