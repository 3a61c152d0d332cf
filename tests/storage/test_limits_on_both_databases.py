"""Every stored text has a limit, and SQLite and PostgreSQL hold exactly the same values.

Each test goes through the use cases (the relay) into a real database: intake cuts with a
marker and keeps the raw post, commands refuse with the limit named, and text no database takes
(NUL, lone surrogates) is made storable before it gets there. Each test builds one database, so
a test covers several cases.
"""

from __future__ import annotations

from itertools import count

import pytest
from sqlalchemy import func, select

from bot.baton import Baton
from routing import limits
from routing.arrival import posted
from routing.commands import parse_command
from routing.errors import BatonError, InvalidInput, NotFound, UsageError
from routing.lead import Lead
from routing.roles import Platform
from routing.stages import Stage
from routing.usecases.context import Actor, Outcome
from storage import tables as t
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import console, make_baton, say

_MESSAGES = count(1)


@pytest.fixture
def baton(db_url: str, clock: FakeClock) -> Baton:
    baton = make_baton(db_url, clock, managers={("console", "boss")})
    say(baton, "boss", "/rotation add @alice qualifier")
    return baton


def _post(baton: Baton, text: str, author: Actor | None = None) -> Lead:
    post = posted(
        Platform.SLACK, "C-intake", f"1700000000.{next(_MESSAGES):06d}", text, phones=PHONES
    )
    outcome = baton.relay.ingest(post, author)
    assert outcome.lead_id is not None, outcome.reply
    return _lead(baton, outcome.lead_id)


def _lead(baton: Baton, lead_id: int) -> Lead:
    with baton.relay.uow_factory() as uow:
        return uow.leads.get(lead_id)


def _typed(baton: Baton, who: str, command: str, text: str) -> Outcome:
    parsed = parse_command(command, text, baton.clock().date())
    return baton.relay.execute(console(who), parsed)


def _lead_count(baton: Baton) -> int:
    with baton.relay.uow_factory() as uow:
        conn = uow.connection  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(t.leads)).scalar_one())


def test_intake_stores_every_odd_post_as_a_lead_cut_to_the_columns_with_its_raw_text(
    baton: Baton,
) -> None:
    company = "Umbrella " + "x" * 351
    lead = _post(baton, f"Name: Sam Ortiz\nEmail: sam@umbrella.co\nCompany: {company}")
    assert lead.stage is Stage.ASSIGNED
    assert lead.company == company[: limits.COMPANY - 1] + limits.MARKER
    assert lead.raw_text is not None
    assert company in lead.raw_text

    lead = _post(
        baton,
        f"Name: {'n' * 400}\nEmail: {'a' * 300}@{'d' * 60}.com\nPhone: +44 {'1' * 100}\n"
        f"Source: {'s' * 300}\nNotes: {'m' * 5000}\n",
    )
    assert (len(lead.name or ""), len(lead.email or ""), len(lead.phone or "")) == (
        limits.PERSON_NAME,
        limits.EMAIL,
        limits.PHONE,
    )
    assert (len(lead.fields["source"]), len(lead.fields["notes"])) == (limits.SOURCE, limits.NOTES)

    lead = _post(baton, "Lead: Sam Ortiz, sam@umbrella.co\n" + "blah " * 10_000)
    assert lead.email == "sam@umbrella.co"
    assert lead.raw_text is not None
    assert len(lead.raw_text) == limits.RAW_TEXT
    assert lead.raw_text.endswith(limits.MARKER)

    author = Actor(Platform.SLACK, "U" * 200, "n" * 300, "Z" * 100)
    assert _post(baton, "Lead: Jo, jo@initech.com", author=author).stage is Stage.ASSIGNED


