"""Never backwards, along the portal's own lifecycle order when Baton has read it."""

from __future__ import annotations

from routing.crm.lifecycle import (
    LIFECYCLE_ORDER,
    WRITTEN_STATUSES,
    lifecycle_to_write,
    missing_values,
    portal_order,
)


def test_the_portal_order_follows_display_order_and_leaves_other_out() -> None:
    options = [
        ("lead", 1),
        ("subscriber", 0),
        ("other", 9),
        ("customer", 5),
        ("1283947", 2),  # a custom stage HubSpot gave a numeric value
        ("salesqualifiedlead", 3),
        ("opportunity", 4),
    ]
    assert portal_order(options) == (
        "subscriber",
        "lead",
        "1283947",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    )
    assert portal_order([("lead", None), ("subscriber", 0)]) == ("subscriber", "lead")
    assert portal_order([]) == ()


def test_a_custom_stage_in_the_portal_order_is_moved_from_only_forwards() -> None:
    order = ("subscriber", "lead", "1283947", "salesqualifiedlead", "opportunity", "customer")
    assert lifecycle_to_write("1283947", "salesqualifiedlead", order) == "salesqualifiedlead"
    assert lifecycle_to_write("1283947", "lead", order) is None
    assert lifecycle_to_write("1283947", "salesqualifiedlead") is None  # defaults: unknown stage


def test_a_portal_that_reorders_defaults_is_followed() -> None:
    order = ("subscriber", "lead", "opportunity", "salesqualifiedlead", "customer")
    assert lifecycle_to_write("opportunity", "salesqualifiedlead", order) == "salesqualifiedlead"
    assert lifecycle_to_write("opportunity", "salesqualifiedlead", LIFECYCLE_ORDER) is None


def test_missing_values_are_the_written_ones_the_portal_lacks_in_baton_s_order() -> None:
    assert missing_values(WRITTEN_STATUSES, ["NEW", "OPEN"]) == ["IN_PROGRESS", "UNQUALIFIED"]
    assert missing_values(WRITTEN_STATUSES, [*WRITTEN_STATUSES, "OPEN"]) == []
