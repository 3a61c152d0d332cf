"""The rotation's rules through `baton console` on a real database: claim modes, max_open,
manual credit and preview, typed as a team would."""

from __future__ import annotations

from bot.console.session import ConsoleSession
from tests.support.clock import FakeClock
from tests.support.world import make_baton


def _session(url: str, clock: FakeClock) -> tuple[ConsoleSession, list[str]]:
    baton = make_baton(url, clock, managers={("console", "maya")})
    lines: list[str] = []
    session = ConsoleSession(baton.relay, lambda: None, lines.append, user="maya")
    for line in ("/rotation add @alice qualifier", "/rotation add @bob qualifier"):
        session.handle(line)
    return session, lines


def _typed(session: ConsoleSession, lines: list[str], who: str, line: str) -> str:
    """What Baton answers ``who`` typing ``line``."""
    session.handle(f"/as {who}")
    mark = len(lines)
    session.handle(line)
    return "\n".join(lines[mark:])


def test_in_the_console_an_assigned_pool_refuses_a_colleagues_claim_and_an_open_one_allows_it(
    sqlite_url: str, clock: FakeClock
) -> None:
    session, lines = _session(sqlite_url, clock)
    session.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    refused = _typed(session, lines, "bob", "/lead claim L-1")
    assert "L-1 is assigned to @alice; it moves on to the next rep in 5 min" in refused
    assert "(qualifiers, open claims)" not in _typed(session, lines, "maya", "/rotation show")
    _typed(session, lines, "maya", "/rotation mode qualifier open")
    assert "(qualifiers, open claims)" in _typed(session, lines, "maya", "/rotation show")
    assert "L-1 is yours" in _typed(session, lines, "bob", "/lead claim L-1")


def test_in_the_console_a_manager_claims_in_either_mode(sqlite_url: str, clock: FakeClock) -> None:
    session, lines = _session(sqlite_url, clock)
    session.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    assert "L-1 is yours" in _typed(session, lines, "maya", "/lead claim L-1")


def test_in_the_console_max_open_skips_a_busy_rep_with_the_reason(
    sqlite_url: str, clock: FakeClock
) -> None:
    session, lines = _session(sqlite_url, clock)
    _typed(session, lines, "maya", "/rotation add @alice qualifier max_open=1")
    session.post("Lead: Pat 1, pat@one.example, One")
    session.post("Lead: Pat 2, pat@two.example, Two")
    reply = _typed(session, lines, "maya", "/rotation preview Lead: Kim, kim@three.example, Three")
    assert "would go to @bob" in reply
    assert "alice: 1 open lead (limit 1)" in reply


def test_in_the_console_credit_moves_a_rep_and_preview_changes_nothing(
    sqlite_url: str, clock: FakeClock
) -> None:
    session, lines = _session(sqlite_url, clock)
    session.post("Lead: Pat 1, pat@one.example, One")  # alice
    reply = _typed(session, lines, "maya", "/rotation credit @alice +2 junk leads")
    assert "@alice moves +2 leads in the qualifier rotation: junk leads." in reply
    for _ in range(2):  # a dry run, twice: the same answer, nothing stored
        preview = _typed(session, lines, "bob", "/rotation preview Lead: Kim, kim@x.example, X")
        assert "would go to @alice" in preview
        assert "credit +2 by maya: junk leads" in preview
    assert "There is no lead L-2" in _typed(session, lines, "maya", "/lead show L-2")
    refused = _typed(session, lines, "bob", "/rotation credit @bob +3 please")
    assert "Only a manager can credit reps in the rotation" in refused


def test_in_the_console_a_stranger_reads_nothing(sqlite_url: str, clock: FakeClock) -> None:
    session, lines = _session(sqlite_url, clock)
    session.post("Lead: Pat 1, pat@one.example, One")
    for line in ("/lead show L-1", "/funnel"):
        assert "Only managers and reps in a rotation can" in _typed(session, lines, "zed", line)
