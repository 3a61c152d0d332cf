"""The one fake clock of the test suite: it starts on a fixed Monday morning and moves only when
a test moves it, so nothing depends on the wall clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = MONDAY_9AM

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def monotonic(self) -> float:
        """The same time as seconds, for code that measures intervals (``time.monotonic``)."""
        return self.now.timestamp()
