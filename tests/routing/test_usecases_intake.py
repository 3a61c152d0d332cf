"""How a lead comes in: a channel post (idempotently) or `/lead new`, then matching and routing."""

from __future__ import annotations

import pytest

from routing.arrival import ImportRow, arrived
from routing.commands import NewLead
from routing.errors import InvalidInput
from routing.events import EventType
from routing.inbound import webhook_arrival
from routing.lead import Origin, SourceRef
from routing.lead_post import ParsedLead, Unparsed
from routing.notices import NoticeKind
from routing.roles import Platform
from routing.rules import ruleset_from_data
from routing.stages import Stage
from routing.usecases.context import Actor, Outcome
from tests.support.fakes import Desk
from tests.support.phones import PHONES

POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


def desk_with_team(**kwargs: object) -> Desk:
    desk = Desk(**kwargs)  # type: ignore[arg-type]
    desk.team(qualifier="alice bob", closer="carl", account_manager="anna")
    return desk


# --- a post in the intake channel ------------------------------------------------------------


def test_a_post_becomes_a_lead_assigned_on_rotation_with_a_card_in_its_thread() -> None:
    desk = desk_with_team()
    mark = desk.mark()
    outcome = desk.post(POST, ts="1700000000.000100")
    assert (outcome.reply, outcome.lead_id) == ("Logged L-1.", 1)
    lead = desk.lead(1)
    assert (lead.stage, desk.owner(1), lead.origin, lead.pool) == (
        Stage.ASSIGNED,
        "alice",
        Origin.INBOUND,
        "qualifier",
    )
    assert lead.source == SourceRef("slack", "C-intake", "1700000000.000100")
    assert (lead.company, lead.name, lead.email) == (
        "Umbrella Corp",
        "Sam Ortiz",
        "sam@umbrella.co",
    )
    thread, dm = desk.since(mark)
    assert thread.thread == lead.source
    assert (thread.kind, thread.update_card) == (NoticeKind.LEAD_CARD, True)
    assert thread.text.startswith(f"L-1 → {desk.mention('alice')}. alice is next in the qualifier")
    assert dm.rep_id == desk.rep("alice").id
    assert dm.kind is NoticeKind.LEAD_CARD
    assert dm.text.startswith("New lead L-1 for you: Umbrella Corp — Sam Ortiz. Claim it")
    assert "(SLA 5 min)" in dm.text
    assert dm.card is not None
    assert dm.card.actions[:2] == ("claim", "notmine")
    assert dm.card.owner == desk.mention("alice")
    assert dm.card.details["Email"] == "sam@umbrella.co"


def test_the_lead_records_its_creation_and_assignment_with_the_explanation() -> None:
    desk = desk_with_team()
    desk.post(POST)
    created, assigned = desk.uow.events_of(1)
    assert (created.type, created.from_stage, created.to_stage) == (
        EventType.CREATED,
        None,
        Stage.NEW,
    )
    assert created.payload["origin"] == "inbound"
    assert assigned.payload == {
        "explanation": "alice is next in the qualifier rotation (weight 1).",
        "how": "rotation",
        "rotation": {"pool": "qualifier", "eligible": {"2": 1, "3": 1}, "skipped": {}},
    }


def test_a_retried_delivery_under_a_new_event_id_creates_no_second_lead() -> None:
    desk = desk_with_team()
    desk.post(POST, ts="1700000000.000100", event_id="Ev1")
    mark = desk.mark()
    retry = desk.post(POST, ts="1700000000.000100", event_id="Ev2")
    assert retry.reply == "Already have this post."
    assert retry.data == {"duplicate": True}
    assert len(desk.uow.leads_list()) == 1
    assert desk.mark() == mark


def test_the_same_event_id_is_a_retry_even_if_the_message_id_differs() -> None:
    desk = desk_with_team()
    desk.post(POST, ts="1.1", event_id="Ev1")
    assert desk.post(POST, ts="1.2", event_id="Ev1").data == {"duplicate": True}
    assert len(desk.uow.leads_list()) == 1


def test_the_same_message_id_in_another_channel_is_another_post() -> None:
    desk = desk_with_team()
    desk.post(POST, ts="1.1", channel="C1")
    desk.post("Lead: Kim, kim@initech.com, Initech", ts="1.1", channel="C2")
    assert len(desk.uow.leads_list()) == 2
    assert set(desk.uow.committed.intake_keys) == {"slack:msg:C1:1.1", "slack:msg:C2:1.1"}


