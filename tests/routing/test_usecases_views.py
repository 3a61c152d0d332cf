"""What people read (`/lead show`, `/lead mine`, `/rotation`), the minute sweep, and the relay
that runs every use case in one transaction."""

from __future__ import annotations

import pytest

from routing.commands import Help
from routing.errors import NotFound
from routing.events import EventType
from routing.relay import Relay, dispatch
from routing.roles import Platform
from routing.stages import Stage
from routing.usecases.context import Actor, Ctx, Outcome
from routing.usecases.views import LeadView
from tests.support.fakes import Desk

POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


def busy_desk() -> Desk:
    """Five posted leads shared by alice and bob; alice works L-1 and L-3, disqualifies L-5."""
    desk = Desk()
    desk.team(qualifier="alice bob", closer="carl")
    for i in range(5):
        desk.post(f"Lead: Pat {i}, pat@co{i}.example, Co{i}")
    for line in (
        "/lead claim 1",
        "/lead qualify 1 budget=10k",
        "/lead claim 3",
        "/lead disqualify 5 spam",
    ):
        desk.say("alice", line)
    return desk


# --- /lead show -------------------------------------------------------------------------------


def test_show_gives_the_lead_itself_first_then_its_history_to_a_rep_in_a_rotation() -> None:
    desk = busy_desk()
    desk.clock.advance(hours=3, minutes=20)
    outcome = desk.say("bob", "/lead show L-5")
    assert outcome.reply.split("\n") == [
        "*L-5* — Co4 — Pat 4",
        "Company: Co4",
        "Contact: Pat 4",
        "Email: pat@co4.example",
        "Source: inbound post",
        "Stage: disqualified",
        f"Owner: {desk.rep('alice').mention}",
        "Age: 3 h 20 min (since Mon 23 Nov 09:00)",
        "Reason: spam",
        "History",
        "• Mon 23 Nov 09:00 new lead",
        "• Mon 23 Nov 09:00 assigned to alice by the qualifier rotation",
        "• Mon 23 Nov 09:00 disqualified by alice: spam",
    ]
    assert outcome.card is not None
    assert (outcome.card.ref, outcome.card.stage, outcome.card.actions) == (
        "L-5",
        "disqualified",
        (),
    )
    assert isinstance(outcome.data["lead_view"], LeadView)


def test_show_lists_the_qualification_and_the_amounts_before_the_history() -> None:
    desk = busy_desk()
    desk.post("Lead: Ana Diaz, ana@acme.io, Acme, +44 20 7946 0000, source: webinar")
    owner = desk.owner(6) or ""
    desk.say(owner, "/lead claim 6")
    desk.say(owner, "/lead qualify 6 budget=40k authority=CTO need=routing timeline=Q1 notes=hot")
    desk.say(owner, "/lead handoff 6")
    desk.say("carl", "/lead won 6 12,000")
    desk.team(account_manager="dana")
    desk.say("carl", "/lead handoff 6")
    desk.say("dana", "/lead expand 6 3,000")
    view = desk.say("maya", "/lead show 6").data["lead_view"]
    assert isinstance(view, LeadView)
    facts = dict(view.facts)
    assert facts["Phone"] == "+44 20 7946 0000"
    assert facts["Source"] == "webinar (inbound post)"
    assert [facts[k] for k in ("Budget", "Authority", "Need", "Timeline", "Notes")] == [
        "40k",
        "CTO",
        "routing",
        "Q1",
        "hot",
    ]
    assert (facts["Won amount"], facts["Expansion total"]) == ("12,000", "3,000")
    labels = [label for label, _ in view.facts]
    assert labels.index("Stage") < labels.index("Budget") < labels.index("Won amount")
    reply = desk.say("maya", "/lead show 6").reply
    assert reply.index("Won amount: 12,000") < reply.index("History") < reply.index("won by")


def test_show_writes_times_on_the_readers_clock_and_amounts_in_the_history() -> None:
    desk = busy_desk()
    desk.say("alice", "/lead handoff 1")
    desk.say("carl", "/lead won 1 9,500")
    lines = desk.say("carl", "/lead show 1", timezone="Asia/Tokyo").reply.split("\n")
    assert lines[-2] == "• Mon 23 Nov 18:00 handed from alice to carl (closer)"
    assert lines[-1] == "• Mon 23 Nov 18:00 won by carl: 9,500"
    assert "Won amount: 9,500" in lines


def test_show_keeps_the_last_twelve_events_and_says_how_many_there_were() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.post(POST)
    for _ in range(7):
        desk.clock.advance(minutes=6)
        desk.sweep()
    lines = desk.say("maya", "/lead show 1").reply.split("\n")
    assert len(desk.uow.events_of(1)) == 16
    history = lines[lines.index("History (latest 12 of 16)") + 1 :]
    assert len(history) == 12
    assert history[0] == (
        "• Mon 23 Nov 09:12 bob missed the 5-minute claim SLA (miss 2); it moves on"
    )


