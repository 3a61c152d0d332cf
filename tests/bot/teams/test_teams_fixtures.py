"""Teams' documented activity shapes, recorded in ``tests/fixtures/teams/``: botbuilder keeps every
field Baton reads, Baton's translation reads each shape as intended, the test builder changes only
what varies, and the connector double's answers are the connector's documented responses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationResourceResponse,
    ErrorResponse,
    ResourceResponse,
)
from botbuilder.schema.teams import TeamsChannelAccount
from sqlalchemy import select

from bot.bootstrap import build
from bot.teams.listeners.submits import command_from_card
from bot.teams.transport import activities as a
from bot.teams.transport.references import sightings
from routing.commands import Claim, Disqualify
from routing.roles import Platform
from routing.usecases.context import Actor
from storage import tables as t
from tests.bot.teams.test_teams_handler import Turns
from tests.e2e.teams_support import (
    ALICE,
    BOT,
    DAVE,
    FIXTURES,
    GENERAL,
    INTAKE,
    MAYA,
    TEAM_ID,
    TENANT,
    WEB,
    Teams,
    fixture,
    teams_settings,
)
from tests.support.clock import FakeClock

ACTIVITIES = sorted(p.stem for p in FIXTURES.glob("*.json") if not p.stem.startswith("connector_"))
RECORDED_URL = "https://smba.trafficmanager.net/emea/"
BERLIN = "Europe/Berlin"
SAM = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"
PRIYA = "Lead: Priya Shah, priya@initech.com, Initech"
WIRE_FIELDS = (
    "type",
    "id",
    "channelId",
    "serviceUrl",
    "name",
    "text",
    "value",
    "action",
    "replyToId",
    "localTimezone",
)
"""The top-level fields Baton (or botbuilder on its behalf) reads, besides the objects below."""


def parsed(name: str) -> Activity:
    return Activity().deserialize(fixture(name))


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _account(who: ChannelAccount | None) -> dict[str, Any] | None:
    if who is None:
        return None
    named = {"id": who.id, "name": who.name, "aadObjectId": who.aad_object_id}
    return _present({**named, **(who.additional_properties or {})})


def read_back(activity: Activity) -> dict[str, Any]:
    """What botbuilder kept of an activity, in the wire's names (``tenantId`` and entity
    properties live in ``additional_properties``: botbuilder has no field for them)."""
    conversation = activity.conversation
    data = a.channel_data(activity)
    kept = {field: getattr(activity, _python_name(field)) for field in WIRE_FIELDS}
    return _present(
        {
            **kept,
            "from": _account(activity.from_property),
            "recipient": _account(activity.recipient),
            "conversation": _present(
                {
                    "isGroup": conversation.is_group,
                    "conversationType": conversation.conversation_type,
                    "id": conversation.id,
                    "name": conversation.name,
                    **(conversation.additional_properties or {}),
                }
            ),
            "channelData": {key: data[key] for key in ("tenant", "team", "channel") if key in data},
            "entities": [
                {"type": entity.type, **entity.additional_properties}
                for entity in activity.entities
            ]
            if activity.entities is not None
            else None,
            "membersAdded": [_account(m) for m in activity.members_added]
            if activity.members_added is not None
            else None,
        }
    )


def on_the_wire(payload: dict[str, Any]) -> dict[str, Any]:
    """The same fields as Teams sent them."""
    data = payload["channelData"]
    objects = ("from", "recipient", "conversation", "entities", "membersAdded")
    return {
        **{field: payload[field] for field in (*WIRE_FIELDS, *objects) if field in payload},
        "channelData": {key: data[key] for key in ("tenant", "team", "channel") if key in data},
    }


def _python_name(field: str) -> str:
    return {
        "channelId": "channel_id",
        "serviceUrl": "service_url",
        "replyToId": "reply_to_id",
        "localTimezone": "local_timezone",
    }.get(field, field)


# --- botbuilder reads every recorded shape -----------------------------------------------------


@pytest.mark.parametrize("name", ACTIVITIES)
def test_every_recorded_activity_keeps_every_field_baton_reads_through_botbuilder(
    name: str,
) -> None:
    payload = fixture(name)
    assert read_back(Activity().deserialize(payload)) == on_the_wire(payload)


def test_the_recordings_cover_every_activity_baton_receives() -> None:
    assert ACTIVITIES == [
        "conversation_update_bot_added",
        "installation_update_add",
        "invoke_card_action",
        "message_card_submit",
        "message_channel_mention",
        "message_channel_post",
        "message_from_app",
        "message_personal",
        "message_thread_reply",
    ]
    assert (FIXTURES / "README.md").read_text(encoding="utf-8").count(".json`") == len(
        list(FIXTURES.glob("*.json"))
    )


# --- Baton's translation reads each shape as intended ------------------------------------------


def test_a_personal_message_is_a_command_from_its_sender_without_a_mention() -> None:
    said = parsed("message_personal")
    assert a.is_personal(said)
    assert not a.mentions_bot(said)
    assert a.command_words(said) == ("lead", "mine")
    assert a.actor_of(said) == Actor(Platform.TEAMS, MAYA.id, MAYA.name, BERLIN)
    assert a.tenant_id(said) == TENANT
    assert a.card_value(said) is None
    assert not a.is_thread_reply(said)


def test_a_channel_message_that_mentions_baton_is_a_command_in_that_channel() -> None:
    said = parsed("message_channel_mention")
    assert not a.is_personal(said)
    assert a.mentions_bot(said)
    assert a.command_words(said) == ("lead", "claim L-4")
    assert a.actor_of(said) == Actor(Platform.TEAMS, ALICE.id, ALICE.name, BERLIN)
    assert (a.teams_channel_id(said), a.team_id(said), a.tenant_id(said)) == (
        INTAKE,
        TEAM_ID,
        TENANT,
    )
    assert a.base_conversation(a.conversation_id(said)) == INTAKE
    assert not a.is_thread_reply(said)


def test_a_channel_post_without_a_mention_is_read_as_a_new_post_of_plain_text() -> None:
    post = parsed("message_channel_post")
    assert not a.is_personal(post)
    assert not a.mentions_bot(post)
    assert a.command_words(post) is None
    assert a.plain_text(post) == SAM
    assert a.teams_channel_id(post) == INTAKE
    assert not a.is_thread_reply(post)
    assert a.actor_of(post) == Actor(Platform.TEAMS, WEB.id, WEB.name, BERLIN)


def test_a_channel_post_whose_channel_data_names_no_channel_is_read_in_its_conversations_channel(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Teams documents ``channelData.channel`` only for messages that mention the bot and for
    channel events: a post seen through ``ChannelMessage.Read.Group`` may carry the tenant and
    team alone. Its conversation id still names the channel, so the lead is not lost."""
    payload = fixture("message_channel_post")
    payload["channelData"] = {key: payload["channelData"][key] for key in ("team", "tenant")}
    post = Activity().deserialize(payload)
    assert a.teams_channel_id(post) == INTAKE
    assert not a.is_personal(post)

    baton = build(teams_settings(f"sqlite:///{tmp_path}/rsc.db"), clock=clock)
    Turns(baton)(payload)
    with baton.engine.connect() as conn:
        assert conn.execute(select(t.leads.c.company)).scalars().all() == ["Umbrella Corp"]


