"""Buttons, forms, the home tab and who users are, as Slack delivers them."""

from __future__ import annotations

import json

from tests.e2e.conftest import INTAKE, MANAGER, SlackWorld
from tests.e2e.slack_double import Call, fixture

LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


def team_with_a_lead(world: SlackWorld, *qualifiers: str) -> None:
    for user in qualifiers or ("UALICE",):
        world.slack.command(f"/rotation add <@{user}> qualifier", MANAGER)
    world.slack.command("/rotation add <@UCARL> closer", MANAGER)
    world.slack.post_lead(LEAD_POST)
    world.deliver()


def publishes_for(user: str, words: str) -> object:
    return lambda c: c.method == "views.publish" and c.params["user_id"] == user and c.shows(words)


def test_not_mine_passes_the_lead_to_the_next_qualifier(slack: SlackWorld) -> None:
    team_with_a_lead(slack, "UALICE", "UBOB")
    assert slack.slack.click("notmine", 1, "UALICE").status == 200
    slack.deliver()

    assert slack.double.posts("UBOB")[-1].shows("New lead L-1")
    reply = slack.double.wait_for(lambda c: c.method == "response_url")
    assert "Passed on" in reply.text


def test_a_click_on_the_thread_card_is_answered_ephemerally(slack: SlackWorld) -> None:
    team_with_a_lead(slack)
    assert slack.slack.click("claim", 1, "UALICE", where="channel").status == 200

    reply = slack.double.wait_for(lambda c: c.method == "response_url")
    assert reply.params["response_type"] == "ephemeral"
    assert reply.params["replace_original"] is False
    assert "L-1 is yours" in reply.text


def test_a_refused_click_tells_the_clicker_who_may_act(slack: SlackWorld) -> None:
    team_with_a_lead(slack)
    slack.slack.click("claim", 1, "UALICE")
    assert slack.slack.click("qualify", 1, "UCARL", where="channel").status == 200

    refusal = slack.double.wait_for(lambda c: c.method == "response_url" and "Only" in c.text)
    assert "Only L-1's owner (<@UALICE>) or a manager can qualify L-1" in refusal.text


def test_the_won_button_asks_for_the_amount_and_shows_a_bad_one_on_the_form(
    slack: SlackWorld,
) -> None:
    team_with_a_lead(slack)
    send = slack.slack
    send.click("claim", 1, "UALICE")
    send.command("/lead qualify L-1 budget=40k", "UALICE")
    send.command("/lead handoff L-1", "UALICE")
    send.click("won", 1, "UCARL")
    form = slack.double.wait_for(lambda c: c.method == "views.open").params["view"]
    assert form["callback_id"] == "lead:won"

    refused = send.submit(form, {"amount": "lots"}, "UCARL").json()
    assert refused["response_action"] == "errors"
    assert "is not an amount" in refused["errors"]["amount"]
    accepted = send.submit(form, {"amount": "12.5k"}, "UCARL").json()
    assert accepted["response_action"] == "update"
    assert "won at 12,500" in json.dumps(accepted["view"])


def test_an_empty_qualification_form_is_refused_on_the_form(slack: SlackWorld) -> None:
    team_with_a_lead(slack)
    slack.slack.click("claim", 1, "UALICE")
    slack.slack.click("qualify", 1, "UALICE")
    form = slack.double.wait_for(lambda c: c.method == "views.open").params["view"]

    answer = slack.slack.submit(form, {}, "UALICE").json()
    assert answer == {
        "response_action": "errors",
        "errors": {
            "budget": "Fill in at least one field: budget, authority, need, timeline or notes."
        },
    }


def test_the_home_tab_shows_my_leads_by_stage_with_their_buttons(slack: SlackWorld) -> None:
    team_with_a_lead(slack)
    event = {**fixture("app_home_opened"), "user": "UALICE"}
    assert slack.slack.event(event).status == 200

    home: Call = slack.double.wait_for(publishes_for("UALICE", "My leads"))
    assert home.params["view"]["type"] == "home"
    assert home.shows("*Assigned*")
    assert home.shows("L-1")
    assert "lead:claim" in home.action_ids()


def test_a_click_in_the_home_tab_republishes_it_with_the_answer(slack: SlackWorld) -> None:
    team_with_a_lead(slack)
    assert slack.slack.click("claim", 1, "UALICE", where="home").status == 200

    home = slack.double.wait_for(publishes_for("UALICE", "L-1 is yours"))
    assert home.shows("*Working*")
    assert "lead:qualify" in home.action_ids()


def test_the_home_tab_is_refreshed_after_a_command(slack: SlackWorld) -> None:
    team_with_a_lead(slack)
    slack.slack.command("/lead claim L-1", "UALICE")

    slack.double.wait_for(publishes_for("UALICE", "*Working*"))


def test_users_are_looked_up_once_and_kept_in_the_rep_table(slack: SlackWorld) -> None:
    for _ in range(3):
        slack.slack.command("/lead mine", "UBOB")
    lookups = [c for c in slack.double.to("users.info") if c.params["user"] == "UBOB"]
    assert len(lookups) == 1
    with slack.baton.relay.uow_factory() as uow:
        from routing.roles import Platform

        rep = uow.reps.find(Platform.SLACK, "UBOB")
    assert rep is not None
    assert (rep.name, rep.timezone) == ("Bob Baker", "Europe/Berlin")


def test_funnel_replies_with_the_digest_blocks_only_to_the_person_who_asked(
    slack: SlackWorld,
) -> None:
    team_with_a_lead(slack)
    body = slack.slack.command("/funnel today", MANAGER).json()
    assert body["response_type"] == "ephemeral"
    assert body["blocks"][0]["type"] == "header"
    assert body["blocks"][0]["text"]["text"].startswith("Funnel digest")
    texts = json.dumps(body["blocks"])
    assert "Inbound" in texts
    assert "Speed to lead" in texts
    assert INTAKE not in body["text"]