def test_show_of_an_unparsed_post_quotes_the_original_text() -> None:
    desk = busy_desk()
    desk.post("someone rang about pricing, call back pls")
    reply = desk.say("maya", "/lead show 6").reply
    assert reply.startswith("*L-6* — unknown contact\n")
    assert "Stage: unparsed" in reply
    assert "Original post:\n> someone rang about pricing, call back pls\nHistory" in reply
    assert reply.endswith("kept unparsed: no email address or phone number found")


def test_show_of_a_lead_that_does_not_exist_says_so() -> None:
    with pytest.raises(NotFound, match="There is no lead L-99"):
        busy_desk().say("alice", "/lead show 99")


# --- /lead mine -------------------------------------------------------------------------------


def test_mine_lists_my_open_leads_grouped_by_stage_in_journey_order() -> None:
    desk = busy_desk()
    outcome = desk.say("alice", "/lead mine")
    assert outcome.reply == (
        "You have 2 open leads:\n*Working*\n• L-3 Co2 — Pat 2\n*Qualified*\n• L-1 Co0 — Pat 0"
    )
    cards = outcome.data["leads"]
    assert [card.ref for card in cards] == ["L-3", "L-1"]  # type: ignore[attr-defined]


def test_mine_counts_assigned_leads_and_customers_but_not_closed_ones() -> None:
    desk = busy_desk()
    assert desk.say("bob", "/lead mine").reply.split("\n")[1:] == [
        "*Assigned*",
        "• L-2 Co1 — Pat 1",
        "• L-4 Co3 — Pat 3",
    ]
    assert desk.say("zed", "/lead mine").reply == "You have no open leads right now."


# --- /rotation --------------------------------------------------------------------------------


def test_the_rotation_view_shows_each_pool_its_members_their_status_and_who_is_next() -> None:
    desk = busy_desk()
    desk.say("maya", "/rotation add @bob qualifier cap=20")
    desk.say("maya", "/rotation away @carl until 30 Nov")
    assert desk.say("zed", "/rotation").reply == (
        "*Closer* (closers, assigned claims)\n"
        f"• {desk.mention('carl')} weight 1: away until Mon 30 Nov\n"
        "\n"
        "*Qualifier* (qualifiers, assigned claims)\n"
        f"• {desk.mention('alice')} weight 1: available\n"
        f"• {desk.mention('bob')} weight 1, cap 20: available ← next"
    )


def test_the_rotation_view_counts_the_queue_and_can_show_one_role() -> None:
    desk = Desk()
    desk.team(qualifier="alice", closer="carl")
    desk.say("alice", "/rotation hours 10:00-18:00 mon-fri")
    desk.post(POST)
    assert desk.say("zed", "/rotation show qualifier").reply == (
        "*Qualifier* (qualifiers, assigned claims) — 1 lead waiting in the queue\n"
        f"• {desk.mention('alice')} weight 1: outside working hours (10:00–18:00 Mon–Fri, UTC)"
    )
    desk.say("maya", "/rotation remove @carl closer")
    reply = desk.say("zed", "/rotation show closer").reply
    assert reply == "*Closer* (closers, assigned claims): nobody yet."


def test_the_rotation_view_before_any_pool_says_how_to_start() -> None:
    assert Desk().say("zed", "/rotation").reply == (
        "No rotations yet. A manager starts one: `/rotation add @user qualifier`."
    )


# --- the minute sweep -------------------------------------------------------------------------


def test_an_unclaimed_lead_moves_to_the_next_rep_after_the_claim_sla() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.post(POST)
    desk.clock.advance(minutes=4)
    assert desk.sweep().data["moved"] == []
    desk.clock.advance(minutes=2)
    mark = desk.mark()
    assert desk.sweep().data["moved"] == [1]
    assert (desk.lead(1).stage, desk.owner(1), desk.lead(1).sla_misses) == (
        Stage.ASSIGNED,
        "bob",
        1,
    )
    assert [e.type for e in desk.uow.events_of(1)][-2:] == [
        EventType.SLA_MISSED,
        EventType.ASSIGNED,
    ]
    notices = desk.since(mark)
    assert notices[0].text.startswith(
        f"L-1 → {desk.mention('bob')}. Not claimed within 5 min by {desk.mention('alice')}."
    )
    [told] = [n for n in notices if n.rep_id == desk.rep("alice").id]
    assert told.text.startswith("L-1 (Umbrella Corp — Sam Ortiz) moved on")
    assert any(n.rep_id == desk.rep("bob").id and n.card for n in notices)


