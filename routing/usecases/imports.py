"""Leads from a spreadsheet: each row arrives like a post, through the same intake door.

A row is an :class:`~routing.arrival.Arrival` keyed ``import:<file sha256>:<line>``, claimed
like a chat post's keys, so running the same file again creates nothing twice. Imported leads
have no thread in an intake channel: posting 10,000 cards there would bury the channel, so the
assignees get their usual direct message per lead and the managers one summary at the end
(:func:`tell_summary`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from routing import limits
from routing.arrival import Arrival, ImportRow, arrived
from routing.csv_rows import CsvRow
from routing.errors import BatonError
from routing.lead import Lead
from routing.lead_post import Unparsed
from routing.roles import Platform
from routing.stages import Stage
from routing.text import storable
from routing.usecases.context import Ctx, Outcome
from routing.usecases.intake import (
    DUPLICATE,
    MATCHED,
    SKIPPED,
    STAGE,
    lead_from,
    owned_match,
    pool_for,
    prospector,
)


class RowResult(StrEnum):
    CREATED = "created"
    QUEUED = "queued"
    MATCHED = "matched to owner"
    SKIPPED = "skipped as duplicate"
    ALREADY = "already imported"
    BAD = "bad"


@dataclass(frozen=True)
class ImportOptions:
    file_sha256: str
    owner: tuple[Platform, str] | None = None
    """``--as``: every row becomes this prospector's outbound lead."""
    skip_duplicates: bool = False
    source: str | None = None
    """The leads' source when a row names none: ``--source``, else the file's name."""


@dataclass
class ImportSummary:
    """What an import did (or, on a dry run, would do), row by row."""

    counts: Counter[RowResult] = field(default_factory=Counter)
    bad: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    def add(self, result: RowResult, line: int, problem: str | None = None) -> None:
        self.counts[result] += 1
        if result is RowResult.BAD:
            self.bad.append((line, problem or "unreadable"))

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def text(self, *, max_bad: int = 20) -> str:
        verb = "would be" if self.dry_run else "were"
        parts = [f"{self.counts[r]} {r.value}" for r in RowResult if self.counts[r]]
        lines = [f"{self.rows} rows {verb} read: {', '.join(parts) or 'nothing'}."]
        lines += [f"  line {line}: {problem}" for line, problem in self.bad[:max_bad]]
        if len(self.bad) > max_bad:
            lines.append(f"  … and {len(self.bad) - max_bad} more bad rows")
        return "\n".join(lines)


RESULT = "result"
"""``Outcome.data`` key of a dry run's answer: what would happen to the row."""


def row_arrival(row: CsvRow, options: ImportOptions) -> Arrival:
    """The row as it arrives at the intake door, which refuses an unreadable one (the summary
    lists it with its problem)."""
    came_from = ImportRow(
        options.file_sha256,
        row.line,
        options.owner,
        options.skip_duplicates,
        row.duplicate_of,
        limits.truncate(storable(options.source), limits.SOURCE) if options.source else None,
    )
    return arrived(came_from, row.lead or Unparsed(row.problem or "unreadable"))


def row_result(done: Outcome | BatonError) -> tuple[RowResult, str]:
    """What happened to a row (or would, on a dry run), and what was said about it."""
    if isinstance(done, BatonError):
        return RowResult.BAD, done.message
    return _result_of(done.data), done.reply


def _result_of(data: dict[str, object]) -> RowResult:
    said = data.get(RESULT)
    if isinstance(said, RowResult):
        return said
    if data.get(DUPLICATE):
        return RowResult.ALREADY
    if data.get(SKIPPED):
        return RowResult.SKIPPED
    if data.get(MATCHED):
        return RowResult.MATCHED
    return RowResult.QUEUED if data.get(STAGE) is Stage.NEW else RowResult.CREATED


def preview_row(ctx: Ctx, row: CsvRow, options: ImportOptions) -> Outcome:
    """What the intake door would do with ``row``, read from a snapshot: nothing is written.

    Each answer names the row's contact and company and the rep by name, as a person reads it:
    ``Bo Li (Acme): to erin, who owns L-1``.
    """
    arrival = row_arrival(row, options)
    if isinstance(arrival.lead, Unparsed):
        return _result(RowResult.BAD)
    lead = lead_from(arrival.lead, None)
    who = _row_contact(lead)
    if ctx.uow.intake.known(arrival.keys):
        return _result(RowResult.ALREADY, f"{who}: imported before")
    owned = owned_match(ctx, lead)
    if owned is None and row.duplicate_of is None:
        return _preview_new(ctx, lead, options, who)
    owner = _name(ctx, owned.owner_id) if owned is not None else ""
    if options.skip_duplicates:
        held = f"{owner} owns {owned.ref}" if owned else f"repeats line {row.duplicate_of}"
        return _result(RowResult.SKIPPED, f"{who}: {held}")
    if owned is not None:
        return _result(RowResult.MATCHED, f"{who}: to {owner}, who owns {owned.ref}")
    return _result(RowResult.MATCHED, f"{who}: to whoever gets line {row.duplicate_of}")


def _row_contact(lead: Lead) -> str:
    """``Bo Li (Acme)``: the person (else their email or phone) and the company of a row."""
    person = lead.name or lead.email or lead.phone or "no contact"
    return f"{person} ({lead.company})" if lead.company else person


def _name(ctx: Ctx, rep_id: int | None) -> str:
    rep = ctx.rep(rep_id)
    return rep.name if rep else "nobody"


def _preview_new(ctx: Ctx, lead: Lead, options: ImportOptions, who: str) -> Outcome:
    if options.owner is not None:
        rep = ctx.uow.reps.find(*options.owner)
        name = rep.name if rep else options.owner[1]
        return _result(RowResult.CREATED, f"{who}: as {name}'s outbound lead")
    pool, _why = pool_for(ctx, lead)
    return _result(RowResult.CREATED, f"{who}: into the {pool.replace('_', ' ')} rotation")


def check_owner(ctx: Ctx, options: ImportOptions) -> Outcome:
    """Refuse ``--as`` for someone who is not a prospector, before any row is read."""
    rep = prospector(ctx, options.owner)
    return Outcome(f"Rows become {rep.name}'s outbound leads." if rep else "Rows are inbound.")


def tell_summary(ctx: Ctx, summary: ImportSummary, file_name: str) -> Outcome:
    """One message to the managers for the whole import (queued leads included)."""
    text = f"Imported {file_name}: {summary.text(max_bad=5)}"
    if summary.counts[RowResult.QUEUED]:
        text += f"\n{summary.counts[RowResult.QUEUED]} leads are waiting in the queue."
    ctx.tell_managers(text)
    return Outcome(text)


def _result(result: RowResult, detail: str | None = None) -> Outcome:
    return Outcome(detail or result.value, data={RESULT: result})
