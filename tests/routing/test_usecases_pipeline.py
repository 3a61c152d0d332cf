"""Claim, pass on, qualify, hand off, close and grow a lead through the use cases, with the rules
on who may do each step and the messages each step leaves in the outbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routing.commands import Disqualify, Lost, Won
from routing.errors import AlreadyDone, IllegalTransition, InvalidInput, NotAllowed
from routing.events import EventType
from routing.notices import NoticeKind
from routing.roles import Platform
from routing.rules import RuleSet
from routing.stages import Stage
from routing.usecases.context import Actor
from tests.support.fakes import Desk

POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"

_STEPS = {
    Stage.WORKING: ("alice", "/lead claim 1"),
    Stage.QUALIFIED: ("alice", "/lead qualify 1 budget=50k authority=CTO need=CRM wants a demo"),
    Stage.WITH_CLOSER: ("alice", "/lead handoff 1"),
    Stage.MEETING: ("carl", "/lead meeting 1"),
    Stage.PROPOSAL_REQUESTED: ("carl", "/lead proposal 1 requested"),
    Stage.PROPOSAL_PRESENTED: ("carl", "/lead proposal 1 presented"),
    Stage.WON: ("carl", "/lead won 1 12000"),
    Stage.CUSTOMER: ("carl", "/lead handoff 1"),
}


def desk_with_team() -> Desk:
    """maya manages; alice and bob qualify, carl and dina close, anna manages accounts."""
    desk = Desk()
    desk.team(qualifier="alice bob", closer="carl dina", account_manager="anna")
    return desk


def lead_at(stage: Stage, desk: Desk | None = None) -> Desk:
    """A desk whose lead L-1 (posted, assigned to alice) has been walked to ``stage``."""
    desk = desk or desk_with_team()
    desk.post(POST)
    for step, (who, line) in _STEPS.items():
        if desk.lead(1).stage is stage:
            break
        desk.say(who, line)
        assert desk.lead(1).stage is step
    assert desk.lead(1).stage is stage
    return desk


def _as(who: str) -> Actor:
    return Actor(Platform.CONSOLE, who, who)


# --- the whole relay ------------------------------------------------------------------------


def test_a_posted_lead_runs_the_whole_relay_with_one_owner_at_every_step() -> None:
    desk = lead_at(Stage.CUSTOMER)
    desk.say("anna", "/lead expand 1 5000")
    desk.say("anna", "/lead churn 1 moved to a competitor")
    events = desk.uow.events_of(1)
    assert [(e.type.value, e.to_stage.value) for e in events] == [
        ("created", "new"),
        ("assigned", "assigned"),
        ("claimed", "working"),
        ("qualified", "qualified"),
        ("handed_off", "with_closer"),
        ("meeting", "meeting"),
        ("proposal_requested", "proposal_requested"),
        ("proposal_presented", "proposal_presented"),
        ("won", "won"),
        ("handed_off", "customer"),
        ("expanded", "customer"),
        ("churned", "churned"),
    ]
    names = {r.id: r.name for r in desk.uow.committed.reps.values()}
    owners = [names.get(e.owner_id) for e in events]
    assert owners == [None, "alice", "alice", "alice", "carl"] + ["carl"] * 4 + ["anna"] * 3
    actors = [names.get(e.actor_id) for e in events[2:]]
    assert actors == ["alice"] * 3 + ["carl"] * 5 + ["anna"] * 2
    assert [e.at for e in events] == [desk.clock.now] * len(events)
    lead = desk.lead(1)
    assert (lead.amount, lead.expansion_total, lead.reason) == (
        Decimal(12000),
        Decimal(5000),
        "moved to a competitor",
    )


# --- claim --------------------------------------------------------------------------------------


def test_claiming_starts_work_and_says_so_in_the_thread() -> None:
    desk = lead_at(Stage.ASSIGNED)
    mark = desk.mark()
    outcome = desk.say("alice", "/lead claim L-1")
    assert outcome.reply.startswith("L-1 is yours: Umbrella Corp — Sam Ortiz.")
    assert outcome.card is not None
    assert outcome.card.actions == ("qualify", "disqualify")
    said, card = desk.since(mark)
    assert said.thread is not None
    assert said.text == f"{desk.mention('alice')} claimed L-1."
    assert (card.kind, card.update_card, card.card and card.card.stage) == (
        NoticeKind.LEAD_CARD,
        True,
        "working",
    )


def test_a_second_claim_is_a_polite_refusal_naming_the_owner() -> None:
    desk = lead_at(Stage.ASSIGNED)
    desk.say("alice", "/lead claim 1")
    with pytest.raises(AlreadyDone) as refused:
        desk.say("bob", "/lead claim 1")
    assert refused.value.message == f"Too late: L-1 was already claimed by {desk.mention('alice')}."
    assert desk.owner(1) == "alice"


def test_claiming_your_own_lead_twice_is_harmless() -> None:
    desk = lead_at(Stage.WORKING)
    events = len(desk.uow.events_of(1))
    assert desk.say("alice", "/lead claim 1").reply == "You already have L-1."
    assert len(desk.uow.events_of(1)) == events


def test_in_an_open_pool_any_member_may_claim_an_unclaimed_lead_and_the_assignee_is_told() -> None:
    desk = lead_at(Stage.ASSIGNED)
    desk.say("maya", "/rotation mode qualifier open")
    mark = desk.mark()
    desk.say("bob", "/lead claim 1")
    assert desk.owner(1) == "bob"
    assert desk.uow.events_of(1)[-1].payload["taken_from"] == desk.rep("alice").id
    [told] = [n for n in desk.since(mark) if n.rep_id == desk.rep("alice").id]
    assert told.text.startswith(f"{desk.mention('bob')} took over L-1")


def test_in_an_open_pool_the_first_claim_wins_and_the_second_is_too_late() -> None:
    desk = lead_at(Stage.ASSIGNED)
    desk.say("maya", "/rotation mode qualifier open")
    desk.say("bob", "/lead claim 1")
    with pytest.raises(AlreadyDone, match="Too late: L-1 was already claimed by"):
        desk.say("alice", "/lead claim 1")


def test_the_rules_file_can_open_a_pool_and_the_rotation_view_shows_the_mode() -> None:
    rules = RuleSet((), claim_modes=(("qualifier", "open"),))
    desk = Desk(rules=rules)
    desk.team(qualifier="alice bob")
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    assert "(qualifiers, open claims)" in desk.say("bob", "/rotation show").reply
    desk.say("bob", "/lead claim 1")
    assert desk.owner(1) == "bob"


def test_in_an_assigned_pool_another_rep_hears_who_has_it_and_when_it_moves_on() -> None:
    desk = lead_at(Stage.ASSIGNED)
    desk.clock.advance(minutes=2)
    with pytest.raises(NotAllowed) as refused:
        desk.say("bob", "/lead claim 1")
    assert refused.value.message == (
        f"L-1 is assigned to {desk.mention('alice')}; it moves on to the next rep in 3 min if "
        "they don't claim it. Only they or a manager can claim it. A manager can reassign it."
    )
    assert desk.lead(1).stage is Stage.ASSIGNED


@pytest.mark.parametrize("who", ["zed", "carl"])
def test_nobody_outside_the_pool_can_claim_someone_elses_lead_in_either_mode(who: str) -> None:
    desk = lead_at(Stage.ASSIGNED)
    for mode in ("assigned", "open"):
        desk.say("maya", f"/rotation mode qualifier {mode}")
        with pytest.raises(NotAllowed, match="Only they or a manager can claim it"):
            desk.say(who, "/lead claim 1")
    assert desk.lead(1).stage is Stage.ASSIGNED


@pytest.mark.parametrize("mode", ["assigned", "open"])
def test_a_managers_claim_takes_the_lead_in_either_mode(mode: str) -> None:
    desk = lead_at(Stage.ASSIGNED)
    desk.say("maya", f"/rotation mode qualifier {mode}")
    desk.say("maya", "/lead claim 1")
    assert (desk.owner(1), desk.lead(1).stage) == ("maya", Stage.WORKING)


def test_only_a_manager_changes_a_pools_claim_mode() -> None:
    desk = lead_at(Stage.ASSIGNED)
    with pytest.raises(NotAllowed, match="Only a manager can change a pool's claim mode"):
        desk.say("bob", "/rotation mode qualifier open")


def test_a_lead_past_claiming_cannot_be_claimed() -> None:
    desk = lead_at(Stage.WITH_CLOSER)
    with pytest.raises(IllegalTransition, match="From with closer you can: meeting"):
        desk.say("carl", "/lead claim 1")


# --- not mine -----------------------------------------------------------------------------------


def test_not_mine_passes_the_lead_to_the_next_rep_and_not_back_to_the_decliner() -> None:
    desk = lead_at(Stage.ASSIGNED)
    mark = desk.mark()
    outcome = desk.say("alice", "/lead notmine 1")
    assert desk.owner(1) == "bob"
    assert outcome.reply.startswith(f"Passed on. L-1 → {desk.mention('bob')}. Passed on by alice.")
    assert [e.type for e in desk.uow.events_of(1)[-2:]] == [
        EventType.DECLINED,
        EventType.ASSIGNED,
    ]
    [dm] = [n for n in desk.since(mark) if n.rep_id == desk.rep("bob").id]
    assert dm.card is not None
    assert dm.card.actions == ("claim", "notmine", "disqualify")


def test_not_mine_with_nobody_else_available_keeps_the_lead_and_says_who_can_move_it() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.post(POST)
    with pytest.raises(InvalidInput) as refused:
        desk.say("alice", "/lead notmine 1")
    assert refused.value.message == (
        f"L-1 stays with {desk.mention('alice')} because nobody else is in the qualifier "
        "rotation and a manager can reassign it with `/lead reassign L-1 @someone`."
    )
    assert desk.lead(1).stage is Stage.ASSIGNED
    assert desk.owner(1) == "alice"


def test_not_mine_refused_is_one_sentence_with_no_brackets_inside_brackets() -> None:
    """The others' reasons (one with brackets of its own) follow a dash, not a bracket."""
    desk = Desk()
    desk.team(qualifier="alice bob carl")
    desk.say("bob", "/rotation away")
    desk.say("carl", "/rotation hours 22:00-23:00 mon-fri")
    desk.post(POST)
    assert desk.owner(1) == "alice"
    with pytest.raises(InvalidInput) as refused:
        desk.say("alice", "/lead notmine 1")
    message = refused.value.message
    assert message == (
        f"L-1 stays with {desk.mention('alice')} because nobody else in the qualifier rotation "
        "can take it now — bob: away until they're back; carl: outside working hours "
        "(22:00–23:00 Mon–Fri, UTC) — and a manager can reassign it with "
        "`/lead reassign L-1 @someone`."
    )
    depth = 0
    for char in message:
        depth += {"(": 1, ")": -1}.get(char, 0)
        assert depth <= 1
    assert message.count(". ") == 0
    assert message.endswith(".")