def test_a_claimed_lead_never_misses_the_sla() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.post(POST)
    desk.say("alice", "/lead claim 1")
    desk.clock.advance(hours=1)
    assert desk.sweep().data["moved"] == []
    assert desk.owner(1) == "alice"


def test_managers_hear_about_a_lead_that_keeps_missing_the_sla() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.post(POST)
    desk.clock.advance(minutes=6)
    desk.sweep()
    assert desk.dms("maya") == []
    desk.clock.advance(minutes=6)
    desk.sweep()
    [told] = desk.dms("maya")
    assert told.text == "L-1 (Umbrella Corp — Sam Ortiz) has missed the claim SLA 2 times."


def test_a_reassigned_lead_gets_a_fresh_claim_clock() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.post(POST)
    desk.clock.advance(minutes=4)
    desk.say("maya", "/lead reassign 1 @bob")
    desk.clock.advance(minutes=2)
    assert desk.sweep().data["moved"] == []
    desk.clock.advance(minutes=4)
    assert desk.sweep().data["moved"] == [1]
    assert desk.owner(1) == "alice"


def test_the_sweep_assigns_queued_leads_once_someone_is_available() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("alice", "/rotation hours 09:30-18:00 mon-fri")
    desk.post(POST)
    assert desk.lead(1).stage is Stage.NEW
    desk.clock.advance(minutes=30)
    assert desk.sweep().reply.endswith("Assigned from the queue: L-1.")
    assert desk.owner(1) == "alice"


# --- the relay ----------------------------------------------------------------------------------


def test_the_relay_refreshes_a_reps_name_and_timezone_from_the_platform() -> None:
    desk = Desk()
    desk.say("maya", "/rotation add @U7 qualifier")
    assert (desk.rep("U7").name, desk.rep("U7").timezone) == ("U7", "UTC")
    desk.relay.run(Actor(Platform.CONSOLE, "U7", "Alice", "Europe/Paris"), lambda ctx: Outcome(""))
    rep = desk.rep("Alice")
    assert (rep.user_id, rep.timezone) == ("U7", "Europe/Paris")


def test_posts_from_other_apps_are_logged_by_baton_itself() -> None:
    desk = Desk()
    desk.post(POST)
    assert desk.uow.events_of(1)[0].actor_id == desk.rep("Baton").id


def test_help_answers_with_the_usage_and_changes_nothing() -> None:
    desk = Desk()
    reply = desk.relay.execute(Actor(Platform.CONSOLE, "maya", "maya"), Help("lead")).reply
    assert "`/lead claim <id>`" in reply


def test_a_command_without_a_use_case_is_a_programming_error() -> None:
    desk = Desk()

    def unknown(ctx: Ctx) -> Outcome:
        return dispatch(ctx, object())  # type: ignore[arg-type]

    with pytest.raises(TypeError, match="no use case"):
        desk.relay.run(Actor(Platform.CONSOLE, "maya", "maya"), unknown)


def test_each_use_case_runs_in_its_own_committed_transaction() -> None:
    desk = Desk()
    commits = desk.uow.commits
    desk.say("maya", "/rotation add @alice qualifier")
    desk.post(POST)
    assert desk.uow.commits == commits + 2
    assert isinstance(desk.relay, Relay)


# --- /funnel ------------------------------------------------------------------------------------


def test_the_funnel_on_demand_is_counted_from_the_recorded_events() -> None:
    desk = Desk()
    desk.team(qualifier="alice", closer="carl")
    desk.post(POST)
    desk.post("Lead: Kim, kim@initech.com, Initech")
    for who, line in [
        ("alice", "/lead claim 1"),
        ("alice", "/lead qualify 1 budget=10k"),
        ("alice", "/lead handoff 1"),
        ("carl", "/lead won 1 5000"),
        ("alice", "/lead disqualify 2 student"),
    ]:
        desk.clock.advance(minutes=1)
        desk.say(who, line)
    desk.clock.advance(minutes=1)
    outcome = desk.say("maya", "/funnel today")
    report = outcome.data["digest"].report  # type: ignore[attr-defined]
    assert (report.inbound, report.claimed, report.won, report.disqualified) == (2, 1, 1, 1)
    assert report.won_value == 5000
    assert outcome.reply.startswith("Funnel digest · Mon 23 Nov 2026")


def test_mine_lists_the_first_fifty_leads_and_counts_the_rest() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    for n in range(55):
        desk.post(f"Lead: Pat {n}, pat{n}@firm{n}.io, Firm {n}")
    outcome = desk.say("alice", "/lead mine")
    assert outcome.reply.startswith("You have 55 open leads:")
    assert "…and 5 more" in outcome.reply
    assert len(outcome.data["leads"]) == 50  # type: ignore[arg-type]
