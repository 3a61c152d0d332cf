"""Which chat statuses mean out of office: emoji, or away words as whole words, any case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.status import DEFAULT_AWAY, AwayStatuses, ChatStatus, away_note


@pytest.mark.parametrize(
    ("emoji", "text"),
    [
        (":palm_tree:", ""),
        (":FACE_WITH_THERMOMETER:", "feeling rough"),
        ("", "Out of office until Monday"),
        ("", "out   of office"),
        ("", "OOO"),
        ("", "ooo, back Tue"),
        ("", "Vacationing 🌴"),
        ("", "Sick"),
        ("", "flying :airplane: to Lisbon"),
    ],
)
def test_out_of_office_statuses_mean_away(emoji: str, text: str) -> None:
    assert DEFAULT_AWAY.means_away(ChatStatus(emoji, text))


@pytest.mark.parametrize(
    ("emoji", "text"),
    [
        ("", ""),
        (":spiral_calendar_pad:", "In a meeting"),
        ("", "Cooool"),
        ("", "Homesick playlist"),
        ("", "Oooh shiny"),
        (":palm_tree_x:", "working remotely"),
    ],
)
def test_other_statuses_do_not(emoji: str, text: str) -> None:
    assert not DEFAULT_AWAY.means_away(ChatStatus(emoji, text))


def test_the_away_statuses_are_configurable() -> None:
    away = AwayStatuses.of([":beach_with_umbrella:", "Parental leave"])
    assert away.means_away(ChatStatus(":beach_with_umbrella:", ""))
    assert away.means_away(ChatStatus("", "Parental LEAVE"))
    assert not away.means_away(ChatStatus(":palm_tree:", "Vacationing"))


def test_the_expiration_is_when_the_rep_is_back_and_zero_means_until_cleared() -> None:
    assert ChatStatus(text="Sick").expires_at() is None
    back = ChatStatus(text="Sick", expiration=1796342400).expires_at()
    assert back == datetime(2026, 12, 4, tzinfo=UTC)


def test_the_note_names_the_status_for_explanations() -> None:
    assert away_note(ChatStatus(":palm_tree:", "Vacationing")) == "Slack status 'Vacationing'"
    assert away_note(ChatStatus(":palm_tree:", "")) == "Slack status ':palm_tree:'"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_status_text_gets_an_answer_and_adding_an_away_word_makes_it_away(text: str) -> None:
    DEFAULT_AWAY.means_away(ChatStatus("", text))
    assert DEFAULT_AWAY.means_away(ChatStatus("", f"OOO {text}"))
