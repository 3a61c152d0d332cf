"""Meetings booked at hand-off: of a period's hand-offs to closers, how many have a first meeting
booked (cancelled ones not, moved ones once), and the median time from hand-off to the meeting's
start; then the same figure through cal.com's bookings, ``/funnel`` and the digest's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.calendars.calcom import BookingChange, BookingEvent
from routing.calendars.meeting import Meeting, MeetingStatus
from routing.chat.digest import digest_view
from routing.chat.digest_numbers import meetings_sentence, numbers_view
from routing.events import EventType, LeadEvent
from routing.metrics.meetings import MeetingsAtHandoff, meetings_at_handoff
from routing.stages import Stage
from routing.usecases.funnel import Digest
from tests.support.fakes import Desk

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOW = MONDAY + timedelta(days=5)
QUALIFIER, CLOSER, OTHER_CLOSER = 1, 4, 5


def handoff(lead: int, at: datetime, closer: int = CLOSER, giver: int = QUALIFIER) -> LeadEvent:
    return LeadEvent(
        lead, EventType.HANDED_OFF, at, giver, Stage.QUALIFIED, Stage.WITH_CLOSER, closer,
        {"role": "closer", "pool": "closer"},
    )  # fmt: skip


def meeting(
    lead: int,
    handed: datetime | None,
    starts: datetime | None,
    status: MeetingStatus = MeetingStatus.BOOKED,
    booked: datetime | None = None,
    uid: str | None = None,
) -> Meeting:
    at = booked if booked is not None else (handed or MONDAY) + timedelta(hours=1)
    return Meeting(uid or f"m-{lead}-{status}-{at}", lead, starts, status, "calcom", at, handed)


def test_a_hand_off_with_a_booked_meeting_counts_with_the_time_to_its_start() -> None:
    handed = MONDAY
    found = meetings_at_handoff(
        [handoff(1, handed), handoff(2, handed)],
        [meeting(1, handed, handed + timedelta(days=2))],
        NOW,
    )
    assert found == MeetingsAtHandoff(handoffs=2, booked=1, timed=1, median_days=2.0)
    assert found.rate == 0.5


def test_a_cancelled_meeting_does_not_count_and_no_meeting_is_none_booked() -> None:
    cancelled = meeting(1, MONDAY, MONDAY + timedelta(days=1), MeetingStatus.CANCELLED)
    found = meetings_at_handoff([handoff(1, MONDAY), handoff(2, MONDAY)], [cancelled], NOW)
    assert (found.handoffs, found.booked, found.median_days) == (2, 0, None)
    assert found.rate == 0.0


def test_a_moved_meeting_counts_once_at_its_new_time_even_when_moved_after_the_period() -> None:
    first = meeting(1, MONDAY, MONDAY + timedelta(days=1), MeetingStatus.MOVED, uid="a")
    moved_at = NOW + timedelta(days=3)
    again = meeting(1, MONDAY, MONDAY + timedelta(days=4), booked=moved_at, uid="b")
    found = meetings_at_handoff([handoff(1, MONDAY)], [first, again], NOW)
    assert (found.handoffs, found.booked, found.timed, found.median_days) == (1, 1, 1, 4.0)


def test_a_moved_meeting_whose_new_booking_was_cancelled_does_not_count() -> None:
    first = meeting(1, MONDAY, MONDAY + timedelta(days=1), MeetingStatus.MOVED, uid="a")
    then = meeting(1, MONDAY, MONDAY + timedelta(days=2), MeetingStatus.CANCELLED, uid="b")
    assert meetings_at_handoff([handoff(1, MONDAY)], [first, then], NOW).booked == 0


def test_a_meeting_booked_after_the_reports_moment_does_not_count_yet() -> None:
    late = meeting(1, MONDAY, NOW + timedelta(days=2), booked=NOW + timedelta(seconds=1))
    assert meetings_at_handoff([handoff(1, MONDAY)], [late], NOW).booked == 0
    assert meetings_at_handoff([handoff(1, MONDAY)], [late], NOW + timedelta(days=1)).booked == 1


def test_a_meeting_after_a_hand_off_outside_the_period_or_of_no_hand_off_counts_nothing() -> None:
    before = MONDAY - timedelta(days=8)
    outside = meeting(1, before, MONDAY + timedelta(days=1))
    unhanded = meeting(2, None, MONDAY + timedelta(days=1))
    other_lead = meeting(3, MONDAY, MONDAY + timedelta(days=1))
    found = meetings_at_handoff(
        [handoff(1, MONDAY), handoff(2, MONDAY)], [outside, unhanded, other_lead], NOW
    )
    assert (found.handoffs, found.booked) == (2, 0)


def test_a_meeting_belongs_to_the_latest_hand_off_before_it_and_counts_once_per_hand_off() -> None:
    second = MONDAY + timedelta(days=1)
    events = [handoff(1, MONDAY), handoff(1, second, closer=OTHER_CLOSER)]
    two = [
        meeting(1, second, second + timedelta(hours=6), uid="a"),
        meeting(1, second, second + timedelta(hours=30), uid="b"),
    ]
    found = meetings_at_handoff(events, two, NOW)
    assert (found.handoffs, found.booked, found.timed) == (2, 1, 1)
    assert found.median_days == 0.25  # the earliest standing meeting is the first


def test_a_meeting_without_a_start_counts_as_booked_but_not_in_the_median() -> None:
    found = meetings_at_handoff(
        [handoff(1, MONDAY), handoff(2, MONDAY), handoff(3, MONDAY)],
        [meeting(1, MONDAY, None), meeting(2, MONDAY, MONDAY + timedelta(days=1)),
         meeting(3, MONDAY, MONDAY + timedelta(days=3))],
        NOW,
    )  # fmt: skip
    assert (found.booked, found.timed, found.median_days) == (3, 2, 2.0)


def test_a_hand_off_to_a_qualifier_or_an_account_manager_is_not_one_to_a_closer() -> None:
    to_qualifier = LeadEvent(
        1, EventType.HANDED_OFF, MONDAY, 7, Stage.WORKING, Stage.ASSIGNED, 2, {"role": "qualifier"}
    )
    to_am = LeadEvent(
        2, EventType.HANDED_OFF, MONDAY, 4, Stage.WON, Stage.CUSTOMER, 6,
        {"role": "account_manager"},
    )  # fmt: skip
    found = meetings_at_handoff([to_qualifier, to_am], [meeting(2, MONDAY, NOW)], NOW)
    assert found == MeetingsAtHandoff(0, 0, 0, None)


def test_a_reps_share_counts_the_meetings_of_their_own_hand_offs() -> None:
    """The dashboard's rep view passes a rep's events: the hand-offs they gave or received."""
    everyone = [handoff(1, MONDAY), handoff(2, MONDAY, closer=OTHER_CLOSER, giver=2)]
    meetings = [meeting(1, MONDAY, MONDAY + timedelta(days=1)), meeting(2, MONDAY, NOW)]
    theirs = [e for e in everyone if CLOSER in (e.owner_id, e.actor_id)]
    assert meetings_at_handoff(everyone, meetings, NOW).booked == 2
    mine = meetings_at_handoff(theirs, meetings, NOW)
    assert (mine.handoffs, mine.booked, mine.median_days) == (1, 1, 1.0)


SAID = "Meetings booked at hand-off: "


@pytest.mark.parametrize(
    ("found", "said"),
    [
        (MeetingsAtHandoff(0, 0, 0, None), SAID + "no hand-offs to closers"),
        (MeetingsAtHandoff(4, 0, 0, None), SAID + "0 of 4 hand-offs to closers (0%)"),
        (
            MeetingsAtHandoff(12, 9, 8, 2.125),
            SAID + "9 of 12 hand-offs to closers (75%) · hand-off → meeting start: median"
            " 2 d 3 h over 8 meetings",
        ),
        (
            MeetingsAtHandoff(1, 1, 1, 0.25),
            SAID + "1 of 1 hand-off to closers (100%) · hand-off → meeting start: median"
            " 6 h 00 min over 1 meeting",
        ),
    ],
)
def test_the_figure_is_said_in_one_sentence(found: MeetingsAtHandoff, said: str) -> None:
    assert meetings_sentence(found) == said


# --- through cal.com's bookings, /funnel and the digest ---------------------------------------


def _booking(
    change: BookingChange, uid: str, lead: str, starts: datetime, **more: str
) -> BookingEvent:
    return BookingEvent(change, uid, starts, None, lead, (), **more)


def test_bookings_from_cal_com_show_in_funnel_and_every_digest_and_the_dashboards_numbers() -> None:
    desk = Desk()
    desk.team(qualifier="alice", closer="carl")
    for i in range(3):
        desk.post(f"Name: P{i}\nEmail: p{i}@acme{i}.io\nCompany: Acme{i}")
        desk.say("alice", f"/lead claim L-{i + 1}")
        desk.say("alice", f"/lead qualify L-{i + 1} budget=20k need=crm")
        desk.say("alice", f"/lead handoff L-{i + 1}")
    handed = desk.clock()
    desk.clock.advance(hours=2)
    first, moved = handed + timedelta(days=2), handed + timedelta(days=3)
    calls = [
        _booking(BookingChange.CREATED, "u1", "L-1", first),
        _booking(BookingChange.CREATED, "u2", "L-2", first),
        _booking(BookingChange.RESCHEDULED, "u2b", "L-2", moved, previous_uid="u2"),
        _booking(BookingChange.CREATED, "u3", "L-3", first),
        _booking(BookingChange.CANCELLED, "u3", "L-3", first),
    ]
    for n, call in enumerate(calls):
        desk.relay.calcom_event(call, f"delivery-{n}")

    for period in ("week", "today"):
        digest = desk.say("maya", f"/funnel {period}").data["digest"]
        assert isinstance(digest, Digest)
        assert digest.numbers is not None
        assert digest.numbers.meetings == MeetingsAtHandoff(3, 2, 2, 2.5)
        said = meetings_sentence(digest.numbers.meetings)
        assert said == (
            "Meetings booked at hand-off: 2 of 3 hand-offs to closers (67%)"
            " · hand-off → meeting start: median 2 d 12 h over 2 meetings"
        )
        assert said in digest_view(digest).notes
        assert said in digest.text
        assert said in numbers_view(digest.numbers, full=True).notes
        assert said not in numbers_view(digest.numbers).notes  # the digest says it once
        assert digest.text.count(said) == 1
