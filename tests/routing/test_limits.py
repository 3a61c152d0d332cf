"""Every input has a limit, declared once in ``routing.limits``: intake cuts, commands refuse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import TracebackType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import arrival as arrivals
from routing import limits
from routing.arrival import Arrival, posted
from routing.commands import Churn, NewLead, RotationAdd, UserRef, parse_command, storable_command
from routing.errors import NotFound, UsageError
from routing.lead import QUALIFICATION_LIMITS
from routing.lead_post import ParsedLead
from routing.relay import Relay
from routing.roles import Platform
from routing.stages import Stage
from routing.text import storable
from tests.support.fakes import Desk, FakeUnitOfWork
from tests.support.phones import PHONES

TODAY = date(2026, 11, 23)
_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def refusal(command: str, text: str) -> UsageError:
    with pytest.raises(UsageError) as refused:
        parse_command(command, text, TODAY)
    return refused.value


# --- the marker and the messages --------------------------------------------------------------


def test_a_value_within_its_limit_is_kept_as_it_is() -> None:
    assert limits.truncate("Umbrella Corp", 13) == "Umbrella Corp"


def test_a_value_over_its_limit_is_cut_within_the_limit_and_ends_with_the_marker() -> None:
    assert limits.truncate("Umbrella Corporation", 12) == "Umbrella Co…"
    assert limits.truncate("Umbrella Corporation", 10) == "Umbrella…"


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), limit=st.integers(min_value=1, max_value=200))
def test_truncation_never_exceeds_the_limit(text: str, limit: int) -> None:
    cut = limits.truncate(text, limit)
    assert len(cut) <= limit
    assert cut == text or cut.endswith(limits.MARKER)


def test_the_qualification_form_limits_are_the_declared_ones() -> None:
    assert QUALIFICATION_LIMITS == limits.QUALIFICATION


# --- text hygiene -----------------------------------------------------------------------------


def test_nul_is_dropped_and_a_lone_surrogate_becomes_the_replacement_character() -> None:
    assert storable("Sam\x00 Ortiz\ud800 \udfff") == "Sam Ortiz\ufffd \ufffd"


def test_a_surrogate_pair_is_joined_into_its_character() -> None:
    assert storable("hi \ud83d\ude00") == "hi \U0001f600"


def test_text_is_stored_composed() -> None:
    assert storable("Jose\u0301") == "Jos\u00e9"


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0xFFFF), max_size=50))
def test_any_text_becomes_utf8_encodable_without_nul(text: str) -> None:
    clean = storable(text)
    clean.encode("utf-8")
    assert "\x00" not in clean


def test_a_command_built_by_a_form_is_made_storable_too() -> None:
    command = NewLead("Umb\x00rella", "sam@umbrella.co", "Sam\ud800", {"k\x00": "v\x00"})
    clean = storable_command(command)
    assert (clean.company, clean.name, dict(clean.fields)) == ("Umbrella", "Sam\ufffd", {"k": "v"})
    assert storable_command(Churn(1, None)) == Churn(1, None)
    user = RotationAdd(UserRef("U1\x00", "ann\x00"), "qualifier")
    assert storable_command(user).user == UserRef("U1", "ann")


# --- commands refuse, naming the limit --------------------------------------------------------


def test_a_company_over_its_limit_is_refused_with_the_limit_and_the_usage() -> None:
    error = refusal("/lead", f'new "{"c" * 301}" sam@umbrella.co')
    assert error.problem == "the company is too long: at most 300 characters, not 301"
    assert error.usage.startswith("/lead new <company> <email>")


def test_a_company_at_its_limit_is_taken() -> None:
    command = parse_command("/lead", f'new "{"c" * 300}" sam@umbrella.co', TODAY)
    assert isinstance(command, NewLead)
    assert len(command.company) == limits.COMPANY


def test_a_command_longer_than_any_needs_is_refused_without_echoing_it() -> None:
    error = refusal("/lead", "new Umbrella sam@umbrella.co " + "x" * 4000)
    assert error.problem == "the command is too long: at most 4,000 characters, not 4,029"
    assert "xxxx" not in error.message


def test_too_many_fields_are_refused() -> None:
    options = " ".join(f"k{n}=v" for n in range(limits.FIELDS + 1))
    error = refusal("/lead", f"new Umbrella sam@umbrella.co {options}")
    assert error.problem == f"too many key=value fields: at most 50, not {limits.FIELDS + 1}"


def test_an_overlong_field_name_or_value_is_refused() -> None:
    assert "option name" in refusal("/lead", f"new U sam@u.co {'k' * 49}=v").problem
    assert refusal("/lead", f"new U sam@u.co k={'v' * 2001}").problem.startswith(
        "`k=` is too long: at most 2,000"
    )


@pytest.mark.parametrize("subcommand", ["disqualify 4", "lost 4", "churn 4"])
def test_an_overlong_reason_is_refused(subcommand: str) -> None:
    error = refusal("/lead", f"{subcommand} {'r' * 2001}")
    assert error.problem == "the reason is too long: at most 2,000 characters, not 2,001"


def test_a_pool_name_over_its_limit_is_refused() -> None:
    error = refusal("/rotation", f"add <@U1> qualifier pool={'p' * 65}")
    assert error.problem == "`pool=` is too long: at most 64 characters, not 65"


def test_a_mentioned_user_id_over_its_limit_is_refused() -> None:
    error = refusal("/rotation", f"add <@{'U' * 129}> qualifier")
    assert error.problem == "a mentioned user's id is too long: at most 128 characters, not 129"


def test_a_mention_label_over_the_name_limit_is_cut_not_refused() -> None:
    command = parse_command("/rotation", f"add <@U1|{'L' * 250}> qualifier", TODAY)
    assert isinstance(command, RotationAdd)
    assert command.user.name is not None
    assert len(command.user.name) == limits.REP_NAME


@pytest.mark.parametrize("lead_id", ["99999999999", "L-2147483648", "#" + "9" * 500])
def test_a_lead_id_no_database_integer_holds_is_no_such_lead(lead_id: str) -> None:
    with pytest.raises(NotFound, match="There is no lead L-"):
        parse_command("/lead", f"show {lead_id}", TODAY)


def test_the_largest_database_integer_is_a_lead_id() -> None:
    assert parse_command("/lead", "claim L-2147483647", TODAY) is not None


# --- intake cuts, keeps the raw post, and reads outside the transaction -----------------------


def test_a_post_with_a_360_character_company_is_read_with_the_company_cut() -> None:
    text = f"Name: Sam\nEmail: sam@umbrella.co\nCompany: {'C' * 360}"
    arrival = _post(text)
    assert _lead(arrival).company == "C" * (limits.COMPANY - 1) + limits.MARKER
    assert arrival.raw == text


def test_an_overlong_post_is_cut_with_the_marker_and_still_read() -> None:
    arrival = _post("Lead: Sam, sam@umbrella.co\n" + "x" * 50_000)
    assert arrival.raw is not None
    assert len(arrival.raw) == limits.RAW_TEXT
    assert arrival.raw.endswith(limits.MARKER)
    assert _lead(arrival).email == "sam@umbrella.co"


def test_an_email_beyond_the_lines_read_is_still_found() -> None:
    arrival = _post("\n".join(["chatter"] * 1000 + ["reach me at sam@umbrella.co"]))
    assert _lead(arrival).email == "sam@umbrella.co"


def test_a_post_that_fits_keeps_no_raw_text_beside_its_lead() -> None:
    assert _post("Lead: Sam, sam@umbrella.co").raw is None


def test_a_delivery_key_too_long_to_store_is_kept_as_a_digest() -> None:
    keys = posted(Platform.TEAMS, "c" * 300, "m" * 300, "x", event_id="e", phones=PHONES).keys
    assert all(len(key) <= limits.DELIVERY_KEY for key in keys)
    assert keys[0].startswith("teams:sha256:")
    assert keys[1] == "teams:event:e"


def test_a_key_too_long_to_store_is_hashed_never_cut() -> None:
    long = "k" * limits.DELIVERY_KEY
    assert limits.fitted_key(long) == long
    first, second = limits.fitted_key(long + "1"), limits.fitted_key(long + "2")
    assert first != second
    assert first.startswith("sha256:")
    assert len(first) <= limits.DELIVERY_KEY
    assert limits.fitted_key(long + "1", "teams:").startswith("teams:sha256:")


@pytest.mark.parametrize(
    ("first", "second"),
    [("k\udcff", "k\udcfe"), ("a\x00", "a"), ("Zoe\u0308", "Zoë")],
    ids=["undecodable-bytes", "nul", "decomposed"],
)
def test_a_key_that_is_not_storable_as_it_is_is_hashed_and_two_such_keys_stay_two(
    first: str, second: str
) -> None:
    fitted = limits.fitted_key(first, "webhook:")
    assert fitted.startswith("webhook:sha256:")
    assert storable(fitted) == fitted
    assert fitted != limits.fitted_key(second, "webhook:")


def test_outside_text_is_fitted_storable_then_cut_with_the_marker() -> None:
    assert limits.fitted_text("Zoe\u0308 \ud83d\x00!", 100) == "Zoë \ufffd!"
    assert limits.fitted_text("\x00" + "x" * 20, 10) == "x" * 9 + limits.MARKER


def test_a_cut_post_keeps_its_raw_text_with_the_lead() -> None:
    desk = Desk()
    desk.say("maya", "/rotation add @alice qualifier")
    outcome = desk.post(f"Name: Sam\nEmail: sam@umbrella.co\nCompany: {'C' * 360}")
    lead = desk.lead(outcome.lead_id or 0)
    assert lead.stage is Stage.ASSIGNED
    assert lead.raw_text is not None
    assert "C" * 360 in lead.raw_text


def test_a_post_is_parsed_before_its_transaction_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    uow = _WatchedUnitOfWork()
    parsed_while_open: list[bool] = []
    parse = arrivals.parse_lead_post

    def watched_parse(*args: object, **kwargs: object) -> object:
        parsed_while_open.append(uow.is_open)
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(arrivals, "parse_lead_post", watched_parse)
    relay = Relay(lambda: uow, lambda: _NOW)
    relay.ingest(_post("Lead: Sam, sam@umbrella.co"))
    assert parsed_while_open == [False]


def _post(text: str) -> Arrival:
    return posted(Platform.SLACK, "C-intake", "1700000000.000100", text, phones=PHONES)


def _lead(arrival: Arrival) -> ParsedLead:
    assert isinstance(arrival.lead, ParsedLead), arrival.lead
    return arrival.lead


class _WatchedUnitOfWork(FakeUnitOfWork):
    is_open = False

    def __enter__(self) -> _WatchedUnitOfWork:
        self.is_open = True
        super().__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.is_open = False
        super().__exit__(kind, error, trace)
