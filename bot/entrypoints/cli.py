"""The ``baton`` command.

Each subcommand imports the machinery it runs (the server, the demo, matplotlib, the Teams
package) when it runs, not when the program starts: ``baton --help``, the console and the one-shot
commands would otherwise pay a second of imports for a server they never start. None of these
imports avoids a circle (``tests/bot/test_layout.py`` finds none with them counted).
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from bot.baton import Baton
from bot.bootstrap import build, migrate
from bot.config import Settings, StartupError
from bot.console.session import DRAFT_PROMPT, ConsoleNotifier, ConsoleSession, banner
from bot.entrypoints.chart_file import check_chart_path, write_chart
from bot.entrypoints.crm import register as register_crm
from bot.entrypoints.dashboard import register as register_dashboard
from bot.entrypoints.imports import import_csv
from bot.entrypoints.privacy import register as register_privacy
from bot.entrypoints.refusals import refusals
from bot.entrypoints.spend import register as register_spend
from bot.ops.logs import say, setup_logging
from routing.roles import Platform
from routing.usecases.digests import DigestUnit
from routing.usecases.funnel import Digest

# Plain help: typer's rich help shows every flag, even --help, as taking a "<bool>" value.
app = typer.Typer(
    help="Baton routes sales leads through your team in Slack and Teams.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(db_app, name="db")
app.command("import")(import_csv)
register_spend(app)
register_privacy(app)
register_crm(app)  # baton crm check | setup | sync (HubSpot)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (DATABASE_URL)."""
    with refusals("db upgrade"):
        migrate(Settings())
    typer.echo("Database is up to date.")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="where the copy goes (replaced if it exists)")],
) -> None:
    """A consistent copy of the database, even while `baton serve` writes (see README: restore)."""
    from bot.bootstrap import backup_database

    with refusals("db backup"):
        typer.echo(backup_database(Settings(), file))


@app.command()
def console(
    user: str = typer.Option("manager", help="who you are at the start (a manager)"),
) -> None:
    """Chat with Baton in the terminal as any user (/as alice)."""
    with refusals("console"):
        settings = Settings()
        config = settings.relay_config()
        operator = frozenset({(Platform.CONSOLE.value, user)})
        config = dataclasses.replace(config, managers=config.managers | operator)
        notifiers = {Platform.CONSOLE.value: ConsoleNotifier(typer.echo)}
        baton = build(settings, config=config, notifiers=notifiers, platforms=False)
    typing = sys.stdin.isatty()
    session = ConsoleSession(
        baton.relay, baton.sender().drain, typer.echo, user=user, echo=not typing
    )
    typer.echo(banner(user))
    for line in _typed(session) if typing else sys.stdin:
        if not session.handle(line):
            break


def _typed(session: ConsoleSession) -> Iterator[str]:
    """Typed lines with a prompt naming who you are (or continuing a multi-line post)."""
    while True:
        try:
            yield input(DRAFT_PROMPT if session.drafting else f"{session.user}> ")
        except (EOFError, KeyboardInterrupt):
            return


@app.command()
def serve(
    host: str = typer.Option("0.0.0.0", help="interface to listen on"),
    port: int = typer.Option(3000, help="port to listen on"),
    workers: int = typer.Option(
        1, min=1, max=32, metavar="<1-32>", help="server processes sharing the port"
    ),
    no_platforms: bool = typer.Option(
        False, "--no-platforms", help="start with no Slack or Teams configured (health checks)"
    ),
) -> None:
    """Run Baton: Slack (and Teams) endpoints, health check, outbox sender and scheduler."""
    from bot.entrypoints.serve import check_port_free, make_server, run_workers

    logging.getLogger().setLevel(logging.INFO)
    with refusals("serve"):
        settings = Settings()
        server = make_server(settings, sender=False, require_platform=not no_platforms)
        server.baton.close()
        check_port_free(host, port)
    processes = "1 process" if workers == 1 else f"{workers} processes"
    say(f"Baton listening on http://{host}:{port} ({processes})")
    run_workers(host, port, workers)