def test_a_post_without_an_email_or_phone_is_kept_unparsed_with_its_raw_text() -> None:
    desk = desk_with_team()
    mark = desk.mark()
    outcome = desk.post("hey team, someone called about pricing")
    lead = desk.lead(1)
    assert outcome.lead_id == 1
    assert (lead.stage, lead.owner_id) == (Stage.UNPARSED, None)
    assert lead.raw_text == "hey team, someone called about pricing"
    [event] = desk.uow.events_of(1)
    assert (event.type, event.payload["reason"]) == (
        EventType.UNPARSED,
        "no email address or phone number found",
    )
    notices = desk.since(mark)
    reply = notices[0]
    assert reply.thread == lead.source
    assert reply.text.startswith(
        "I couldn't read a lead in this post (no email address or phone number found). "
        "I kept it as L-1 for a manager."
    )
    assert "`/lead new <company> <email> [name]`" in reply.text
    [told] = [n for n in notices if n.rep_id == desk.rep("maya").id]
    assert told.text == (
        "L-1 is an unparsed post that needs a human: no email address or phone number found. "
        "Fix it with `/lead fix L-1 email=… company=…` or disqualify it with "
        "`/lead disqualify L-1 <reason>`."
    )
    assert not any(n.rep_id == desk.rep("alice").id for n in notices)


def test_an_unparsed_post_says_which_email_it_could_not_read() -> None:
    desk = desk_with_team()
    mark = desk.mark()
    desk.post("Email: sam at umbrella")
    assert "(`sam at umbrella` is not an email address, and no phone number found)" in (
        desk.since(mark)[0].text
    )


def test_a_form_integrations_fields_are_read_as_the_lead() -> None:
    desk = desk_with_team()
    desk.post("New form entry", pairs=(("Email", "kim@initech.com"), ("Company", "Initech")))
    lead = desk.lead(1)
    assert (lead.email, lead.company, lead.stage) == ("kim@initech.com", "Initech", Stage.ASSIGNED)


# --- a webhook call and a spreadsheet row, through the same door ----------------------------

INTAKE = SourceRef("slack", "C-intake", "")


def test_a_webhook_lead_opens_its_thread_with_a_fresh_card_and_names_its_sender() -> None:
    desk = desk_with_team()
    mark = desk.mark()
    payload = {"email": "kim@initech.com", "company": "Initech"}
    outcome = desk.relay.ingest(
        webhook_arrival("website", payload, "{}", "k-1", INTAKE, phones=PHONES)
    )
    lead = desk.lead(1)
    assert (outcome.reply, outcome.data["stage"]) == ("Logged L-1.", Stage.ASSIGNED)
    assert (lead.source, lead.fields["source"], desk.owner(1)) == (INTAKE, "website", "alice")
    card = desk.since(mark)[0]
    assert (card.thread, card.update_card) == (INTAKE, True)
    assert set(desk.uow.committed.intake_keys) == {"webhook:website:k-1"}


def test_a_retried_webhook_call_names_the_lead_its_first_call_made() -> None:
    desk = desk_with_team()
    arrival = webhook_arrival(
        "website", {"email": "kim@initech.com"}, "{}", "k-1", INTAKE, phones=PHONES
    )
    desk.relay.ingest(arrival)
    retry = desk.relay.ingest(arrival)
    assert (retry.reply, retry.lead_id, retry.data) == (
        "Already have this lead.",
        1,
        {"duplicate": True},
    )


def test_an_unreadable_webhook_payload_is_kept_for_a_manager_with_its_body() -> None:
    desk = desk_with_team()
    mark = desk.mark()
    desk.relay.ingest(
        webhook_arrival("typeform", {"name": "Kim"}, '{"name": "Kim"}', None, INTAKE, phones=PHONES)
    )
    lead = desk.lead(1)
    assert (lead.stage, lead.raw_text, lead.fields) == (
        Stage.UNPARSED,
        '{"name": "Kim"}',
        {"source": "typeform"},
    )
    card, told = desk.since(mark)[:2]
    assert card.text == (
        "L-1 came from typeform but I couldn't read a lead in it (no email address or phone "
        "number found). I kept the payload for a manager."
    )
    assert told.text.startswith("L-1 from typeform needs a human: no email address")