def test_only_the_assignee_or_a_manager_can_say_not_mine() -> None:
    desk = lead_at(Stage.ASSIGNED)
    with pytest.raises(NotAllowed, match="Only L-1's owner"):
        desk.say("bob", "/lead notmine 1")
    desk.say("maya", "/lead notmine 1")
    assert desk.owner(1) == "bob"


# --- qualify and disqualify --------------------------------------------------------------------


def test_qualifying_needs_a_claim_first() -> None:
    desk = lead_at(Stage.ASSIGNED)
    with pytest.raises(InvalidInput, match=r"Claim L-1 first: `/lead claim L-1`"):
        desk.say("alice", "/lead qualify 1 budget=50k")


def test_qualify_without_fields_opens_the_form_and_changes_nothing() -> None:
    desk = lead_at(Stage.WORKING)
    events = len(desk.uow.events_of(1))
    outcome = desk.say("alice", "/lead qualify 1")
    assert outcome.open_form_for == 1
    assert len(desk.uow.events_of(1)) == events
    with pytest.raises(IllegalTransition):
        lead_at(Stage.QUALIFIED).say("alice", "/lead qualify 1")


def test_qualifying_keeps_the_bant_notes_and_shows_them_in_the_thread() -> None:
    desk = lead_at(Stage.WORKING)
    mark = desk.mark()
    outcome = desk.say("alice", "/lead qualify 1 budget=50k authority=CTO need=CRM wants a demo")
    assert outcome.reply == (
        "L-1 is qualified. Hand it to a closer: `/lead handoff L-1`. Notes: `wants a demo` (the "
        'words without a `key=`). If they belong to need, quote it: `need="CRM wants a demo"`.'
    )
    notes = "Budget: 50k; Authority: CTO; Need: CRM; Notes: wants a demo"
    assert desk.since(mark)[0].text == f"{desk.mention('alice')} qualified L-1: {notes}."
    assert outcome.card is not None
    assert outcome.card.qualification == notes
    assert desk.uow.events_of(1)[-1].payload["budget"] == "50k"