@app.command()
def demo(
    seed: int = typer.Option(7, help="the same seed plays the same day"),
    database: str = typer.Option("sqlite:///baton-demo.db", help="where the demo keeps its data"),
    chart: Path = typer.Option("baton-demo-funnel.png", help="where the funnel chart goes"),
) -> None:
    """A simulated team and day of leads through the whole relay, with no credentials."""
    from bot.entrypoints.demo import run_demo

    with refusals("demo"):
        check_chart_path(chart)
        run_demo(seed=seed, database_url=database, write=typer.echo, chart=chart)


@app.command("teams-package")
def teams_package(
    out: str = typer.Option("baton-teams.zip", help="where to write the app package"),
    app_id: str = typer.Option("", help="the bot's Microsoft App ID [default: MICROSOFT_APP_ID]"),
    host: str = typer.Option(
        "", help="host name of your Baton server [default: BATON_PUBLIC_URL's host]"
    ),
) -> None:
    """Write the Teams app package (manifest with the app id, and two icons) to sideload."""
    from bot.teams.transport.package import PackageError, write_package

    with refusals("teams-package"):
        settings = Settings()
        host = host or urlsplit(settings.baton_public_url or "").hostname or ""
        try:
            written = write_package(Path(out), app_id or settings.microsoft_app_id, host or None)
        except PackageError as err:
            raise StartupError(str(err)) from None
    typer.echo(f"Wrote {written}: upload it in Teams under Apps → Manage your apps → Upload.")


class DigestPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"

    @property
    def unit(self) -> DigestUnit:
        return "week" if self is DigestPeriod.WEEK else "day"


@app.command("digest")
def digest_command(
    period: Annotated[
        DigestPeriod,
        typer.Option("--period", help="day: yesterday; week: the last whole ISO week"),
    ] = DigestPeriod.DAY,
    print_: bool = typer.Option(
        True, "--print/--send", help="print it here, or queue it for the digest channels (once)"
    ),
    chart: Annotated[
        Path | None, typer.Option("--chart", help="also write the funnel chart PNG here")
    ] = None,
) -> None:
    """Build the last complete day's (or week's) digest now: print it, or send it."""
    with refusals("digest"):
        if chart is not None:
            check_chart_path(chart)
        digest, said = _digest(build(platforms=False), period.unit, send=not print_)
    typer.echo(said, nl=False)
    if chart is not None and digest is not None:
        from bot.render.chart import funnel_chart_png

        png = funnel_chart_png(digest.report, digest.previous, currency=digest.currency)
        with refusals("digest"):
            write_chart(chart, png)
        typer.echo(f"Chart written to {chart}")


def _digest(baton: Baton, period: DigestUnit, *, send: bool) -> tuple[Digest | None, str]:
    """The digest and what to print: its text, or what sending it did."""
    from bot.entrypoints.scheduler import NoDigestChannel, digest_now, send_now

    if not send:
        digest = digest_now(baton, period)
        return digest, digest.text
    try:
        outcome = send_now(baton, period)
    except NoDigestChannel as err:
        raise StartupError(str(err)) from None
    sent = outcome.data.get("digest")
    return (sent if isinstance(sent, Digest) else None), outcome.reply + "\n"


register_dashboard(app)


# --- operating Baton: doctor (bot/ops/doctor.py) ---------------------------------------------


@app.command()
def doctor() -> None:
    """Check the configuration: database, Slack, Teams, links, time zone, outbox (exit 1 on ✗)."""
    from bot.bootstrap import examined
    from bot.entrypoints.calendar_doctor import doctor_lines as calendar_lines
    from bot.entrypoints.crm import doctor_lines as hubspot_lines
    from bot.ops.doctor import CHECKS, examine

    with refusals("doctor"):
        seen, close = examined(Settings())
    try:
        lines = examine(seen, [*CHECKS, hubspot_lines, calendar_lines])
    finally:
        close()
    for line in lines:
        typer.echo(line.text())
    raise typer.Exit(0 if all(line.ok for line in lines) else 1)


def main() -> None:
    setup_logging()
    app()


if __name__ == "__main__":
    main()
