"""The grammar of /lead, /rotation and /funnel, and the amounts reps type."""

from __future__ import annotations

import contextlib
import re
from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.amounts import parse_amount
from routing.commands import (
    FUNNEL_USAGE,
    LEAD_USAGE,
    ROLES,
    ROTATION_USAGE,
    Churn,
    Claim,
    Command,
    Decline,
    Disqualify,
    Expand,
    Funnel,
    Handoff,
    Help,
    LogMeeting,
    LogProposal,
    Lost,
    Mine,
    NewLead,
    Qualify,
    Reassign,
    RotationAdd,
    RotationAway,
    RotationBack,
    RotationHours,
    RotationJoin,
    RotationLeave,
    RotationRemove,
    RotationShow,
    Show,
    UserRef,
    Won,
    format_lead_id,
    normalise_role,
    parse_command,
    parse_lead_id,
    usage_for,
)
from routing.errors import BatonError, InvalidInput, UsageError

FRIDAY = date(2026, 11, 20)
ALICE = UserRef("U123ABC", "alice")


def lead(text: str) -> Command:
    return parse_command("/lead", text, FRIDAY)


def rotation(text: str) -> Command:
    return parse_command("/rotation", text, FRIDAY)


def funnel(text: str) -> Command:
    return parse_command("/funnel", text, FRIDAY)


def usage_error(command: str, text: str) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse_command(command, text, FRIDAY)
    return caught.value


# --- lead ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["42", "#42", "L-42", "l-42"])
def test_every_lead_id_form_means_the_same_lead(token: str) -> None:
    assert parse_lead_id(token) == 42


@pytest.mark.parametrize("token", ["L-x", "x42", "-42", "4 2", "0", "L-", "#", "٤٢", "L-00"])
def test_a_token_that_is_not_a_lead_id_is_refused_with_the_accepted_forms(token: str) -> None:
    with pytest.raises(UsageError, match="is not a lead id — use 42, #42 or L-42"):
        parse_lead_id(token)


def test_lead_ids_are_shown_with_the_l_prefix() -> None:
    assert format_lead_id(42) == "L-42"


def test_a_bad_lead_id_shows_the_usage_of_the_subcommand_tried() -> None:
    error = usage_error("lead", "claim L-x")
    assert error.problem == "`L-x` is not a lead id — use 42, #42 or L-42"
    assert error.usage == "/lead claim <id>"


def test_a_missing_lead_id_says_one_is_required() -> None:
    assert usage_error("lead", "show").problem == "a lead id is required, like L-42"


# --- /lead new --------------------------------------------------------------------------------


def test_a_new_lead_takes_company_email_name_and_fields() -> None:
    command = lead('new "Umbrella Corp" sam@umbrella.co Sam Ortiz source=event title="VP Sales"')
    assert command == NewLead(
        "Umbrella Corp", "sam@umbrella.co", "Sam Ortiz", {"source": "event", "title": "VP Sales"}
    )


def test_a_new_lead_company_may_be_in_slack_smart_quotes() -> None:
    command = lead("new “Umbrella Corp” sam@umbrella.co")
    assert command == NewLead("Umbrella Corp", "sam@umbrella.co", None, {})


def test_a_new_lead_company_of_several_words_needs_no_quotes() -> None:
    command = lead("new Umbrella Corp sam@umbrella.co")
    assert isinstance(command, NewLead)
    assert command.company == "Umbrella Corp"


def test_a_mailto_link_yields_the_plain_lowercased_email() -> None:
    command = lead("new Umbrella <mailto:Sam@Umbrella.co|Sam@Umbrella.co> Sam")
    assert command == NewLead("Umbrella", "sam@umbrella.co", "Sam", {})


def test_key_value_fields_may_sit_between_the_name_words() -> None:
    command = lead("new Umbrella sam@umbrella.co Sam country=DE Ortiz")
    assert command == NewLead("Umbrella", "sam@umbrella.co", "Sam Ortiz", {"country": "DE"})