def test_disqualifying_records_the_reason_and_ends_the_lead() -> None:
    desk = lead_at(Stage.WORKING)
    outcome = desk.say("alice", "/lead disqualify 1 student project")
    assert outcome.reply == "L-1 disqualified: student project."
    assert (desk.lead(1).stage, desk.lead(1).reason) == (Stage.DISQUALIFIED, "student project")
    with pytest.raises(IllegalTransition, match="From disqualified you can: nothing more"):
        desk.say("maya", "/lead reassign 1 @bob")


@pytest.mark.parametrize("line", ["/lead qualify 1 budget=1", "/lead disqualify 1 spam"])
def test_only_the_owner_or_a_manager_qualifies_or_disqualifies(line: str) -> None:
    desk = lead_at(Stage.WORKING)
    for stranger in ("bob", "carl", "zed"):
        with pytest.raises(NotAllowed, match=r"Only L-1's owner \(<rep:\d+\|alice>\)"):
            desk.say(stranger, line)
    desk.say("maya", line)
    assert desk.lead(1).stage in {Stage.QUALIFIED, Stage.DISQUALIFIED}
    assert desk.uow.events_of(1)[-1].actor_id == desk.rep("maya").id
    assert desk.owner(1) == "alice"


def test_disqualifying_without_a_reason_is_refused_and_nothing_changes() -> None:
    desk = lead_at(Stage.WORKING)
    with pytest.raises(InvalidInput, match="reason is required"):
        desk.relay.execute(_as("alice"), Disqualify(1, "  "))
    assert desk.lead(1).stage is Stage.WORKING


