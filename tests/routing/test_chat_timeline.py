"""A lead's timeline reads as sentences with names and formatted amounts, in `/lead show` and on
the dashboard alike: never a rotation's internals, a rep's id or an amount as stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from routing.chat.timeline import event_sentence
from routing.events import EventType, LeadEvent
from routing.stages import Stage
from tests.support.fakes import Desk

NAMES = {1: "alice", 2: "bob", 3: "carol", 5: "dave", 7: "erin"}
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def sentence(
    kind: EventType, actor: int | None = None, owner: int | None = None, **payload: object
) -> str:
    event = LeadEvent(1, kind, AT, actor, None, Stage.NEW, owner, payload)
    return event_sentence(event, NAMES.get, "GBP")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            sentence(
                EventType.ASSIGNED,
                owner=1,
                how="rotation",
                rotation={"pool": "qualifier", "eligible": {"3": 2, "1": 1}, "skipped": {}},
            ),
            "assigned to alice by the qualifier rotation",
        ),
        (
            sentence(EventType.HANDED_OFF, 3, 5, handed_from=3, role="closer"),
            "handed from carol to dave (closer)",
        ),
        (
            sentence(EventType.HANDED_OFF, 3, 1, handed_from=3, role="qualifier", sourced_by=3),
            "handed from carol to alice to qualify",
        ),
        (sentence(EventType.WON, 5, 5, amount="24000"), "won by dave: £24,000"),
        (sentence(EventType.WON, 5, 5, amount="18500.50"), "won by dave: £18,500.50"),
        (sentence(EventType.EXPANDED, 7, 7, amount="5000"), "expanded by £5,000, logged by erin"),
        (
            sentence(EventType.AMOUNT_SET, 5, 5, amount="40000"),
            "deal amount set to £40,000 by dave",
        ),
        (
            sentence(EventType.REASSIGNED, 2, 5, reassigned_from=3, reason="reassigned by bob"),
            "reassigned from carol to dave by bob",
        ),
        (sentence(EventType.CLAIMED, 2, 2, taken_from=1), "claimed by bob, taken over from alice"),
        (
            sentence(EventType.SLA_MISSED, None, 1, missed_by=1, minutes=5, misses=2, kept=True),
            "alice missed the 5-minute claim SLA (miss 2); it stays with them",
        ),
        (
            sentence(EventType.QUALIFIED, 1, 1, budget="40k", need="CRM"),
            "qualified by alice: Budget: 40k; Need: CRM",
        ),
        (
            sentence(EventType.CREATED, 2, None, origin="outbound"),
            "logged by bob as an outbound lead",
        ),
        (
            sentence(EventType.CREATED, None, None, origin="inbound", source="webinar"),
            "new lead from webinar",
        ),
        (
            sentence(EventType.CREATED, 2, None, origin="inbound", fixed=True),
            "fixed by bob from its unparsed post, then routed",
        ),
        (sentence(EventType.MEETING, 5, 5), "meeting held, logged by dave"),
        (
            sentence(EventType.CHURNED, 7, 7, reason="budget cut"),
            "churned, logged by erin: budget cut",
        ),
        (sentence(EventType.CLAIMED, 99, 99), "claimed by someone"),
    ],
)
def test_each_event_reads_as_a_sentence_with_names_and_formatted_amounts(
    written: str, expected: str
) -> None:
    assert written == expected


_INTERNALS = re.compile(r"[{}\[\]]|'pool'|handed_from|rotation:|amount:|\brep \d|<rep:|\b\d{4,}\b")


def test_a_whole_journey_shows_no_internal_data_in_lead_show() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob", closer="carol dave", account_manager="erin")
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    desk.say("alice", "/lead claim 1")
    desk.say("alice", "/lead qualify 1 budget=50k need=CRM")
    desk.say("alice", "/lead handoff 1")
    desk.say("maya", "/lead reassign 1 @dave")
    desk.say("dave", "/lead amount 1 30000")
    desk.say("dave", "/lead won 1 24000")
    desk.say("dave", "/lead handoff 1")
    desk.say("erin", "/lead expand 1 5000")
    history = desk.say("maya", "/lead show 1").reply.split("History\n")[1].split("\n")
    assert all(not _INTERNALS.search(line.split(" ", 4)[-1]) for line in history), history
    sentences = [line.split(" ", 5)[-1] for line in history]
    assert "handed from alice to carol (closer)" in sentences
    assert "reassigned from carol to dave by maya" in sentences
    assert "won by dave: 24,000" in sentences
    assert "expanded by 5,000, logged by erin" in sentences
