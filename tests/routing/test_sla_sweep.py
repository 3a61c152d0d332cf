"""The claim SLA: unclaimed leads move to the next qualifier, managers hear of repeat misses, and
only the assignee's working time counts when they have hours set.

``claim_deadline`` is checked on its own with wall-clock times; the sweep runs on the in-memory
desk (a real relay over the fake unit of work) with a clock that moves only when told.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.events import EventType
from routing.rotation import WorkingHours
from routing.usecases.sweep import claim_deadline
from tests.support.clock import MONDAY_9AM
from tests.support.fakes import Desk

BERLIN = "Europe/Berlin"
OFFICE = WorkingHours(time(9, 0), time(18, 0), frozenset(range(5)))
POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


def local(*args: int, tz: str = BERLIN) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)  # type: ignore[misc]


# --- the deadline --------------------------------------------------------------------------------


def test_without_working_hours_the_sla_runs_on_the_wall_clock() -> None:
    assigned = local(2026, 11, 27, 17, 58)
    assert claim_deadline(assigned, 5, None, BERLIN) == assigned + timedelta(minutes=5)


def test_a_lead_assigned_just_before_closing_on_friday_is_due_early_on_monday() -> None:
    """2 of the 5 minutes pass on Friday; the other 3 at the start of Monday's shift."""
    deadline = claim_deadline(local(2026, 11, 27, 17, 58), 5, OFFICE, BERLIN)
    assert deadline == local(2026, 11, 30, 9, 3)


def test_a_lead_assigned_with_exactly_the_sla_left_in_the_shift_is_due_at_closing() -> None:
    assert claim_deadline(local(2026, 11, 24, 17, 55), 5, OFFICE, BERLIN) == local(
        2026, 11, 24, 18, 0
    )


def test_a_lead_assigned_outside_the_hours_starts_counting_at_the_next_shift() -> None:
    saturday = local(2026, 11, 28, 10, 0)
    assert claim_deadline(saturday, 5, OFFICE, BERLIN) == local(2026, 11, 30, 9, 5)
    before_work = local(2026, 11, 24, 6, 30)
    assert claim_deadline(before_work, 5, OFFICE, BERLIN) == local(2026, 11, 24, 9, 5)


def test_hours_are_read_on_the_reps_own_clock() -> None:
    """17:58 in New York is 23:58 in Berlin: a New York rep still has two minutes of shift."""
    assigned = local(2026, 11, 24, 17, 58, tz="America/New_York")
    assert claim_deadline(assigned, 5, OFFICE, "America/New_York") == local(
        2026, 11, 25, 9, 3, tz="America/New_York"
    )


def test_a_night_shift_carries_its_time_across_midnight() -> None:
    nights = WorkingHours(time(22, 0), time(6, 0), frozenset(range(5)))
    # Tuesday 05:58 is in Monday's night shift; the rest waits for Tuesday night.
    assert claim_deadline(local(2026, 11, 24, 5, 58), 5, nights, BERLIN) == local(
        2026, 11, 24, 22, 3
    )
    assert claim_deadline(local(2026, 11, 24, 23, 58), 5, nights, BERLIN) == local(
        2026, 11, 25, 0, 3
    )


def test_round_the_clock_days_count_whole_days_and_skip_the_days_off() -> None:
    weekdays = WorkingHours(time(0, 0), time(0, 0), frozenset(range(5)))
    assert claim_deadline(local(2026, 11, 27, 23, 58), 5, weekdays, BERLIN) == local(
        2026, 11, 30, 0, 3
    )


def test_the_first_shift_after_the_clocks_go_forward_starts_at_nine_summer_time() -> None:
    every_day = WorkingHours(time(9, 0), time(18, 0), frozenset(range(7)))
    deadline = claim_deadline(local(2026, 3, 28, 17, 58), 5, every_day, BERLIN)
    assert deadline == local(2026, 3, 29, 9, 3)
    assert deadline == datetime(2026, 3, 29, 7, 3, tzinfo=UTC)