# --- hand-offs ---------------------------------------------------------------------------------


def test_a_qualified_lead_goes_to_the_next_closer_with_its_qualification_notes() -> None:
    desk = lead_at(Stage.QUALIFIED)
    mark = desk.mark()
    outcome = desk.say("alice", "/lead handoff 1")
    assert desk.owner(1) == "carl"
    assert outcome.reply.startswith(f"L-1 is now with {desk.mention('carl')}.")
    notices = desk.since(mark)
    assert notices[0].text == (
        f"L-1 handed from {desk.mention('alice')} to {desk.mention('carl')} (closer)."
    )
    [dm] = [n for n in notices if n.rep_id == desk.rep("carl").id]
    assert dm.kind is NoticeKind.LEAD_CARD
    assert "Qualification: Budget: 50k; Authority: CTO; Need: CRM; Notes: wants a demo." in dm.text
    assert dm.text.startswith(f"{desk.mention('alice')} handed you L-1 (Umbrella Corp — Sam Ortiz)")
    assert dm.card is not None
    assert dm.card.actions[:2] == ("meeting", "proposal requested")


def test_a_hand_off_by_name_must_go_to_someone_in_the_closer_pool() -> None:
    desk = lead_at(Stage.QUALIFIED)
    with pytest.raises(NotAllowed) as refused:
        desk.say("alice", "/lead handoff 1 @bob")
    assert refused.value.message.startswith(f"{desk.mention('bob')} is not in the closer pool")
    assert "`/rotation add @bob closer`" in refused.value.message
    desk.say("alice", "/lead handoff 1 @dina")
    assert desk.owner(1) == "dina"
    assert desk.uow.events_of(1)[-1].payload["explanation"] == "Handed to dina by name."


def test_a_won_customer_goes_to_an_account_manager_and_carries_the_deal() -> None:
    desk = lead_at(Stage.WON)
    with pytest.raises(NotAllowed, match="not in the account manager pool"):
        desk.say("carl", "/lead handoff 1 @dina")
    mark = desk.mark()
    desk.say("carl", "/lead handoff 1")
    assert (desk.lead(1).stage, desk.owner(1)) == (Stage.CUSTOMER, "anna")
    [dm] = [n for n in desk.since(mark) if n.rep_id == desk.rep("anna").id]
    assert "as its account manager" in dm.text
    assert "Won at 12,000." in dm.text
    assert "Qualification: Budget: 50k" in dm.text


def test_a_hand_off_with_nobody_in_the_pool_is_refused_with_a_way_forward() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    lead_at(Stage.QUALIFIED, desk)
    with pytest.raises(InvalidInput) as refused:
        desk.say("alice", "/lead handoff 1")
    assert "No closer is available to take L-1" in refused.value.message
    assert "`/lead handoff L-1 @someone`" in refused.value.message
    assert desk.lead(1).stage is Stage.QUALIFIED


