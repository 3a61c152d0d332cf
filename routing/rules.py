"""Routing rules: which pool an inbound lead goes to, and the reason in words.

Rules come from an optional ``baton.rules.yaml`` / ``.toml`` file that the bot reads and parses;
this module gets the parsed data, checks it (so a broken file is reported when it is loaded, not
when the first lead arrives) and matches leads against it. The first matching rule wins; a lead
that matches none goes to the default pool.

Lead fields are typed by people, so matching is forgiving: field names ignore case and spacing
(``Company size`` is ``company_size``), text compares case-insensitively and trimmed, and
numbers are read leniently (``1,000``, ``1000+``, ``1k``, ``5000-10000`` → 5000).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from routing.errors import InvalidInput
from routing.metrics.vocabulary import (
    NumbersSettings,
    lifecycle_from_data,
    probabilities_from_data,
)

__all__ = [
    "DEFAULT_POOL",
    "DEFAULT_WAIT_FOR_OWNER_HOURS",
    "OPERATORS",
    "Condition",
    "Rule",
    "RuleSet",
    "field_key",
    "lenient_number",
    "parse_condition",
    "ruleset_from_data",
]

DEFAULT_POOL = "qualifier"
OPERATORS = ("=", "!=", "in", "not in", ">=", "<=", ">", "<", "contains")
_OPERATOR_HELP = "use =, !=, in, not in, >=, <=, >, <, contains"
_ALIASES = {"==": "=", "is": "=", "is not": "!="}
_LIST_OPS = frozenset({"in", "not in"})
_NUMERIC_OPS = frozenset({">=", "<=", ">", "<"})
_RULE_KEYS = ("name", "when", "pool")
_TOP_KEYS = (
    "default_pool",
    "rules",
    "claim_modes",
    "pools",
    "lifecycle_labels",
    "stage_probabilities",
)
_POOL_KEYS = ("outbound_to_qualifiers", "wait_for_owner_hours")
DEFAULT_WAIT_FOR_OWNER_HOURS = 24.0
"""How long a lead whose contact already has an owner waits for that owner when they are away or
off shift, before it goes to the rotation: a day covers a night off and a day out of office."""
MAX_WAIT_FOR_OWNER_HOURS = 24 * 14
CLAIM_MODES = ("assigned", "open")

# Any run of comparison symbols is taken whole, so a typo such as "=>" is reported, not misread.
_OPERATOR = re.compile(
    r"[=!<>~]+|(?<=\s)(?:not\s+in|in|contains|is\s+not|is)(?=\s|\[|$)", re.IGNORECASE
)
_NUMBER = re.compile(
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<scale>thousand|million|billion|bn|mm|k|m|b)(?![a-z]))?",
    re.IGNORECASE,
)
_SCALES = {
    "k": 10**3, "thousand": 10**3,
    "m": 10**6, "mm": 10**6, "million": 10**6,
    "b": 10**9, "bn": 10**9, "billion": 10**9,
}  # fmt: skip
_LIST_ITEM = re.compile(r"\s*(\"[^\"]*\"|'[^']*'|[^,]*?)\s*(?:,|$)")


# --- normalising what people type -------------------------------------------------------------


def field_key(name: str) -> str:
    """A field name as rules and leads share it: ``Company size`` → ``company_size``."""
    return re.sub(r"[\W_]+", "_", name.strip().casefold()).strip("_")


def _text(value: str) -> str:
    return value.strip().casefold()


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


def lenient_number(text: str) -> Decimal | None:
    """The first number in ``text``, read the way people write them in forms; ``None`` if none.

    ``1,000`` → 1000, ``1000+`` → 1000, ``1.5k`` → 1500, ``5000-10000`` → 5000 (a range counts as
    its lower bound), ``$2M`` → 2000000, ``n/a`` → None. A minus sign counts only at the start.
    """
    found = _NUMBER.search(text)
    if found is None:
        return None
    number = Decimal(found["digits"].replace(",", ""))
    if found["scale"]:
        number *= _SCALES[found["scale"].casefold()]
    negative = text[: found.start()].strip() in {"-", "−"}
    return -number if negative else number


def _split_list(text: str) -> tuple[str, ...]:
    """``[DE, AT, "Bosnia, Herzegovina"]`` (brackets optional) → its trimmed, unquoted items."""
    inner = text.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    items = (_unquote(item) for item in _LIST_ITEM.findall(inner))
    return tuple(item for item in items if item)


# --- conditions and rules ---------------------------------------------------------------------


def _condition_problem(field: str, op: str, value: str | tuple[str, ...], shown: str) -> str | None:
    """What makes a condition unusable, quoting it as ``shown``; ``None`` when it is fine."""
    if op not in OPERATORS:
        return f"unknown operator '{op}' in '{shown}' — {_OPERATOR_HELP}"
    if not field:
        return f"missing field name in '{shown}'"
    if op in _LIST_OPS and not isinstance(value, tuple):
        return f"'{op}' needs a list of values, like [DE, AT], in '{shown}'"
    if op not in _LIST_OPS and not isinstance(value, str):
        return f"'{op}' compares with one value, not a list, in '{shown}'"
    if not value:
        return f"missing value in '{shown}'"
    if op in _NUMERIC_OPS and lenient_number(str(value)) is None:
        return f"'{op}' needs a number, not '{value}', in '{shown}'"
    return None


@dataclass(frozen=True)
class Condition:
    """``field op value``, e.g. ``employees >= 1000``; ``field`` is a :func:`field_key`.

    A missing or empty lead field reads as empty text: ``source != partner`` holds for a lead
    without a source, ``source = partner`` does not, and a numeric test never holds.
    """

    field: str
    op: str
    value: str | tuple[str, ...]

    def __post_init__(self) -> None:
        problem = _condition_problem(self.field, self.op, self.value, str(self))
        if problem is not None:
            raise InvalidInput(problem)

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether the lead's ``fields`` (any key spelling) satisfy this condition."""
        actual = _lookup(fields, field_key(self.field))
        if self.op in _NUMERIC_OPS:
            return _compare_numbers(self.op, actual, str(self.value))
        if isinstance(self.value, tuple):
            found = _text(actual) in {_text(item) for item in self.value}
            return found if self.op == "in" else not found
        if self.op == "contains":
            return _text(self.value) in _text(actual)
        equal = _text(actual) == _text(self.value)
        return equal if self.op == "=" else not equal

    def __str__(self) -> str:
        if isinstance(self.value, tuple):
            items = (f'"{item}"' if "," in item else item for item in self.value)
            return f"{self.field} {self.op} [{', '.join(items)}]"
        return f"{self.field} {self.op} {self.value}"