def test_slack_escapes_in_a_company_are_undone() -> None:
    command = lead('new "Smith &amp; Sons" jo@smith.co')
    assert isinstance(command, NewLead)
    assert command.company == "Smith & Sons"


def test_a_name_may_be_given_as_a_field() -> None:
    command = lead('new Umbrella sam@umbrella.co name="Sam Ortiz"')
    assert command == NewLead("Umbrella", "sam@umbrella.co", "Sam Ortiz", {})


def test_a_new_lead_fields_cannot_be_changed_afterwards() -> None:
    command = lead("new Umbrella sam@umbrella.co source=event")
    assert isinstance(command, NewLead)
    with pytest.raises(TypeError):
        command.fields["source"] = "web"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("new", "a company and an email address are required"),
        ("new Umbrella", "an email address is required after the company, like sam@umbrella.co"),
        ("new Umbrella sam@", "`sam@` is not an email address"),
        (
            "new sam@umbrella.co Sam",
            'the company comes first, before the email, like "Umbrella Corp"',
        ),
        (
            'new "Umbrella sam@umbrella.co',
            'a quote is not closed — put a " at the end of the quoted words',
        ),
        ("new Umbrella sam@umbrella.co source=", "`source=` needs a value, like source=…"),
        ("new Umbrella sam@umbrella.co a=1 a=2", "`a=` is given twice"),
        (
            "new Umbrella sam@umbrella.co Sam name=Jo",
            "the name is given twice: as words and as name=",
        ),
    ],
)
def test_a_bad_new_lead_names_the_problem_and_shows_the_new_usage(text: str, problem: str) -> None:
    error = usage_error("lead", text)
    assert error.problem == problem
    assert error.usage == "/lead new <company> <email> [name…] [key=value…]"


# --- lead ids only: claim, meeting, show, notmine ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("claim 42", Claim(42)),
        ("CLAIM #7", Claim(7)),
        ("meeting L-3", LogMeeting(3)),
        ("show l-9", Show(9)),
        ("notmine 5", Decline(5)),
        ("not-mine 5", Decline(5)),
    ],
)
def test_subcommands_that_take_only_an_id_read_it(text: str, expected: Command) -> None:
    assert lead(text) == expected


@pytest.mark.parametrize("subcommand", ["claim", "meeting", "show", "notmine"])
def test_extra_words_after_an_only_id_subcommand_are_refused(subcommand: str) -> None:
    error = usage_error("lead", f"{subcommand} 42 please")
    assert error.problem == "unexpected `please` at the end"
    assert error.usage == usage_for("lead", subcommand)


def test_a_subcommand_may_be_separated_by_a_newline() -> None:
    assert lead("claim\n42") == Claim(42)


# --- /lead qualify ----------------------------------------------------------------------------


def test_qualify_with_bant_fields_and_notes() -> None:
    command = lead(
        'qualify L-42 budget="50k per year" authority=CFO need=CRM timeline=Q1 call back'
    )
    assert command == Qualify(42, "50k per year", "CFO", "CRM", "Q1", "call back")
    assert isinstance(command, Qualify)
    assert not command.open_form


def test_qualify_with_nothing_but_the_id_opens_the_form() -> None:
    command = lead("qualify 42")
    assert command == Qualify(42)
    assert isinstance(command, Qualify)
    assert command.open_form


def test_qualify_with_only_notes_does_not_open_the_form() -> None:
    command = lead("qualify 42 they've got budget")
    assert command == Qualify(42, notes="they've got budget")
    assert isinstance(command, Qualify)
    assert not command.open_form


