"""Slot buttons whose values were forged or mangled, over the platforms' signed HTTP: each click
is answered in words (200, never a traceback) and holds nothing unless it names a time Baton
would itself have offered (README, *As buttons*: "a click books exactly the time it showed")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import MANAGER, SlackWorld
from tests.e2e.teams_support import ALICE, TeamsWorld, teams_world
from tests.e2e.test_slack_slots import handed_off, replaced
from tests.e2e.test_teams_slots import handed_off as teams_handed_off
from tests.e2e.test_teams_slots import last
from tests.support.clock import FakeClock

MINUTE = 60
HOUR = 3600


def refused(world: SlackWorld, value: str, user: str = "UALICE") -> str:
    """The words a click with ``value`` was answered with (never replacing the message)."""
    before = len(world.double.calls)
    assert world.slack.press("slot:1", value, user).status == 200
    answer = world.double.wait_for(
        lambda c: c.method == "response_url" and world.double.calls.index(c) >= before
    )
    assert answer.params["replace_original"] is False, answer.text
    assert "Traceback" not in answer.text
    assert "Error" not in answer.text
    return answer.text


def start_of(button: dict[str, Any]) -> int:
    return int(button["value"].partition("@")[2])


def test_a_forged_start_off_the_half_hour_holds_nothing(slack: SlackWorld) -> None:
    first = start_of(handed_off(slack)[0])
    said = refused(slack, f"L-1@{first + 17 * MINUTE}")
    assert "is no longer free in <@UCARL>'s time" in said
    assert slack.rows("meetings") == 0


def test_a_forged_start_outside_the_closers_working_hours_holds_nothing(
    slack: SlackWorld,
) -> None:
    """The first proposal is Monday 09:00–17:00 UTC's first free half hour: 23:00 that day is
    free in the calendar, on the half-hour grid, within the look-ahead, but no time of Carl's."""
    first = start_of(handed_off(slack)[0])
    night = first - first % (24 * HOUR) + 23 * HOUR
    said = refused(slack, f"L-1@{night}")
    assert "is no longer free" in said
    sunday = first - first % (24 * HOUR) + 6 * 24 * HOUR + 10 * HOUR  # the Sunday after, 10:00
    assert "is no longer free" in refused(slack, f"L-1@{sunday}")
    assert slack.rows("meetings") == 0


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("L-1@notanumber", "not one of Baton"),
        ("L-1@-1700000000", "not one of Baton"),
        ("L-1@99999999999999999999999", "not one of Baton"),
        ("L-1@", "not one of Baton"),
        ("@1764931800", "L-"),
        ("L-99999999999999999999999@1764931800", "L-"),
        ("L-1@1764931800" + "9" * 5000, "not one of Baton"),
        ("L-1@\u0661\u0667\u0666\u0664\u0669\u0663\u0661\u0668\u0660\u0660", "not one of Baton"),
        ("L-1@176493180\u00b2", "not one of Baton"),  # isdigit() yet int() refuses it
        ("L-1@1764931800\x00", "has passed"),  # NUL dropped where any text enters
    ],
)
def test_a_mangled_button_value_is_answered_in_words_and_holds_nothing(
    slack: SlackWorld, value: str, words: str
) -> None:
    handed_off(slack)
    assert words in refused(slack, value)
    assert slack.rows("meetings") == 0


def test_another_leads_id_on_a_button_holds_nothing_for_either(slack: SlackWorld) -> None:
    first = handed_off(slack)[0]
    slack.slack.post_lead("Lead: Kim Lee, kim@initech.co, Initech")
    slack.deliver()
    said = refused(slack, f"L-2@{start_of(first)}")
    assert "L-2 is not with a closer" in said
    assert "L-404" in refused(slack, f"L-404@{start_of(first)}")
    assert slack.rows("meetings") == 0


def test_a_click_by_someone_else_or_after_the_lead_moved_on_holds_nothing(
    slack: SlackWorld,
) -> None:
    first = handed_off(slack)[0]
    before = len(slack.double.calls)
    slack.slack.command("/rotation add <@UBOB> qualifier", MANAGER)
    assert "Only whoever handed L-1 off" in refused(slack, first["value"], "UBOB")
    assert "Only whoever handed L-1 off" in refused(slack, first["value"], "UNOBODY")
    slack.slack.command("/lead lost L-1 went quiet", "UCARL")
    assert "L-1 is not with a closer" in refused(slack, first["value"])
    assert slack.rows("meetings") == 0
    assert not [c for c in slack.double.calls[before:] if replaced(c)]


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        yield world


@pytest.mark.parametrize(
    "data",
    [
        {"baton": "slot", "lead": 1, "start": "soon"},
        {"baton": "slot", "lead": 1, "start": "176493180\u00b2"},
        {"baton": "slot", "lead": "L-1", "start": "\u0661\u0667\u0666\u0664\u0669\u0663"},
        {"baton": "slot", "lead": 1, "start": -5},
        {"baton": "slot", "lead": 1, "start": 10**30},
        {"baton": "slot", "lead": 1, "start": 1.5e9},
        {"baton": "slot", "lead": 1, "start": True},
        {"baton": "slot", "lead": None, "start": 1_764_931_800},
        {"baton": "slot", "lead": [1], "start": 1_764_931_800},
        {"baton": "slot", "lead": {"id": 1}},
        {"baton": "slot"},
    ],
)
def test_a_teams_submit_with_a_forged_time_is_answered_and_holds_nothing(
    teams: TeamsWorld, data: dict[str, Any]
) -> None:
    teams_handed_off(teams)
    assert teams.post(teams.teams.submit(ALICE, data)).status == 200
    teams.deliver()
    answer = last(teams.double.to(ALICE.chat))
    assert "Traceback" not in answer.text
    assert answer.shows("not one of Baton") or answer.shows("L-")
    assert teams.rows("meetings") == 0


def test_a_teams_click_on_a_time_off_the_closers_grid_holds_nothing(teams: TeamsWorld) -> None:
    first = teams_handed_off(teams)[0]["data"]
    forged = {**first, "start": first["start"] + 17 * MINUTE}
    assert teams.post(teams.teams.execute(ALICE, "slot", forged)).status == 200
    teams.deliver()
    assert teams.rows("meetings") == 0


def test_a_click_after_the_lead_was_reassigned_to_a_closer_without_a_calendar_holds_nothing(
    slack: SlackWorld,
) -> None:
    first = handed_off(slack)[0]
    slack.slack.command("/rotation add <@UDANA> closer", MANAGER)
    slack.slack.command("/lead reassign L-1 <@UDANA>", MANAGER)
    said = refused(slack, first["value"])
    assert "calendar is not known" in said
    assert slack.rows("meetings") == 0
