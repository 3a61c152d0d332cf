"""The sweep's one message a person: leads listed by topic, the list bounded; SLAs as said."""

from __future__ import annotations

import pytest

from routing.chat.batches import REFS_SHOWN, batched_text, refs_line
from routing.chat.formatting import format_sla


def test_held_notices_are_listed_by_topic_each_topics_leads_by_number() -> None:
    text = batched_text(
        [
            ("Missed twice", "L-3", "L-3 missed twice."),
            ("Waiting", "L-7", "L-7 is waiting."),
            ("Missed twice", "L-1", "L-1 missed twice."),
            ("", None, "Imported list.csv: 3 rows were read."),
        ]
    )
    assert text.splitlines() == [
        "From the claim SLA check (3 leads):",
        "• Missed twice (2): L-1, L-3",
        "• Waiting (1): L-7",
        "• Imported list.csv: 3 rows were read.",
    ]


def test_a_long_list_is_cut_and_counted() -> None:
    refs = [f"L-{n}" for n in range(1, 196)]
    line = refs_line(refs)
    assert line.startswith("L-1, L-2, ")
    assert line.endswith(f"L-{REFS_SHOWN} … and 95 more")
    assert len(line) < 1000


@pytest.mark.parametrize(
    ("minutes", "working", "said"),
    [
        (5, False, "5 min"),
        (5, True, "5 working min"),
        (480, False, "8 h"),
        (480, True, "8 working h"),
        (90, False, "1 h 30 min"),
        (2 * 24 * 60, False, "2 d"),
    ],
)
def test_a_claim_sla_reads_as_people_say_it(minutes: int, working: bool, said: str) -> None:
    assert format_sla(minutes, working=working) == said


def test_leads_are_listed_by_number_whatever_order_the_sweep_met_them_in() -> None:
    held = [("Missed", f"L-{n}", "") for n in (10, 9, 100, 1)]
    assert batched_text(held).splitlines()[1] == "• Missed (4): L-1, L-9, L-10, L-100"
