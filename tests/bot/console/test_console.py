"""``baton console`` for the person at the terminal: a manager from the first line, plain text,
each line once, and lead posts of several lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.console.session import ConsoleNotifier, ConsoleSession, plain_text
from bot.entrypoints.cli import app
from routing.chat.actions import ACTIONS
from routing.roles import Platform
from routing.stages import Stage, next_step_actions
from tests.support.world import make_baton


@pytest.fixture(autouse=True)
def fresh_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("BATON_MANAGERS", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/console.db")


def console(*lines: str) -> str:
    result = CliRunner().invoke(app, ["console"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_the_operator_is_a_manager_so_the_readmes_first_step_works() -> None:
    out = console("/rotation add @alice qualifier")
    assert "You are manager, a manager" in out
    assert "Added @alice to the qualifier pool" in out


def test_someone_else_at_the_terminal_has_only_a_reps_rights() -> None:
    out = console("/as alice", "/rotation add @bob closer")
    assert "Only a manager can change the rotations. Managers: @manager." in out


def test_each_typed_line_is_shown_once() -> None:
    out = console("/rotation add @alice qualifier", "/rotation")
    assert out.count("/rotation add @alice qualifier") == 2  # the banner's example, and the echo
    assert out.count("manager> /rotation add @alice qualifier") == 1
    assert out.count("manager> /rotation\n") == 1


def test_at_a_terminal_the_typed_line_is_not_repeated(sqlite_url: str, clock: object) -> None:
    said: list[str] = []
    notifiers = {Platform.CONSOLE.value: ConsoleNotifier(said.append)}
    baton = make_baton(sqlite_url, clock, {("console", "maya")}, notifiers)
    session = ConsoleSession(baton.relay, baton.sender().drain, said.append, "maya", echo=False)
    session.handle("/rotation add @alice qualifier")
    assert said[0].startswith("  Baton → you: Added @alice")
    assert not any(line.startswith("maya>") for line in said)


def test_replies_carry_no_slack_markup() -> None:
    out = console(
        "/rotation add @alice qualifier",
        "/rotation add @dave closer",
        "/post Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp",
        "/as alice",
        "/lead claim L-1",
        "/lead qualify L-1 budget=10k authority=yes need=CRM timeline=Q1",
        "/lead handoff L-1",
        "/lead help",
    )
    assert "L-1 is now with @dave" in out
    for markup in ("`", "<@", "*Closer*", "<rep:"):
        assert markup not in out


@pytest.mark.parametrize(
    ("chat", "terminal"),
    [
        ("*Closer* _Notes_ ~old~ `/lead claim L-1`", "Closer Notes old /lead claim L-1"),
        ("<@U1> and <@U2|dave> in <#C1|leads>, <!here>", "@U1 and @dave in #leads, @here"),
        (
            "<https://baton.acme.io/d?t=1|your dashboard>",
            "your dashboard (https://baton.acme.io/d?t=1)",
        ),
        ("<https://acme.io>", "https://acme.io"),
        ("<mailto:sam@umbrella.co|sam@umbrella.co>", "sam@umbrella.co"),
        ("```\nblock\n```", "block\n"),
        (
            "account_manager max_open=N 2 * 3 * 4 /lead show <id>",
            "account_manager max_open=N 2 * 3 * 4 /lead show <id>",
        ),
    ],
)
def test_plain_text_turns_chat_markup_into_plain_words(chat: str, terminal: str) -> None:
    assert plain_text(chat) == terminal


def test_a_post_of_several_lines_is_one_lead_and_a_one_line_post_still_works() -> None:
    out = console(
        "/rotation add @alice qualifier",
        "/post",
        "New enquiry from the website",
        "Email: tom@initech.com",
        "Company: Initech",
        "",
        "/post Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp",
        "/lead show L-1",
    )
    assert "L-1 → @alice" in out
    assert "L-2 → @alice" in out
    assert "L-3" not in out
    assert "Initech" in out.split("/lead show L-1", 1)[1]


def test_an_empty_multi_line_post_posts_nothing() -> None:
    out = console("/rotation add @alice qualifier", "/post", "", "/rotation")
    assert "(nothing posted)" in out
    assert "L-1" not in out


def test_cards_show_the_buttons_of_their_next_steps_with_the_vocabularys_labels() -> None:
    out = console(
        "/rotation add @alice qualifier",
        "/rotation add @dave closer",
        "/post Name: Priya Shah Email: priya@acme.io Company: Acme Inc",
        "/lead claim L-1",
        "/lead qualify L-1 budget=20k",
        "/lead handoff L-1",
    )
    for stage in (Stage.ASSIGNED, Stage.WITH_CLOSER):
        labels = [ACTIONS[step.value].label for step in next_step_actions(stage)]
        assert "  [" + "] [".join(labels) + "]" in out
    assert "[Meeting held] [Proposal requested] [Proposal presented] [Won] [Lost]" in out