def test_qualify_keys_are_case_insensitive_and_notes_may_be_a_field() -> None:
    assert lead("qualify 42 Budget=10k notes='soon'") == Qualify(42, budget="10k", notes="'soon'")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "qualify 42 bugdet=10k",
            "`bugdet=` is not an option here — use budget=, authority=, need=, timeline= or notes=",
        ),
        ("qualify 42 budget=1 budget=2", "`budget=` is given twice"),
        (
            'qualify 42 budget="10k',
            'a quote is not closed — put a " at the end of the quoted words',
        ),
        ("qualify 42 notes=x and more", "the notes are given twice: as words and as notes="),
        ("qualify", "a lead id is required, like L-42"),
    ],
)
def test_a_bad_qualify_names_the_problem(text: str, problem: str) -> None:
    error = usage_error("lead", text)
    assert error.problem == problem
    assert error.usage == usage_for("lead", "qualify")


# --- reasons: disqualify, lost, churn ---------------------------------------------------------


def test_disqualify_keeps_the_reason_as_typed() -> None:
    assert lead("disqualify 42 they don't have budget") == Disqualify(42, "they don't have budget")


def test_a_quoted_reason_is_stored_without_its_quotes() -> None:
    assert lead('lost #42 "too expensive"') == Lost(42, "too expensive")


def test_a_reason_may_contain_an_unbalanced_quote() -> None:
    assert lead('lost 42 said "too pricey') == Lost(42, 'said "too pricey')


@pytest.mark.parametrize("subcommand", ["disqualify", "lost"])
def test_a_reason_is_required_to_close_a_lead(subcommand: str) -> None:
    error = usage_error("lead", f"{subcommand} 42")
    assert error.problem == "a reason is required"
    assert error.usage == usage_for("lead", subcommand)


def test_churn_takes_an_optional_reason() -> None:
    assert lead("churn 42") == Churn(42, None)
    assert lead("churn 42 moved to a competitor") == Churn(42, "moved to a competitor")


def test_dq_is_short_for_disqualify() -> None:
    assert lead("dq 42 spam") == Disqualify(42, "spam")


# --- users: handoff, reassign -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mention", "user"),
    [
        ("<@U123ABC|alice>", UserRef("U123ABC", "alice")),
        ("<@U123ABC>", UserRef("U123ABC", None)),
        ("<@29:1ab-CD>", UserRef("29:1ab-CD", None)),
        ("<@29:1abcXYZ-_q|Alice Smith>", UserRef("29:1abcXYZ-_q", "Alice Smith")),
        ("<@alice>", UserRef("alice", None)),
    ],
)
def test_every_mention_form_names_the_user(mention: str, user: UserRef) -> None:
    assert lead(f"handoff 42 {mention}") == Handoff(42, user)
    assert lead(f"reassign 42 {mention}") == Reassign(42, user)


def test_handoff_without_a_user_goes_to_the_rotation() -> None:
    assert lead("handoff L-42") == Handoff(42, None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("reassign 42", "mention the user, like @alice"),
        ("reassign 42 bob", "`bob` is not a user mention — mention the user, like @alice"),
        (
            "reassign 42 @bob",
            "`@bob` is not a user mention — pick the person from the @ list, like @alice",
        ),
        ("reassign 42 <@U1> <@U2>", "unexpected `<@U2>` at the end"),
    ],
)
def test_reassign_needs_exactly_one_mentioned_user(text: str, problem: str) -> None:
    error = usage_error("lead", text)
    assert error.problem == problem
    assert error.usage == "/lead reassign <id> @user"


def test_handoff_to_a_plain_at_name_is_refused() -> None:
    error = usage_error("lead", "handoff 42 @bob")
    assert error.usage == "/lead handoff <id> [@user|qualifier]"


# --- proposal ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "status"),
    [("requested", "requested"), ("Presented", "presented"), ("request", "requested")],
)
def test_a_proposal_is_requested_or_presented(word: str, status: str) -> None:
    assert lead(f"proposal 42 {word}") == LogProposal(42, status)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("proposal 42", "say whether the proposal was `requested` or `presented`"),
        (
            "proposal 42 sent",
            "say whether the proposal was `requested` or `presented`, not `sent`",
        ),
    ],
)
def test_a_proposal_without_its_status_is_refused(text: str, problem: str) -> None:
    error = usage_error("lead", text)
    assert error.problem == problem
    assert error.usage == "/lead proposal <id> requested|presented"


