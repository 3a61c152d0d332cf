"""The ``baton`` command."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import typer

from bot.bootstrap import build
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
def demo(
    seed: int = typer.Option(7, help="the same seed plays the same day"),
    database: str = typer.Option("sqlite:///baton-demo.db", help="where the demo keeps its data"),
) -> None:
    """A simulated team and day of leads through the whole relay, with no credentials."""
    from bot.demo import run_demo

    run_demo(seed=seed, database_url=database, write=typer.echo)


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app()


if __name__ == "__main__":
    main()
