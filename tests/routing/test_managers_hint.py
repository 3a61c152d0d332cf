"""A refusal for want of managers says how to name one, in the asking person's platform's form."""

from __future__ import annotations

import pytest

from routing.commands import parse_command
from routing.errors import NotAllowed
from routing.roles import Platform
from routing.usecases.context import Actor
from tests.support.fakes import Desk


@pytest.mark.parametrize(
    ("platform", "user_id", "form"),
    [
        (Platform.SLACK, "U0ASKER", "BATON_MANAGERS to Slack user ids (U…"),
        (Platform.TEAMS, "29:asker", "BATON_MANAGERS to Teams user ids (29:…"),
        (Platform.CONSOLE, "asker", "BATON_MANAGERS to console names (console:NAME"),
    ],
)
def test_with_no_managers_a_refusal_names_the_form_for_the_actors_platform(
    platform: Platform, user_id: str, form: str
) -> None:
    desk = Desk(managers=())
    command = parse_command("/rotation", "add <@someone> qualifier", desk.clock.now.date())

    with pytest.raises(NotAllowed) as refused:
        desk.relay.execute(Actor(platform, user_id, "Asker"), command)

    assert "No managers are set up yet" in refused.value.message
    assert form in refused.value.message


def test_with_managers_a_refusal_names_them_instead() -> None:
    desk = Desk(managers=("maya",))
    command = parse_command("/rotation", "add <@someone> qualifier", desk.clock.now.date())
    with pytest.raises(NotAllowed) as refused:
        desk.relay.execute(Actor(Platform.SLACK, "U0ASKER", "Asker"), command)
    assert "Managers: <rep:1|maya>" in refused.value.message
    assert "BATON_MANAGERS" not in refused.value.message
