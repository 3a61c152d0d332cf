"""The Teams activity handler under botbuilder's ``TestAdapter``: activities in, relay calls and
queued answers out (no HTTP, no connector)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity
from sqlalchemy import select

from bot.baton import Baton
from bot.bootstrap import build
from bot.outbox.port import Delivery, PermanentDeliveryError
from bot.teams.listeners.handler import BatonTeamsBot
from bot.teams.transport.adapter import make_adapter
from bot.teams.transport.notifier import TeamsNotifier
from routing import limits
from routing.chat.sorry import SORRY
from routing.notices import Notice
from routing.roles import Platform
from routing.team import Rep
from routing.usecases.context import Actor
from storage import tables as t
from storage.codec import notice_from
from tests.e2e.teams_support import (
    ALICE,
    DAVE,
    INTAKE,
    MAYA,
    WEB,
    Teams,
    User,
    teams_settings,
)
from tests.support.clock import FakeClock

SERVICE_URL = "https://smba.trafficmanager.net/emea/"
LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


@pytest.fixture
def baton(tmp_path: Path, clock: FakeClock) -> Baton:
    return build(teams_settings(f"sqlite:///{tmp_path}/teams-unit.db"), clock=clock)  # type: ignore[arg-type]


@pytest.fixture
def teams() -> Teams:
    return Teams(SERVICE_URL)


class Turns:
    """Runs activities through the bot on a ``TestAdapter``; keeps what the bot sent back."""

    def __init__(self, baton: Baton) -> None:
        self.adapter = TestAdapter(BatonTeamsBot(baton).on_turn)

    def __call__(self, payload: dict[str, Any]) -> None:
        asyncio.run(self.adapter.receive_activity(Activity().deserialize(payload)))

    def invoke(self, payload: dict[str, Any]) -> dict[str, Any]:
        self(payload)
        (response,) = [a for a in self.adapter.activity_buffer if a.type == "invokeResponse"]
        self.adapter.activity_buffer.clear()
        assert response.value.status == 200
        return dict(response.value.body)


def queued(baton: Baton) -> list[Notice]:
    with baton.engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.notice).order_by(t.outbox.c.id)).scalars()
        return [notice_from(row) for row in rows]


def rep(baton: Baton, user: User) -> Rep:
    return baton.relay.rep(Actor(Platform.TEAMS, user.id))


def pools_of(baton: Baton, user_id: str) -> set[str]:
    with baton.engine.connect() as conn:
        query = (
            select(t.memberships.c.pool)
            .join(t.reps, t.reps.c.id == t.memberships.c.rep_id)
            .where(t.reps.c.user_id == user_id)
        )
        return set(conn.execute(query).scalars())


def lead_stage(baton: Baton, lead_id: int) -> str:
    with baton.engine.connect() as conn:
        return str(
            conn.execute(select(t.leads.c.stage).where(t.leads.c.id == lead_id)).scalar_one()
        )


def with_a_claimable_lead(baton: Baton, turns: Turns, teams: Teams) -> dict[str, Any]:
    turns(teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE))
    post = teams.lead_post(WEB, LEAD_POST)
    turns(post)
    return post


# --- typed commands ---------------------------------------------------------------------------


def test_a_mention_in_a_channel_command_names_the_user_by_its_entity(
    baton: Baton, teams: Teams
) -> None:
    turns = Turns(baton)
    said = teams.say_in_channel(
        MAYA, "rotation add @Dave Closer closer", DAVE, channel="19:x@thread.tacv2"
    )

    turns(said)

    assert pools_of(baton, DAVE.id) == {"closer"}
    assert rep(baton, DAVE).name == "Dave Closer"
    (reply,) = [n for n in queued(baton) if n.channel]
    assert reply.channel == said["conversation"]["id"]  # in the thread the command started
    assert reply.platform == "teams"
    assert "Added <rep:" in reply.text


def test_two_people_with_one_display_name_are_told_apart_by_their_ids(
    baton: Baton, teams: Teams
) -> None:
    other_dave = User("29:1dave-other", "Dave Closer", "aad-dave-2")
    Turns(baton)(teams.say_personal(MAYA, "rotation add @Dave Closer closer", other_dave))

    assert pools_of(baton, other_dave.id) == {"closer"}
    assert pools_of(baton, DAVE.id) == set()


def test_in_a_channel_baton_answers_only_when_mentioned(baton: Baton, teams: Teams) -> None:
    Turns(baton)(
        teams.say_in_channel(MAYA, "lead mine", channel="19:chatter@thread.tacv2", at_baton=False)
    )
    assert queued(baton) == []


def test_in_a_personal_chat_no_mention_is_needed_and_a_slash_is_fine(
    baton: Baton, teams: Teams
) -> None:
    Turns(baton)(teams.say_personal(MAYA, "/lead mine"))

    (reply,) = queued(baton)
    assert reply.channel == MAYA.chat
    assert "L-" not in reply.text


def test_a_usage_mistake_is_answered_with_the_usage(baton: Baton, teams: Teams) -> None:
    Turns(baton)(teams.say_personal(MAYA, "lead claim"))

    (reply,) = queued(baton)
    assert "Usage" in reply.text
    assert "/lead claim" in reply.text


def test_a_failure_of_ours_is_logged_once_and_answered_with_the_one_apology(
    baton: Baton, teams: Teams, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    turns = Turns(baton)
    with_a_claimable_lead(baton, turns, teams)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(baton.relay, "execute", broken)
    turns(teams.say_personal(ALICE, "lead claim L-1"))
    body = turns.invoke(teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1}))

    assert queued(baton)[-1].text == SORRY
    assert body["value"] == SORRY
    failures = [r for r in caplog.records if r.exc_info and "failed" in r.getMessage()]
    assert len(failures) == 2
    assert lead_stage(baton, 1) == "assigned"


# --- card buttons -----------------------------------------------------------------------------


def test_an_action_submit_message_claims_the_lead(baton: Baton, teams: Teams) -> None:
    turns = Turns(baton)
    with_a_claimable_lead(baton, turns, teams)

    turns(teams.submit(ALICE, {"baton": "claim", "lead": 1}))

    assert lead_stage(baton, 1) == "working"
    assert "L-1 is yours" in queued(baton)[-1].text


def test_an_action_execute_invoke_answers_with_the_refreshed_card(
    baton: Baton, teams: Teams
) -> None:
    turns = Turns(baton)
    with_a_claimable_lead(baton, turns, teams)

    body = turns.invoke(teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1}))

    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    card = body["value"]
    assert "L-1 is yours" in card["body"][0]["text"]
    assert card["msteams"]["entities"][0]["mentioned"]["id"] == ALICE.id
    assert lead_stage(baton, 1) == "working"


def test_an_empty_qualification_form_comes_back_with_the_error_and_changes_nothing(
    baton: Baton, teams: Teams
) -> None:
    turns = Turns(baton)
    with_a_claimable_lead(baton, turns, teams)
    turns.invoke(teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1}))
    form = turns.invoke(teams.execute(ALICE, "qualify", {"baton": "qualify", "lead": 1}))["value"]
    submit = form["actions"][0]["data"]

    again = turns.invoke(teams.execute(ALICE, "qualify", {**submit, "budget": "  "}))["value"]

    assert "Fill in at least one field" in str(again)
    assert lead_stage(baton, 1) == "working"
    done = turns.invoke(teams.execute(ALICE, "qualify", {**submit, "need": "SSO for 300 people"}))
    assert "L-1 is qualified" in str(done["value"])
    assert lead_stage(baton, 1) == "qualified"


def test_a_manager_fixes_an_unparsed_post_with_the_fix_form_and_it_is_routed(
    baton: Baton, teams: Teams
) -> None:
    turns = Turns(baton)
    turns(teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE))
    turns(teams.lead_post(WEB, "someone rang about pricing, call back pls"))
    assert lead_stage(baton, 1) == "unparsed"
    shown = {"baton": "fix", "lead": 1}  # the Fix button's form opens in the card itself

    again = turns.invoke(teams.execute(MAYA, "fix", {**shown, "company": "Umbrella"}))["value"]

    assert "Give an email address or a phone number" in str(again)
    assert lead_stage(baton, 1) == "unparsed"
    done = turns.invoke(
        teams.execute(MAYA, "fix", {**shown, "email": "sam@umbrella.co", "company": "Umbrella"})
    )
    assert "Fixed L-1 (Umbrella — sam@umbrella.co)" in str(done["value"])
    assert lead_stage(baton, 1) == "assigned"


def test_qualify_clicked_on_a_channel_card_sends_the_form_to_the_clickers_chat(
    baton: Baton, teams: Teams
) -> None:
    turns = Turns(baton)
    post = with_a_claimable_lead(baton, turns, teams)
    turns.invoke(teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1}))
    in_thread = {
        "isGroup": True,
        "conversationType": "channel",
        "id": f"{INTAKE};messageid={post['id']}",
    }

    body = turns.invoke(
        teams.execute(
            ALICE,
            "qualify",
            {"baton": "qualify", "lead": 1},
            conversation=in_thread,
            channel_data=teams.channel_data(),
        )
    )

    assert body["type"] == "application/vnd.microsoft.activity.message"
    form = queued(baton)[-1]
    assert form.rep_id == rep(baton, ALICE).id
    assert form.data["form"] == "qualify"
    assert form.data["lead"] == 1


# --- intake -----------------------------------------------------------------------------------


def test_a_channel_post_delivered_twice_makes_one_lead(baton: Baton, teams: Teams) -> None:
    turns = Turns(baton)
    post = teams.lead_post(WEB, LEAD_POST)

    turns(post)
    turns(post)
    turns(teams.lead_post(WEB, "Lead: Priya Shah, priya@initech.com, Initech"))

    with baton.engine.connect() as conn:
        sources = conn.execute(select(t.leads.c.source_message_id).order_by(t.leads.c.id)).all()
    assert [row[0] for row in sources] == [post["id"], str(int(post["id"]) + 1)]


def test_a_command_whose_delivery_key_is_too_long_to_store_is_still_applied_once(
    baton: Baton, teams: Teams
) -> None:
    """An activity id and a conversation id each within their limits, together longer than a
    stored key: the key is kept as a digest, and a redelivery still changes nothing."""
    said = teams.say_personal(MAYA, "lead new Initech tom@initech.com")
    said["id"] = "1" * limits.MESSAGE_ID
    said["conversation"]["id"] = "a:" + "x" * (limits.CONVERSATION_KEY - 2)

    Turns(baton)(said)
    Turns(baton)(said)

    with baton.engine.connect() as conn:
        keys = conn.execute(select(t.delivery_keys.c.key)).scalars().all()
        leads = conn.execute(select(t.leads.c.id)).scalars().all()
    assert leads == [1]
    assert len(keys) == 1
    assert keys[0].startswith("sha256:")


def test_a_post_in_a_channel_that_is_not_an_intake_channel_is_not_a_lead(
    baton: Baton, teams: Teams
) -> None:
    Turns(baton)(teams.lead_post(WEB, LEAD_POST, channel="19:random@thread.tacv2"))
    with baton.engine.connect() as conn:
        assert conn.execute(select(t.leads.c.id)).all() == []


# --- proactive reach --------------------------------------------------------------------------


def test_a_message_for_someone_baton_cannot_reach_fails_and_the_managers_hear_of_it(
    baton: Baton, teams: Teams
) -> None:
    Turns(baton)(teams.say_personal(MAYA, "lead mine"))  # Maya is a manager Baton knows
    stranger = baton.relay.rep(Actor(Platform.TEAMS, "29:1never-seen", "Nina New"))
    notifier = teams_notifier(baton)
    notice = Notice(text="New lead L-7 for you", rep_id=stranger.id)
    reps = {r.id or 0: r for r in (stranger, rep(baton, MAYA))}

    with pytest.raises(PermanentDeliveryError, match="has not talked to Baton"):
        notifier.deliver(Delivery(notice, stranger, None, reps))

    warning = queued(baton)[-1]
    assert warning.rep_id == rep(baton, MAYA).id
    assert "Nina New" in warning.text
    assert "New lead L-7 for you" in warning.text
    # A warning for a manager Baton can't reach either is not itself warned about.
    undeliverable = dataclasses.replace(warning, rep_id=stranger.id)
    with pytest.raises(PermanentDeliveryError):
        notifier.deliver(Delivery(undeliverable, stranger, None, reps))
    assert queued(baton)[-1] == warning


def test_a_lead_post_that_mentions_baton_is_still_a_lead(baton: Baton, teams: Teams) -> None:
    Turns(baton)(teams.say_in_channel(WEB, LEAD_POST))  # "@Baton Lead: …" in the intake channel
    with baton.engine.connect() as conn:
        (company,) = conn.execute(select(t.leads.c.company)).scalars()
    assert company == "Umbrella Corp"


def test_another_app_mentioning_baton_gets_no_answer(baton: Baton, teams: Teams) -> None:
    payload = teams.say_personal(MAYA, "lead mine")
    payload["from"] = {"id": "28:other-bot", "name": "Workflows"}
    Turns(baton)(payload)
    assert queued(baton) == []


def test_a_stored_reference_with_an_unusable_address_fails_at_once_without_a_call(
    baton: Baton, teams: Teams
) -> None:
    """References stored before Baton checked them: refused for good, not retried for a day."""
    from storage.conversations import save_reference

    alice = rep(baton, ALICE)
    reference = {
        "serviceUrl": "not a url",
        "conversation": {"id": ALICE.chat},
        "batonPersonalChat": True,
    }
    save_reference(baton.engine, "teams", ALICE.id, reference, None, baton.clock())
    notifier = teams_notifier(baton)
    notice = Notice(text="New lead L-7 for you", rep_id=alice.id)

    with pytest.raises(PermanentDeliveryError, match="not usable"):
        notifier.deliver(Delivery(notice, alice, None, {alice.id or 0: alice}))


def teams_notifier(baton: Baton) -> TeamsNotifier:
    """The notifier ``baton serve`` would make for these settings."""
    adapter = make_adapter(baton.settings)
    stores, relay = baton.stores, baton.relay
    return TeamsNotifier(
        adapter,
        baton.settings,
        relay,
        stores.conversations,
        baton.clock,
        digests=relay.digest_for,
    )
