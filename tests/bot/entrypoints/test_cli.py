"""``baton`` as a new user meets it: plain flags, and one line (exit 2) for every setting it
cannot start with, never a traceback."""

from __future__ import annotations

import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from bot.entrypoints.cli import app
from bot.entrypoints.refusals import CONFIG_ERROR

APP_ID = "00000000-0000-4000-8000-000000000001"
VARIABLES = (
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
    "MICROSOFT_APP_TYPE",
    "BATON_TEAMS_INTAKE_CHANNELS",
    "BATON_TEAMS_DIGEST_CHANNEL",
    "BATON_MANAGERS",
    "BATON_PUBLIC_URL",
)


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No .env file and none of the developer's variables: what a fresh install sees."""
    monkeypatch.chdir(tmp_path)
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")


def run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env or None)


def refused_in_one_line(result: Result) -> str:
    assert result.exit_code == CONFIG_ERROR, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def every_command(group: object = None, path: tuple[str, ...] = ()) -> Iterator[list[str]]:
    """The path of every command and group, so a command added later is checked too."""
    group = group or typer.main.get_command(app)
    yield list(path)
    for name, command in getattr(group, "commands", {}).items():
        yield from every_command(command, (*path, name))


@pytest.mark.parametrize("command", list(every_command()), ids=" ".join)
def test_help_shows_flags_as_flags_never_as_taking_a_bool(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "Usage:" in result.output


def test_digest_print_and_send_are_one_plain_flag_pair() -> None:
    help_text = run("digest", "--help").output
    assert "--print / --send" in help_text

    printed = run("digest", "--print")
    assert printed.exit_code == 0, printed.output
    assert "Funnel" in printed.output or "leads" in printed.output

    assert run("digest", "--print", "true").exit_code == 2  # a flag takes no value


def test_sending_a_digest_with_no_digest_channel_says_so_in_one_line() -> None:
    line = refused_in_one_line(run("digest", "--send"))
    assert line.startswith("baton digest: ")


def test_serve_with_no_platform_refuses_and_says_what_to_set() -> None:
    line = refused_in_one_line(run("serve", "--port", "0"))
    assert "SLACK_BOT_TOKEN" in line
    assert "MICROSOFT_APP_ID" in line
    assert "--no-platforms" in line


def test_serve_on_a_port_in_use_says_so_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--no-platforms", "--host", "127.0.0.1", "--port", str(port))
    line = refused_in_one_line(result)
    assert f"port {port}" in line
    assert "already in use" in line


@pytest.mark.parametrize("command", [["serve", "--no-platforms"], ["db", "upgrade"], ["digest"]])
@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("not a database url", "DATABASE_URL is not a database URL"),
        ("nosuchdb://host/db", "DATABASE_URL is not a database URL"),
        ("postgresql://baton@127.0.0.1:1/baton", "cannot reach the database"),
        ("sqlite:////nonexistent-dir/baton.db", "cannot reach the database"),
        ("mysql://baton@127.0.0.1/baton", "driver that is not installed"),
    ],
    ids=["malformed", "unknown-dialect", "refused", "unopenable", "no-driver"],
)
def test_a_bad_or_unreachable_database_is_one_line(command: list[str], url: str, said: str) -> None:
    line = refused_in_one_line(run(*command, DATABASE_URL=url))
    assert said in line
    assert line.startswith(f"baton {' '.join(c for c in command if not c.startswith('--'))}: ")


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TYPE": "Multi"}, "MICROSOFT_APP_TYPE"),
        (
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": "s",
                "MICROSOFT_APP_TYPE": "SingleTenant",
            },
            "MICROSOFT_APP_TENANT_ID",
        ),
        ({"MICROSOFT_APP_ID": APP_ID}, "MICROSOFT_APP_PASSWORD"),
    ],
    ids=["unknown-app-type", "single-tenant-without-tenant", "app-id-without-password"],
)
def test_a_teams_misconfiguration_stops_serve_before_it_listens(
    env: dict[str, str], said: str
) -> None:
    line = refused_in_one_line(run("serve", "--port", "0", **env))
    assert said in line
    assert "listening" not in run("serve", "--port", "0", **env).stdout


def test_an_invalid_setting_value_is_one_line_naming_it() -> None:
    line = refused_in_one_line(run("db", "upgrade", BATON_CLAIM_SLA_MINUTES="soon"))
    assert "BATON_CLAIM_SLA_MINUTES" in line


def test_teams_package_without_an_app_id_says_how_to_give_one() -> None:
    line = refused_in_one_line(run("teams-package"))
    assert "--app-id" in line
    assert "MICROSOFT_APP_ID" in line


def test_teams_package_takes_the_app_id_and_host_as_options(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    result = run("teams-package", "--out", str(out), "--app-id", APP_ID, "--host", "baton.acme.io")
    assert result.exit_code == 0, result.output
    manifest = zipfile.ZipFile(out).read("manifest.json").decode()
    assert APP_ID in manifest
    assert '"baton.acme.io"' in manifest


def test_teams_package_defaults_to_the_variables(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    env = {"MICROSOFT_APP_ID": APP_ID, "BATON_PUBLIC_URL": "https://leads.acme.io:8443/base"}
    result = run("teams-package", "--out", str(out), **env)
    assert result.exit_code == 0, result.output
    manifest = zipfile.ZipFile(out).read("manifest.json").decode()
    assert APP_ID in manifest
    assert '"leads.acme.io"' in manifest


@pytest.mark.parametrize("command", list(every_command()), ids=" ".join)
def test_help_shows_no_python_type_as_a_metavar(command: list[str]) -> None:
    output = run(*command, "--help").output
    assert "list[" not in output
    assert "range>" not in output


def test_serve_and_import_help_name_what_workers_and_map_take() -> None:
    assert "--workers <1-32>" in run("serve", "--help").output
    assert "--map <column=field>" in run("import", "--help").output


@pytest.mark.parametrize("command", [["digest"], ["demo", "--seed", "1"]], ids=" ".join)
def test_a_chart_in_a_missing_folder_is_refused_in_one_line_before_any_work(
    command: list[str], tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/demo.db"
    args = [*command, "--database", database] if command[0] == "demo" else command
    line = refused_in_one_line(run(*args, "--chart", "no/such/dir/x.png"))
    assert line == (
        f"baton {command[0]}: --chart no/such/dir/x.png: the folder no/such/dir does not exist"
    )
    assert not (tmp_path / "demo.db").exists(), "refused before the demo played its day"


def test_a_chart_path_that_is_a_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    line = refused_in_one_line(run("digest", "--chart", str(tmp_path)))
    assert "is a folder" in line


def test_a_chart_write_that_fails_anyway_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    line = refused_in_one_line(run("digest", "--chart", "x.png"))
    assert line == "baton digest: --chart x.png: cannot write it (No space left on device)"
