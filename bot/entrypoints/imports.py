"""`baton import FILE.csv`: read the file, show progress, run one transaction per row, sum up.

The rules of what a row means live in :mod:`routing.csv_rows` and
:mod:`routing.usecases.imports`; this module reads bytes and talks to the terminal. Every row is
parsed before the first write, and each row is its own transaction, so a bad row never stops the
import and never leaves half a lead behind.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Annotated

import typer

from bot.baton import Baton
from bot.bootstrap import build
from bot.config import Settings, StartupError
from bot.entrypoints.refusals import refusals
from routing.csv_rows import CsvRow, decode_csv, parse_maps, read_rows
from routing.errors import BatonError
from routing.phones import PhoneReader
from routing.relay import SYSTEM, UseCase
from routing.roles import Platform
from routing.usecases import imports
from routing.usecases.imports import ImportOptions, ImportSummary, RowResult, row_result

AS_FORMS = "slack:U123, teams:29:…, console:NAME"


def import_csv(
    file: Annotated[Path, typer.Argument(help="the CSV file (UTF-8, comma or semicolon)")],
    as_user: Annotated[
        str | None,
        typer.Option("--as", help=f"make every row this prospector's outbound lead ({AS_FORMS})"),
    ] = None,
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="<column=field>",
            help='read a column as a field: --map "Work mail=email" (repeat for more)',
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would happen and change nothing")
    ] = False,
    skip_duplicates: Annotated[
        bool,
        typer.Option("--skip-duplicates", help="skip rows that match an open lead or customer"),
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="the leads' source where a row names none (default: the file's name)"
        ),
    ] = None,
) -> None:
    """Import leads from a spreadsheet, routed like posts (or --as a prospector's list)."""
    with refusals("import"):
        data = _read_file(file)
        settings = Settings()
        rows = _parse(data, maps or [], settings.phone_reader())
        options = ImportOptions(
            hashlib.sha256(data).hexdigest(),
            _owner(as_user),
            skip_duplicates=skip_duplicates,
            source=" ".join((source or file.name).split()) or file.name,
        )
        baton = build(settings, platforms=False)
        _check_owner(baton, options)
    summary = run_import(baton, rows, options, dry_run=dry_run, echo=typer.echo)
    if not dry_run and summary.rows > summary.counts[RowResult.BAD]:
        baton.relay.run(SYSTEM, lambda ctx: imports.tell_summary(ctx, summary, file.name))
    typer.echo(summary.text(max_bad=1000))
    if not dry_run:
        typer.echo("Assignees' messages go out from `baton serve` (the outbox).")


BATCH_ROWS = 100
"""Rows per transaction: each row has its own savepoint, the batch one commit (a commit waits
for the disk; one per row would make 10,000 rows take minutes)."""


def run_import(
    baton: Baton,
    rows: Sequence[CsvRow],
    options: ImportOptions,
    *,
    dry_run: bool = False,
    echo: Callable[[str], object] = print,
) -> ImportSummary:
    """Every row routed in its own savepoint (a dry run: read from a snapshot), with a progress
    bar on a terminal; what happened to each row is summed up."""
    summary = ImportSummary(dry_run=dry_run)
    for batch in batched(_progress(rows, "Checking" if dry_run else "Importing"), BATCH_ROWS):
        for row, (result, said) in zip(batch, _run(baton, batch, options, dry_run), strict=True):
            summary.add(result, row.line, row.problem or said)
            if dry_run:
                echo(f"line {row.line}: {result.value} — {row.problem or said}")
    return summary


def _run(
    baton: Baton, batch: Sequence[CsvRow], options: ImportOptions, dry_run: bool
) -> list[tuple[RowResult, str]]:
    if dry_run:
        return [row_result(baton.relay.peek(_preview(row, options))) for row in batch]
    arrivals = [imports.row_arrival(row, options) for row in batch]
    return [row_result(done) for done in baton.relay.ingest_all(arrivals)]


def _preview(row: CsvRow, options: ImportOptions) -> UseCase:
    return lambda ctx: imports.preview_row(ctx, row, options)


def batched(items: Iterable[CsvRow], size: int) -> Iterator[list[CsvRow]]:
    """``items`` in lists of ``size`` (``itertools.batched`` from Python 3.12)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _progress(rows: Sequence[CsvRow], what: str) -> Iterator[CsvRow]:
    """The rows, with a progress bar on stderr when it is a terminal (never in a pipe or log)."""
    if not sys.stderr.isatty():
        yield from rows
        return
    from rich.progress import track

    yield from track(rows, description=what, total=len(rows), transient=True)


def _read_file(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as err:
        raise StartupError(f"cannot read {file}: {err.strerror or err}") from None


def _parse(data: bytes, maps: list[str], phones: PhoneReader) -> list[CsvRow]:
    try:
        return list(read_rows(decode_csv(data), parse_maps(maps), phones=phones))
    except BatonError as err:
        raise StartupError(err.message) from None


def _owner(as_user: str | None) -> tuple[Platform, str] | None:
    if as_user is None:
        return None
    platform, _colon, user_id = as_user.partition(":")
    if platform.lower() not in {p.value for p in Platform} or not user_id.strip():
        raise StartupError(f"--as {as_user!r}: say who, like {AS_FORMS}")
    return Platform(platform.lower()), user_id.strip()


def _check_owner(baton: Baton, options: ImportOptions) -> None:
    if options.owner is None:
        return
    try:
        baton.relay.run(SYSTEM, lambda ctx: imports.check_owner(ctx, options))
    except BatonError as err:
        raise StartupError(err.message) from None
