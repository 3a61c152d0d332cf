"""The leads table's filters, read from a query string with a limit on every value.

Unknown keys are ignored; a value that breaks a rule raises :class:`InvalidInput` with a message
the page shows. Parsing is linear in the input and never touches storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from routing import limits
from routing.dashboard.periods import CHOICES, DEFAULT, PeriodChoice
from routing.errors import InvalidInput
from routing.stages import Stage
from routing.text import storable, unstorable

PAGE_SIZE = 50

_CHOICE_NAMES = {name for name, _ in CHOICES}


@dataclass(frozen=True)
class LeadFilters:
    """What the leads table (and its export) shows; ``None`` means "any"."""

    period: PeriodChoice | None = None
    first: date | None = None
    last: date | None = None
    stage: Stage | None = None
    owner_id: int | None = None
    pool: str | None = None
    source: str | None = None
    search: str | None = None
    page: int = 1
    held_by: int | None = None
    """A rep's own leads: those they have owned (before the period's end). Set from who is
    looking (``routing.dashboard.scope.scoped_filters``), never from the query string."""

    def with_owner(self, owner_id: int | None) -> LeadFilters:
        return replace(self, owner_id=owner_id)

    def query(self, **changes: object) -> str:
        """This filter set as a query string, with ``changes`` applied (``page=2`` …)."""
        values: dict[str, object] = {
            "period": self.period,
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "stage": self.stage.value if self.stage else None,
            "owner": self.owner_id,
            "pool": self.pool,
            "source": self.source,
            "q": self.search,
            "page": self.page if self.page != 1 else None,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def parse_filters(query: Mapping[str, str], *, default_period: bool = False) -> LeadFilters:
    """Filters from a query string; ``default_period`` fills in the overview's default period."""
    period = _period(query.get("period"), default_period)
    first, last = _date(query, "from"), _date(query, "to")
    if (first or last) and period is None:
        period = "custom"
    if period == "custom" and (first is None or last is None):
        raise InvalidInput("choose both a from and a to date for a custom period")
    if period != "custom":
        first = last = None
    return LeadFilters(
        period=period,
        first=first,
        last=last,
        stage=_stage(query.get("stage")),
        owner_id=_number(query.get("owner"), "owner", limits.MAX_ID),
        pool=_text(query.get("pool"), "pool", limits.POOL_NAME),
        source=_text(query.get("source"), "source", limits.SOURCE),
        search=_text(query.get("q"), "search", limits.DASHBOARD_SEARCH),
        page=_number(query.get("page"), "page", limits.DASHBOARD_PAGES) or 1,
    )


def _period(raw: str | None, default: bool) -> PeriodChoice | None:
    if not raw:
        return DEFAULT if default else None
    if raw not in _CHOICE_NAMES:
        names = ", ".join(sorted(_CHOICE_NAMES))
        raise InvalidInput(f"the period is one of {names}")
    return raw


def _date(query: Mapping[str, str], key: str) -> date | None:
    raw = (query.get(key) or "").strip()
    if not raw:
        return None
    if len(raw) != 10:
        raise InvalidInput(f"the {key} date is written YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"the {key} date is written YYYY-MM-DD") from None
    if not limits.FIRST_DAY <= day <= limits.LAST_DAY:
        raise InvalidInput(
            f"the {key} date is a day from {limits.FIRST_DAY} to {limits.LAST_DAY}, not {day}"
        )
    return day


def _stage(raw: str | None) -> Stage | None:
    if not raw:
        return None
    try:
        return Stage(raw)
    except ValueError:
        raise InvalidInput(f"there is no stage called {raw[:40]!r}") from None


def _number(raw: str | None, what: str, limit: int) -> int | None:
    raw = (raw or "").strip().removeprefix("L-")
    if not raw:
        return None
    if len(raw) > 10 or not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= limit:
        raise InvalidInput(f"the {what} is a number from 1 to {limit}")
    return int(raw)


def _text(raw: str | None, what: str, limit: int) -> str | None:
    """A text filter as stored text reads (NFC); one no text can hold (NUL, half a UTF-16
    pair) is refused rather than sent to a database that would refuse it."""
    text = " ".join((raw or "").split())
    if len(text) > limit:
        raise InvalidInput(f"the {what} is at most {limit} characters")
    if unstorable(text):
        raise InvalidInput(f"the {what} cannot hold a NUL character or half a UTF-16 pair")
    return storable(text) or None