# --- amounts: won, expand ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12000", Decimal("12000")),
        ("12,000", Decimal("12000")),
        ("12000.50", Decimal("12000.50")),
        ("$12k", Decimal("12000")),
        ("€12.5k", Decimal("12500")),
        ("1.2m", Decimal("1200000")),
        ("12 000", Decimal("12000")),
        ("1,5", Decimal("1.5")),
        ("12 000,50 €", Decimal("12000.50")),
        ("USD 1,200", Decimal("1200")),
        ("2K", Decimal("2000")),
    ],
)
def test_amounts_are_read_as_reps_write_them(text: str, amount: Decimal) -> None:
    assert parse_amount(text) == amount


def test_a_suffixed_amount_has_no_exponent() -> None:
    assert str(parse_amount("12.5k")) == "12500"


@pytest.mark.parametrize("text", ["abc", "12 5", "1e5", "12,000,50", "$", "k", "", "12.000"])
def test_text_that_is_not_an_amount_is_invalid(text: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape("a positive number such as 12000 or 12.5k")):
        parse_amount(text)


@pytest.mark.parametrize("text", ["0", "-5", "0.0k"])
def test_an_amount_must_be_positive(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a positive amount"):
        parse_amount(text)


def test_won_and_expand_take_an_amount() -> None:
    assert lead("won L-42 $12.5k") == Won(42, Decimal("12500"))
    assert lead("expand 42 12 000") == Expand(42, Decimal("12000"))


@pytest.mark.parametrize("subcommand", ["won", "expand"])
def test_a_bad_amount_is_a_usage_error_for_that_subcommand(subcommand: str) -> None:
    error = usage_error("lead", f"{subcommand} 42 lots")
    assert (
        error.problem
        == "`lots` is not an amount: amount must be a positive number such as 12000 or 12.5k"
    )
    assert error.usage == usage_for("lead", subcommand)


def test_a_missing_amount_is_a_usage_error() -> None:
    assert usage_error("lead", "won 42").problem.startswith("an amount is required")


# --- mine, help, unknown ----------------------------------------------------------------------


def test_mine_lists_your_leads_and_takes_nothing_else() -> None:
    assert lead("mine") == Mine()
    assert usage_error("lead", "mine all").problem == "unexpected `all` at the end"


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP me"])
def test_lead_help_or_nothing_shows_the_help(text: str) -> None:
    assert lead(text) == Help("lead")


def test_an_unknown_subcommand_lists_the_subcommands() -> None:
    error = usage_error("lead", "frobnicate 42")
    assert error.problem.startswith("`frobnicate` is not a /lead subcommand — use new, claim,")
    assert "reassign" in error.problem
    assert error.usage.startswith("/lead new|claim|")


def test_an_unknown_command_is_refused() -> None:
    assert usage_error("leed", "claim 4").problem.startswith("`leed` is not a Baton command")


def test_the_help_texts_cover_every_subcommand() -> None:
    for sub in ("new", "claim", "qualify", "disqualify", "handoff", "proposal", "won", "churn"):
        assert f"/lead {sub}" in LEAD_USAGE
    for sub in ("show", "add", "remove", "away", "back", "join", "leave", "hours"):
        assert f"/rotation {sub}" in ROTATION_USAGE
    assert "/funnel" in FUNNEL_USAGE


def test_usage_for_gives_the_line_of_one_subcommand() -> None:
    assert usage_for("/lead", "won") == "/lead won <id> <amount>"
    assert usage_for("rotation", "join") == "/rotation join <role>"
    assert usage_for("funnel", "") == "/funnel [today|week|month|<N>d]"


def test_usage_for_without_a_subcommand_is_the_whole_help() -> None:
    assert usage_for("lead") == LEAD_USAGE
    assert usage_for("/rotation", None) == ROTATION_USAGE
    assert usage_for("funnel") == FUNNEL_USAGE


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "role"),
    [
        ("qualifier", "qualifier"),
        ("SDRs", "qualifier"),
        ("inbound", "qualifier"),
        ("bdr", "prospector"),
        ("outbound", "prospector"),
        ("AE", "closer"),
        ("closers", "closer"),
        ("am", "account_manager"),
        ("account-manager", "account_manager"),
        ("account managers", "account_manager"),
        ("csm", "account_manager"),
        ("Managers", "manager"),
    ],
)
def test_roles_accept_plurals_and_aliases(word: str, role: str) -> None:
    assert normalise_role(word) == role


