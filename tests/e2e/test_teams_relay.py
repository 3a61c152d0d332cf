"""A day of the relay in Teams over real HTTP: activities in, connector calls out to the double."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from routing.metrics import Period
from routing.notices import Notice, NoticeKind
from routing.relay import SYSTEM
from routing.usecases.context import Ctx, Outcome
from routing.usecases.digests import last_complete_period, schedules, send_digest
from tests.e2e.teams_support import (
    ALICE,
    DAVE,
    FRANK,
    GENERAL,
    INTAKE,
    MAYA,
    TENANT,
    WEB,
    Call,
    TeamsWorld,
    teams_world,
)
from tests.support.clock import FakeClock

LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp, 250 employees"


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        yield world


def set_up_team(world: TeamsWorld) -> None:
    """Baton is added to the Sales team (with Dave), Alice installs it for herself, and Maya
    builds the rotations from her own chat with Baton, mentioning people."""
    send = world.teams
    assert world.post(send.added_to_team(MAYA, DAVE)).status == 200
    assert world.post(send.installed_personally(ALICE)).status == 200
    for line, who in (
        ("rotation add @Alice Able qualifier", ALICE),
        ("rotation add @Dave Closer closer", DAVE),
        ("rotation add @Frank Account account_manager", FRANK),
    ):
        assert world.post(send.say_personal(MAYA, line, who)).status == 200
    world.deliver()


def invoke_card(answer: Any) -> dict[str, Any]:
    """The card an ``Action.Execute`` invoke answered with (what replaces the clicked card)."""
    assert answer.status == 200, answer
    body = answer.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    return dict(body["value"])


def thread_of(world: TeamsWorld, post: dict[str, Any]) -> str:
    return f"{INTAKE};messageid={post['id']}"


def last(calls: list[Call]) -> Call:
    assert calls, "nothing was sent there"
    return calls[-1]


def test_maya_builds_the_rotation_by_mentioning_people_and_baton_reaches_each_of_them(
    teams: TeamsWorld,
) -> None:
    set_up_team(teams)
    double = teams.double

    assert last(double.to(MAYA.chat)).shows("Added <at>Frank Account</at> to the account manager")
    mentioned = last(double.to(MAYA.chat)).body["entities"]
    assert {"type": "mention", "text": "<at>Frank Account</at>"} | {
        "mentioned": {"id": FRANK.id, "name": "Frank Account"}
    } in mentioned
    assert last(double.to(ALICE.chat)).shows("added you to the qualifier rotation")
    # Dave was only seen in the team, Frank only in a mention: Baton opens a 1:1 chat for each.
    created = {call.body["members"][0]["id"]: call.body for call in double.created()}
    assert set(created) == {DAVE.id, FRANK.id}
    # The tenant, lost by serialised references, is put back (botbuilder spells it tenantID).
    assert created[DAVE.id]["channelData"] == {"tenant": {"id": TENANT}}
    assert created[DAVE.id]["tenantID"] == TENANT
    assert last(double.to(DAVE.chat)).shows("added you to the closer rotation")
    assert last(double.to(FRANK.chat)).shows("added you to the account manager rotation")


def test_a_days_relay_runs_from_intake_to_account_manager(teams: TeamsWorld) -> None:
    set_up_team(teams)
    send, double = teams.teams, teams.double

    # Wendy posts a lead in the intake channel: a card in its thread, a card in Alice's chat.
    post = send.lead_post(WEB, LEAD_POST)
    assert teams.post(post).status == 200
    assert teams.post(post).status == 200  # Teams retried: still one lead
    teams.deliver()
    thread = thread_of(teams, post)
    (thread_card,) = double.to(thread)
    assert thread_card.shows("L-1 → <at>Alice Able</at>")
    assert thread_card.card is not None
    assert thread_card.card["msteams"]["entities"][0]["mentioned"]["id"] == ALICE.id
    alice_card = last(double.to(ALICE.chat))
    assert alice_card.shows("New lead L-1 for you")
    assert alice_card.shows("Umbrella Corp")
    assert alice_card.buttons()[:2] == ["Claim", "Not mine"]
    card_id = teams.card_ref(1)
    assert card_id

    # Alice claims with the button (Action.Execute): her card turns into the working card.
    claimed = invoke_card(teams.post(send.execute(ALICE, "claim", {"baton": "claim", "lead": 1})))
    assert "L-1 is yours" in str(claimed)
    assert "qualify" in [action.get("verb") for action in claimed["actions"]]
    teams.deliver()
    assert last(double.to(thread)).shows("<at>Alice Able</at> claimed L-1")
    assert last(double.updates(thread)).activity_id == card_id
    assert last(double.updates(thread)).shows("Working")

    # Qualify opens the form in place of the card; an empty form comes back with the error.
    form = invoke_card(teams.post(send.execute(ALICE, "qualify", {"baton": "qualify", "lead": 1})))
    assert [item["id"] for item in form["body"] if item["type"] == "Input.Text"] == [
        "budget",
        "authority",
        "need",
        "timeline",
        "notes",
    ]
    submit = form["actions"][0]["data"]
    assert teams.post(send.submit(ALICE, {**submit, "budget": " ", "notes": ""})).status == 200
    teams.deliver()
    assert last(double.to(ALICE.chat)).shows("Fill in at least one field")
    answers = {"budget": "40k", "authority": "CFO signs", "need": "SSO", "timeline": "Q1"}
    assert teams.post(send.submit(ALICE, {**submit, **answers})).status == 200
    teams.deliver()
    assert last(double.to(ALICE.chat)).shows("L-1 is qualified")
    assert last(double.updates(thread)).shows("Budget: 40k")

    # Hand off to the next closer: Dave gets the handoff card with the qualification notes.
    handed = invoke_card(
        teams.post(send.execute(ALICE, "handoff", {"baton": "handoff", "lead": 1}))
    )
    assert "<at>Dave Closer</at>" in str(handed)
    teams.deliver()
    dave_card = last(double.to(DAVE.chat))
    assert dave_card.shows("handed you L-1")
    assert dave_card.shows("Authority: CFO signs")
    assert "won" in dave_card.verbs()
    assert "meeting" in dave_card.verbs()

    # Dave marks it won by typing in the lead's thread (@Baton, as in any channel).
    won = send.say_in_channel(DAVE, "lead won L-1 12k", thread=post["id"])
    assert teams.post(won).status == 200
    teams.deliver()
    assert any(call.shows("L-1 won at 12,000") for call in double.to(thread))

    # …and hands the customer on from his own chat, where no mention is needed.
    assert teams.post(send.say_personal(DAVE, "lead handoff L-1")).status == 200
    teams.deliver()
    assert last(double.to(FRANK.chat)).shows("handed you L-1")
    assert last(double.to(FRANK.chat)).shows("Won at 12,000")
    final = last(double.updates(thread))
    assert final.shows("Customer")
    assert final.shows("<at>Frank Account</at>")
    assert teams.outbox("failed") == 0


def test_a_reply_in_an_intake_thread_is_not_a_new_lead(teams: TeamsWorld) -> None:
    set_up_team(teams)
    post = teams.teams.lead_post(WEB, LEAD_POST)
    teams.post(post)
    reply = teams.teams.say_in_channel(
        WEB, "Lead: Priya Shah, priya@initech.com, Initech", thread=post["id"], at_baton=False
    )
    assert teams.post(reply).status == 200
    assert teams.rows("leads") == 1


def test_a_post_that_is_not_a_lead_is_kept_and_flagged_in_its_thread(teams: TeamsWorld) -> None:
    set_up_team(teams)
    post = teams.teams.lead_post(WEB, "Anyone seen the coffee machine guy?")
    assert teams.post(post).status == 200
    teams.deliver()
    assert any(c.shows("couldn't read a lead") for c in teams.double.to(thread_of(teams, post)))
    assert last(teams.double.to(MAYA.chat)).shows("unparsed post that needs a human")


def digest_messages(calls: list[Call]) -> list[Call]:
    """The messages of the latest digest: its figures first, then its pages of reps."""
    starts = [i for i, call in enumerate(calls) if call.shows("Compared with")]
    return [call for call in calls[starts[-1] :] if call.shows("Funnel digest")]


def test_the_funnel_comes_back_as_a_digest_card_with_its_chart(
    teams: TeamsWorld, clock: FakeClock
) -> None:
    set_up_team(teams)
    teams.post(teams.teams.lead_post(WEB, LEAD_POST))
    clock.advance(minutes=5)
    assert teams.post(teams.teams.say_personal(MAYA, "funnel today")).status == 200
    teams.deliver()
    digest, *pages = digest_messages(teams.double.to(MAYA.chat))
    assert digest.card is not None
    assert pages == []  # a small team's digest is one message, its reps included
    assert digest.shows("Alice Able")
    headlines = digest.card["body"][2]["facts"]
    assert {"title": "Inbound leads", "value": "1 (+1)"} in headlines
    images = [item for item in digest.card["body"] if item["type"] == "Image"]
    assert images
    assert images[0]["url"].startswith("data:image/png;base64,")


def test_a_typing_mistake_gets_the_usage_back_in_the_same_chat(teams: TeamsWorld) -> None:
    set_up_team(teams)
    assert teams.post(teams.teams.say_personal(DAVE, "lead won L-1")).status == 200
    assert teams.post(teams.teams.say_personal(DAVE, "hello there")).status == 200
    teams.deliver()
    usage, hello = teams.double.to(DAVE.chat)[-2:]
    assert "Usage" in usage.text
    assert "lead help" in hello.text


def a_day_then_its_digest(teams: TeamsWorld, clock: FakeClock) -> Period:
    """A lead posted, a day later the daily digest sent to the General channel and delivered."""
    set_up_team(teams)  # Baton was added to the team: it can post in its General channel
    teams.post(teams.teams.lead_post(WEB, LEAD_POST))
    clock.advance(days=1)
    daily = schedules(time(8), "UTC", teams_channel=GENERAL)[0]
    yesterday = last_complete_period("day", clock.now, "UTC")
    teams.baton.relay.run(SYSTEM, lambda ctx: send_digest(ctx, daily, yesterday))
    teams.deliver()
    return yesterday


def test_a_scheduled_digest_reaches_the_teams_channel_as_a_card_with_its_chart(
    teams: TeamsWorld, clock: FakeClock
) -> None:
    yesterday = a_day_then_its_digest(teams, clock)

    digest, *_pages = digest_messages(teams.double.to(GENERAL))
    assert digest.card is not None
    assert digest.shows(f"Funnel digest · {yesterday.label}")
    assert {"title": "Inbound leads", "value": "1 (+1)"} in digest.card["body"][2]["facts"]
    assert any(item["type"] == "Image" for item in digest.card["body"])


def test_a_digest_notice_that_names_no_period_reaches_the_channel_as_its_plain_text(
    teams: TeamsWorld,
) -> None:
    set_up_team(teams)
    text = "Funnel digest · Sun 22 Nov 2026\nCompared with Sat 21 Nov 2026\n\nInbound leads  1"

    def queue(ctx: Ctx) -> Outcome:
        ctx.uow.outbox.add(Notice(text, NoticeKind.DIGEST, channel=GENERAL, platform="teams"))
        return Outcome("")

    teams.baton.relay.run(SYSTEM, queue)
    teams.deliver()

    digest = last(teams.double.to(GENERAL))
    assert digest.card is not None
    assert digest.card["body"][0]["text"] == "Funnel digest · Sun 22 Nov 2026"
    assert digest.card["body"][1]["fontType"] == "Monospace"
    assert "Inbound leads  1" in digest.card["body"][1]["text"]


def test_a_managers_lead_erase_rewrites_batons_card_and_replies_in_the_thread(
    teams: TeamsWorld,
) -> None:
    """`@Baton lead erase L-1` in Teams: each message Baton posted about the lead in its thread
    is updated in place (PUT) to say details erased; nothing of the contact is said again."""
    set_up_team(teams)
    send, double = teams.teams, teams.double
    post = send.lead_post(WEB, LEAD_POST)
    assert teams.post(post).status == 200
    teams.deliver()
    assert teams.post(send.say_personal(ALICE, "lead claim L-1")).status == 200
    teams.deliver()
    thread = thread_of(teams, post)
    with teams.baton.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT sent_ref, notice FROM outbox WHERE lane = 'lead:1' AND sent_ref IS NOT NULL"
        ).all()
    posted = {ref for ref, notice in rows if json.loads(notice)["thread"]}
    in_chats = {ref for ref, notice in rows if json.loads(notice)["rep_id"]}
    assert teams.card_ref(1) in posted
    assert len(posted) >= 2  # the card and "Alice claimed L-1"
    assert in_chats  # "New lead L-1 for you" in Alice's chat
    before = len(double.sent())

    assert teams.post(send.say_personal(ALICE, "lead erase L-1")).status == 200
    teams.deliver()
    assert last(double.to(ALICE.chat)).shows("Only a manager can erase")
    assert teams.post(send.say_personal(MAYA, "lead erase L-1")).status == 200
    teams.deliver()

    assert last(double.to(MAYA.chat)).shows("details erased")
    updated = {call.activity_id for call in double.updates(thread)[-len(posted) :]}
    assert updated == posted
    assert in_chats <= {call.activity_id for call in double.updates(ALICE.chat)}
    said = json.dumps([call.body for call in double.sent()[before:]])
    assert "sam@umbrella.co" not in said
    assert "Sam Ortiz" not in said
    assert all("details erased" in json.dumps(c.body) for c in double.updates(thread)[-2:])
