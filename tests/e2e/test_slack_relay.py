"""A day of the relay in Slack over real HTTP: signed requests in, Web API calls to the double."""

from __future__ import annotations

import json

from routing.chat.forms import QUALIFICATION
from tests.e2e.conftest import INTAKE, MANAGER, SlackWorld
from tests.e2e.slack_double import Answer, Call, fixture

LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp, 250 employees"


def set_up_team(world: SlackWorld) -> None:
    for line in (
        "/rotation add <@UALICE|alice> qualifier",
        "/rotation add <@UCARL|carl> closer",
        "/rotation add <@UAMY|amy> account_manager",
    ):
        assert world.slack.command(line, MANAGER).status == 200
    world.deliver()


def reply_text(answer: Answer) -> str:
    assert answer.status == 200, answer
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def in_thread(world: SlackWorld, ts: str) -> list[Call]:
    return [c for c in world.double.posts(INTAKE) if c.params.get("thread_ts") == ts]


def test_a_lead_post_gets_a_thread_reply_and_the_qualifier_a_dm_with_claim_buttons(
    slack: SlackWorld,
) -> None:
    set_up_team(slack)
    ts = slack.slack.post_lead(LEAD_POST)
    assert slack.deliver() == 2

    (reply,) = in_thread(slack, ts)
    assert "L-1" in reply.text
    assert "<@UALICE>" in reply.text
    assert "next in the qualifier rotation" in reply.text
    (dm,) = slack.double.posts("UALICE")[-1:]
    assert dm.shows("New lead L-1")
    assert dm.shows("Umbrella Corp")
    assert {"lead:claim", "lead:notmine"} <= set(dm.action_ids())


def test_a_days_relay_runs_from_intake_to_account_manager(slack: SlackWorld) -> None:
    set_up_team(slack)
    double, send = slack.double, slack.slack
    first = send.post_lead(LEAD_POST)
    second = send.post_lead("Lead: Priya Shah, priya@initech.com, Initech")
    slack.deliver()
    card_ts = {ts: in_thread(slack, ts)[0].answer["ts"] for ts in (first, second)}

    # Alice claims L-1 with the button in her DM: the DM card turns into the working card.
    assert send.click("claim", 1, "UALICE").status == 200
    replaced = double.wait_for(lambda c: c.method == "response_url")
    assert replaced.params["replace_original"] is True
    assert "L-1 is yours" in replaced.text
    assert "lead:qualify" in json.dumps(replaced.params["blocks"])
    slack.deliver()
    assert in_thread(slack, first)[-1].text == "<@UALICE> claimed L-1."
    update = double.to("chat.update")[-1]
    assert update.params["ts"] == card_ts[first]
    assert update.shows("working")

    # L-1 qualified by command, L-2 by the form.
    answer = send.command(
        "/lead qualify L-1 budget=40k authority=CTO need=SSO timeline=Q1 renewing in March",
        "UALICE",
    )
    assert "L-1 is qualified" in reply_text(answer)
    send.command("/lead claim L-2", "UALICE")
    assert send.command("/lead qualify L-2", "UALICE").body == ""
    form = double.wait_for(lambda c: c.method == "views.open").params["view"]
    assert form["callback_id"] == "lead:qualify"
    assert [b["block_id"] for b in form["blocks"]] == [field.key for field in QUALIFICATION.fields]
    done = send.submit(form, {"budget": "10k", "need": "reporting"}, "UALICE").json()
    assert done["response_action"] == "update"
    assert "L-2 is qualified" in json.dumps(done["view"])
    slack.deliver()
    assert in_thread(slack, second)[-1].text.startswith("<@UALICE> qualified L-2: Budget: 10k")

    # Handoff: the closer is mentioned in the thread and gets the qualification notes in a DM.
    assert "now with <@UCARL>" in reply_text(send.command("/lead handoff L-1", "UALICE"))
    slack.deliver()
    assert "to <@UCARL> (closer)" in in_thread(slack, first)[-1].text
    closer_dm = double.posts("UCARL")[-1]
    assert closer_dm.shows("handed you L-1")
    assert closer_dm.shows("Budget: 40k; Authority: CTO; Need: SSO; Timeline: Q1")
    assert {"lead:won", "lead:lost"} <= set(closer_dm.action_ids())

    # Won, then handed to the account manager.
    assert "won at 12,000" in reply_text(send.command("/lead won L-1 12k", "UCARL"))
    assert "now with <@UAMY>" in reply_text(send.command("/lead handoff L-1", "UCARL"))
    slack.deliver()
    am_dm = double.posts("UAMY")[-1]
    assert am_dm.shows("handed you L-1")
    assert am_dm.shows("Won at 12,000")
    final = [c for c in double.to("chat.update") if c.params["ts"] == card_ts[first]][-1]
    assert final.shows("customer")
    assert final.shows("<@UAMY>")


