"""Digest schedules as data: which period is due at a given moment, and the key it is claimed by.

Times are written on the team's wall clock and converted to the UTC instants a clock would give.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.events import EventType, LeadEvent
from routing.metrics import CustomerSpan, funnel, period_for
from routing.stages import Stage
from routing.usecases.digests import (
    DAILY,
    WEEKLY,
    Destination,
    DigestSchedule,
    NoPeriod,
    describe,
    due_periods,
    latest_send_time,
    notice_data,
    period_from_data,
    period_key,
    rebuilt,
    schedules,
)
from tests.support.fakes import Desk

BERLIN = "Europe/Berlin"
AUCKLAND = "Pacific/Auckland"
SLACK = Destination("slack", "C0DIGEST")


def local(tz: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)  # type: ignore[misc]


def daily(tz: str = BERLIN, at: time = time(8, 0)) -> DigestSchedule:
    return DigestSchedule(DAILY, "day", at, tz, (SLACK,))


def weekly(tz: str = BERLIN, at: time = time(8, 0)) -> DigestSchedule:
    return DigestSchedule(WEEKLY, "week", at, tz, (SLACK,))


def due(
    schedule: DigestSchedule, now: datetime, last: str | None = None, **first: datetime | None
) -> list[str]:
    return [
        period_key(schedule.kind, p, schedule.timezone)
        for p in due_periods(schedule, now, last, **first)
    ]


# --- building the schedules -------------------------------------------------------------------


def test_the_team_gets_a_daily_and_a_monday_digest_in_every_configured_channel() -> None:
    found = schedules(time(7, 30), BERLIN, "C0DIGEST", "19:abc@thread.tacv2")
    both = (Destination("slack", "C0DIGEST"), Destination("teams", "19:abc@thread.tacv2"))
    assert found == [
        DigestSchedule(DAILY, "day", time(7, 30), BERLIN, both),
        DigestSchedule(WEEKLY, "week", time(7, 30), BERLIN, both, weekday=0),
    ]


def test_a_team_without_a_digest_channel_has_no_schedule_at_all() -> None:
    assert schedules(time(8, 0), BERLIN, None, "") == []


def test_only_the_configured_platform_is_a_destination() -> None:
    [day, _week] = schedules(time(8, 0), BERLIN, None, "19:abc@thread.tacv2")
    assert day.destinations == (Destination("teams", "19:abc@thread.tacv2"),)


def test_a_schedule_is_daily_or_weekly_and_its_weekday_a_real_day() -> None:
    with pytest.raises(ValueError, match="daily or weekly"):
        DigestSchedule("monthly", "month", time(8), BERLIN, (SLACK,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="weekday"):
        DigestSchedule(WEEKLY, "week", time(8), BERLIN, (SLACK,), weekday=7)


def test_schedules_describe_themselves_for_the_log() -> None:
    assert describe([daily(), weekly()]) == (
        "daily at 08:00 Europe/Berlin, weekly on Mon at 08:00 Europe/Berlin"
    )
    assert describe([]) == "no digest schedules (no digest channel set)"


# --- the daily digest -------------------------------------------------------------------------


def test_at_eight_local_the_daily_digest_covers_the_whole_previous_local_day() -> None:
    [period] = due_periods(daily(), local(BERLIN, 2026, 11, 23, 8, 0))
    assert period.start == local(BERLIN, 2026, 11, 22, 0, 0)
    assert period.end == local(BERLIN, 2026, 11, 23, 0, 0)
    assert period.label == "Sun 22 Nov 2026"
    assert period_key("day", period, BERLIN) == "2026-11-22"


def test_a_minute_before_eight_the_day_before_yesterday_is_still_the_latest_due() -> None:
    assert due(daily(), local(BERLIN, 2026, 11, 23, 7, 59)) == ["2026-11-21"]
    assert due(daily(), local(BERLIN, 2026, 11, 23, 8, 0)) == ["2026-11-22"]


def test_the_send_time_is_on_the_teams_wall_clock_not_utc() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert latest_send_time(daily(BERLIN), now) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert latest_send_time(daily("America/New_York"), now) == datetime(
        2026, 11, 22, 13, 0, tzinfo=UTC
    )


def test_where_the_local_date_is_ahead_of_utc_the_period_is_the_local_yesterday() -> None:
    """Auckland is UTC+13 in November: at 19:00 UTC on the 22nd it is 08:00 on Monday the 23rd."""
    now = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    [period] = due_periods(daily(AUCKLAND), now)
    assert period_key("day", period, AUCKLAND) == "2026-11-22"
    assert period.start == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert due(daily(AUCKLAND), now - timedelta(minutes=1)) == ["2026-11-21"]


def test_the_day_clocks_go_forward_is_a_23_hour_period_sent_at_eight_summer_time() -> None:
    """Berlin springs forward on Sun 29 March 2026: 02:00 CET becomes 03:00 CEST."""
    monday_eight = local(BERLIN, 2026, 3, 30, 8, 0)
    assert monday_eight == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    [period] = due_periods(daily(), monday_eight)
    assert period.label == "Sun 29 Mar 2026"
    assert period.length == timedelta(hours=23)
    assert due(daily(), monday_eight - timedelta(seconds=1)) == ["2026-03-28"]


def test_the_day_clocks_go_back_is_a_25_hour_period() -> None:
    """Berlin falls back on Sun 25 October 2026: 03:00 CEST becomes 02:00 CET."""
    [period] = due_periods(daily(), local(BERLIN, 2026, 10, 26, 8, 0))
    assert period.label == "Sun 25 Oct 2026"
    assert period.length == timedelta(hours=25)


def test_a_send_time_inside_the_skipped_hour_is_due_whenever_the_scheduler_fires_it() -> None:
    """02:30 does not exist on 29 March in Berlin; the job may fire at 03:00 or 03:30 CEST."""
    schedule = daily(at=time(2, 30))
    fired = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert due(schedule, fired) == ["2026-03-28"]
    assert latest_send_time(schedule, fired) <= fired


def test_a_send_time_in_the_repeated_hour_is_due_at_its_first_occurrence() -> None:
    schedule = daily(at=time(2, 30))
    first = local(BERLIN, 2026, 10, 25, 2, 30, fold=0)
    assert due(schedule, first) == ["2026-10-24"]


# --- the weekly digest ------------------------------------------------------------------------


def test_on_monday_at_eight_the_weekly_digest_covers_the_previous_iso_week() -> None:
    [period] = due_periods(weekly(), local(BERLIN, 2026, 11, 23, 8, 0))
    assert period.start == local(BERLIN, 2026, 11, 16, 0, 0)
    assert period.end == local(BERLIN, 2026, 11, 23, 0, 0)
    assert period.label == "week 47 of 2026 (16–22 Nov 2026)"
    assert period_key("week", period, BERLIN) == "2026-W47"


def test_between_mondays_the_weekly_digest_due_stays_the_last_one_sent_on_a_monday() -> None:
    assert due(weekly(), local(BERLIN, 2026, 11, 23, 7, 59)) == ["2026-W46"]
    assert due(weekly(), local(BERLIN, 2026, 11, 22, 23, 0)) == ["2026-W46"]
    assert due(weekly(), local(BERLIN, 2026, 11, 27, 12, 0)) == ["2026-W47"]


def test_the_week_across_new_year_is_keyed_by_its_iso_year() -> None:
    """2026 has 53 ISO weeks; week 53 runs from Mon 28 Dec 2026 to Sun 3 Jan 2027."""
    [period] = due_periods(weekly(), local(BERLIN, 2027, 1, 4, 9, 0))
    assert period_key("week", period, BERLIN) == "2026-W53"
    assert period.label == "week 53 of 2026 (28 Dec 2026 – 3 Jan 2027)"


def test_a_weekly_schedule_on_another_weekday_still_reports_the_last_whole_week() -> None:
    wednesday = DigestSchedule(WEEKLY, "week", time(9, 0), BERLIN, (SLACK,), weekday=2)
    assert due(wednesday, local(BERLIN, 2026, 11, 25, 9, 0)) == ["2026-W47"]
    assert due(wednesday, local(BERLIN, 2026, 11, 25, 8, 59)) == ["2026-W46"]


# --- what is due after downtime ----------------------------------------------------------------


def test_a_period_already_sent_is_not_due_again() -> None:
    now = local(BERLIN, 2026, 11, 23, 9, 0)
    assert due(daily(), now, last="2026-11-22") == []
    assert due(daily(), now, last="2026-11-21") == ["2026-11-22"]
    assert due(weekly(), now, last="2026-W47") == []


def test_after_days_of_downtime_only_the_latest_digest_is_due_not_a_backlog() -> None:
    assert due(daily(), local(BERLIN, 2026, 11, 26, 10, 0), last="2026-11-21") == ["2026-11-25"]


def test_the_first_start_after_install_sends_no_digest_for_a_period_before_any_lead() -> None:
    monday_nine = local(BERLIN, 2026, 11, 23, 9, 0)
    assert due(daily(), monday_nine, first_lead_at=None) == [], "no lead yet: nothing to say"
    assert due(weekly(), monday_nine, first_lead_at=None) == []
    installed = local(BERLIN, 2026, 11, 23, 8, 30)  # first lead posted this morning
    assert due(daily(), monday_nine, first_lead_at=installed) == []
    assert due(weekly(), monday_nine, first_lead_at=installed) == []
    assert due(daily(), monday_nine + timedelta(days=1), first_lead_at=installed) == [
        "2026-11-23"
    ], "the first day with a lead is reported the next morning"


def test_a_lead_inside_the_period_makes_it_due_even_on_the_first_start() -> None:
    monday_nine = local(BERLIN, 2026, 11, 23, 9, 0)
    saturday = local(BERLIN, 2026, 11, 21, 15, 0)
    assert due(daily(), monday_nine, first_lead_at=saturday) == ["2026-11-22"]
    assert due(weekly(), monday_nine, first_lead_at=saturday) == ["2026-W47"]
    just_before_midnight = local(BERLIN, 2026, 11, 22, 23, 59)
    assert due(daily(), monday_nine, first_lead_at=just_before_midnight) == ["2026-11-22"]
    at_midnight = local(BERLIN, 2026, 11, 23, 0, 0)
    assert due(daily(), monday_nine, first_lead_at=at_midnight) == [], "the period ended first"


def test_downtime_after_baton_held_leads_still_catches_up_once_even_on_quiet_days() -> None:
    first = local(BERLIN, 2026, 11, 2, 10, 0)
    back = local(BERLIN, 2026, 11, 26, 10, 0)
    assert due(daily(), back, last="2026-11-21", first_lead_at=first) == ["2026-11-25"]
    assert due(weekly(), back, last="2026-W46", first_lead_at=first) == ["2026-W47"]


# --- what a digest notice carries ----------------------------------------------------------------


def test_a_digest_notice_names_its_period_so_a_notifier_can_rebuild_it() -> None:
    [period] = due_periods(daily(), local(BERLIN, 2026, 3, 30, 8, 0))
    data = notice_data(daily(), period, "2026-03-29")
    assert data["schedule"] == DAILY
    assert data["key"] == "2026-03-29"
    assert data["period"] == {
        "start": "2026-03-28T23:00:00+00:00",
        "end": "2026-03-29T22:00:00+00:00",
        "kind": "day",
        "label": "Sun 29 Mar 2026",
    }
    assert period_from_data(data) == period


def test_the_relay_rebuilds_the_digest_a_notice_names_with_the_figures_of_its_period() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella")
    desk.clock.advance(days=1)
    yesterday = period_for("day", desk.clock.now, ZoneInfo("UTC"), previous_complete=True)
    data = notice_data(daily("UTC"), yesterday, "2026-11-23")
    desk.post("Lead: Ann Lee, ann@globex.com, Globex")  # today: not in yesterday's digest
    digest = desk.relay.digest_for(data)
    assert digest.report.period == yesterday
    assert digest.report.inbound == 1


@pytest.mark.parametrize(
    "data", [{}, {"schedule": DAILY}, {"period": {"start": "soon"}}, {"period": "yesterday"}]
)
def test_a_digest_notice_that_names_no_period_is_not_rebuilt(data: dict[str, object]) -> None:
    with pytest.raises(NoPeriod):
        Desk().relay.digest_for(data)
    assert rebuilt(Desk().relay.digest_for, data) is None


# --- tenure from customers dates -------------------------------------------------------------


def test_tenure_from_customers_dates_equals_tenure_from_their_histories() -> None:
    """The digest reads one row per customer instead of replaying every customer's history."""

    def event(lead: int, kind: EventType, to: Stage, at: datetime) -> LeadEvent:
        return LeadEvent(lead, kind, at, 1, None, to, 1)

    jan, now = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 11, 23, 8, tzinfo=UTC)
    won = {1: jan, 2: jan + timedelta(days=40), 3: jan + timedelta(days=90), 4: now}
    churned = {2: datetime(2026, 11, 22, 12, tzinfo=UTC), 3: datetime(2026, 6, 1, tzinfo=UTC)}
    events = [event(lead, EventType.WON, Stage.WON, at) for lead, at in won.items()]
    events += [event(lead, EventType.CHURNED, Stage.CHURNED, at) for lead, at in churned.items()]
    events += [
        event(lead, EventType.HANDED_OFF, Stage.CUSTOMER, at + timedelta(hours=1))
        for lead, at in won.items()
        if lead not in churned and at < now
    ]
    spans = [CustomerSpan(lead, at, churned.get(lead)) for lead, at in won.items()]
    for as_of in (now, datetime(2026, 11, 22, 18, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)):
        period = period_for("day", as_of, ZoneInfo("UTC"), previous_complete=True)
        replayed = funnel(events, period, as_of, {}).tenure
        assert funnel([], period, as_of, {}, customers=spans).tenure == replayed
        assert replayed.customers > 0