def test_an_unknown_role_lists_the_roles() -> None:
    with pytest.raises(
        UsageError, match="`wizard` is not a role — use one of qualifier, prospector"
    ):
        normalise_role("wizard")
    assert ROLES == ("qualifier", "prospector", "closer", "account_manager", "manager")


# --- /rotation show, add, remove --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", RotationShow(None)),
        ("show", RotationShow(None)),
        ("show SDRs", RotationShow("qualifier")),
    ],
)
def test_rotation_show_takes_an_optional_role(text: str, expected: Command) -> None:
    assert rotation(text) == expected


def test_rotation_add_takes_user_role_weight_cap_and_pool() -> None:
    command = rotation("add <@U123ABC|alice> closers weight=3 cap=10 pool=emea")
    assert command == RotationAdd(ALICE, "closer", 3, 10, "emea")


def test_rotation_add_defaults_to_weight_one_and_no_cap() -> None:
    assert rotation("add <@U123ABC|alice> sdr") == RotationAdd(ALICE, "qualifier", 1, None, None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("add", "mention the user, like @alice"),
        ("add closer <@U1>", "`closer` is not a user mention — mention the user, like @alice"),
        ("add <@U1>", "a role is required: " + ", ".join(ROLES[:-1]) + " or manager"),
        ("add <@U1> wizard", "`wizard` is not a role — use one of " + ", ".join(ROLES)),
        ("add <@U1> closer <@U2>", "mention one user only, before the role"),
        ("add <@U1> closer weight=0", "weight must be a whole number from 1 to 100, not `0`"),
        ("add <@U1> closer weight=101", "weight must be a whole number from 1 to 100, not `101`"),
        ("add <@U1> closer weight=two", "weight must be a whole number from 1 to 100, not `two`"),
        ("add <@U1> closer cap=1001", "cap must be a whole number from 1 to 1000, not `1001`"),
        (
            "add <@U1> closer colour=red",
            "`colour=` is not an option here — use weight=, cap=, max_open=, pool= or email=",
        ),
    ],
)
def test_a_bad_rotation_add_names_the_problem(text: str, problem: str) -> None:
    error = usage_error("rotation", text)
    assert error.problem == problem
    assert error.usage == (
        "/rotation add @user <role> [weight=N] [cap=N] [max_open=N] [pool=name] [email=…]"
    )


def test_rotation_remove_takes_user_role_and_pool() -> None:
    assert rotation("remove <@U123ABC|alice> am pool=dach") == RotationRemove(
        ALICE, "account_manager", "dach"
    )
    assert rotation("remove <@29:1ab-CD> closer") == RotationRemove(
        UserRef("29:1ab-CD"), "closer", None
    )


def test_rotation_remove_refuses_weights() -> None:
    error = usage_error("rotation", "remove <@U1> closer weight=2")
    assert error.problem == "`weight=` is not an option here — use pool="
    assert error.usage == "/rotation remove @user <role> [pool=name]"


# --- /rotation away, back ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "until"),
    [
        ("until 2026-11-24", date(2026, 11, 24)),
        ("until 24 Nov", date(2026, 11, 24)),
        ("until Nov 24", date(2026, 11, 24)),
        ("until 24th November", date(2026, 11, 24)),
        ("until 24/11", date(2026, 11, 24)),
        ("until 24/11/2026", date(2026, 11, 24)),
        ("until 5 Jan", date(2027, 1, 5)),
        ("until mon", date(2026, 11, 23)),
        ("until Monday", date(2026, 11, 23)),
        ("until friday", date(2026, 11, 27)),
        ("until tomorrow", date(2026, 11, 21)),
        ("tomorrow", date(2026, 11, 21)),
        ("until 20 Nov", date(2026, 11, 20)),
    ],
)
def test_away_until_reads_the_date_forms(words: str, until: date) -> None:
    assert rotation(f"away {words}") == RotationAway(None, until)