def test_a_post_with_nul_and_a_lone_surrogate_becomes_a_lead(baton: Baton) -> None:
    lead = _post(baton, "Lead: Sam\x00 Ortiz\ud800, sam@umbrella.co\x00, Umbrella\udfff Corp")
    assert (lead.name, lead.email, lead.company) == (
        "Sam Ortiz\ufffd",
        "sam@umbrella.co",
        "Umbrella\ufffd Corp",
    )
    unparsed = _post(baton, "call me \x00 maybe \ud83d")
    assert unparsed.stage is Stage.UNPARSED
    assert unparsed.raw_text == "call me  maybe \ufffd"

    post = posted(
        Platform.TEAMS, "19:" + "c" * 300, "m" * 300, "Lead: Jo, jo@initech.com", phones=PHONES
    )
    first, again = baton.relay.ingest(post), baton.relay.ingest(post)
    assert first.lead_id is not None
    assert again.data == {"duplicate": True}
    source = _lead(baton, first.lead_id).source
    assert source is not None
    assert (len(source.channel), len(source.message_id)) == (limits.CHANNEL_ID, limits.MESSAGE_ID)
    assert _lead_count(baton) == 3


_OVERLONG = [
    ("/lead", f'new "{"c" * 301}" sam@umbrella.co', "the company is too long: at most 300"),
    ("/lead", f"new Umbrella sam@umbrella.co {'n' * 301}", "the name is too long: at most 300"),
    ("/lead", f"new Umbrella sam@umbrella.co source={'s' * 201}", "`source=` is too long"),
    ("/rotation", f"add <@ben> qualifier pool={'p' * 65}", "`pool=` is too long: at most 64"),
    ("/rotation", f"add <@{'U' * 129}> qualifier", "id is too long: at most 128"),
    ("/lead", "new Umbrella sam@umbrella.co " + "x" * 4000, "at most 4,000 characters"),
]


def test_commands_store_maximal_values_whole_and_refuse_longer_ones_naming_the_limit(
    baton: Baton,
) -> None:
    for command, text, named in _OVERLONG:
        with pytest.raises(UsageError) as refused:
            _typed(baton, "boss", command, text)
        assert named in refused.value.problem
    assert _lead_count(baton) == 0

    company, name = "c" * limits.COMPANY, "n" * limits.PERSON_NAME
    email = f"{'a' * 64}@{'d' * (limits.EMAIL - 69)}.com"
    outcome = _typed(baton, "boss", "/lead", f'new "{company}" {email} name="{name}"')
    lead = _lead(baton, outcome.lead_id or 0)
    assert (lead.company, lead.email, lead.name) == (company, email, name)

    with pytest.raises(UsageError, match="the reason is too long: at most 2,000 characters"):
        _typed(baton, "alice", "/lead", f"disqualify {lead.ref} {'r' * 2001}")
    assert _lead(baton, lead.id or 0).stage is Stage.ASSIGNED

    outcome = _typed(baton, "boss", "/lead", "new Umb\x00rella\ud800 sam@umbrella.co Sam")
    assert _lead(baton, outcome.lead_id or 0).company == "Umbrella\ufffd"

    _typed(baton, "boss", "/rotation", f"add <@U0LONG|{'L' * 250}> qualifier")
    with baton.relay.uow_factory() as uow:
        rep = uow.reps.find(Platform.CONSOLE, "U0LONG")
    assert rep is not None
    assert len(rep.name) == limits.REP_NAME

    with pytest.raises(NotFound, match="There is no lead L-99999999999"):
        _typed(baton, "boss", "/lead", "show 99999999999")
    mine = parse_command("/lead", "mine", baton.clock().date())
    with pytest.raises(InvalidInput, match="at most 128 characters"):
        baton.relay.execute(Actor(Platform.SLACK, "U" * 129), mine)


def test_an_amount_out_of_bounds_is_refused_and_the_largest_is_stored(baton: Baton) -> None:
    lead_id = _typed(baton, "boss", "/lead", "new Umbrella sam@umbrella.co Sam").lead_id or 0
    _typed(baton, "alice", "/lead", f"claim {lead_id}")
    _typed(baton, "alice", "/lead", f"qualify {lead_id} budget=1m")
    say(baton, "boss", "/rotation add @carl closer")
    _typed(baton, "alice", "/lead", f"handoff {lead_id}")
    for amount in ("1000000000000000000000000000k", "1000000000001", "1.005"):
        with pytest.raises(BatonError):
            _typed(baton, "carl", "/lead", f"won {lead_id} {amount}")
    _typed(baton, "carl", "/lead", f"won {lead_id} 1000000000000")
    assert str(_lead(baton, lead_id).amount) == "1000000000000"
