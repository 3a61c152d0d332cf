"""An unparsed post is not a dead end: a manager fixes it (then it is routed like a parsed lead)
or disqualifies it; nobody claims or reassigns it before that, and everyone is told why."""

from __future__ import annotations

import pytest

from routing.commands import Fix, parse_command
from routing.errors import IllegalTransition, InvalidInput, NotAllowed, UsageError
from routing.events import EventType
from routing.stages import Stage
from tests.support.fakes import Desk

UNREADABLE = "hello there, call me about pricing"


def desk_with_unparsed() -> Desk:
    """maya manages, alice and bob qualify; L-1 is an unparsed post."""
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.post(UNREADABLE)
    assert desk.lead(1).stage is Stage.UNPARSED
    return desk


def test_a_manager_fixes_an_unparsed_lead_and_it_is_routed_like_a_parsed_one() -> None:
    desk = desk_with_unparsed()
    outcome = desk.say("maya", '/lead fix L-1 email=sam@umbrella.co company="Umbrella Corp"')
    lead = desk.lead(1)
    assert (lead.stage, desk.owner(1), lead.pool) == (Stage.ASSIGNED, "alice", "qualifier")
    assert (lead.company, lead.email, lead.fields["domain"]) == (
        "Umbrella Corp",
        "sam@umbrella.co",
        "umbrella.co",
    )
    assert lead.raw_text == UNREADABLE
    assert outcome.reply.startswith(
        f"Fixed L-1 (Umbrella Corp — sam@umbrella.co). L-1 → {desk.mention('alice')}."
    )
    assert [e.type for e in desk.uow.events_of(1)] == [
        EventType.UNPARSED,
        EventType.CREATED,
        EventType.ASSIGNED,
    ]
    created = desk.uow.events_of(1)[1]
    assert (created.from_stage, created.to_stage, created.payload["fixed"]) == (
        Stage.UNPARSED,
        Stage.NEW,
        True,
    )
    assert created.actor_id == desk.rep("maya").id
    assert any(n.text.startswith("New lead L-1 for you") for n in desk.dms("alice"))


def test_a_fixed_lead_goes_to_the_owner_of_the_same_contact_as_any_duplicate_does() -> None:
    desk = desk_with_unparsed()
    desk.post("Lead: Ann Lee, ann@globex.com, Globex")
    assert desk.owner(2) == "alice"
    desk.say("maya", "/lead fix L-1 email=bo@globex.com name=Bo")
    assert desk.owner(1) == "alice"
    assert "matched_lead" in desk.lead(1).fields


def test_a_fix_needs_an_email_or_a_phone_and_a_real_address() -> None:
    desk = desk_with_unparsed()
    with pytest.raises(InvalidInput, match="Give an email address or a phone number"):
        desk.say("maya", "/lead fix L-1 company=Acme")
    with pytest.raises(InvalidInput, match="`sam at acme` is not an email address"):
        desk.say("maya", '/lead fix L-1 email="sam at acme"')
    desk.say("maya", "/lead fix L-1 phone=+14155550142 company=Acme")
    assert desk.lead(1).stage is Stage.ASSIGNED


def test_the_fix_command_takes_every_value_as_key_value() -> None:
    today = Desk().clock.now.date()
    command = parse_command("/lead", "fix L-4 email=a@b.io company=Acme source=fair", today)
    assert command == Fix(4, company="Acme", email="a@b.io", fields={"source": "fair"})
    with pytest.raises(UsageError, match="give each value as key=value"):
        parse_command("/lead", "fix L-4 Acme a@b.io", today)
    with pytest.raises(UsageError, match="say what the lead is"):
        parse_command("/lead", "fix L-4", today)


def test_only_a_manager_fixes_an_unparsed_lead() -> None:
    desk = desk_with_unparsed()
    with pytest.raises(NotAllowed, match="Only a manager can fix an unparsed lead"):
        desk.say("alice", "/lead fix L-1 email=sam@umbrella.co")
    assert desk.lead(1).stage is Stage.UNPARSED


def test_a_lead_that_was_read_cannot_be_fixed() -> None:
    desk = desk_with_unparsed()
    desk.post("Lead: Ann Lee, ann@globex.com, Globex")
    with pytest.raises(IllegalTransition, match="L-2 is assigned, so it can't take `fix` now"):
        desk.say("maya", "/lead fix L-2 email=x@y.io")


def test_a_manager_disqualifies_an_unparsed_post_and_a_rep_may_not() -> None:
    desk = desk_with_unparsed()
    with pytest.raises(NotAllowed, match=r"^Only a manager can disqualify L-1"):
        desk.say("alice", "/lead disqualify L-1 spam")
    outcome = desk.say("maya", "/lead disqualify L-1 spam")
    assert outcome.reply == "L-1 disqualified: spam."
    lead = desk.lead(1)
    assert (lead.stage, lead.reason, lead.owner_id) == (Stage.DISQUALIFIED, "spam", None)


@pytest.mark.parametrize(
    ("who", "line"),
    [
        ("maya", "/lead claim L-1"),
        ("alice", "/lead claim L-1"),
        ("maya", "/lead reassign L-1 @alice"),
        ("maya", "/lead qualify L-1 need=crm"),
    ],
)
def test_nobody_claims_or_reassigns_an_unparsed_lead_and_is_told_how_to_fix_it(
    who: str, line: str
) -> None:
    desk = desk_with_unparsed()
    with pytest.raises(IllegalTransition) as refused:
        desk.say(who, line)
    assert "L-1 is unparsed" in refused.value.message
    assert "`/lead fix L-1 email=… company=…`" in refused.value.message
    assert "`/lead disqualify L-1 <reason>`" in refused.value.message
    assert "nothing more" not in refused.value.message
    assert desk.lead(1).stage is Stage.UNPARSED


def test_an_unparsed_lead_card_offers_fix_and_disqualify() -> None:
    desk = desk_with_unparsed()
    cards = [n.card for n in desk.thread(1) if n.card is not None]
    assert cards[-1].actions == ("fix", "disqualify")