def test_a_weekday_is_the_next_such_day_after_today() -> None:
    assert rotation("away until fri") == RotationAway(None, date(2026, 11, 27))


def test_away_for_someone_else_without_a_date() -> None:
    assert rotation("away <@U123ABC|alice>") == RotationAway(ALICE, None)
    assert rotation("away <@U123ABC|alice> until 24 Nov") == RotationAway(ALICE, date(2026, 11, 24))


def test_away_for_yourself_with_no_date_lasts_until_back() -> None:
    assert rotation("away") == RotationAway(None, None)


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        (
            "until 2026-01-01",
            "`2026-01-01` is in the past — give today or a later day, like tomorrow",
        ),
        ("until 10/11", "`10/11` is in the past — give today or a later day, like tomorrow"),
        (
            "until yesterday",
            "`yesterday` is in the past — give today or a later day, like tomorrow",
        ),
        ("until 31/02", "`31/02` is not a real date"),
        ("until 2026-13-01", "`2026-13-01` is not a real date"),
        (
            "until blursday",
            "`blursday` is not a date — use 2026-11-27, 27 Nov, Nov 27, 27/11, friday or tomorrow",
        ),
        ("until", "say until when, like `until 24 Nov` or `until monday`"),
        ("@alice", "`@alice` is not a user mention — pick the person from the @ list, like @alice"),
    ],
)
def test_a_bad_away_date_is_refused(words: str, problem: str) -> None:
    error = usage_error("rotation", f"away {words}")
    assert error.problem == problem
    assert error.usage == "/rotation away [@user] [until <date>]"


def test_back_ends_an_away_for_yourself_or_someone() -> None:
    assert rotation("back") == RotationBack(None)
    assert rotation("back <@U123ABC|alice>") == RotationBack(ALICE)
    assert usage_error("rotation", "back soon").problem == "unexpected `soon` at the end"


# --- /rotation join, leave --------------------------------------------------------------------


def test_join_and_leave_take_a_role() -> None:
    assert rotation("join SDR") == RotationJoin("qualifier")
    assert rotation("leave closers") == RotationLeave("closer")


@pytest.mark.parametrize("subcommand", ["join", "leave"])
def test_join_and_leave_need_a_role_and_no_user(subcommand: str) -> None:
    missing = usage_error("rotation", subcommand)
    assert missing.problem.startswith("a role is required")
    assert missing.usage == f"/rotation {subcommand} <role>"
    someone = usage_error("rotation", f"{subcommand} <@U1> closer")
    assert someone.problem.startswith("this is for yourself")


# --- /rotation hours --------------------------------------------------------------------------

WEEKDAYS = frozenset(range(5))


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("09:00-17:30", RotationHours(None, time(9), time(17, 30), WEEKDAYS)),
        ("9:00 - 17:30 mon-fri", RotationHours(None, time(9), time(17, 30), WEEKDAYS)),
        ("9am-5:30pm sat-mon", RotationHours(None, time(9), time(17, 30), frozenset({5, 6, 0}))),
        (
            "08.00 to 16.00 mon,wed,fri",
            RotationHours(None, time(8), time(16), frozenset({0, 2, 4})),
        ),
        ("22:00-06:00 mon to thu", RotationHours(None, time(22), time(6), frozenset(range(4)))),
        ("10:00-24:00 every day", RotationHours(None, time(10), time(0), frozenset(range(7)))),
        ("off", RotationHours(None, None, None, frozenset())),
    ],
)
def test_hours_read_a_time_range_and_days(words: str, expected: RotationHours) -> None:
    assert rotation(f"hours {words}") == expected


