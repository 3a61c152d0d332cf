"""The lead's journey as the domain enforces it: every step, every refusal, every recorded event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from routing.contact import Contact
from routing.errors import IllegalTransition, InvalidInput
from routing.events import EventType, LeadEvent
from routing.lead import Lead, Origin, Qualification
from routing.roles import Role
from routing.stages import ALLOWED, Action, Stage, allowed_actions, next_step_actions, owning_role

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
QUALIFIER, CLOSER, AM, MANAGER, OTHER = 1, 2, 3, 4, 5
BANT = Qualification(budget="50k", authority="CTO", need="CRM", timeline="Q1", notes="keen")


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


_PATH: dict[Stage, tuple[Stage, Callable[[Lead], None]]] = {
    Stage.ASSIGNED: (Stage.NEW, lambda lead: lead.assign(QUALIFIER, _at(1), "rotation")),
    Stage.WORKING: (Stage.ASSIGNED, lambda lead: lead.claim(QUALIFIER, _at(2))),
    Stage.QUALIFIED: (Stage.WORKING, lambda lead: lead.qualify(QUALIFIER, _at(3), BANT)),
    Stage.WITH_CLOSER: (
        Stage.QUALIFIED,
        lambda lead: lead.hand_off(QUALIFIER, CLOSER, _at(4), "closer rotation"),
    ),
    Stage.MEETING: (Stage.WITH_CLOSER, lambda lead: lead.log_meeting(CLOSER, _at(5))),
    Stage.PROPOSAL_REQUESTED: (
        Stage.MEETING,
        lambda lead: lead.log_proposal(CLOSER, _at(6), "requested"),
    ),
    Stage.PROPOSAL_PRESENTED: (
        Stage.PROPOSAL_REQUESTED,
        lambda lead: lead.log_proposal(CLOSER, _at(7), "presented"),
    ),
    Stage.WON: (Stage.PROPOSAL_PRESENTED, lambda lead: lead.win(CLOSER, _at(8), Decimal(12000))),
    Stage.CUSTOMER: (Stage.WON, lambda lead: lead.hand_off(CLOSER, AM, _at(9), "AM rotation")),
    Stage.CHURNED: (Stage.CUSTOMER, lambda lead: lead.churn(AM, _at(10), "budget cut")),
    Stage.DISQUALIFIED: (
        Stage.WORKING,
        lambda lead: lead.disqualify(QUALIFIER, _at(3), "student project"),
    ),
    Stage.LOST: (Stage.WITH_CLOSER, lambda lead: lead.lose(CLOSER, _at(5), "went with a rival")),
}


def lead_at(stage: Stage) -> Lead:
    """A lead (id 7) brought to ``stage`` through the legal steps, with its events cleared."""
    if stage is Stage.NEW:
        lead = Lead(company="Umbrella Corp", email="sam@umbrella.co", name="Sam", id=7)
        lead.record_creation(T0, None)
    elif stage is Stage.UNPARSED:
        lead = Lead(company=None, email=None, raw_text="call me maybe", id=7)
        lead.stage = Stage.UNPARSED
        lead.record_creation(T0, None, reason="no email address or phone number found")
    else:
        before, step = _PATH[stage]
        lead = lead_at(before)
        step(lead)
    lead.pending.clear()
    return lead


# --- doing each action, for the matrix ---------------------------------------------------------

_DO: dict[Action, Callable[[Lead], None]] = {
    Action.ASSIGN: lambda lead: lead.assign(OTHER, _at(20), "rotation"),
    Action.FIX: lambda lead: lead.fix(MANAGER, _at(20), Contact("Acme", "sam@acme.io")),
    Action.CLAIM: lambda lead: lead.claim(OTHER, _at(20)),
    Action.DECLINE: lambda lead: lead.decline(lead.owner_id or OTHER, _at(20)),
    Action.QUALIFY: lambda lead: lead.qualify(OTHER, _at(20), BANT),
    Action.DISQUALIFY: lambda lead: lead.disqualify(OTHER, _at(20), "spam"),
    Action.HANDOFF: lambda lead: lead.hand_off(OTHER, CLOSER, _at(20), "by name"),
    Action.MEETING: lambda lead: lead.log_meeting(OTHER, _at(20)),
    Action.PROPOSAL_REQUESTED: lambda lead: lead.log_proposal(OTHER, _at(20), "requested"),
    Action.PROPOSAL_PRESENTED: lambda lead: lead.log_proposal(OTHER, _at(20), "presented"),
    Action.WON: lambda lead: lead.win(OTHER, _at(20), Decimal(1)),
    Action.LOST: lambda lead: lead.lose(OTHER, _at(20), "no budget"),
    Action.EXPAND: lambda lead: lead.expand(OTHER, _at(20), Decimal(5)),
    Action.CHURN: lambda lead: lead.churn(OTHER, _at(20), None),
    Action.REASSIGN: lambda lead: lead.reassign(MANAGER, OTHER, _at(20), "manager"),
    Action.HANDOFF_QUALIFIER: lambda lead: _as_prospected(lead).hand_to_qualifier(
        OTHER, OTHER, _at(20), "rotation", "qualifier"
    ),
}


def _as_prospected(lead: Lead) -> Lead:
    lead.origin, lead.pool = Origin.OUTBOUND, "prospector"
    return lead


_MATRIX = [(stage, action) for stage in Stage for action in Action]


def test_every_action_has_a_way_to_be_done_in_this_test() -> None:
    assert set(_DO) == set(Action)


@pytest.mark.parametrize(("stage", "action"), _MATRIX, ids=[f"{s}-{a}" for s, a in _MATRIX])
def test_each_action_is_taken_exactly_where_the_journey_allows_it(
    stage: Stage, action: Action
) -> None:
    lead = lead_at(stage)
    if stage in ALLOWED[action]:
        _DO[action](lead)
        assert len(lead.pending) == 1
        assert lead.pending[0].from_stage is stage
        return
    with pytest.raises(IllegalTransition) as refused:
        _DO[action](lead)
    assert lead.stage is stage
    assert lead.pending == []
    message = refused.value.message
    assert f"L-7 is {stage.label}, so it can't take `{action.value}` now" in message
    if stage is Stage.UNPARSED:
        assert "`/lead fix L-7 email=… company=…`" in message
        assert "`/lead disqualify L-7 <reason>`" in message
        return
    allowed = allowed_actions(stage, prospecting=lead.prospecting)
    listed = message.split(" you can: ")[1].rstrip(".")
    assert listed == (", ".join(a.value for a in allowed) or "nothing more")


def test_the_whole_journey_runs_from_new_to_churned_through_every_stage() -> None:
    lead = lead_at(Stage.NEW)
    seen = [lead.stage]
    for stage in (
        Stage.ASSIGNED,
        Stage.WORKING,
        Stage.QUALIFIED,
        Stage.WITH_CLOSER,
        Stage.MEETING,
        Stage.PROPOSAL_REQUESTED,
        Stage.PROPOSAL_PRESENTED,
        Stage.WON,
        Stage.CUSTOMER,
    ):
        _PATH[stage][1](lead)
        seen.append(lead.stage)
    lead.expand(AM, _at(11), Decimal("2500.50"))
    lead.expand(AM, _at(12), Decimal(500))
    _PATH[Stage.CHURNED][1](lead)
    seen.append(lead.stage)
    assert seen == [
        Stage.NEW,
        Stage.ASSIGNED,
        Stage.WORKING,
        Stage.QUALIFIED,
        Stage.WITH_CLOSER,
        Stage.MEETING,
        Stage.PROPOSAL_REQUESTED,
        Stage.PROPOSAL_PRESENTED,
        Stage.WON,
        Stage.CUSTOMER,
        Stage.CHURNED,
    ]
    assert lead.expansion_total == Decimal("3000.50")
    types = [e.type for e in lead.pending]
    assert types == [
        EventType.ASSIGNED,
        EventType.CLAIMED,
        EventType.QUALIFIED,
        EventType.HANDED_OFF,
        EventType.MEETING,
        EventType.PROPOSAL_REQUESTED,
        EventType.PROPOSAL_PRESENTED,
        EventType.WON,
        EventType.HANDED_OFF,
        EventType.EXPANDED,
        EventType.EXPANDED,
        EventType.CHURNED,
    ]
    assert all(a.to_stage == b.from_stage for a, b in pairwise(lead.pending))


# --- the event each step records -------------------------------------------------------------

_EVENTS = [
    # (stage before, step, type, actor, to stage, owner after, payload that must be there)
    (
        Stage.NEW,
        lambda lead: lead.assign(QUALIFIER, _at(20), "alice is next"),
        EventType.ASSIGNED,
        None,
        Stage.ASSIGNED,
        QUALIFIER,
        {"explanation": "alice is next", "how": "rotation"},
    ),
    (
        Stage.NEW,
        lambda lead: lead.queue(_at(20), "nobody is available"),
        EventType.QUEUED,
        None,
        Stage.NEW,
        None,
        {"explanation": "nobody is available"},
    ),
    (
        Stage.ASSIGNED,
        lambda lead: lead.claim(QUALIFIER, _at(20)),
        EventType.CLAIMED,
        QUALIFIER,
        Stage.WORKING,
        QUALIFIER,
        {},
    ),
    (
        Stage.ASSIGNED,
        lambda lead: lead.claim(OTHER, _at(20)),
        EventType.CLAIMED,
        OTHER,
        Stage.WORKING,
        OTHER,
        {"taken_from": QUALIFIER},
    ),
    (
        Stage.ASSIGNED,
        lambda lead: lead.decline(QUALIFIER, _at(20)),
        EventType.DECLINED,
        QUALIFIER,
        Stage.NEW,
        None,
        {},
    ),
    (
        Stage.ASSIGNED,
        lambda lead: lead.miss_sla(_at(20), 5),
        EventType.SLA_MISSED,
        None,
        Stage.NEW,
        None,
        {"missed_by": QUALIFIER, "minutes": 5, "misses": 1},
    ),
    (
        Stage.WORKING,
        lambda lead: lead.qualify(QUALIFIER, _at(20), BANT),
        EventType.QUALIFIED,
        QUALIFIER,
        Stage.QUALIFIED,
        QUALIFIER,
        {"budget": "50k", "authority": "CTO", "need": "CRM", "timeline": "Q1", "notes": "keen"},
    ),
    (
        Stage.WORKING,
        lambda lead: lead.disqualify(QUALIFIER, _at(20), "  student project "),
        EventType.DISQUALIFIED,
        QUALIFIER,
        Stage.DISQUALIFIED,
        QUALIFIER,
        {"reason": "student project"},
    ),
    (
        Stage.QUALIFIED,
        lambda lead: lead.hand_off(QUALIFIER, CLOSER, _at(20), "carl is next"),
        EventType.HANDED_OFF,
        QUALIFIER,
        Stage.WITH_CLOSER,
        CLOSER,
        {
            "handed_from": QUALIFIER,
            "role": "closer",
            "explanation": "carl is next",
            "pool": "closer",
        },
    ),
    (
        Stage.WITH_CLOSER,
        lambda lead: lead.log_meeting(CLOSER, _at(20)),
        EventType.MEETING,
        CLOSER,
        Stage.MEETING,
        CLOSER,
        {},
    ),
    (
        Stage.MEETING,
        lambda lead: lead.log_proposal(CLOSER, _at(20), "requested"),
        EventType.PROPOSAL_REQUESTED,
        CLOSER,
        Stage.PROPOSAL_REQUESTED,
        CLOSER,
        {},
    ),
    (
        Stage.PROPOSAL_REQUESTED,
        lambda lead: lead.log_proposal(CLOSER, _at(20), "presented"),
        EventType.PROPOSAL_PRESENTED,
        CLOSER,
        Stage.PROPOSAL_PRESENTED,
        CLOSER,
        {},
    ),
    (
        Stage.PROPOSAL_PRESENTED,
        lambda lead: lead.win(CLOSER, _at(20), Decimal("12000.00")),
        EventType.WON,
        CLOSER,
        Stage.WON,
        CLOSER,
        {"amount": "12000.00"},
    ),
    (
        Stage.MEETING,
        lambda lead: lead.lose(CLOSER, _at(20), " went with a rival\n"),
        EventType.LOST,
        CLOSER,
        Stage.LOST,
        CLOSER,
        {"reason": "went with a rival"},
    ),
    (
        Stage.WON,
        lambda lead: lead.hand_off(CLOSER, AM, _at(20), "anna is next"),
        EventType.HANDED_OFF,
        CLOSER,
        Stage.CUSTOMER,
        AM,
        {
            "handed_from": CLOSER,
            "role": "account_manager",
            "explanation": "anna is next",
            "pool": "account_manager",
        },
    ),
    (
        Stage.CUSTOMER,
        lambda lead: lead.expand(AM, _at(20), Decimal(4000)),
        EventType.EXPANDED,
        AM,
        Stage.CUSTOMER,
        AM,
        {"amount": "4000"},
    ),
    (
        Stage.CUSTOMER,
        lambda lead: lead.churn(AM, _at(20), "budget cut"),
        EventType.CHURNED,
        AM,
        Stage.CHURNED,
        AM,
        {"reason": "budget cut"},
    ),
    (
        Stage.WORKING,
        lambda lead: lead.reassign(MANAGER, OTHER, _at(20), "reassigned by maya"),
        EventType.REASSIGNED,
        MANAGER,
        Stage.WORKING,
        OTHER,
        {"reassigned_from": QUALIFIER, "reason": "reassigned by maya"},
    ),
    (
        Stage.NEW,
        lambda lead: lead.reassign(MANAGER, OTHER, _at(20), "reassigned by maya"),
        EventType.ASSIGNED,
        MANAGER,
        Stage.ASSIGNED,
        OTHER,
        {"how": "manager", "explanation": "reassigned by maya"},
    ),
]


@pytest.mark.parametrize(
    ("before", "step", "kind", "actor", "to", "owner", "payload"),
    _EVENTS,
    ids=[f"{row[0]}-{row[2]}" for row in _EVENTS],
)
def test_every_transition_records_who_when_from_to_owner_and_payload(
    before: Stage,
    step: Callable[[Lead], None],
    kind: EventType,
    actor: int | None,
    to: Stage,
    owner: int | None,
    payload: dict[str, object],
) -> None:
    lead = lead_at(before)
    step(lead)
    [event] = lead.pending
    assert event == LeadEvent(
        lead_id=7,
        type=kind,
        at=_at(20),
        actor_id=actor,
        from_stage=before,
        to_stage=to,
        owner_id=owner,
        payload=event.payload,
    )
    assert dict(event.payload) == payload
    assert (lead.stage, lead.owner_id) == (to, owner)


def test_creation_records_the_origin_and_an_unparsed_post_records_its_reason() -> None:
    created, unparsed = lead_at(Stage.NEW), lead_at(Stage.UNPARSED)
    for lead in (created, unparsed):
        lead.pending.clear()
    outbound = Lead(company="Acme", email="a@acme.io", origin=Origin.OUTBOUND)
    outbound.record_creation(T0, 9, source="event")
    [event] = outbound.pending
    assert (event.type, event.from_stage, event.to_stage, event.actor_id) == (
        EventType.CREATED,
        None,
        Stage.NEW,
        9,
    )
    assert dict(event.payload) == {"origin": "outbound", "source": "event"}
    assert outbound.created_at == T0
    post = Lead(company=None, email=None, raw_text="hi")
    post.stage = Stage.UNPARSED
    post.record_creation(T0, None, reason="the post is empty")
    assert post.pending[0].type is EventType.UNPARSED
    assert post.pending[0].payload["reason"] == "the post is empty"


def test_an_outbound_lead_starts_working_with_its_prospector_and_records_how() -> None:
    lead = lead_at(Stage.NEW)
    lead.start_working(OTHER, _at(1))
    [event] = lead.pending
    assert (lead.stage, lead.owner_id) == (Stage.WORKING, OTHER)
    assert (event.type, event.actor_id, event.payload["how"]) == (
        EventType.ASSIGNED,
        OTHER,
        "outbound",
    )


def test_take_pending_stamps_the_lead_id_and_empties_the_list() -> None:
    lead = Lead(company="Acme", email="a@acme.io")
    lead.record_creation(T0, None)
    lead.assign(QUALIFIER, _at(1), "first")
    lead.id = 42
    events = lead.take_pending()
    assert [e.lead_id for e in events] == [42, 42]
    assert lead.pending == []


# --- required values ------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_disqualifying_needs_a_reason(reason: str | None) -> None:
    lead = lead_at(Stage.WORKING)
    with pytest.raises(InvalidInput, match="reason is required to disqualify"):
        lead.disqualify(QUALIFIER, _at(20), reason)  # type: ignore[arg-type]
    assert (lead.stage, lead.pending) == (Stage.WORKING, [])


@pytest.mark.parametrize("reason", ["", " \t "])
def test_marking_a_lead_lost_needs_a_reason(reason: str) -> None:
    lead = lead_at(Stage.PROPOSAL_PRESENTED)
    with pytest.raises(InvalidInput, match="reason is required to mark a lead lost"):
        lead.lose(CLOSER, _at(20), reason)
    assert lead.stage is Stage.PROPOSAL_PRESENTED


def test_the_stored_reason_is_trimmed() -> None:
    lead = lead_at(Stage.WORKING)
    lead.disqualify(QUALIFIER, _at(20), "  wrong country  ")
    assert lead.reason == "wrong country"


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-5), Decimal("NaN"), Decimal("Infinity")])
def test_a_win_needs_an_amount_above_zero(amount: Decimal) -> None:
    lead = lead_at(Stage.WITH_CLOSER)
    with pytest.raises(InvalidInput, match="amount must be more than 0"):
        lead.win(CLOSER, _at(20), amount)
    assert (lead.stage, lead.amount, lead.pending) == (Stage.WITH_CLOSER, None, [])


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("-1")])
def test_an_expansion_needs_an_amount_above_zero(amount: Decimal) -> None:
    lead = lead_at(Stage.CUSTOMER)
    with pytest.raises(InvalidInput, match="amount must be more than 0"):
        lead.expand(AM, _at(20), amount)
    assert lead.expansion_total == 0


def test_a_win_keeps_its_amount_and_a_churn_may_go_without_a_reason() -> None:
    lead = lead_at(Stage.WON)
    assert lead.amount == Decimal(12000)
    customer = lead_at(Stage.CUSTOMER)
    customer.churn(AM, _at(20), None)
    assert customer.stage is Stage.CHURNED
    assert "reason" not in customer.pending[0].payload


def test_a_meeting_logged_after_a_proposal_keeps_the_proposal_stage() -> None:
    lead = lead_at(Stage.PROPOSAL_REQUESTED)
    lead.log_meeting(CLOSER, _at(20))
    assert lead.stage is Stage.PROPOSAL_REQUESTED
    assert lead.pending[0].type is EventType.MEETING


def test_a_missed_sla_counts_up_and_returns_the_lead_to_new() -> None:
    lead = lead_at(Stage.ASSIGNED)
    lead.miss_sla(_at(6), 5)
    lead.assign(OTHER, _at(6), "next")
    lead.miss_sla(_at(12), 5)
    assert (lead.stage, lead.owner_id, lead.sla_misses) == (Stage.NEW, None, 2)
    assert lead.pending[-1].payload["missed_by"] == OTHER


def test_assignment_and_hand_off_restart_the_assigned_clock() -> None:
    lead = lead_at(Stage.ASSIGNED)
    assert lead.assigned_at == _at(1)
    lead.claim(QUALIFIER, _at(2))
    lead.qualify(QUALIFIER, _at(3), BANT)
    lead.hand_off(QUALIFIER, CLOSER, _at(30), "next")
    assert lead.assigned_at == _at(30)


def test_reassigning_an_unclaimed_lead_restarts_its_claim_clock() -> None:
    lead = lead_at(Stage.ASSIGNED)
    lead.reassign(MANAGER, OTHER, _at(4), "reassigned by maya")
    assert (lead.stage, lead.owner_id, lead.assigned_at) == (Stage.ASSIGNED, OTHER, _at(4))


# --- the stage tables -------------------------------------------------------------------------


def test_what_each_stage_allows_reads_like_the_journey() -> None:
    def names(stage: Stage) -> list[str]:
        return [a.value for a in allowed_actions(stage)]

    assert names(Stage.NEW) == ["reassign"]
    assert names(Stage.ASSIGNED) == ["claim", "notmine", "disqualify", "reassign"]
    assert names(Stage.WORKING) == ["qualify", "disqualify", "reassign"]
    assert names(Stage.QUALIFIED) == ["disqualify", "handoff", "reassign"]
    assert names(Stage.WITH_CLOSER) == [
        "meeting",
        "proposal requested",
        "proposal presented",
        "won",
        "lost",
        "reassign",
    ]
    assert names(Stage.PROPOSAL_PRESENTED) == ["meeting", "won", "lost", "reassign"]
    assert names(Stage.WON) == ["handoff", "reassign"]
    assert names(Stage.CUSTOMER) == ["expand", "churn", "reassign"]
    assert names(Stage.UNPARSED) == ["fix", "disqualify"]
    for stage in (Stage.DISQUALIFIED, Stage.LOST, Stage.CHURNED):
        assert names(stage) == []
    assert Action.ASSIGN not in allowed_actions(Stage.NEW)


def test_card_buttons_are_the_next_steps_without_the_managers_reassign() -> None:
    for stage in Stage:
        steps = next_step_actions(stage)
        assert Action.REASSIGN not in steps
        assert set(steps) == set(allowed_actions(stage)) - {Action.REASSIGN}


@pytest.mark.parametrize(
    ("stage", "outbound", "role"),
    [
        (Stage.NEW, False, Role.QUALIFIER),
        (Stage.ASSIGNED, False, Role.QUALIFIER),
        (Stage.WORKING, False, Role.QUALIFIER),
        (Stage.QUALIFIED, False, Role.QUALIFIER),
        (Stage.WORKING, True, Role.PROSPECTOR),
        (Stage.QUALIFIED, True, Role.PROSPECTOR),
        (Stage.WITH_CLOSER, False, Role.CLOSER),
        (Stage.MEETING, True, Role.CLOSER),
        (Stage.PROPOSAL_REQUESTED, False, Role.CLOSER),
        (Stage.PROPOSAL_PRESENTED, False, Role.CLOSER),
        (Stage.WON, False, Role.CLOSER),
        (Stage.CUSTOMER, False, Role.ACCOUNT_MANAGER),
        (Stage.DISQUALIFIED, False, None),
        (Stage.LOST, False, None),
        (Stage.CHURNED, False, None),
        (Stage.UNPARSED, False, None),
    ],
)
def test_each_stage_is_owned_by_one_role(stage: Stage, outbound: bool, role: Role | None) -> None:
    assert owning_role(stage, outbound) is role


def test_a_lead_shows_its_id_title_and_details() -> None:
    lead = Lead(
        company="Umbrella Corp",
        email="sam@umbrella.co",
        name="Sam",
        phone="+1 555 0100",
        fields={"domain": "umbrella.co", "company_size": "200"},
    )
    assert lead.ref == "L-?"
    lead.id = 12
    assert (lead.ref, lead.title, lead.email_domain) == (
        "L-12",
        "Umbrella Corp — Sam",
        "umbrella.co",
    )
    assert dict(lead.details()) == {
        "Company": "Umbrella Corp",
        "Contact": "Sam",
        "Email": "sam@umbrella.co",
        "Phone": "+1 555 0100",
        "Company size": "200",
    }
    assert Lead(company=None, email=None, phone="555").title == "555"
    assert BANT.summary() == "Budget: 50k; Authority: CTO; Need: CRM; Timeline: Q1; Notes: keen"
    assert Qualification().summary() == "no qualification notes"


def test_qualifying_with_no_field_at_all_is_refused_with_what_to_fill_in() -> None:
    lead = lead_at(Stage.WORKING)
    with pytest.raises(InvalidInput, match="Fill in at least one field"):
        lead.qualify(1, T0, Qualification())
    assert lead.stage is Stage.WORKING


def test_a_qualification_field_longer_than_its_limit_is_refused() -> None:
    lead = lead_at(Stage.WORKING)
    with pytest.raises(InvalidInput, match="Budget is too long: at most 200 characters"):
        lead.qualify(1, T0, Qualification(budget="x" * 201))
    lead.qualify(1, T0, Qualification(notes="x" * 2000))
    assert lead.stage is Stage.QUALIFIED
