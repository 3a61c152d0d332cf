"""Slack buttons and modals only translate: payload → the vocabulary's action or form → command."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack.listeners.actions import click
from bot.slack.listeners.views import form_values, submission
from bot.slack.render.blocks import action_id
from bot.slack.render.forms import modal
from routing.chat.actions import ACTIONS, Action, button_command
from routing.chat.forms import FIX, QUALIFICATION, WON
from routing.commands import Command, Fix, Handoff, Won
from routing.usecases.context import Outcome
from tests.e2e.slack_double import fixture

ACTING = [action for action in ACTIONS.values() if action.form_on_click is None]
ASKING = [action for action in ACTIONS.values() if action.form_on_click is not None]


@dataclass
class Deps:
    """What a listener needs, recording the commands it runs."""

    outcome: Outcome = field(default_factory=lambda: Outcome("Done."))
    ran: list[Command] = field(default_factory=list)
    users: Any = field(default_factory=lambda: SimpleNamespace(mention=lambda _id, name: name))

    def execute(self, _user_id: str, command: Command) -> Outcome:
        self.ran.append(command)
        return self.outcome


class Client:
    """``views.open``, recording the views; a refusal when the trigger has expired."""

    def __init__(self, *, expired: bool = False) -> None:
        self.opened: list[dict[str, Any]] = []
        self.expired = expired

    def views_open(self, trigger_id: str, view: dict[str, Any]) -> None:
        if self.expired:
            raise SlackApiError("expired", {"ok": False, "error": "expired_trigger_id"})
        self.opened.append(view)


class Respond:
    def __init__(self) -> None:
        self.said: list[str] = []

    def __call__(self, **reply: Any) -> Any:
        self.said.append(reply["text"])
        return SimpleNamespace(status_code=200, body="")


def press(action: str, lead_id: int, deps: Deps, client: Client) -> Respond:
    body = fixture("block_actions")
    body["actions"][0].update(action_id=action, value=str(lead_id))
    respond = Respond()
    click(deps, body, body["actions"][0], client, respond)  # type: ignore[arg-type]
    return respond


@pytest.mark.parametrize("action", ACTING, ids=lambda a: a.name)
def test_a_button_that_acts_runs_its_command_and_answers_the_clicker(action: Action) -> None:
    deps, client = Deps(), Client()
    respond = press(action_id(action.name), 5, deps, client)
    assert deps.ran == [button_command(action, 5)]
    assert client.opened == []
    assert respond.said == ["Done."]


@pytest.mark.parametrize("action", ASKING, ids=lambda a: a.name)
def test_a_button_that_asks_first_opens_its_form_and_runs_nothing(action: Action) -> None:
    deps, client = Deps(), Client()
    press(action_id(action.name), 5, deps, client)
    assert deps.ran == []
    assert client.opened == [modal(action.form_on_click, 5)]  # type: ignore[arg-type]


def test_a_qualify_click_the_domain_answers_with_the_form_opens_the_qualification_modal() -> None:
    deps, client = Deps(Outcome("Qualify L-5", open_form_for=5)), Client()
    press("lead:qualify", 5, deps, client)
    assert client.opened == [modal(QUALIFICATION, 5)]


def test_a_form_that_cannot_open_tells_the_clicker_what_to_type_for_that_step() -> None:
    respond = press("lead:won", 5, Deps(), Client(expired=True))
    (said,) = respond.said
    assert (
        said == "I couldn't open the form; type it instead:\n`/lead won &lt;id&gt; &lt;amount&gt;`"
    )


def test_a_button_on_a_card_posted_long_ago_still_works() -> None:
    deps = Deps()
    press("lead:handoff_qualifier", 7, deps, Client())
    assert deps.ran == [Handoff(7, to_qualifiers=True)]


def test_a_submitted_modal_runs_its_forms_command_and_shows_the_answer_in_place() -> None:
    view = {**modal(WON, 5), "state": {"values": {"amount": {"value": {"value": " 12k "}}}}}
    deps = Deps(Outcome("L-5 won at 12,000."))
    answer = submission(deps, fixture("view_submission"), view)  # type: ignore[arg-type]
    assert deps.ran == [Won(5, Decimal(12000))]
    assert answer["response_action"] == "update"
    assert answer["view"]["blocks"][0]["text"]["text"] == "L-5 won at 12,000."


def test_a_submitted_views_state_is_read_by_block_id_whatever_its_shape() -> None:
    state = {"values": {"budget": {"value": {"value": " 40k "}}, "need": {"value": {}}}}
    assert form_values({"state": state}) == {"budget": " 40k ", "need": None}
    assert form_values({"state": "garbage"}) == {}


def test_the_fix_button_on_an_unparsed_lead_opens_the_fix_modal_whose_submission_fixes_it() -> None:
    deps, client = Deps(), Client()
    press("lead:fix", 4, deps, client)
    assert client.opened == [modal(FIX, 4)]
    state = {
        "values": {
            "email": {"value": {"value": " sam@umbrella.co "}},
            "company": {"value": {"value": "Umbrella"}},
        }
    }
    deps = Deps(Outcome("Fixed L-4 (Umbrella — sam@umbrella.co)."))
    submission(deps, fixture("view_submission"), {**modal(FIX, 4), "state": state})  # type: ignore[arg-type]
    assert deps.ran == [Fix(4, company="Umbrella", email="sam@umbrella.co")]