def test_a_retried_event_creates_no_second_lead(slack: SlackWorld) -> None:
    set_up_team(slack)
    event = slack.slack.message(LEAD_POST)
    assert slack.slack.event(event, event_id="Ev0001").status == 200
    assert slack.slack.event(event, event_id="Ev0002", retry=1).status == 200
    assert slack.slack.event(event, event_id="Ev0002", retry=2).status == 200
    slack.deliver()

    assert slack.rows("leads") == 1
    assert len(in_thread(slack, str(event["ts"]))) == 1


def test_posts_by_form_apps_become_leads_and_edits_replies_and_joins_do_not(
    slack: SlackWorld,
) -> None:
    set_up_team(slack)
    form_post = fixture("message_bot_form")
    assert slack.slack.event(form_post).status == 200
    for name in (
        "message_thread_reply",
        "message_changed",
        "message_deleted",
        "message_channel_join",
    ):
        assert slack.slack.event(fixture(name)).status == 200
    slack.slack.event({**slack.slack.message(LEAD_POST), "channel": "C0ELSEWHERE"})
    slack.deliver()

    assert slack.rows("leads") == 1
    (reply,) = in_thread(slack, form_post["ts"])
    assert "Initech" in json.dumps(reply.blocks)


def test_baton_ignores_its_own_messages_in_the_intake_channel(slack: SlackWorld) -> None:
    set_up_team(slack)
    own = {**slack.slack.message(LEAD_POST), "user": "UBATON", "bot_id": "BBATON"}
    assert slack.slack.event(own).status == 200
    assert slack.rows("leads") == 0


def test_an_unreadable_post_gets_a_thread_reply_and_is_kept_for_a_manager(
    slack: SlackWorld,
) -> None:
    set_up_team(slack)
    ts = slack.slack.post_lead("someone called about pricing, didn't catch the name")
    slack.deliver()

    reply, card = in_thread(slack, ts)
    assert "couldn't read a lead" in reply.text
    assert "L-1" in reply.text
    assert card.shows("unparsed")
    assert slack.rows("leads") == 1


def test_a_managers_lead_erase_rewrites_batons_card_and_replies_with_chat_update(
    slack: SlackWorld,
) -> None:
    set_up_team(slack)
    double, send = slack.double, slack.slack
    ts = send.post_lead(LEAD_POST)
    slack.deliver()
    send.command("/lead claim L-1", "UALICE")
    slack.deliver()
    posted = {call.answer["ts"] for call in in_thread(slack, ts)}
    assert len(posted) == 2  # the card and "alice claimed L-1"

    refused = reply_text(send.command("/lead erase L-1", "UALICE"))
    assert "Only a manager can erase" in refused
    answer = reply_text(send.command("/lead erase L-1", MANAGER))
    assert "details erased" in answer
    before = len(double.to("chat.update"))
    slack.deliver()

    updates = double.to("chat.update")[before:]
    in_thread_now = [call for call in updates if call.params["channel"] == INTAKE]
    assert {call.params["ts"] for call in in_thread_now} == posted
    assert any(call.params["channel"] == "DALICE" for call in updates)  # her DM, by its D… id
    assert all(call.shows("details erased") for call in updates)
    said = json.dumps([call.params for call in updates])
    assert "sam@umbrella.co" not in said
    assert "Sam Ortiz" not in said
