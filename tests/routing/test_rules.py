"""Routing rules: conditions, first match wins, the default pool, and clear errors for bad data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routing.errors import InvalidInput
from routing.rules import (
    Condition,
    Rule,
    RuleSet,
    lenient_number,
    parse_condition,
    ruleset_from_data,
)

EXAMPLE = {
    "default_pool": "qualifier",
    "rules": [
        {"name": "Enterprise", "when": ["employees >= 1000"], "pool": "enterprise"},
        {"when": ["country in [DE, AT, CH]", "source != partner"], "pool": "dach"},
        {"when": "source = partner", "pool": "partners"},
    ],
}


def holds(condition: str, **fields: str) -> bool:
    return parse_condition(condition).matches(fields)


# --- operators --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("source = partner", "partner", True),
        ("source = partner", "website", False),
        ("source == partner", "partner", True),
        ("source is partner", "partner", True),
        ("source != partner", "website", True),
        ("source != partner", "partner", False),
        ("source is not partner", "partner", False),
        ("source in [partner, event]", "event", True),
        ("source in [partner, event]", "website", False),
        ("source not in [partner, event]", "website", True),
        ("source not in [partner, event]", "partner", False),
        ("source contains part", "Channel partner", True),
        ("source contains part", "website", False),
        ("source >= 10", "10", True),
        ("source >= 10", "9", False),
        ("source <= 10", "10", True),
        ("source <= 10", "11", False),
        ("source > 10", "11", True),
        ("source > 10", "10", False),
        ("source < 10", "9", True),
        ("source < 10", "10", False),
    ],
)
def test_each_operator_compares_the_lead_field_with_the_rule_value(
    condition: str, value: str, expected: bool
) -> None:
    assert holds(condition, source=value) is expected


def test_in_accepts_a_list_without_brackets_and_quoted_items_with_commas() -> None:
    assert holds("country in DE, AT", country="at")
    condition = parse_condition('company in ["Acme, Inc", Globex]')
    assert condition.value == ("Acme, Inc", "Globex")
    assert condition.matches({"company": "acme, inc"})
    assert str(condition) == 'company in ["Acme, Inc", Globex]'


def test_a_value_may_contain_operator_characters() -> None:
    assert holds("notes contains a=b", notes="see A=B below")


def test_a_field_name_may_contain_the_word_in() -> None:
    condition = parse_condition("Time in role >= 2")
    assert (condition.field, condition.op, condition.value) == ("time_in_role", ">=", "2")


def test_quoted_values_are_unquoted() -> None:
    assert holds("title = 'Head of Sales'", title="head of sales")


# --- normalising ------------------------------------------------------------------------------


def test_field_names_ignore_case_and_spacing_on_both_sides() -> None:
    condition = parse_condition("Company size >= 100")
    assert condition.field == "company_size"
    assert condition.matches({"company size": "250"})
    assert condition.matches({"Company-Size": "250"})
    assert condition.matches({"COMPANY_SIZE": "250"})


def test_text_comparisons_ignore_case_and_surrounding_space() -> None:
    assert holds("country in [DE, AT]", country="  de ")
    assert holds("Source = Partner", source="PARTNER ")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1000", Decimal(1000)),
        ("1,000", Decimal(1000)),
        ("1000+", Decimal(1000)),
        ("1k", Decimal(1000)),
        ("1.5K", Decimal(1500)),
        ("5000-10000", Decimal(5000)),
        ("5k–10k", Decimal(5000)),
        ("$2M", Decimal(2_000_000)),
        ("3 million", Decimal(3_000_000)),
        ("about 250 employees", Decimal(250)),
        ("5 members", Decimal(5)),
        ("-3", Decimal(-3)),
        ("n/a", None),
        ("", None),
    ],
)
def test_numbers_are_read_leniently_from_lead_fields(text: str, number: Decimal | None) -> None:
    assert lenient_number(text) == number


def test_a_range_counts_as_its_lower_bound() -> None:
    assert holds("employees >= 5000", employees="5000-10000")
    assert not holds("employees > 5000", employees="5000-10000")


def test_numeric_operators_never_match_a_missing_or_non_numeric_field() -> None:
    assert not holds("employees >= 10")
    assert not holds("employees < 10", employees="unknown")
    assert not holds("employees < 10", employees="")


def test_negative_text_operators_hold_for_a_missing_field() -> None:
    assert holds("source != partner")
    assert holds("source not in [partner]")
    assert not holds("source = partner")
    assert not holds("source in [partner]")
    assert not holds("source contains p")


# --- routing ----------------------------------------------------------------------------------


def test_the_first_matching_rule_wins() -> None:
    rules = ruleset_from_data(EXAMPLE)
    pool, why = rules.route({"employees": "5,000", "country": "DE", "source": "web"})
    assert pool == "enterprise"
    assert why == "rule “Enterprise”: employees >= 1000"


def test_every_condition_of_a_rule_must_hold() -> None:
    rules = ruleset_from_data(EXAMPLE)
    assert rules.route({"country": "DE", "source": "partner"})[0] == "partners"


def test_an_unnamed_rule_is_named_by_its_number_in_the_reason() -> None:
    rules = ruleset_from_data(EXAMPLE)
    assert rules.route({"Country": "at", "Employees": "50"}) == (
        "dach",
        "rule 2: country in [DE, AT, CH] and source != partner",
    )


def test_a_lead_that_matches_no_rule_goes_to_the_default_pool() -> None:
    rules = ruleset_from_data(EXAMPLE)
    assert rules.route({"country": "FR"}) == ("qualifier", "no routing rule matched")


@pytest.mark.parametrize("data", [None, {}])
def test_no_rules_file_sends_every_lead_to_the_qualifier_pool(
    data: dict[str, object] | None,
) -> None:
    rules = ruleset_from_data(data)
    assert rules == RuleSet(())
    assert rules.route({"employees": "10000"}) == ("qualifier", "no routing rule matched")


def test_the_default_pool_can_be_changed_and_rules_may_be_left_out() -> None:
    rules = ruleset_from_data({"default_pool": " inbound "})
    assert rules.route({}) == ("inbound", "no routing rule matched")


def test_the_rule_set_lists_every_pool_it_can_route_to() -> None:
    assert ruleset_from_data(EXAMPLE).pools == {"qualifier", "enterprise", "dach", "partners"}


def test_rules_can_be_built_in_code() -> None:
    rule = Rule("Big", (Condition("Company size", ">=", "1k"),), "enterprise")
    assert RuleSet((rule,)).route({"company_size": "1200"}) == (
        "enterprise",
        "rule “Big”: Company size >= 1k",
    )


# --- bad rule data ----------------------------------------------------------------------------


def _error(data: dict[str, object]) -> str:
    with pytest.raises(InvalidInput) as raised:
        ruleset_from_data(data)
    return str(raised.value)


def _rules(*rules: object) -> dict[str, object]:
    return {"rules": list(rules)}


def test_an_unknown_operator_names_the_rule_the_text_and_the_operators_to_use() -> None:
    data = _rules({"when": "source = web", "pool": "a"}, {"when": "employees => 10", "pool": "b"})
    assert _error(data) == (
        "rule 2: unknown operator '=>' in 'employees => 10' — "
        "use =, !=, in, not in, >=, <=, >, <, contains"
    )


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("employees 1000", "rule 1: no operator in 'employees 1000' — use =, !=, in"),
        (">= 10", "rule 1: missing field name in '>= 10'"),
        ("employees >=", "rule 1: missing value in 'employees >='"),
        ("country in []", "rule 1: missing value in 'country in []'"),
        ("employees >= many", "rule 1: '>=' needs a number, not 'many', in 'employees >= many'"),
        ("title ~ ceo", "rule 1: unknown operator '~' in 'title ~ ceo'"),
    ],
)
def test_a_bad_condition_is_reported_with_what_is_wrong(condition: str, message: str) -> None:
    assert _error(_rules({"when": [condition], "pool": "x"})).startswith(message)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"pool": "x"}, "rule 1: missing 'when'"),
        ({"when": "a = b"}, "rule 1: missing 'pool'"),
        ({"when": "a = b", "pool": ""}, "rule 1: 'pool' must be a pool name"),
        ({"when": "a = b", "pool": 7}, "rule 1: 'pool' must be a pool name"),
        ({"when": [], "pool": "x"}, "rule 1: 'when' needs a condition or a list of them"),
        ({"when": ["a = b", ["DE"]], "pool": "x"}, "rule 1: condition 2 must be text"),
        ({"when": "a = b", "pool": "x", "pools": "y"}, "rule 1: unknown key 'pools'"),
        ({"when": "a = b", "pool": "x", "name": 3}, "rule 1: 'name' must be text"),
        ("a = b", "rule 1: must be a table with 'when' and 'pool'"),
    ],
)
def test_bad_rule_data_is_reported_with_the_rule_number(rule: object, message: str) -> None:
    assert _error(_rules(rule)).startswith(message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": {"when": "a = b"}}, "'rules' must be a list of rules"),
        ({"default_pool": ""}, "'default_pool' must be a pool name"),
        ({"rule": []}, "rules file: unknown key 'rule' — expected default_pool, rules"),
    ],
)
def test_bad_rules_file_data_is_reported(data: dict[str, object], message: str) -> None:
    assert _error(data).startswith(message)


def test_a_condition_built_in_code_is_checked_too() -> None:
    with pytest.raises(InvalidInput, match="unknown operator '=>'"):
        Condition("employees", "=>", "10")
    with pytest.raises(InvalidInput, match="needs a list"):
        Condition("country", "in", "DE")