def _lookup(fields: Mapping[str, str], key: str) -> str:
    """The lead's value for ``key`` whatever the spelling of its field names; ``""`` if absent."""
    if key in fields:
        return fields[key]
    for name, value in fields.items():
        if field_key(name) == key:
            return value
    return ""


def _compare_numbers(op: str, actual: str, expected: str) -> bool:
    left, right = lenient_number(actual), lenient_number(expected)
    if left is None or right is None:
        return False
    return {">=": left >= right, "<=": left <= right, ">": left > right, "<": left < right}[op]


def _operator_in(text: str) -> re.Match[str] | None:
    """The operator of a condition: the first one, so a value may hold ``=`` (``notes contains
    a=b``), except that a bare ``in`` before a symbol belongs to the field (``time in role > 2``).
    """
    found = list(_OPERATOR.finditer(text))
    for index, match in enumerate(found):
        symbol_follows = any(later[0][0] in "=!<>~" for later in found[index + 1 :])
        bare_in = match[0].casefold().endswith("in") and text[match.end() :].lstrip()[:1] != "["
        if not (bare_in and symbol_follows):
            return match
    return None


def parse_condition(text: str) -> Condition:
    """Parse ``employees >= 1000``, ``country in [DE, AT]``, ``source is partner`` and the like.

    Raises ``InvalidInput`` naming the problem and quoting the text.
    """
    shown = text.strip()
    found = _operator_in(shown)
    if found is None:
        raise InvalidInput(f"no operator in '{shown}' — {_OPERATOR_HELP}")
    op = " ".join(found[0].casefold().split())
    op = _ALIASES.get(op, op)
    raw_value = shown[found.end() :].strip()
    value = _split_list(raw_value) if op in _LIST_OPS else _unquote(raw_value)
    field = field_key(shown[: found.start()])
    problem = _condition_problem(field, op, value, shown)
    if problem is not None:
        raise InvalidInput(problem)
    return Condition(field=field, op=op, value=value)


