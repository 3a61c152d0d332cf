"""Teams in and out without a server: reading activities, card data → commands, rendering
mentions and cards, classifying connector errors, remembering references, packaging the app."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib.image as mpimg
import pytest
from botbuilder.schema import Activity
from sqlalchemy import create_engine

from bot.outbox.port import PermanentDeliveryError, TransientDeliveryError
from bot.teams.listeners.submits import FormInvalid, command_from_card
from bot.teams.render.cards import lead_actions, lead_card
from bot.teams.render.outgoing import activity_for
from bot.teams.render.text import TeamsText
from bot.teams.transport import activities as a
from bot.teams.transport.notifier import classify, retry_after
from bot.teams.transport.package import PackageError, manifest, write_package
from bot.teams.transport.references import load, remember, restore, sightings
from routing.commands import (
    Churn,
    Claim,
    Decline,
    Disqualify,
    Handoff,
    LogMeeting,
    LogProposal,
    Qualify,
    Won,
)
from routing.errors import FormProblems, UsageError
from routing.lead import EMPTY_QUALIFICATION
from routing.notices import LeadCard, Notice, NoticeKind
from routing.roles import Platform
from routing.team import Rep
from storage import tables as t
from storage.conversations import SqlConversations
from tests.e2e.teams_support import ALICE, DAVE, MAYA, TENANT, Teams

TODAY = date(2026, 11, 23)
APP_ID = "6a0b9c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d"
teams = Teams("https://smba.trafficmanager.net/emea/")


def activity(payload: dict[str, Any]) -> Activity:
    return Activity().deserialize(payload)


# --- reading activities -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (teams.say_personal(MAYA, "lead claim L-4"), ("lead", "claim L-4")),
        (teams.say_personal(MAYA, "/Funnel week"), ("funnel", "week")),
        (teams.say_in_channel(MAYA, "lead claim 4"), ("lead", "claim 4")),
        (
            teams.say_in_channel(MAYA, "rotation add @Dave Closer closer", DAVE),
            ("rotation", f"add <@{DAVE.id}|Dave Closer> closer"),
        ),
        (teams.say_personal(MAYA, "hello Baton"), None),
        (teams.say_personal(MAYA, "lead  won L-4 &amp; more"), ("lead", "won L-4 & more")),
    ],
    ids=["personal", "slash", "channel", "mention", "not a command", "html escapes"],
)
def test_typed_text_becomes_the_command_word_and_the_rest(
    payload: dict[str, Any], words: tuple[str, str] | None
) -> None:
    assert a.command_words(activity(payload)) == words


def test_a_mention_of_a_tag_or_channel_keeps_only_its_name() -> None:
    payload = teams.say_personal(MAYA, "lead disqualify L-4 asked <at>Sales Ops</at> already")
    payload["entities"].append(
        {
            "type": "mention",
            "text": "<at>Sales Ops</at>",
            "mentioned": {"id": "TAG1", "name": "Sales Ops"},
        }
    )
    assert a.command_words(activity(payload)) == ("lead", "disqualify L-4 asked Sales Ops already")


def test_channel_ids_threads_and_tenant_are_read_from_the_activity() -> None:
    post = activity(teams.lead_post(ALICE, "Lead: x"))
    reply = activity(teams.say_in_channel(ALICE, "hi", thread=post.id))
    assert a.teams_channel_id(post) == "19:inbound-leads@thread.tacv2"
    assert a.tenant_id(post) == TENANT
    assert not a.is_thread_reply(post)
    assert a.is_thread_reply(reply)
    assert a.is_personal(activity(teams.say_personal(ALICE, "hi")))
    assert not a.is_personal(post)


def test_a_lead_post_in_html_is_read_as_lines() -> None:
    payload = teams.lead_post(ALICE, "<p>Lead: Sam Ortiz</p><p>sam@umbrella.co&nbsp;Umbrella</p>")
    assert a.plain_text(activity(payload)) == "Lead: Sam Ortiz\nsam@umbrella.co Umbrella"


# --- card data → commands ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "command"),
    [
        ({"baton": "claim", "lead": 4}, Claim(4)),
        ({"baton": "notmine", "lead": "L-4"}, Decline(4)),
        ({"baton": "handoff", "lead": 4}, Handoff(4)),
        ({"baton": "handoff qualifier", "lead": 4}, Handoff(4, to_qualifiers=True)),
        ({"baton": "meeting", "lead": 4}, LogMeeting(4)),
        ({"baton": "proposal requested", "lead": 4}, LogProposal(4, "requested")),
        ({"baton": "proposal presented", "lead": 4}, LogProposal(4, "presented")),
        ({"baton": "won", "lead": 4, "amount": " 12.5k "}, Won(4, Decimal(12500))),
        ({"baton": "disqualify", "lead": 4, "reason": " no budget "}, Disqualify(4, "no budget")),
        ({"baton": "churn", "lead": 4, "reason": ""}, Churn(4)),
        ({"baton": "churn", "lead": 4}, Churn(4)),
        ({"baton": "churn", "lead": 4, "reason": "in-house tool"}, Churn(4, "in-house tool")),
        ({"baton": "qualify", "lead": 4}, Qualify(4)),
    ],
)
def test_a_card_button_stands_for_the_command_its_words_would_type(
    data: dict[str, Any], command: object
) -> None:
    assert command_from_card(data) == command


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"baton": "explode", "lead": 4}, "not something a Baton button does"),
        ({"baton": "claim", "lead": "banana"}, "banana"),
    ],
)
def test_a_card_button_with_bad_data_is_refused_like_a_mistyped_command(
    data: dict[str, Any], problem: str
) -> None:
    with pytest.raises(UsageError, match=problem):
        command_from_card(data)


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        ({"baton": "lost", "lead": 4, "reason": "  "}, {"reason": "Reason is required."}),
        ({"baton": "won", "lead": 4, "amount": "lots"}, {"amount": "`lots` is not an amount"}),
    ],
)
def test_a_small_form_that_breaks_a_rule_is_refused_field_by_field(
    data: dict[str, Any], problems: dict[str, str]
) -> None:
    with pytest.raises(FormProblems) as refused:
        command_from_card(data)
    assert set(refused.value.problems) == set(problems)
    for key, start in problems.items():
        assert refused.value.problems[key].startswith(start)


def qualification(**typed: object) -> dict[str, object]:
    return {"baton": "qualify", "lead": 4, "form": True, **typed}


def test_the_qualification_form_needs_one_field_and_keeps_what_was_typed() -> None:
    with pytest.raises(FormInvalid) as empty:
        command_from_card(qualification(budget=" ", lead_title="Umbrella Corp"))
    assert empty.value.errors == {"form": EMPTY_QUALIFICATION}
    assert empty.value.title == "Umbrella Corp"
    assert empty.value.form.name == "qualify"

    with pytest.raises(FormInvalid) as long:
        command_from_card(qualification(need="x" * 201, notes="fine"))
    assert long.value.errors == {"need": "Need is too long: at most 200 characters."}
    assert long.value.values["notes"] == "fine"

    typed = qualification(budget="40k", notes="line one\nline two")
    assert command_from_card(typed) == Qualify(4, budget="40k", notes="line one\nline two")


# --- rendering --------------------------------------------------------------------------------

TEAMS_REP = Rep(Platform.TEAMS, ALICE.id, "Alice Able", id=1)
SLACK_REP = Rep(Platform.SLACK, "UCARL", "Carl Closer", id=2)
REPS = {1: TEAMS_REP, 2: SLACK_REP}


def test_a_teams_rep_is_mentioned_and_a_slack_rep_is_named() -> None:
    say = TeamsText(REPS)
    text = say(f"{TEAMS_REP.mention} handed L-4 to {SLACK_REP.mention} and <rep:9|Gone Person>")
    assert text == "<at>Alice Able</at> handed L-4 to Carl Closer and Gone Person"
    assert say.entities == [
        {
            "type": "mention",
            "text": "<at>Alice Able</at>",
            "mentioned": {"id": ALICE.id, "name": "Alice Able"},
        }
    ]


def test_a_text_notice_is_a_markdown_message_with_its_mention_entities() -> None:
    sent = activity_for(Notice(text=f"Hi {TEAMS_REP.mention}\nbye", rep_id=1), REPS)
    assert sent.text == "Hi <at>Alice Able</at>\n\nbye"
    assert sent.entities[0].mentioned.id == ALICE.id
    assert sent.attachments is None


CARD = LeadCard(
    lead_id=4,
    ref="L-4",
    title="Umbrella Corp — Sam Ortiz",
    stage="working",
    owner=TEAMS_REP.mention,
    details={"Email": "sam@umbrella.co"},
    qualification="Budget: 40k",
    actions=("qualify", "disqualify", "won"),
)


def test_a_lead_card_shows_owner_details_notes_and_a_button_per_next_step() -> None:
    card = lead_card(CARD, TeamsText(REPS), "Claimed by <rep:1|Alice Able>")
    text = json.dumps(card, ensure_ascii=False)
    assert "Working** · owner <at>Alice Able</at>" in text
    assert "sam@umbrella.co" in text
    assert "Budget: 40k" in text
    assert card["msteams"]["entities"][0]["mentioned"]["id"] == ALICE.id
    qualify, disqualify, won = card["actions"]
    assert qualify == {
        "type": "Action.Execute",
        "title": "Qualify",
        "verb": "qualify",
        "data": {"baton": "qualify", "lead": 4},
        "style": "positive",
    }
    assert disqualify["type"] == "Action.ShowCard"
    _title, reason = disqualify["card"]["body"]
    assert reason["id"] == "reason"
    assert reason["isRequired"] is True
    assert won["card"]["actions"][0]["data"] == {"baton": "won", "lead": 4}


def test_not_mine_asks_first_and_its_yes_carries_the_same_data_as_before() -> None:
    (not_mine,) = lead_actions(4, ["notmine"])
    assert not_mine["type"] == "Action.ShowCard"
    (question,) = not_mine["card"]["body"]
    assert question["text"] == "Pass this lead to the next rep in the rotation?"
    (yes,) = not_mine["card"]["actions"]
    assert (yes["title"], yes["data"]) == ("Yes", {"baton": "notmine", "lead": 4})


def test_every_next_step_the_domain_offers_has_a_button() -> None:
    from routing.stages import Action, Stage, next_step_actions

    offered = {
        action.value
        for stage in Stage
        for prospecting in (False, True)
        for action in next_step_actions(stage, prospecting=prospecting)
    }
    buttons = lead_actions(1, sorted(offered))
    assert len(buttons) == len(offered - {Action.ASSIGN.value})


def test_a_lead_card_notice_becomes_an_adaptive_card_attachment() -> None:
    notice = Notice(text="New lead", kind=NoticeKind.LEAD_CARD, rep_id=1, card=CARD)
    sent = activity_for(notice, REPS)
    (attachment,) = sent.attachments
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    assert attachment.content["version"] == "1.4"
    assert sent.summary == "New lead"


# --- connector errors -------------------------------------------------------------------------


def http_error(status: int, headers: dict[str, str] | None = None) -> Any:
    from msrest.exceptions import HttpOperationError

    error = HttpOperationError.__new__(HttpOperationError)
    error.response = SimpleNamespace(status_code=status, headers=headers or {})
    error.message = f"status {status}"
    return error


@pytest.mark.parametrize(
    ("status", "headers", "kind", "wait"),
    [
        (429, {"Retry-After": "7"}, TransientDeliveryError, 7.0),
        (503, {}, TransientDeliveryError, None),
        (500, {}, TransientDeliveryError, None),
        (408, {}, TransientDeliveryError, None),
        (403, {}, PermanentDeliveryError, None),
        (404, {}, PermanentDeliveryError, None),
    ],
)
def test_teams_throttling_and_outages_are_retried_and_refusals_are_final(
    status: int, headers: dict[str, str], kind: type, wait: float | None
) -> None:
    failure = classify(http_error(status, headers))
    assert isinstance(failure, kind)
    assert getattr(failure, "retry_after", None) == wait


def test_retry_after_may_be_an_http_date() -> None:
    soon = datetime.now(UTC).replace(microsecond=0).timestamp() + 120
    header = datetime.fromtimestamp(soon, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 100 < (retry_after(header) or 0) <= 120
    assert retry_after("soon") is None


# --- conversation references ------------------------------------------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    """The conversation store ``baton serve`` uses, on a table of its own."""
    engine = create_engine(f"sqlite:///{tmp_path}/refs.db")
    t.metadata.create_all(engine)
    return SqlConversations(engine)


def test_a_personal_chat_is_remembered_with_its_tenant_and_a_channel_never_replaces_it(
    engine: Any,
) -> None:
    at = datetime(2026, 11, 23, 9, tzinfo=UTC)
    remember(engine, sightings(activity(teams.installed_personally(ALICE)), https_only=True), at)
    remember(
        engine, sightings(activity(teams.say_in_channel(ALICE, "lead mine")), https_only=True), at
    )

    stored = load(engine, ALICE.id)
    assert stored is not None
    assert stored.tenant_id == TENANT
    ref = restore(stored)
    assert ref.conversation.id == ALICE.chat
    assert ref.conversation.tenant_id == TENANT  # lost by serialisation, put back
    assert load(engine, "19:inbound-leads@thread.tacv2") is not None


def test_someone_mentioned_in_a_managers_chat_is_not_given_that_chat(engine: Any) -> None:
    said = activity(teams.say_personal(MAYA, "rotation add @Dave Closer closer", DAVE))
    remember(engine, sightings(said, https_only=True), datetime(2026, 11, 23, 9, tzinfo=UTC))

    dave, maya = load(engine, DAVE.id), load(engine, MAYA.id)
    assert dave is not None
    assert maya is not None
    assert dave.reference["batonPersonalChat"] is False
    assert maya.reference["batonPersonalChat"] is True


# --- the app package --------------------------------------------------------------------------


def test_the_manifest_declares_the_bot_commands_scopes_and_channel_message_consent() -> None:
    data = json.loads(manifest(APP_ID, "baton.example.com"))
    (bot,) = data["bots"]
    assert data["id"] == bot["botId"] == data["webApplicationInfo"]["id"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    commands = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert commands == ["lead", "rotation", "funnel"]
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in data["authorization"][
        "permissions"
    ]["resourceSpecific"]
    assert data["validDomains"] == ["baton.example.com"]
    assert "{{" not in json.dumps(data)


def test_the_package_is_a_zip_of_the_manifest_and_two_icons(tmp_path: Path) -> None:
    out = write_package(tmp_path / "baton.zip", APP_ID)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        archive.extractall(tmp_path / "unzipped")
    color = mpimg.imread(tmp_path / "unzipped" / "color.png")
    outline = mpimg.imread(tmp_path / "unzipped" / "outline.png")
    assert color.shape[:2] == (192, 192)
    assert outline.shape == (32, 32, 4)
    visible = outline[outline[..., 3] > 0]
    assert (visible[:, :3] == 1.0).all()  # white on transparent, as Teams requires
    assert (outline[..., 3] == 0).any()


def test_packaging_without_a_real_app_id_says_what_to_set() -> None:
    with pytest.raises(PackageError, match="MICROSOFT_APP_ID"):
        manifest("", None)


def test_a_lead_post_that_mentions_baton_is_read_without_the_mention() -> None:
    payload = teams.say_in_channel(ALICE, "Lead: Sam Ortiz, sam@umbrella.co cc @Dave Closer", DAVE)
    assert a.plain_text(activity(payload)) == "Lead: Sam Ortiz, sam@umbrella.co cc Dave Closer"