def test_the_hand_off_rotation_skips_the_current_owner() -> None:
    desk = desk_with_team()
    desk.say("maya", "/rotation add @alice closer")
    desk.say("maya", "/rotation remove @carl closer")
    desk.say("maya", "/rotation remove @dina closer")
    lead_at(Stage.QUALIFIED, desk)
    with pytest.raises(InvalidInput, match="No closer is available"):
        desk.say("alice", "/lead handoff 1")


def test_only_the_owner_or_a_manager_hands_off() -> None:
    desk = lead_at(Stage.QUALIFIED)
    with pytest.raises(NotAllowed, match="Only L-1's owner"):
        desk.say("carl", "/lead handoff 1")
    desk.say("maya", "/lead handoff 1 @dina")
    assert desk.owner(1) == "dina"
    assert desk.uow.events_of(1)[-1].actor_id == desk.rep("maya").id


# --- closing steps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "stage", "reply"),
    [
        ("/lead meeting 1", Stage.MEETING, "L-1 meeting logged."),
        ("/lead proposal 1 requested", Stage.PROPOSAL_REQUESTED, "L-1 proposal requested."),
        ("/lead proposal 1 presented", Stage.PROPOSAL_PRESENTED, "L-1 proposal presented."),
        ("/lead lost 1 went with a rival", Stage.LOST, "L-1 lost: went with a rival."),
        ("/lead won 1 $12,000", Stage.WON, "L-1 won at 12,000 🎉. Hand the customer"),
    ],
)
def test_each_closing_step_moves_the_lead_and_tells_its_thread(
    line: str, stage: Stage, reply: str
) -> None:
    desk = lead_at(Stage.WITH_CLOSER)
    mark = desk.mark()
    outcome = desk.say("carl", line)
    assert outcome.reply.startswith(reply)
    assert desk.lead(1).stage is stage
    said, card = desk.since(mark)
    assert said.thread is not None
    assert said.text.endswith(f"by {desk.mention('carl')}.")
    assert card.update_card


@pytest.mark.parametrize(
    "line",
    [
        "/lead meeting 1",
        "/lead proposal 1 requested",
        "/lead won 1 100",
        "/lead lost 1 price",
        "/lead handoff 1",
    ],
)
def test_only_the_owner_or_a_manager_acts_on_a_lead(line: str) -> None:
    desk = lead_at(Stage.WITH_CLOSER)
    for stranger in ("alice", "dina", "anna", "zed"):
        with pytest.raises(NotAllowed) as refused:
            desk.say(stranger, line)
        assert f"Only L-1's owner ({desk.mention('carl')}) or a manager" in refused.value.message
        assert f"Managers: {desk.mention('maya')}." in refused.value.message
    if line != "/lead handoff 1":
        desk.say("maya", line)
        assert desk.uow.events_of(1)[-1].actor_id == desk.rep("maya").id


def test_a_win_needs_an_amount_above_zero_and_a_loss_a_reason() -> None:
    desk = lead_at(Stage.PROPOSAL_PRESENTED)
    with pytest.raises(InvalidInput, match="more than 0"):
        desk.relay.execute(_as("carl"), Won(1, Decimal(0)))
    with pytest.raises(InvalidInput, match="reason is required"):
        desk.relay.execute(_as("carl"), Lost(1, ""))
    assert desk.lead(1).stage is Stage.PROPOSAL_PRESENTED


def test_expansion_and_churn_belong_to_the_account_manager() -> None:
    desk = lead_at(Stage.CUSTOMER)
    with pytest.raises(NotAllowed):
        desk.say("carl", "/lead expand 1 500")
    assert desk.say("anna", "/lead expand 1 500").reply == "L-1 expanded by 500."
    assert desk.say("anna", "/lead expand 1 1500").reply == "L-1 expanded by 1,500."
    assert desk.lead(1).expansion_total == Decimal(2000)
    assert desk.say("anna", "/lead churn 1").reply == "L-1 churned."
    with pytest.raises(IllegalTransition, match="From churned you can: nothing more"):
        desk.say("anna", "/lead expand 1 500")


def test_an_illegal_step_names_what_is_allowed_from_the_current_stage() -> None:
    desk = lead_at(Stage.WORKING)
    with pytest.raises(IllegalTransition) as refused:
        desk.say("alice", "/lead won 1 500")
    assert refused.value.message == (
        "L-1 is working, so it can't take `won` now. "
        "From working you can: qualify, disqualify, reassign."
    )