@dataclass(frozen=True)
class Rule:
    """All ``conditions`` must hold for the lead to go to ``pool``; ``name`` may be empty."""

    name: str
    conditions: tuple[Condition, ...]
    pool: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(condition.matches(fields) for condition in self.conditions)

    def describe(self, number: int) -> str:
        """``rule “DACH”: country in [DE, AT, CH] and source != partner`` (numbered if unnamed)."""
        label = f"rule “{self.name}”" if self.name else f"rule {number}"
        return f"{label}: {' and '.join(str(c) for c in self.conditions)}"


@dataclass(frozen=True)
class RuleSet:
    """Rules in file order; the first that matches decides, otherwise ``default_pool``."""

    rules: tuple[Rule, ...]
    default_pool: str = DEFAULT_POOL
    outbound_to_qualifiers: frozenset[str] = frozenset()
    """Prospector pools whose new outbound leads go to the qualifier rotation (``pools:`` →
    ``<pool>: {outbound_to_qualifiers: true}`` in the rules file)."""
    claim_modes: tuple[tuple[str, str], ...] = ()
    """(pool, ``assigned`` or ``open``) from the file's ``claim_modes`` table."""
    numbers: NumbersSettings = field(default_factory=NumbersSettings, hash=False)
    """``lifecycle_labels`` and ``stage_probabilities``: words and odds of the manager's numbers."""
    owner_waits: tuple[tuple[str, float], ...] = ()
    """(pool, hours) from ``pools:`` → ``<pool>: {wait_for_owner_hours: N}``: how long a lead of
    the pool waits for its contact's owner when they are unavailable."""

    def wait_for_owner_hours(self, pool: str) -> float:
        """How long a lead the rules send to ``pool`` waits for its contact's owner while they
        are away or off shift, before it goes to the rotation (0: it never waits)."""
        return dict(self.owner_waits).get(pool, DEFAULT_WAIT_FOR_OWNER_HOURS)

    def claim_mode_of(self, pool: str) -> str | None:
        """The rules file's claim mode for ``pool``; ``None`` when it names none."""
        return dict(self.claim_modes).get(pool)

    def route(self, fields: Mapping[str, str]) -> tuple[str, str]:
        """(pool, reason for chat), e.g. ``("dach", "rule “DACH”: country in [DE, AT, CH]")``."""
        for number, rule in enumerate(self.rules, start=1):
            if rule.matches(fields):
                return rule.pool, rule.describe(number)
        return self.default_pool, "no routing rule matched"

    @property
    def pools(self) -> frozenset[str]:
        """Every pool the rules can send a lead to, so the bot can check each one exists."""
        return frozenset({self.default_pool, *(rule.pool for rule in self.rules)})


# --- reading the parsed rules file ------------------------------------------------------------


def _check_keys(data: Mapping[str, object], allowed: Sequence[str], where: str) -> None:
    unknown = [str(key) for key in data if key not in allowed]
    if unknown:
        raise InvalidInput(f"{where}unknown key '{unknown[0]}' — expected {', '.join(allowed)}")


def _pool_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a pool name, like qualifier")
    return value.strip()


def _condition_texts(when: object) -> list[str]:
    """``when`` as a list of condition strings: a single string or a list of them."""
    if isinstance(when, str):
        return [when]
    if not isinstance(when, list | tuple) or not when:
        raise InvalidInput(
            "'when' needs a condition or a list of them, like [\"employees >= 1000\"]"
        )
    for index, item in enumerate(when, start=1):
        if not isinstance(item, str):
            raise InvalidInput(
                f'condition {index} must be text, like "country in [DE, AT]" (quote it in YAML)'
            )
    return list(when)


def _rule_from_data(data: object) -> Rule:
    if not isinstance(data, Mapping):
        raise InvalidInput("must be a table with 'when' and 'pool'")
    _check_keys(data, _RULE_KEYS, "")
    if "when" not in data:
        raise InvalidInput("missing 'when' (the conditions a lead must meet)")
    if "pool" not in data:
        raise InvalidInput("missing 'pool' (where matching leads go)")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise InvalidInput("'name' must be text")
    conditions = tuple(parse_condition(text) for text in _condition_texts(data["when"]))
    return Rule(name=name.strip(), conditions=conditions, pool=_pool_name(data["pool"], "'pool'"))


