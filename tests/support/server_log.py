"""What the server log may not hold after hostile traffic: a traceback or an ERROR line."""

from __future__ import annotations

import logging
from collections import Counter

import pytest


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The records of ``caplog`` that carry a traceback or are ERROR or worse."""
    return [
        f"{r.name}: {r.getMessage()[:200]}"
        for r in caplog.records
        if r.exc_info is not None or r.levelno >= logging.ERROR
    ]


def fuzz_counts(what: str, database_url: str, answers: Counter[int]) -> str:
    """The line a fuzz test prints: how many requests, how many 5xx, the answers by status."""
    database = database_url.split(":", 1)[0].split("+", 1)[0]
    failed = sum(n for status, n in answers.items() if status >= 500)
    return (
        f"{what} ({database}): {sum(answers.values())} requests, 5xx: {failed}, "
        f"tracebacks: 0, answers: {dict(sorted(answers.items()))}"
    )