def test_an_unreadable_spreadsheet_row_is_refused_and_nothing_is_kept() -> None:
    desk = desk_with_team()
    mark = desk.mark()
    good, bad = (
        arrived(ImportRow("f" * 64, line), lead)
        for line, lead in ((2, _lead("kim@initech.com")), (3, Unparsed("no email address")))
    )
    done = desk.relay.ingest_all([good, bad])
    assert isinstance(done[0], Outcome)
    assert done[0].lead_id == 1
    assert isinstance(done[1], InvalidInput)
    assert done[1].message == "no email address"
    assert len(desk.uow.leads_list()) == 1
    assert set(desk.uow.committed.intake_keys) == {f"import:{'f' * 64}:2"}
    assert all(notice.thread is None for notice in desk.since(mark))


def _lead(email: str) -> ParsedLead:
    return ParsedLead(email=email, phone=None, name=None, company=None)


def test_a_post_with_nobody_in_the_rotation_waits_and_the_managers_are_told() -> None:
    desk = Desk()
    mark = desk.mark()
    desk.post(POST)
    assert (desk.lead(1).stage, desk.lead(1).pool) == (Stage.NEW, "qualifier")
    assert desk.uow.events_of(1)[-1].type is EventType.QUEUED
    thread, told = desk.since(mark)
    assert thread.text == "L-1 is waiting in the queue. Nobody is in the qualifier rotation yet."
    assert told.rep_id == desk.rep("maya").id
    assert told.text.startswith("L-1 (Umbrella Corp — Sam Ortiz) is waiting:")


def test_managers_named_in_the_settings_are_told_too() -> None:
    desk = Desk(managers=(), config_managers=("maya",))
    desk.say("maya", "/rotation add @alice qualifier")
    desk.say("maya", "/rotation away @alice")
    mark = desk.mark()
    desk.post("hello")
    desk.post(POST)
    told = [n.text for n in desk.since(mark) if n.rep_id == desk.rep("maya").id]
    assert told[0].startswith("L-1 is an unparsed post")
    assert told[1].startswith("L-2 (Umbrella Corp — Sam Ortiz) is waiting")


# --- /lead new ----------------------------------------------------------------------------------


def test_a_lead_logged_by_a_non_prospector_is_inbound_and_goes_to_the_qualifier_rotation() -> None:
    desk = desk_with_team()
    mark = desk.mark()
    outcome = desk.say("carl", "/lead new Initech kim@initech.com Kim Lee")
    lead = desk.lead(1)
    assert (lead.origin, lead.stage, desk.owner(1)) == (Origin.INBOUND, Stage.ASSIGNED, "alice")
    assert outcome.reply.startswith(f"L-1 → {desk.mention('alice')}.")
    assert outcome.lead_id == 1
    assert [n.rep_id for n in desk.since(mark)] == [desk.rep("alice").id]
    assert desk.uow.events_of(1)[0].actor_id == desk.rep("carl").id


def test_a_prospectors_lead_is_outbound_owned_by_them_and_already_working() -> None:
    desk = desk_with_team()
    desk.say("maya", "/rotation add @pat prospector")
    mark = desk.mark()
    outcome = desk.say("pat", "/lead new Initech kim@initech.com Kim Lee")
    lead = desk.lead(1)
    assert (lead.origin, lead.stage, desk.owner(1), lead.pool) == (
        Origin.OUTBOUND,
        Stage.WORKING,
        "pat",
        "prospector",
    )
    assert outcome.reply.startswith("Logged L-1 (Initech — Kim Lee) as your outbound lead.")
    created, started = desk.uow.events_of(1)
    assert created.payload["origin"] == "outbound"
    assert (started.type, started.to_stage, started.payload["how"]) == (
        EventType.ASSIGNED,
        Stage.WORKING,
        "outbound",
    )
    assert desk.since(mark) == []
    assert (desk.uow.membership("qualifier", "alice").credit, desk.lead(1).assigned_at) == (
        0,
        None,
    )