def _rules_from_data(rules: object) -> tuple[Rule, ...]:
    if rules is None:
        return ()
    if not isinstance(rules, list | tuple):
        raise InvalidInput("'rules' must be a list of rules")
    parsed = []
    for number, item in enumerate(rules, start=1):
        try:
            parsed.append(_rule_from_data(item))
        except InvalidInput as err:
            raise InvalidInput(f"rule {number}: {err.message}") from None
    return tuple(parsed)


def ruleset_from_data(data: Mapping[str, object] | None) -> RuleSet:
    """Check and build the rules from a parsed rules file; ``None`` or ``{}`` means no rules.

    Raises ``InvalidInput`` naming the rule (counted from 1) and what is wrong with it.
    """
    if not data:
        return RuleSet(())
    if not isinstance(data, Mapping):
        raise InvalidInput("rules file: expected a table with default_pool and rules")
    _check_keys(data, _TOP_KEYS, "rules file: ")
    default_pool = _pool_name(data.get("default_pool", DEFAULT_POOL), "'default_pool'")
    return RuleSet(
        rules=_rules_from_data(data.get("rules")),
        default_pool=default_pool,
        outbound_to_qualifiers=_outbound_pools(data.get("pools")),
        claim_modes=_claim_modes_from_data(data.get("claim_modes")),
        owner_waits=_owner_waits(data.get("pools")),
        numbers=NumbersSettings(
            lifecycle_from_data(data.get("lifecycle_labels")),
            probabilities_from_data(data.get("stage_probabilities")),
        ),
    )


def _outbound_pools(pools: object) -> frozenset[str]:
    """The pools flagged ``outbound_to_qualifiers: true`` in the ``pools`` table."""
    if pools is None:
        return frozenset()
    if not isinstance(pools, Mapping):
        raise InvalidInput("rules file: 'pools' must be a table of pool names")
    flagged = set()
    for name, settings in pools.items():
        where = f"rules file: pool '{name}': "
        if not isinstance(settings, Mapping):
            raise InvalidInput(f"{where}expected a table, like {{outbound_to_qualifiers: true}}")
        _check_keys(settings, _POOL_KEYS, where)
        flag = settings.get("outbound_to_qualifiers", False)
        if not isinstance(flag, bool):
            raise InvalidInput(f"{where}'outbound_to_qualifiers' must be true or false")
        if flag:
            flagged.add(_pool_name(name, "a pool name"))
    return frozenset(flagged)


def _owner_waits(pools: object) -> tuple[tuple[str, float], ...]:
    """The pools' ``wait_for_owner_hours`` (the table's shape was checked by
    :func:`_outbound_pools`): a number of hours from 0 to two weeks."""
    if not isinstance(pools, Mapping):
        return ()
    waits = []
    for name, settings in pools.items():
        if not isinstance(settings, Mapping) or "wait_for_owner_hours" not in settings:
            continue
        hours = settings["wait_for_owner_hours"]
        fits = isinstance(hours, int | float) and not isinstance(hours, bool)
        if not fits or not 0 <= hours <= MAX_WAIT_FOR_OWNER_HOURS:
            raise InvalidInput(
                f"rules file: pool '{name}': 'wait_for_owner_hours' must be a number of hours "
                f"from 0 to {MAX_WAIT_FOR_OWNER_HOURS}, like 24"
            )
        waits.append((_pool_name(name, "a pool name"), float(hours)))
    return tuple(waits)


def _claim_modes_from_data(modes: object) -> tuple[tuple[str, str], ...]:
    """``claim_modes: {enterprise: open}`` → (("enterprise", "open"),), each mode checked."""
    if modes is None:
        return ()
    if not isinstance(modes, Mapping):
        raise InvalidInput("'claim_modes' must be a table of pool: assigned|open")
    checked = []
    for pool, mode in modes.items():
        name = _pool_name(pool, "a pool in 'claim_modes'")
        if not isinstance(mode, str) or mode.strip().casefold() not in CLAIM_MODES:
            raise InvalidInput(f"claim mode of {name} must be assigned or open, not '{mode}'")
        checked.append((name, mode.strip().casefold()))
    return tuple(checked)