def test_a_refused_step_leaves_no_events_and_no_messages() -> None:
    desk = lead_at(Stage.WORKING)
    events, mark = len(desk.uow.events_of(1)), desk.mark()
    for who, line in [("bob", "/lead qualify 1 budget=1"), ("alice", "/lead meeting 1")]:
        with pytest.raises((NotAllowed, IllegalTransition)):
            desk.say(who, line)
    assert (len(desk.uow.events_of(1)), desk.mark()) == (events, mark)


# --- reassign ---------------------------------------------------------------------------------


def test_only_a_manager_reassigns() -> None:
    desk = lead_at(Stage.WORKING)
    with pytest.raises(NotAllowed) as refused:
        desk.say("alice", "/lead reassign 1 @bob")
    assert refused.value.message == (
        f"Only a manager can reassign leads. Managers: {desk.mention('maya')}."
    )


def test_a_reassignment_tells_the_new_owner_with_context_the_old_owner_and_the_thread() -> None:
    desk = lead_at(Stage.QUALIFIED)
    mark = desk.mark()
    outcome = desk.say("maya", "/lead reassign 1 @bob")
    assert outcome.reply == f"L-1 is now {desk.mention('bob')}'s."
    assert (desk.owner(1), desk.lead(1).stage) == ("bob", Stage.QUALIFIED)
    event = desk.uow.events_of(1)[-1]
    assert event.type is EventType.REASSIGNED
    assert event.payload["reassigned_from"] == desk.rep("alice").id
    notices = desk.since(mark)
    assert notices[0].text == (
        f"{desk.mention('maya')} reassigned L-1 from {desk.mention('alice')} "
        f"to {desk.mention('bob')}."
    )
    [to_bob] = [n for n in notices if n.rep_id == desk.rep("bob").id]
    assert "Qualification: Budget: 50k" in to_bob.text
    assert to_bob.card is not None
    [to_alice] = [n for n in notices if n.rep_id == desk.rep("alice").id]
    assert to_alice.text.endswith(f"to {desk.mention('bob')}.")


@pytest.mark.parametrize(
    ("stage", "wrong", "right", "role"),
    [
        (Stage.ASSIGNED, "carl", "bob", "qualifier"),
        (Stage.WORKING, "anna", "bob", "qualifier"),
        (Stage.WITH_CLOSER, "bob", "dina", "closer"),
        (Stage.PROPOSAL_PRESENTED, "anna", "dina", "closer"),
        (Stage.WON, "anna", "dina", "closer"),
        (Stage.CUSTOMER, "carl", "maya2", "account manager"),
    ],
)
def test_a_reassignment_target_must_be_in_the_role_that_owns_the_stage(
    stage: Stage, wrong: str, right: str, role: str
) -> None:
    desk = desk_with_team()
    desk.say("maya", "/rotation add @maya2 account_manager")
    lead_at(stage, desk)
    with pytest.raises(NotAllowed) as refused:
        desk.say("maya", f"/lead reassign 1 @{wrong}")
    assert f"is not in the {role} pool, and L-1 is {stage.label}" in refused.value.message
    desk.say("maya", f"/lead reassign 1 @{right}")
    assert desk.owner(1) == right


def test_reassigning_to_the_current_owner_says_it_is_already_theirs() -> None:
    desk = lead_at(Stage.WORKING)
    with pytest.raises(AlreadyDone, match="already"):
        desk.say("maya", "/lead reassign 1 @alice")


def test_a_queued_lead_can_be_given_to_a_qualifier_by_a_manager() -> None:
    desk = Desk()
    desk.post(POST)
    desk.say("maya", "/rotation add @alice qualifier")
    desk.say("alice", "/rotation away")
    desk.post("Lead: Kim, kim@initech.com, Initech")
    assert desk.lead(2).stage is Stage.NEW
    desk.say("maya", "/rotation add @bob qualifier")
    assert desk.owner(2) == "bob"
    desk.say("bob", "/rotation away")
    desk.post("Lead: Lee, lee@hooli.com, Hooli")
    desk.say("maya", "/lead reassign 3 @alice")
    assert (desk.lead(3).stage, desk.owner(3)) == (Stage.ASSIGNED, "alice")
    assert desk.uow.events_of(3)[-1].payload["how"] == "manager"
