"""The lifecycle in marketing's words beside Baton's, and the settings of the manager's numbers
that the rules file may change (``lifecycle_labels``, ``stage_probabilities``).

An inbound lead handed to sales is an MQL, a qualified lead an SQL, a lead with a closer an
opportunity, a won deal a customer (HubSpot's lifecycle stages); a team that says "SAL" or
"deal" sets its own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from routing.errors import InvalidInput
from routing.metrics.pipeline import DEFAULT_PROBABILITIES, OPPORTUNITY_STAGES
from routing.stages import Stage

__all__ = [
    "BATON_STEPS",
    "LABEL_KEYS",
    "Lifecycle",
    "NumbersSettings",
    "lifecycle_from_data",
    "probabilities_from_data",
]

BATON_STEPS = ("Leads", "Qualified", "With a closer", "Won")
"""Baton's words for the steps of :data:`routing.metrics.lifecycle.STEPS`."""
LABEL_KEYS = ("mql", "sql", "opportunity", "customer")
LABEL_LIMIT = 40


@dataclass(frozen=True)
class Lifecycle:
    mql: str = "MQL"
    sql: str = "SQL"
    opportunity: str = "Opportunity"
    customer: str = "Customer"

    @property
    def labels(self) -> tuple[str, str, str, str]:
        return (self.mql, self.sql, self.opportunity, self.customer)

    def step(self, index: int) -> str:
        """``Qualified (SQL)``: Baton's word, then marketing's."""
        return f"{BATON_STEPS[index]} ({self.labels[index]})"


@dataclass(frozen=True)
class NumbersSettings:
    """What the rules file sets for the manager's numbers."""

    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    probabilities: Mapping[Stage, float] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_PROBABILITIES)), hash=False
    )


def lifecycle_from_data(data: object) -> Lifecycle:
    """``lifecycle_labels: {mql: Lead, sql: SAL}`` → the labels, the others left as they are."""
    if data is None:
        return Lifecycle()
    if not isinstance(data, Mapping):
        raise InvalidInput(
            "rules file: 'lifecycle_labels' must be a table like {mql: MQL, sql: SQL}"
        )
    labels = {}
    for key, value in data.items():
        if key not in LABEL_KEYS:
            raise InvalidInput(
                f"rules file: lifecycle_labels: unknown key '{key}' — expected "
                + ", ".join(LABEL_KEYS)
            )
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > LABEL_LIMIT:
            raise InvalidInput(
                f"rules file: lifecycle_labels: {key} must be a word or a few, at most "
                f"{LABEL_LIMIT} characters"
            )
        labels[key] = " ".join(value.split())
    return Lifecycle(**labels)


def probabilities_from_data(data: object) -> Mapping[Stage, float]:
    """``stage_probabilities: {meeting: 0.5, proposal_presented: 80%}``, the rest as default."""
    chosen = dict(DEFAULT_PROBABILITIES)
    if data is None:
        return MappingProxyType(chosen)
    if not isinstance(data, Mapping):
        raise InvalidInput("rules file: 'stage_probabilities' must be a table like {meeting: 0.4}")
    names = ", ".join(s.value for s in OPPORTUNITY_STAGES)
    for key, value in data.items():
        stage = next((s for s in OPPORTUNITY_STAGES if s.value == str(key).strip()), None)
        if stage is None:
            raise InvalidInput(
                f"rules file: stage_probabilities: '{key}' is not an open deal's stage — "
                f"expected {names}"
            )
        chosen[stage] = _probability(key, value)
    return MappingProxyType(chosen)


def _probability(key: object, value: object) -> float:
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        number = Decimal(text.rstrip("%").strip()) / (100 if percent else 1)
    except InvalidOperation:
        number = Decimal(-1)
    if isinstance(value, bool) or not number.is_finite() or not 0 <= number <= 1:
        raise InvalidInput(
            f"rules file: stage_probabilities: {key} must be between 0 and 1 (or 0% and 100%), "
            f"not '{value}'"
        )
    return float(number)
