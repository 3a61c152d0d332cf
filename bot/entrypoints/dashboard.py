"""``baton dashboard-link``, ``baton secret rotate`` and ``baton export``: the dashboard's CLI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, BinaryIO, NoReturn

import typer

from bot.baton import Baton
from bot.bootstrap import build
from bot.config import manager_key
from bot.entrypoints.operator import operator
from routing.clock import zone
from routing.dashboard.filters import parse_filters
from routing.dashboard.links import subject_of
from routing.dashboard.numbers_export import numbers_csv
from routing.dashboard.periods import period_of
from routing.errors import BatonError, UnknownPerson
from routing.roles import Platform
from routing.usecases.context import Ctx, Outcome
from routing.usecases.dashboard import viewer_of
from routing.usecases.funnel import digest_inputs
from routing.usecases.numbers import numbers_for

secret_app = typer.Typer(help="The dashboard's signing secret.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the dashboard's commands to the ``baton`` app."""
    app.command("dashboard-link")(dashboard_link)
    app.command("export")(export)
    app.add_typer(secret_app, name="secret")


def dashboard_link(
    user: str = typer.Option(..., "--user", help="slack:U123, teams:29:…, console:NAME"),
) -> None:
    """Print a personal dashboard link (valid 24 h) for a manager or a rep in a rotation."""
    baton = build(platforms=False)
    platform, user_id = manager_key(user)
    links = baton.relay.config.dashboard
    assert links is not None

    def link(ctx: Ctx) -> str:
        viewer_of(ctx, ctx.actor)
        return links.link_for(subject_of(ctx.actor), ctx.now)

    try:
        typer.echo(baton.relay.read_as(Platform(platform), user_id, link))
    except UnknownPerson:
        _fail("dashboard-link", f"nobody called {platform}:{user_id} is known to Baton yet")
    except BatonError as err:
        _fail("dashboard-link", err.message)


@secret_app.command("rotate")
def secret_rotate() -> None:
    """Replace the signing secret: every dashboard link given out so far stops working."""
    baton = build(platforms=False)
    if baton.settings.baton_secret_key:
        _fail("secret rotate", "BATON_SECRET_KEY is set: change it instead, then restart")
    baton.stores.secrets.rotate(by=f"cli:{operator()}")
    typer.echo("The dashboard secret is new: every link given out before is now invalid.")


class ExportKind(StrEnum):
    LEADS = "leads"
    EVENTS = "events"
    NUMBERS = "numbers"


class ExportPeriod(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_30_DAYS = "last_30_days"


def export(
    kind: Annotated[
        ExportKind,
        typer.Argument(
            help="leads: one row per lead; events: per event; numbers: the manager's numbers"
        ),
    ],
    period: Annotated[
        ExportPeriod | None, typer.Option("--period", help="leads created (events) in it")
    ] = None,
    first: Annotated[str | None, typer.Option("--from", help="first day, YYYY-MM-DD")] = None,
    last: Annotated[str | None, typer.Option("--to", help="last day, YYYY-MM-DD")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="file to write (default: stdout)")
    ] = None,
) -> None:
    """Write the spreadsheet (UTF-8 CSV with BOM, formulas neutralised) of leads, events or the
    manager's numbers (of last week unless a period is given)."""
    baton = build(platforms=False)
    query = {"period": period.value if period else "", "from": first or "", "to": last or ""}
    if kind is ExportKind.NUMBERS:
        _export_numbers(baton, query, out)
        return
    try:
        filters = parse_filters(query)
        tz = zone(baton.relay.config.timezone)
        when = (
            period_of(filters.period, baton.clock(), tz, filters.first, filters.last)
            if filters.period
            else None
        )
        names = _names_of(baton)
        total = baton.stores.export.count(kind.value, filters, when)
    except BatonError as err:
        _fail("export", err.message)
    currency = baton.settings.baton_currency
    chunks = baton.stores.export.chunks(kind.value, filters, when, names, currency)
    if out is None:
        _write(chunks, sys.stdout.buffer, total, show=False)
        return
    with out.open("wb") as file:
        _write(chunks, file, total, show=sys.stderr.isatty())
    typer.echo(f"Wrote {total:,} {kind.value} to {out}", err=True)


def _export_numbers(baton: Baton, query: dict[str, str], out: Path | None) -> None:
    """The numbers of the period (default: last week, the weekly digest's) as one CSV."""
    if not query["period"] and not query["from"]:
        query["period"] = ExportPeriod.LAST_WEEK.value
    try:
        filters = parse_filters(query)
        assert filters.period is not None
        when = period_of(
            filters.period, baton.clock(), zone(baton.relay.config.timezone), filters.first,
            filters.last,
        )  # fmt: skip
    except BatonError as err:
        _fail("export", err.message)

    def numbers(ctx: Ctx) -> Outcome:
        events, _spans = digest_inputs(ctx, when)
        return Outcome("", data={"csv": numbers_csv(numbers_for(ctx, when, events))})

    text = str(baton.relay.peek(numbers).data["csv"])
    if out is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        return
    out.write_bytes(text.encode("utf-8"))
    typer.echo(f"Wrote the numbers of {when.label} to {out}", err=True)


def _names_of(baton: Baton) -> dict[int, str]:
    """Everyone's name by rep id: the spreadsheet's owner column."""

    def names(ctx: Ctx) -> Outcome:
        return Outcome("", data={"names": {rep.id or 0: rep.name for rep in ctx.uow.reps.all()}})

    found = baton.relay.peek(names).data["names"]
    assert isinstance(found, dict)
    return found


def _write(chunks: Iterator[tuple[bytes, int]], file: BinaryIO, total: int, *, show: bool) -> None:
    """Write the chunks, with a progress bar on a terminal."""
    from rich.progress import Progress

    with Progress(disable=not show, transient=True) as progress:
        task = progress.add_task("Exporting", total=total)
        for data, rows in chunks:
            file.write(data)
            progress.advance(task, rows)


def _fail(command: str, message: str) -> NoReturn:
    typer.echo(f"baton {command}: {message}", err=True)
    raise typer.Exit(2)