def test_hours_without_any_working_day_fall_back_to_the_wall_clock() -> None:
    never = WorkingHours(time(9, 0), time(18, 0), frozenset())
    assigned = local(2026, 11, 24, 12, 0)
    assert claim_deadline(assigned, 5, never, BERLIN) == assigned + timedelta(minutes=5)


# --- the sweep -----------------------------------------------------------------------------------


def desk_with_lead(*qualifiers: str) -> Desk:
    desk = Desk()
    desk.team(qualifier=" ".join(qualifiers))
    desk.post(POST)
    return desk


def test_an_unclaimed_lead_moves_to_the_next_qualifier_after_the_sla() -> None:
    desk = desk_with_lead("alice", "bob")
    assert desk.owner(1) == "alice"
    desk.clock.advance(minutes=5)
    desk.sweep()
    assert desk.owner(1) == "alice", "exactly 5 minutes is still within the SLA"
    mark = desk.mark()
    desk.clock.advance(minutes=1)
    outcome = desk.sweep()
    assert outcome.data["moved"] == [1]
    assert desk.owner(1) == "bob"
    said = [n.text for n in desk.since(mark)]
    assert any("Not claimed within 5 min by" in text and "alice" in text for text in said)
    assert any("moved on" in n.text for n in desk.dms("alice")), "the one who missed is told"
    assert any("New lead L-1" in n.text for n in desk.dms("bob")), "the new owner is told"
    assert not any(n.rep_id == desk.rep("maya").id for n in desk.since(mark))


def test_the_rep_who_missed_is_skipped_even_when_the_rotation_would_pick_them() -> None:
    desk = desk_with_lead("alice", "bob")
    desk.post("Lead: Lena Weber, lena@globex.com, Globex")  # bob's turn: alice is next
    desk.say("bob", "/lead claim L-2")
    desk.clock.advance(minutes=6)
    desk.sweep()
    assert desk.owner(1) == "bob"


def test_after_the_second_miss_the_managers_are_told() -> None:
    desk = desk_with_lead("alice", "bob")
    desk.clock.advance(minutes=6)
    desk.sweep()
    assert desk.owner(1) == "bob"
    assert not desk.dms("maya")
    desk.clock.advance(minutes=6)
    desk.sweep()
    assert desk.owner(1) == "alice"
    told = [n.text for n in desk.dms("maya")]
    assert told == ["L-1 (Umbrella Corp — Sam Ortiz) has missed the claim SLA 2 times."]
    assert desk.lead(1).sla_misses == 2


def test_a_lead_claimed_in_time_is_left_alone() -> None:
    desk = desk_with_lead("alice", "bob")
    desk.clock.advance(minutes=4)
    desk.say("alice", "/lead claim L-1")
    desk.clock.advance(minutes=10)
    assert desk.sweep().data["moved"] == []
    assert desk.owner(1) == "alice"


def test_with_nobody_else_available_the_lead_stays_with_its_rep_on_a_fresh_clock() -> None:
    desk = desk_with_lead("alice")
    desk.clock.advance(minutes=6)
    mark = desk.mark()
    outcome = desk.sweep()
    assert (outcome.data["moved"], outcome.data["kept"]) == ([], [1])
    assert desk.owner(1) == "alice"
    assert desk.lead(1).stage.value == "assigned"
    assert desk.lead(1).assigned_at == desk.clock.now
    said = [n.text for n in desk.since(mark)]
    alice = desk.mention("alice")
    assert (
        f"Not claimed within 5 min by {alice}, and nobody else is in the qualifier rotation, "
        f"so L-1 stays with {alice}, reminded to claim it."
    ) in said
    assert not any("waits in the queue" in text for text in said), "it does not: it stays"
    assert not any("→" in text or "moved on" in text for text in said), "not 'reassigned'"
    assert not desk.dms("maya"), "one miss is not worth a manager's attention yet"


