"""Leads from a spreadsheet: each row routed like a post, in its own transaction.

A row is keyed ``import:<file sha256>:<line>`` through the same intake-key claim as a chat post,
so running the same file again creates nothing twice. Imported leads have no thread in an
intake channel: posting 10,000 cards there would bury the channel, so the assignees get their
usual direct message per lead and the managers one summary at the end (:func:`tell_summary`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from routing import limits
from routing.csv_rows import CsvRow
from routing.errors import NotAllowed
from routing.lead import Lead
from routing.roles import Platform, Role
from routing.team import Rep
from routing.usecases.context import Ctx, Outcome
from routing.usecases.intake import bounded_lead, create_and_route, pool_for


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

    def key(self, row: CsvRow) -> str:
        return f"import:{self.file_sha256}:{row.line}"


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


def import_row(ctx: Ctx, row: CsvRow, options: ImportOptions) -> Outcome:
    """Store and route one parsed row, unless it was imported before or is a skipped duplicate."""
    if row.lead is None:
        return _result(RowResult.BAD)
    if not ctx.uow.intake.claim([options.key(row)], ctx.now):
        return _result(RowResult.ALREADY)
    lead = _lead_of(row)
    if options.source and not lead.fields.get("source"):
        lead.fields["source"] = limits.truncate(options.source, limits.SOURCE)
    if options.skip_duplicates and _is_duplicate(ctx, row, lead):
        return _result(RowResult.SKIPPED)
    line = create_and_route(ctx, lead, prospector=_prospector(ctx, options), quiet=True)
    return Outcome(line, lead_id=lead.id, data={"result": _routed(lead)})


def preview_row(ctx: Ctx, row: CsvRow, options: ImportOptions) -> Outcome:
    """What :func:`import_row` would do with ``row``, read from a snapshot: nothing is written."""
    if row.lead is None:
        return _result(RowResult.BAD)
    if ctx.uow.intake.known([options.key(row)]):
        return _result(RowResult.ALREADY)
    lead = _lead_of(row)
    other = ctx.uow.leads.find_open_match(lead.email, lead.email_domain)
    owned = other if other is not None and other.owner_id is not None else None
    if owned is None and row.duplicate_of is None:
        return _preview_new(ctx, lead, options)
    if options.skip_duplicates:
        return _result(RowResult.SKIPPED)
    if owned is not None:
        return _result(RowResult.MATCHED, f"to {ctx.mention(owned.owner_id)} ({owned.ref})")
    return _result(RowResult.MATCHED, f"to whoever gets line {row.duplicate_of}")


def _preview_new(ctx: Ctx, lead: Lead, options: ImportOptions) -> Outcome:
    if options.owner is not None:
        return _result(RowResult.CREATED, f"as {options.owner[1]}'s outbound lead")
    pool, _why = pool_for(ctx, lead)
    return _result(RowResult.CREATED, f"into the {pool} rotation")


def check_owner(ctx: Ctx, options: ImportOptions) -> Outcome:
    """Refuse ``--as`` for someone who is not a prospector, before any row is read."""
    rep = _prospector(ctx, options)
    return Outcome(f"Rows become {rep.name}'s outbound leads." if rep else "Rows are inbound.")


def tell_summary(ctx: Ctx, summary: ImportSummary, file_name: str) -> Outcome:
    """One message to the managers for the whole import (queued leads included)."""
    text = f"Imported {file_name}: {summary.text(max_bad=5)}"
    if summary.counts[RowResult.QUEUED]:
        text += f"\n{summary.counts[RowResult.QUEUED]} leads are waiting in the queue."
    ctx.tell_managers(text)
    return Outcome(text)


def _result(result: RowResult, detail: str | None = None) -> Outcome:
    return Outcome(detail or result.value, data={"result": result})


def _lead_of(row: CsvRow) -> Lead:
    assert row.lead is not None
    parsed = bounded_lead(row.lead)
    return Lead(
        company=parsed.company,
        email=parsed.email,
        name=parsed.name,
        phone=parsed.phone,
        fields=dict(parsed.fields),
    )


def _is_duplicate(ctx: Ctx, row: CsvRow, lead: Lead) -> bool:
    if row.duplicate_of is not None:
        return True
    other = ctx.uow.leads.find_open_match(lead.email, lead.email_domain)
    return other is not None and other.owner_id is not None


def _prospector(ctx: Ctx, options: ImportOptions) -> Rep | None:
    if options.owner is None:
        return None
    platform, user_id = options.owner
    rep = ctx.ensure_rep(platform, user_id)
    if not ctx.in_role(rep, Role.PROSPECTOR):
        raise NotAllowed(
            f"{rep.mention} is not a prospector, so the rows can't be their outbound leads. "
            f"A manager can add them: `/rotation add @{rep.name} prospector`."
        )
    return rep


def _routed(lead: Lead) -> RowResult:
    if "matched_lead" in lead.fields:
        return RowResult.MATCHED
    return RowResult.QUEUED if lead.stage.value == "new" else RowResult.CREATED
