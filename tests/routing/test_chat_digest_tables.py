"""The digest's tables: per rep and cost per lead, their cells written once, and the rows a
renderer keeps when only some fit (``routing.chat.digest_tables``)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from routing.chat.digest_tables import cost_table, rep_tables
from routing.metrics import RepRow, SourceCost
from tests.support.digests import all_round, rep


def test_the_rep_tables_are_selling_rotation_and_account_managers_each_only_with_rows() -> None:
    reps = (
        RepRow(1, "Ana", 5, 5, 3.0, 1, Decimal(0), received=5, fair_share=3.5, skipped={"cap": 2}),
        RepRow(2, "Ben", 2, 1, None, 0, Decimal("1234.5")),
        RepRow(4, "Dan", 0, 0, None, 0, Decimal(0), customers_taken_on=2, churned=1),
    )
    tables = {t.title: t for t in rep_tables(reps, "")}
    assert list(tables) == [
        "Reps",
        "Rotation: received vs fair share, skips by reason",
        "Account managers",
    ]
    selling = tables["Reps"]
    assert selling.header[3:] == ("Median to claim", "Qualified", "Won value")
    assert selling.rows == (
        ("Ana", "5", "5", "3 min", "1", "0"),
        ("Ben", "2", "1", "–", "0", "1,234.50"),
    )
    rotation = tables["Rotation: received vs fair share, skips by reason"]
    assert rotation.header[1:] == ("Received", "Fair share", "Away", "Hours", "Cap", "Open limit")
    assert rotation.rows == (("Ana", "5", "3.5", "0", "0", "2", "0"),)
    accounts = tables["Account managers"]
    assert accounts.header == ("Account manager", "Customers taken on", "Expansion", "Churned")
    assert accounts.rows == (("Dan", "2", "0", "1"),)


def test_long_names_are_cut_to_the_table_width() -> None:
    [table] = rep_tables((rep(1, "Bartholomew Featherstonehaugh-Smythe"),), "")
    assert table.rows[0][0] == "Bartholomew Featherston…"


def test_a_cut_table_keeps_its_most_active_rows_and_says_how_many_it_left_out() -> None:
    reps = (*(rep(i) for i in range(1, 61)), RepRow(999, "Busiest", 50, 50, 1.0, 20, Decimal(9)))
    table = rep_tables(reps, "")[0]
    top = table.top(25)
    assert top.title == "Reps (the 25 most active)"
    assert top.rows[0][0] == "Busiest"
    assert len(top.rows) == 25
    assert top.more == "…and 36 more reps"
    assert table.top(100) is table
    assert table.more is None


def test_the_rotation_table_puts_the_most_skipped_first_when_cut() -> None:
    reps = (
        replace(all_round(1, "Ana"), skipped={"away": 1}),
        replace(all_round(2, "Ben"), skipped={"away": 5, "cap": 1}),
    )
    rotation = rep_tables(reps, "")[1].top(1)
    assert rotation.rows[0][0] == "Ben"
    assert rotation.title.endswith("(the 1 most skipped, then furthest from their share)")


def test_cost_per_lead_is_a_table_only_when_costs_are_configured() -> None:
    assert cost_table((), "") is None
    costs = (
        SourceCost("unknown", 1, None, None),
        SourceCost("website", 5, Decimal("500"), Decimal("100.00")),
    )
    table = cost_table(costs, "")
    assert table is not None
    assert table.header == ("Source", "Leads", "Cost", "Per lead")
    assert table.rows == (("unknown", "1", "–", "–"), ("website", "5", "500", "100"))
    assert table.top(1).rows == (("website", "5", "500", "100"),)
    assert table.top(1).more == "…and 1 more source"