def test_a_lead_kept_for_want_of_anyone_else_records_the_miss_and_reminds_its_rep() -> None:
    desk = desk_with_lead("alice")
    desk.clock.advance(minutes=6)
    mark = desk.mark()
    desk.sweep()
    kinds = [e.type for e in desk.uow.events_of(1)]
    assert kinds[-2:] == [EventType.ASSIGNED, EventType.SLA_MISSED], "no second assignment"
    assert desk.lead(1).sla_misses == 1
    reminders = [n for n in desk.since(mark) if n.rep_id == desk.rep("alice").id]
    assert [n.text.split(":")[0] for n in reminders] == ["Reminder"]
    assert reminders[0].card is not None, "with the lead's buttons, to claim at once"
    desk.clock.advance(minutes=4)
    assert desk.sweep().data["kept"] == [], "the reminder starts a fresh SLA"
    desk.clock.advance(minutes=2)
    assert desk.sweep().data["kept"] == [1]
    assert desk.lead(1).sla_misses == 2
    assert desk.dms("maya"), "the second miss still reaches the managers"


def test_when_nobody_at_all_is_available_the_missed_lead_waits_in_the_queue() -> None:
    desk = desk_with_lead("alice")
    desk.say("maya", "/rotation away @alice")
    desk.clock.advance(minutes=6)
    desk.sweep()
    assert desk.owner(1) is None
    assert desk.lead(1).stage.value == "new"


def test_only_the_assignees_working_time_counts_towards_the_sla() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.say("alice", "/rotation hours 09:00-18:00 mon-fri")
    desk.say("bob", "/rotation hours 09:00-18:00 mon-fri")
    desk.clock.now = MONDAY_9AM.replace(hour=17, minute=58)
    desk.post(POST)
    assert desk.owner(1) == "alice"
    desk.clock.now = MONDAY_9AM.replace(hour=18, minute=30)
    assert desk.sweep().data["moved"] == [], "after hours the clock stops"
    desk.clock.now = MONDAY_9AM + timedelta(days=1, minutes=3)
    assert desk.sweep().data["moved"] == [], "2 minutes on Monday, 3 on Tuesday: not over yet"
    desk.clock.advance(minutes=1)
    assert desk.sweep().data["moved"] == [1]
    assert desk.owner(1) == "bob"
    assert any("5 working min" in n.text for n in desk.dms("alice"))


def test_a_kept_lead_says_why_the_others_cannot_take_it_without_promising_the_queue() -> None:
    desk = desk_with_lead("alice", "bob")
    desk.say("bob", "/rotation away")
    desk.clock.advance(minutes=6)
    mark = desk.mark()
    desk.sweep()
    alice = desk.mention("alice")
    said = [n.text for n in desk.since(mark)]
    assert (
        f"Not claimed within 5 min by {alice}, and nobody else in the qualifier rotation can "
        f"take it now — bob: away until they're back — so L-1 stays with {alice}, reminded to "
        "claim it."
    ) in said


# --- one message a person a sweep ---------------------------------------------------------------


def test_many_leads_missing_together_send_each_manager_and_rep_one_message_a_sweep() -> None:
    desk = Desk(managers=("maya", "max"))
    desk.team(qualifier="alice bob")
    for n in range(30):
        desk.post(f"Lead: Pat {n}, pat{n}@firm{n}.io, Firm {n}")
    for _ in range(3):  # the leads go alice → bob → alice …: misses 1, 2, 3
        mark = desk.mark()
        desk.clock.advance(minutes=6)
        desk.sweep()
        dms = Counter(n.rep_id for n in desk.since(mark) if n.rep_id is not None)
        for name in ("maya", "max"):
            assert dms[desk.rep(name).id] <= 1
    last = [n.text for n in desk.dms("maya")][-1]
    assert last.startswith("From the claim SLA check (30 leads):")
    assert "• Missed the claim SLA two or more times, still unclaimed (30): L-1, L-2," in last
    moved = [n.text for n in desk.dms("alice") if "Moved on" in n.text]
    assert moved, "the rep who missed hears once a sweep, not once a lead"
    assert "not claimed within 5 min (15):" in moved[-1]


def test_a_single_miss_is_still_told_in_its_own_words_with_its_card() -> None:
    desk = desk_with_lead("alice", "bob")
    for _ in range(2):
        desk.clock.advance(minutes=6)
        desk.sweep()
    told = [n for n in desk.dms("maya") if "missed the claim SLA 2 times" in n.text]
    assert len(told) == 1
    assert told[0].card is not None
