"""``baton doctor`` against the Slack double: every line ✓ for a good configuration (exit 0);
each thing the first hour gets wrong is a ✗ line with its fix (exit 1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from typer.testing import CliRunner

from bot.bootstrap import examined, migrate
from bot.config import Settings
from bot.entrypoints.cli import app
from bot.ops.doctor import CHECKS, examine
from bot.ops.report import Line, bad
from bot.teams.transport.checks import teams_lines
from tests.e2e.slack_double import LoopbackApp, SlackDouble

TOKEN = "xoxb-doctor-good-token"
INTAKE, DIGEST = "C0INTAKE", "C0DIGEST"


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    double = SlackDouble()
    double.tokens = {TOKEN}
    double.add_channel(INTAKE, "leads")
    double.add_channel(DIGEST, "sales-digest")
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        yield double


def environment(tmp_path: Path, slack: SlackDouble, **changes: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/doctor.db",
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "doctor-signing-secret",
        "SLACK_API_URL": slack.api_url,
        "BATON_INTAKE_CHANNELS": INTAKE,
        "BATON_DIGEST_CHANNEL": DIGEST,
        "BATON_PUBLIC_URL": "https://baton.example.com",
        "BATON_TIMEZONE": "Europe/Berlin",
        **changes,
    }
    return {k: v for k, v in env.items() if v != ""}


@pytest.fixture(autouse=True)
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "BATON_TEAMS_INTAKE_CHANNELS"):
        monkeypatch.delenv(name, raising=False)


def doctor(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "BATON_PUBLIC_URL",
        "BATON_INTAKE_CHANNELS",
        "BATON_DIGEST_CHANNEL",
    ):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["doctor"], env=env)
    return result.exit_code, result.output


def migrated(env: dict[str, str]) -> dict[str, str]:
    migrate(Settings(_env_file=None, database_url=env["DATABASE_URL"]))  # type: ignore[call-arg]
    return env


def test_a_good_configuration_is_all_ticks_and_exits_0(
    tmp_path: Path, slack: SlackDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = doctor(migrated(environment(tmp_path, slack)), monkeypatch)
    lines = output.splitlines()
    assert code == 0, output
    assert all(line.startswith("✓ ") for line in lines), output
    for said in ("Database", "Slack token", "Slack scopes", "#leads", "#sales-digest", "Outbox"):
        assert said in output


@pytest.mark.parametrize(
    ("change", "fixture_change", "expected"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-revoked"},
            None,
            "✗ Slack token: auth.test answered invalid_auth",
        ),
        ({}, "narrow-scopes", "✗ Slack scopes: missing channels:read, files:write"),
        (
            {"BATON_INTAKE_CHANNELS": "C0GONE"},
            None,
            "✗ Slack intake channel (BATON_INTAKE_CHANNELS) C0GONE: not found (channel_not_found)",
        ),
        (
            {},
            "not-invited",
            "✗ Slack digest channel (BATON_DIGEST_CHANNEL) C0DIGEST: the bot is not in #sales-",
        ),
        (
            {"SLACK_SIGNING_SECRET": ""},
            None,
            "✗ Slack signing secret: SLACK_SIGNING_SECRET is not set",
        ),
        ({"BATON_PUBLIC_URL": ""}, None, "✗ Public URL: BATON_PUBLIC_URL is not set"),
        (
            {"BATON_TIMEZONE": "Europe/Atlantis"},
            None,
            "✗ Digest time zone: BATON_TIMEZONE 'Europe/Atlantis'",
        ),
    ],
    ids=[
        "revoked-token",
        "scopes",
        "no-such-channel",
        "not-invited",
        "no-secret",
        "no-url",
        "zone",
    ],
)
def test_each_misconfiguration_is_a_cross_with_its_fix_and_exits_1(
    tmp_path: Path,
    slack: SlackDouble,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str],
    fixture_change: str | None,
    expected: str,
) -> None:
    if fixture_change == "narrow-scopes":
        slack.scopes = [s for s in slack.scopes if s not in ("channels:read", "files:write")]
    if fixture_change == "not-invited":
        slack.add_channel(DIGEST, "sales-digest", member=False)
    code, output = doctor(migrated(environment(tmp_path, slack, **change)), monkeypatch)
    assert code == 1
    (line,) = [line for line in output.splitlines() if line.startswith(expected)]
    assert " — fix: " in line


def test_a_database_not_migrated_says_to_upgrade(
    tmp_path: Path, slack: SlackDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = doctor(environment(tmp_path, slack), monkeypatch)
    assert code == 1
    assert (
        "✗ Database: reachable but empty (no migration applied) — fix: run `baton db upgrade`"
        in output
    )


def test_an_unreachable_database_is_a_cross_not_a_traceback(
    tmp_path: Path, slack: SlackDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment(tmp_path, slack, DATABASE_URL="postgresql://nobody@127.0.0.1:9/none")
    code, output = doctor(env, monkeypatch)
    assert code == 1
    assert "✗ Database: unreachable" in output
    assert "Traceback" not in output


def test_a_backlog_older_than_ten_minutes_is_a_cross(
    tmp_path: Path, slack: SlackDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from storage import tables as t
    from storage.engine import make_engine

    env = migrated(environment(tmp_path, slack))
    engine = make_engine(env["DATABASE_URL"])
    written = datetime.now(UTC) - timedelta(hours=3)
    with engine.begin() as conn:
        conn.execute(
            insert(t.outbox).values(
                created_at=written,
                lane="channel:slack:C0",
                platform="slack",
                notice={"kind": "text"},
                next_attempt_at=written,
            )
        )
    engine.dispose()
    code, output = doctor(env, monkeypatch)
    assert code == 1
    assert "✗ Outbox (chat): 1 waiting, the oldest for 3 h" in output


def test_a_feature_plugs_its_check_into_the_list(tmp_path: Path, slack: SlackDouble) -> None:
    def crm_lines(_seen: object) -> list[Line]:
        return [bad("HubSpot token", "expired", "set HUBSPOT_ACCESS_TOKEN")]

    def broken(_seen: object) -> list[Line]:
        raise RuntimeError("boom")

    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/x.db")  # type: ignore[call-arg]
    seen, close = examined(settings)
    try:
        lines = examine(seen, [*CHECKS, crm_lines, broken])
    finally:
        close()
    texts = [line.text() for line in lines]
    assert "✗ HubSpot token: expired — fix: set HUBSPOT_ACCESS_TOKEN" in texts
    assert any(text.startswith("✗ broken: could not run (boom)") for text in texts)


@pytest.fixture
def login() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Microsoft's login service on loopback: a token for the right secret, 401 otherwise."""
    seen: list[dict[str, str]] = []

    async def token(request: web.Request) -> web.Response:
        form = dict(await request.post())
        seen.append({k: str(v) for k, v in form.items()} | {"tenant": request.match_info["tenant"]})
        if form.get("client_secret") != "right-secret":
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": "eyJ0"}
        )

    double = web.Application()
    double.router.add_post("/{tenant}/oauth2/v2.0/token", token)
    with LoopbackApp(double) as served:
        yield served.url, seen


def test_teams_credentials_are_checked_by_obtaining_a_token(
    login: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = login

    def settings(password: str) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None, microsoft_app_id="app-1", microsoft_app_password=password
        )

    (ok,) = teams_lines(settings("right-secret"), url)
    (refused,) = teams_lines(settings("wrong-secret"), url)
    assert ok.ok
    assert not refused.ok
    assert "401 invalid_client" in refused.said
    assert "wrong-secret" not in refused.text()
    assert seen[0]["tenant"] == "botframework.com"
    assert seen[0]["scope"] == "https://api.botframework.com/.default"
    assert seen[0]["grant_type"] == "client_credentials"