@pytest.mark.parametrize("reply_to_id", [True, False], ids=["with replyToId", "without"])
def test_a_reply_in_a_thread_is_read_as_a_reply_to_its_root_post(reply_to_id: bool) -> None:
    """Microsoft's examples carry ``replyToId``; replies recorded by its SDK's tests do not. The
    conversation id (``<channel>;messageid=<root>``) tells either way."""
    payload = fixture("message_thread_reply")
    root = payload["replyToId"]
    if not reply_to_id:
        del payload["replyToId"]
    reply = Activity().deserialize(payload)
    assert a.is_thread_reply(reply)
    assert a.conversation_id(reply) == a.thread_conversation(INTAKE, root)
    assert a.command_words(reply) == ("lead", "won L-1 12k")
    assert a.actor_of(reply) == Actor(Platform.TEAMS, DAVE.id, DAVE.name, BERLIN)


def test_an_action_submit_is_the_cards_value_from_whoever_pressed_it() -> None:
    submit = parsed("message_card_submit")
    assert a.card_value(submit) == fixture("message_card_submit")["value"]
    assert a.command_words(submit) is None
    assert a.actor_of(submit) == Actor(Platform.TEAMS, ALICE.id, ALICE.name, BERLIN)
    assert command_from_card(a.card_value(submit) or {}) == Disqualify(1, "no budget")


def test_an_action_execute_invoke_carries_the_buttons_verb_and_data() -> None:
    click = parsed("invoke_card_action")
    assert (click.type, click.name) == ("invoke", "adaptiveCard/action")
    action = click.value["action"]
    assert command_from_card({"baton": action["verb"], **action["data"]}) == Claim(1)
    assert a.actor_of(click) == Actor(Platform.TEAMS, ALICE.id, ALICE.name, BERLIN)
    assert a.is_personal(click)
    assert a.card_value(click) is None  # an invoke is answered in its response, not as a submit


