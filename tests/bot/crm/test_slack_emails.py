"""Slack reps added before the app had ``users:read.email`` get their email at ``baton crm
check`` / ``sync`` (``users.info``, against the Slack double), and a missing scope is named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.bootstrap import build
from bot.config import Settings
from bot.entrypoints.cli import app
from bot.slack.transport.emails import fill_emails, slack_client
from routing.commands import parse_command
from routing.roles import Platform
from routing.usecases.context import Actor
from storage import tables as t
from tests.e2e.slack_double import LoopbackApp, SlackDouble
from tests.support.hubspot_double import TOKEN, HubSpotDouble

MAYA = Actor(Platform.SLACK, "UMAYA", "Maya")


@pytest.fixture
def slack() -> Iterator[tuple[SlackDouble, str]]:
    double = SlackDouble()
    for user_id, name in (("UALICE", "Alice Adams"), ("UBOB", "Bob Burns")):
        double.add_user(user_id, name)
        double.users[user_id]["profile"]["email"] = f"{name.split()[0].lower()}@acme.io"
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        yield double, served.url + "/api/"


@pytest.fixture
def hubspot() -> Iterator[str]:
    double = HubSpotDouble()
    double.add_owner("501", "alice@acme.io", "Alice")
    with LoopbackApp(double.web_app()) as served:
        yield served.url


def environment(tmp_path: Path, slack_url: str, hubspot_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
        "HUBSPOT_ACCESS_TOKEN": TOKEN,
        "HUBSPOT_API_URL": hubspot_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack_url,
        "BATON_MANAGERS": "slack:UMAYA",
    }


def slack_team(env: dict[str, str]) -> None:
    """Alice and Bob added by a manager before the scope: Baton holds no email for them."""
    settings = Settings(  # type: ignore[call-arg]
        database_url=env["DATABASE_URL"], _env_file=None, baton_managers="slack:UMAYA"
    )
    baton = build(settings, platforms=False)
    for user in ("UALICE", "UBOB"):
        command = parse_command("rotation", f"add <@{user}> qualifier", baton.clock().date())
        baton.relay.execute(MAYA, command)
    with baton.engine.connect() as conn:
        assert conn.execute(t.crm_owners.select()).all() == []
    baton.close()


def crm(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, ["crm", *args], env=env)


def test_check_asks_slack_once_for_reps_without_an_email_and_matches_their_owner(
    tmp_path: Path, slack: tuple[SlackDouble, str], hubspot: str
) -> None:
    double, slack_url = slack
    env = environment(tmp_path, slack_url, hubspot)
    slack_team(env)
    crm(env, "setup")
    first = crm(env, "check")
    assert "Slack emails: 2 found for 2 reps without one (users.info)." in first.stdout
    assert "Alice Adams → 501" in first.stdout  # users.info also gave the name
    asked = len(double.to("users.info"))
    assert asked == 2
    crm(env, "check")
    crm(env, "sync", "--all")
    assert len(double.to("users.info")) == asked  # Bob has an email now, Alice an owner


def test_without_the_scope_check_exits_2_saying_add_it_and_reinstall(
    tmp_path: Path, slack: tuple[SlackDouble, str], hubspot: str
) -> None:
    double, slack_url = slack
    double.scopes = [s for s in double.scopes if s != "users:read.email"]
    env = environment(tmp_path, slack_url, hubspot)
    slack_team(env)
    crm(env, "setup")
    result = crm(env, "check")
    assert result.exit_code == 2
    assert "add users:read.email and reinstall the app" in result.stderr
    assert len(double.to("users.info")) == 1  # the first answer said it all
    synced = crm(env, "sync", "--all")
    assert synced.exit_code == 0
    assert "add users:read.email and reinstall" in synced.stderr


def test_a_rate_limit_is_waited_out_once_an_error_is_passed_over_and_no_answer_stops_the_run(
    slack: tuple[SlackDouble, str],
) -> None:
    double, slack_url = slack
    client = slack_client("xoxb-test", slack_url)
    found: list[Actor] = []
    waits: list[float] = []
    double.fail(429, retry_after=3, methods={"users.info"})
    filled = fill_emails(client, ["UALICE", "UBOB"], found.append, sleep=waits.append)
    assert waits == [3.0]
    assert (filled.asked, filled.found, filled.stopped) == (1, 1, None)
    assert [a.email for a in found] == ["bob@acme.io"]  # Alice is asked again next run
    double.fail(500, times=1, methods={"users.info"})
    erred = fill_emails(client, ["UALICE", "UBOB"], found.append, sleep=waits.append)
    assert (erred.asked, erred.found, erred.stopped) == (1, 1, None)
    unreachable = slack_client("xoxb-test", "http://127.0.0.1:9/api/")
    down = fill_emails(unreachable, ["UALICE"], found.append, sleep=waits.append)
    assert down.stopped is not None
    assert "did not answer users.info" in down.stopped


def test_the_crm_senders_start_fills_emails_and_only_warns_when_the_scope_is_missing(
    tmp_path: Path,
    slack: tuple[SlackDouble, str],
    hubspot: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.bootstrap import crm_parts
    from bot.entrypoints.crm_worker import _fill_emails

    double, slack_url = slack
    env = environment(tmp_path, slack_url, hubspot)
    slack_team(env)
    settings = Settings(  # type: ignore[call-arg]
        database_url=env["DATABASE_URL"],
        _env_file=None,
        hubspot_access_token=TOKEN,
        hubspot_api_url=hubspot,
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        slack_api_url=slack_url,
    )
    baton = build(settings, platforms=False)
    parts = crm_parts(baton)
    assert parts is not None
    double.scopes = [s for s in double.scopes if s != "users:read.email"]
    with caplog.at_level("WARNING"):
        _fill_emails(baton, parts)
    assert "add users:read.email and reinstall the app" in caplog.text
    assert parts.reads.without_email(Platform.SLACK) == ["UALICE", "UBOB"]
    double.scopes.append("users:read.email")
    _fill_emails(baton, parts)
    assert parts.reads.without_email(Platform.SLACK) == []
    assert sorted(email for email, _owner in parts.owners.all().values() if email) == [
        "alice@acme.io",
        "bob@acme.io",
    ]
    baton.close()