def test_a_prospector_qualifies_their_outbound_lead_and_hands_it_to_a_closer() -> None:
    desk = desk_with_team()
    desk.say("maya", "/rotation add @pat prospector")
    desk.say("pat", "/lead new Initech kim@initech.com")
    desk.say("pat", "/lead qualify 1 budget=20k")
    desk.say("pat", "/lead handoff 1")
    assert (desk.lead(1).stage, desk.owner(1)) == (Stage.WITH_CLOSER, "carl")


def test_an_outbound_lead_can_only_be_reassigned_to_another_prospector() -> None:
    desk = desk_with_team()
    desk.say("maya", "/rotation add @pat prospector")
    desk.say("maya", "/rotation add @quinn prospector")
    desk.say("pat", "/lead new Initech kim@initech.com")
    with pytest.raises(Exception, match="not in the prospector pool"):
        desk.say("maya", "/lead reassign 1 @alice")
    desk.say("maya", "/lead reassign 1 @quinn")
    assert desk.owner(1) == "quinn"


def test_a_new_lead_keeps_its_company_domain_and_extra_fields() -> None:
    desk = desk_with_team()
    desk.say("carl", "/lead new Initech Kim@Initech.com country=DE")
    lead = desk.lead(1)
    assert lead.email == "kim@initech.com"
    assert dict(lead.fields) == {"country": "DE", "domain": "initech.com"}


def test_a_new_lead_without_a_real_email_is_refused() -> None:
    desk = desk_with_team()
    with pytest.raises(InvalidInput, match="is not an email address"):
        desk.relay.execute(Actor(Platform.CONSOLE, "carl", "carl"), NewLead("Initech", "kim"))
    assert desk.uow.leads_list() == []


# --- matching an open lead or a customer ------------------------------------------------------


def test_a_lead_with_the_same_email_goes_to_the_current_owner_and_says_so() -> None:
    desk = desk_with_team()
    desk.post(POST)
    desk.say("alice", "/lead claim 1")
    mark, credits = desk.mark(), _credits(desk)
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp (again)")
    assert desk.owner(2) == "alice"
    why = (
        "Same email as L-1 (Umbrella Corp — Sam Ortiz, working), so it goes to alice, "
        "who owns that account."
    )
    assert desk.uow.events_of(2)[-1].payload == {
        "explanation": why,
        "how": "match",
        "pool": "qualifier",
    }
    assert desk.lead(2).fields["matched_lead"] == "L-1"
    thread, dm = desk.since(mark)
    assert thread.text == f"L-2 → {desk.mention('alice')}. {why}"
    assert why in dm.text
    assert _credits(desk) == credits, "a match does not use up a rotation turn"


def _credits(desk: Desk) -> dict[str, int]:
    return {m.rep.name: m.credit for m in desk.uow.committed.memberships.values()}


def test_a_lead_from_the_same_company_domain_goes_to_the_account_owner() -> None:
    desk = desk_with_team()
    desk.post(POST)
    desk.say("alice", "/lead claim 1")
    desk.say("alice", "/lead qualify 1 budget=50k")
    desk.say("alice", "/lead handoff 1")
    outcome = desk.say("bob", "/lead new Umbrella jo@umbrella.co Jo")
    assert desk.owner(2) == "carl"
    assert "Same domain umbrella.co as L-1 (Umbrella Corp — Sam Ortiz, with closer)" in (
        outcome.reply
    )


def test_a_customer_match_goes_to_their_account_manager() -> None:
    desk = desk_with_team()
    desk.post(POST)
    for who, line in [
        ("alice", "/lead claim 1"),
        ("alice", "/lead qualify 1 budget=50k"),
        ("alice", "/lead handoff 1"),
        ("carl", "/lead won 1 9000"),
        ("carl", "/lead handoff 1"),
    ]:
        desk.say(who, line)
    desk.post("Lead: Jo, jo@umbrella.co, Umbrella")
    assert desk.owner(2) == "anna"
    assert "customer), so it goes to anna" in desk.uow.events_of(2)[-1].payload["explanation"]


def test_free_mail_domains_do_not_make_two_people_one_account() -> None:
    desk = desk_with_team()
    desk.post("Lead: Sam, sam.o@gmail.com, Sam's Bakery")
    desk.post("Lead: Kim, kim.l@gmail.com, Kim's Garage")
    assert (desk.owner(1), desk.owner(2)) == ("alice", "bob")
    assert "domain" not in desk.lead(1).fields
    desk.post("Lead: Sam again, sam.o@gmail.com")
    assert desk.owner(3) == "alice"
    assert desk.uow.events_of(3)[-1].payload["how"] == "match"