def test_installing_baton_for_oneself_teaches_baton_that_persons_own_chat() -> None:
    installed = parsed("installation_update_add")
    assert (installed.type, installed.action) == ("installationUpdate", "add")
    assert a.is_personal(installed)
    seen = {s.key: s for s in sightings(installed, https_only=True)}
    assert seen[ALICE.id].personal
    assert seen[ALICE.id].tenant_id == TENANT
    assert seen[ALICE.id].reference["conversation"]["id"] == ALICE.chat


def test_baton_added_to_a_team_is_a_member_added_in_the_teams_channel() -> None:
    added = parsed("conversation_update_bot_added")
    assert [m.id for m in added.members_added] == [added.recipient.id] == [BOT["id"]]
    assert (a.team_id(added), a.tenant_id(added)) == (TEAM_ID, TENANT)
    assert not a.is_personal(added)
    seen = {s.key: s for s in sightings(added, https_only=True)}
    assert GENERAL in seen
    assert not seen[MAYA.id].personal  # a team is not the 1:1 chat of whoever added Baton


def test_a_message_from_another_app_has_no_actor_but_is_still_a_channel_post() -> None:
    post = parsed("message_from_app")
    assert not a.is_user(post.from_property.id)
    assert a.actor_of(post) is None
    assert a.plain_text(post) == PRIYA
    assert a.teams_channel_id(post) == INTAKE
    assert not a.is_thread_reply(post)
    assert [s.key for s in sightings(post, https_only=True)] == [INTAKE]


def test_a_lead_another_app_posts_in_an_intake_channel_becomes_a_lead(
    tmp_path: Path, clock: FakeClock
) -> None:
    baton = build(teams_settings(f"sqlite:///{tmp_path}/apps.db"), clock=clock)
    Turns(baton)(fixture("message_from_app"))
    with baton.engine.connect() as conn:
        (company,) = conn.execute(select(t.leads.c.company)).scalars()
    assert company == "Initech"


# --- the builder changes only what varies ------------------------------------------------------

BUILT: dict[str, Callable[[Teams], dict[str, Any]]] = {
    "message_personal": lambda teams: teams.say_personal(MAYA, "lead mine"),
    "message_channel_mention": lambda teams: teams.say_in_channel(ALICE, "lead claim L-4"),
    "message_channel_post": lambda teams: teams.lead_post(WEB, SAM),
    "message_thread_reply": lambda teams: teams.say_in_channel(
        DAVE, "lead won L-1 12k", thread=fixture("message_thread_reply")["replyToId"]
    ),
    "message_card_submit": lambda teams: teams.submit(
        ALICE, {"baton": "disqualify", "lead": 1, "reason": "no budget"}
    ),
    "invoke_card_action": lambda teams: teams.execute(
        ALICE, "claim", {"baton": "claim", "lead": 1}
    ),
    "installation_update_add": lambda teams: teams.installed_personally(ALICE),
    "conversation_update_bot_added": lambda teams: teams.added_to_team(MAYA),
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_given_the_recorded_words_the_builder_makes_the_recorded_activity_but_for_ids(
    name: str,
) -> None:
    recorded = fixture(name)
    built = BUILT[name](Teams("http://127.0.0.1:9/"))
    assert built["serviceUrl"] == "http://127.0.0.1:9/"
    assert built["id"] != recorded["id"]
    assert built["id"].startswith("f:") == recorded["id"].startswith("f:")
    # A new post's conversation names the post itself as its thread's root.
    built["conversation"]["id"] = built["conversation"]["id"].replace(
        f"messageid={built['id']}", f"messageid={recorded['id']}"
    )
    assert {**built, "id": recorded["id"], "serviceUrl": RECORDED_URL} == recorded


def test_mentions_in_built_text_get_an_entity_and_a_span_each() -> None:
    said = Teams(RECORDED_URL).say_in_channel(MAYA, "rotation add @Dave Closer closer", DAVE)
    activity = Activity().deserialize(said)
    assert said["text"] == "<at>Baton</at> rotation add <at>Dave Closer</at> closer"
    assert [(m.user_id, m.text) for m in a.mentions(activity)] == [
        (BOT["id"], "<at>Baton</at>"),
        (DAVE.id, "<at>Dave Closer</at>"),
    ]
    assert 'itemid="1">Dave Closer</span>' in said["attachments"][0]["content"]
    assert a.command_words(activity) == ("rotation", f"add <@{DAVE.id}|Dave Closer> closer")


# --- the connector's documented answers --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("connector_resource_response", ResourceResponse),
        ("connector_conversation_resource_response", ConversationResourceResponse),
        ("connector_error_response", ErrorResponse),
        ("connector_teams_channel_account", TeamsChannelAccount),
    ],
)
def test_the_recorded_connector_answers_are_botbuilders_response_models_whole(
    name: str, model: Any
) -> None:
    answer = fixture(name)
    assert model.deserialize(answer).serialize() == answer
