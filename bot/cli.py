"""The ``baton`` command."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.bootstrap import build
from bot.cli_dashboard import register as register_dashboard
from bot.config import Settings
from bot.console import HELP, ConsoleNotifier, ConsoleSession
from routing.roles import Platform
from storage.engine import make_engine
from storage.migrate import upgrade

app = typer.Typer(
    help="Baton routes sales leads through your team in Slack and Teams.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (DATABASE_URL)."""
    settings = Settings()
    upgrade(make_engine(settings.database_url))
    typer.echo(f"Database is up to date: {settings.database_url}")


@app.command()
def console(user: str = typer.Option("manager", help="who you are at the start")) -> None:
    """Chat with Baton in the terminal as any user (/as alice)."""
    baton = build(notifiers={Platform.CONSOLE.value: ConsoleNotifier(typer.echo)})
    session = ConsoleSession(baton.relay, baton.sender().drain, typer.echo, user=user)
    typer.echo(HELP)
    for line in _lines(session):
        if not session.handle(line):
            break


def _lines(session: ConsoleSession) -> Iterator[str]:
    """Typed lines with a prompt naming who you are; piped input is read as it comes."""
    if not sys.stdin.isatty():
        yield from sys.stdin
        return
    while True:
        try:
            yield input(f"{session.user}> ")
        except (EOFError, KeyboardInterrupt):
            return


@app.command()
def serve(
    host: str = typer.Option("0.0.0.0", help="interface to listen on"),
    port: int = typer.Option(3000, help="port to listen on"),
    workers: int = typer.Option(1, min=1, max=32, help="server processes sharing the port"),
) -> None:
    """Run Baton: Slack (and Teams) endpoints, health check, outbox sender and scheduler."""
    from bot.serve import StartupError, make_server, run_workers

    logging.getLogger().setLevel(logging.INFO)
    try:
        make_server(Settings(), baton=None, sender=False).baton.engine.dispose()
    except StartupError as err:
        typer.echo(f"baton serve: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Baton listening on http://{host}:{port} ({workers} process(es))")
    run_workers(host, port, workers)


@app.command()
def demo(
    seed: int = typer.Option(7, help="the same seed plays the same day"),
    database: str = typer.Option("sqlite:///baton-demo.db", help="where the demo keeps its data"),
    chart: Path = typer.Option("baton-demo-funnel.png", help="where the funnel chart goes"),
) -> None:
    """A simulated team and day of leads through the whole relay, with no credentials."""
    from bot.demo import run_demo

    run_demo(seed=seed, database_url=database, write=typer.echo, chart=chart)


@app.command("teams-package")
def teams_package(
    out: str = typer.Option("baton-teams.zip", help="where to write the app package"),
    host: str = typer.Option("", help="host name of your Baton server, for validDomains"),
) -> None:
    """Write the Teams app package (manifest with MICROSOFT_APP_ID, and two icons) to sideload."""
    from bot.teams.package import PackageError, write_package

    try:
        written = write_package(Path(out), Settings().microsoft_app_id, host or None)
    except PackageError as err:
        typer.echo(f"baton teams-package: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Wrote {written}: upload it in Teams under Apps → Manage your apps → Upload.")


class DigestPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"


@app.command("digest")
def digest_command(
    period: Annotated[
        DigestPeriod,
        typer.Option("--period", help="day: yesterday; week: the last whole ISO week"),
    ] = DigestPeriod.DAY,
    print_: bool = typer.Option(False, "--print", help="print it in the terminal (the default)"),
    send: bool = typer.Option(
        False, "--send", help="queue it for the digest channels; a period is sent only once"
    ),
    chart: Annotated[
        Path | None, typer.Option("--chart", help="also write the funnel chart PNG here")
    ] = None,
) -> None:
    """Build the last complete day's (or week's) digest now: print it, or send it."""
    from bot.scheduler import NoDigestChannel, digest_now, send_now
    from routing.usecases.funnel import Digest

    if print_ and send:
        raise typer.BadParameter("choose one of --print and --send")
    baton = build()
    digest: object = None
    if send:
        try:
            outcome = send_now(baton, period.value)
        except NoDigestChannel as err:
            typer.echo(f"baton digest: {err}", err=True)
            raise typer.Exit(2) from None
        typer.echo(outcome.reply)
        digest = outcome.data.get("digest")
    else:
        digest = digest_now(baton, period.value)
        typer.echo(digest.text, nl=False)
    if chart is not None and isinstance(digest, Digest):
        from bot.chart import funnel_chart_png

        chart.write_bytes(funnel_chart_png(digest.report))
        typer.echo(f"Chart written to {chart}")


register_dashboard(app)


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app()


if __name__ == "__main__":
    main()
