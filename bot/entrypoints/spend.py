"""``baton spend import spend.csv``: a source's spend per month, from a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.bootstrap import build
from bot.config import Settings, StartupError
from bot.entrypoints.refusals import refusals
from routing.csv_rows import decode_csv
from routing.errors import BatonError
from routing.relay import SYSTEM
from routing.spend_rows import SpendLine, read_spend
from routing.usecases.numbers import SpendRow, import_spend

__all__ = ["register"]

spend_app = typer.Typer(
    help="Spend per source and month.", no_args_is_help=True, rich_markup_mode=None
)


def register(app: typer.Typer) -> None:
    app.add_typer(spend_app, name="spend")


@spend_app.command("import")
def spend_import(
    file: Annotated[Path, typer.Argument(help="CSV with source, month (YYYY-MM) and amount")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would be entered and change nothing")
    ] = False,
) -> None:
    """Enter spend per source and month (a row replaces what its source and month had)."""
    with refusals("spend import"):
        lines = _read(file)
        baton = None if dry_run else build(Settings(), platforms=False)
    good = [
        SpendRow(line.line, line.source, line.month, line.amount)
        for line in lines
        if line.problem is None and line.source and line.month and line.amount is not None
    ]
    bad = [line for line in lines if line.problem is not None]
    if baton is not None and good:
        baton.relay.run(SYSTEM, lambda ctx: import_spend(ctx, good))
    verb = "would be entered" if dry_run else "entered"
    typer.echo(f"{len(lines):,} rows read: {len(good):,} {verb}, {len(bad):,} bad.")
    for line in bad:
        typer.echo(f"  line {line.line}: {line.problem}")


def _read(file: Path) -> list[SpendLine]:
    try:
        data = file.read_bytes()
    except OSError as err:
        raise StartupError(f"cannot read {file}: {err.strerror or err}") from None
    try:
        return list(read_spend(decode_csv(data)))
    except BatonError as err:
        raise StartupError(err.message) from None