_CLOSE = {
    "disqualified": [("alice", "/lead claim 1"), ("alice", "/lead disqualify 1 spam")],
    "lost": [
        ("alice", "/lead claim 1"),
        ("alice", "/lead qualify 1 budget=1"),
        ("alice", "/lead handoff 1"),
        ("carl", "/lead lost 1 price"),
    ],
    "churned": [
        ("alice", "/lead claim 1"),
        ("alice", "/lead qualify 1 budget=1"),
        ("alice", "/lead handoff 1"),
        ("carl", "/lead won 1 100"),
        ("carl", "/lead handoff 1"),
        ("anna", "/lead churn 1"),
    ],
}


@pytest.mark.parametrize("ending", list(_CLOSE))
def test_a_closed_lead_does_not_pull_a_new_one_to_its_last_owner(ending: str) -> None:
    desk = desk_with_team()
    desk.post(POST)
    for who, line in _CLOSE[ending]:
        desk.say(who, line)
    assert desk.lead(1).stage.value == ending
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    assert desk.uow.events_of(2)[-1].payload["how"] == "rotation"


def test_a_queued_lead_without_an_owner_is_not_matched() -> None:
    desk = Desk()
    desk.post(POST)
    desk.post("Lead: Jo, jo@umbrella.co, Umbrella")
    assert [lead.stage for lead in desk.uow.leads_list()] == [Stage.NEW, Stage.NEW]


# --- routing rules ------------------------------------------------------------------------------

RULES = ruleset_from_data(
    {
        "rules": [
            {"name": "DACH", "when": "country in [DE, AT, CH]", "pool": "dach"},
            {"name": "Enterprise", "when": ["employees >= 1000"], "pool": "enterprise"},
            {"when": "source = partner", "pool": "partners"},
        ]
    }
)


def rules_desk() -> Desk:
    desk = desk_with_team(rules=RULES)
    desk.say("maya", "/rotation add @dora qualifier pool=dach")
    desk.say("maya", "/rotation add @eve qualifier pool=enterprise")
    return desk


def test_a_rule_sends_a_matching_lead_to_its_pool_and_the_thread_says_which_rule() -> None:
    desk = rules_desk()
    mark = desk.mark()
    desk.post(POST + "\nCountry: DE")
    assert (desk.owner(1), desk.lead(1).pool) == ("dora", "dach")
    assert desk.since(mark)[0].text == (
        f"L-1 → {desk.mention('dora')}. Rule “DACH”: country in [DE, AT, CH]. "
        "dora is next in the dach rotation (weight 1)."
    )


def test_the_first_matching_rule_wins() -> None:
    desk = rules_desk()
    desk.post(POST + "\nCountry: AT\nEmployees: 5,000")
    desk.say("carl", "/lead new Initech kim@initech.com employees=1k")
    assert (desk.owner(1), desk.owner(2)) == ("dora", "eve")


def test_a_lead_no_rule_matches_goes_to_the_default_pool() -> None:
    desk = rules_desk()
    desk.post(POST + "\nCountry: FR")
    assert (desk.owner(1), desk.lead(1).pool) == ("alice", "qualifier")


def test_a_rule_naming_a_pool_that_does_not_exist_falls_back_to_the_default_pool() -> None:
    desk = rules_desk()
    outcome = desk.say("carl", "/lead new Initech kim@initech.com source=partner")
    assert (desk.owner(1), desk.lead(1).pool) == ("alice", "qualifier")
    assert outcome.reply.startswith(
        f"L-1 → {desk.mention('alice')}. rule 3: source = partner, but there is no partners "
        "pool yet, so it goes to qualifier. alice is next in the qualifier rotation"
    )


def test_a_rules_pool_with_nobody_available_queues_the_lead_in_that_pool() -> None:
    desk = rules_desk()
    desk.say("maya", "/rotation away @dora")
    desk.post(POST + "\nCountry: CH")
    assert (desk.lead(1).stage, desk.lead(1).pool) == (Stage.NEW, "dach")
    desk.say("maya", "/rotation back @dora")
    assert desk.owner(1) == "dora"