def test_hours_for_someone_else() -> None:
    command = rotation("hours <@U123ABC|alice> 08:00-16:00 weekdays")
    assert command == RotationHours(ALICE, time(8), time(16), WEEKDAYS)


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("", "give the hours like 09:00-17:30 or say off"),
        ("all day", "give the hours like 09:00-17:30 or say off, not `all day`"),
        ("25:00-26:00", "`25:00` is not a time of day — use 24-hour times like 09:00 or 17:30"),
        ("13pm-14:00", "`13pm` is not a time of day — use 24-hour times like 09:00 or 17:30"),
        ("9-5", "`9-5` is ambiguous — use 24-hour times like 09:00-17:00"),
        (
            "09:00-17:00 funday",
            "`funday` is not a day — use mon-fri, sat-sun, mon,wed,fri or weekdays",
        ),
    ],
)
def test_bad_hours_are_refused(words: str, problem: str) -> None:
    error = usage_error("rotation", f"hours {words}")
    assert error.problem == problem
    assert error.usage == "/rotation hours [@user] 09:00-17:30 [mon-fri] | off"


# --- /rotation help, unknown ------------------------------------------------------------------


def test_rotation_help() -> None:
    assert rotation("help") == Help("rotation")


def test_an_unknown_rotation_subcommand_lists_the_subcommands() -> None:
    error = usage_error("rotation", "shuffle")
    assert error.problem == (
        "`shuffle` is not a /rotation subcommand — use show, add, remove, away, back, join, "
        "leave, hours, calendar, booking, mode, credit, preview, owner, help"
    )


# --- /funnel ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Funnel("today")),
        ("today", Funnel("today")),
        ("day", Funnel("today")),
        ("week", Funnel("week")),
        ("Month", Funnel("month")),
        ("30d", Funnel("days", 30)),
        ("7 days", Funnel("days", 7)),
        ("1d", Funnel("days", 1)),
        ("366d", Funnel("days", 366)),
        ("help", Help("funnel")),
    ],
)
def test_funnel_periods(text: str, expected: Command) -> None:
    assert funnel(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0d", "the number of days must be a whole number from 1 to 366, not `0`"),
        ("367d", "the number of days must be a whole number from 1 to 366, not `367`"),
        ("year", "`year` is not a period — use today, week, month or days like 7d"),
        ("week 2", "`week 2` is not a period — use today, week, month or days like 7d"),
    ],
)
def test_a_bad_funnel_period_is_refused(text: str, problem: str) -> None:
    error = usage_error("funnel", text)
    assert error.problem == problem
    assert error.usage == "/funnel [today|week|month|<N>d]"


# --- robustness -------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "new ", "claim ", "qualify ", "handoff ", "won ", "hours ", "away ", "add ", "until ",
        "42 ", "L-4", "#", "<@U1|al>", "<@29:1a-B>", "@bob ", "sam@x.co ", "<mailto:a@b.co|a@b.co>",
        "budget=", "weight=", "cap=", "\"", "“", "”", "'", "=", "<", ">", "|", "&amp;", "&lt;",
        "9:00-17:00 ", "mon-fri ", "24 Nov ", "29/02 ", "$12.5k ", "0 ", "30d ", "\n", "\u00a0",
        "٤", "closer ", "x",
    ]
)  # fmt: skip
_TEXTS = st.lists(_WORDS, max_size=12).map("".join) | st.text(max_size=80)


@settings(max_examples=400, deadline=None)
@given(
    command=st.sampled_from(["lead", "/lead", "rotation", "funnel", "nope"]),
    text=_TEXTS,
    today=st.dates(),
)
def test_any_text_parses_or_raises_a_baton_error(command: str, text: str, today: date) -> None:
    with contextlib.suppress(BatonError):
        parse_command(command, text, today)


@given(text=st.text(max_size=40))
def test_any_text_is_an_amount_or_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        assert parse_amount(text) > 0
