"""``baton crm check | setup | sync``: HubSpot's side of the integration, from the terminal.

``check`` says whether the token works, which reps have a HubSpot owner, whether the pipeline and
its stages and Baton's properties are there, and what waits or failed; it exits 0, or 2 with one
line naming what to fix. ``setup`` creates Baton's properties (again: nothing). ``sync`` writes
every lead's contact and deal with batch calls (a backfill, or reconciling after an outage).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer

from bot.baton import Baton
from bot.bootstrap import CrmParts, build, crm_parts
from bot.config import Settings, StartupError
from bot.crm.hubspot import admin
from bot.entrypoints.refusals import CONFIG_ERROR, refusals
from bot.ops.doctor import Examined
from bot.ops.report import Line, bad, good
from routing.crm.backfill import LeadRecords, records_of
from routing.crm.changes import ContactChange, CrmChange
from routing.crm.lifecycle import WRITTEN_STAGES, WRITTEN_STATUSES, missing_values
from routing.crm.links import LinkState, Skipped, link_keys, through_links
from routing.crm.port import CrmError, CrmPaused, CrmUnavailable
from routing.roles import Platform

if TYPE_CHECKING:
    from bot.slack.transport.emails import EmailsFilled

__all__ = ["register"]

crm_app = typer.Typer(help="HubSpot, both ways.", no_args_is_help=True, rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    app.add_typer(crm_app, name="crm")


def _open(command: str) -> tuple[Baton, CrmParts]:
    with refusals(f"crm {command}"):
        baton = build(Settings(), platforms=False)
        parts = crm_parts(baton)
        if parts is None:
            raise StartupError("HUBSPOT_ACCESS_TOKEN is not set: set it to turn CRM sync on")
    return baton, parts


def _fail(command: str, line: str) -> None:
    typer.echo(f"baton crm {command}: {line}", err=True)
    raise typer.Exit(CONFIG_ERROR)


# --- check ------------------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problem: str | None = None

    def say(self, line: str) -> None:
        self.lines.append(line)

    def fix(self, line: str) -> None:
        self.problem = self.problem or line


def check_report(baton: Baton, parts: CrmParts) -> Report:
    """Every check in turn; the first problem found is the one line to fix."""
    report, settings = Report(), baton.settings
    _slack_emails(baton, parts, report)
    _webhooks(settings, report)
    try:
        found = admin.owners(parts.crm)
    except CrmError as err:
        report.say(f"Token: refused or unreachable at {settings.hubspot_api_url}: {err}")
        report.fix(
            f"HubSpot did not accept HUBSPOT_ACCESS_TOKEN at {settings.hubspot_api_url}: {err}"
        )
        _backlog(parts, report)
        return report
    report.say(f"Token: accepted by {settings.hubspot_api_url} ({len(found)} owners in HubSpot).")
    _owners(parts, found, report)
    try:
        _pipeline(parts, settings.hubspot_pipeline, report)
        _properties(parts, report)
        _options(parts, report)
    except CrmError as err:
        report.fix(f"HubSpot did not answer: {err}")
    _backlog(parts, report)
    return report


def _webhooks(settings: Settings, report: Report) -> None:
    """HubSpot signs the URL it calls, so a secret without Baton's public URL refuses every call."""
    public = (settings.baton_public_url or "").strip()
    if not (settings.hubspot_client_secret or "").strip():
        report.say("Webhooks: off (no HUBSPOT_CLIENT_SECRET); Baton polls HubSpot instead.")
    elif not public:
        report.say("Webhooks: HUBSPOT_CLIENT_SECRET is set but BATON_PUBLIC_URL is not.")
        report.fix(
            "BATON_PUBLIC_URL is not set: HubSpot signs the URL it calls, so every "
            "POST /hubspot/events would be refused; set it to the address HubSpot calls"
        )
    else:
        url = public.rstrip("/") + "/hubspot/events"
        report.say(f"Webhooks: HubSpot's calls to {url} are checked with HUBSPOT_CLIENT_SECRET.")


def fill_slack_emails(baton: Baton, parts: CrmParts) -> EmailsFilled | None:
    """Ask Slack (``users.info``) for the email of each Slack rep in a rotation who has neither
    an email nor a HubSpot owner (added before ``users:read.email`` was granted); None when
    Slack is not configured or nobody lacks one."""
    settings = baton.settings
    token = (settings.slack_bot_token or "").strip()
    user_ids = parts.reads.without_email(Platform.SLACK) if token else []
    if not user_ids:
        return None
    from bot.slack.transport.emails import fill_emails, slack_client

    return fill_emails(slack_client(token, settings.slack_api_url), user_ids, baton.relay.rep)


def _slack_emails(baton: Baton, parts: CrmParts, report: Report) -> None:
    filled = fill_slack_emails(baton, parts)
    if filled is None:
        return
    if filled.missing_scope:
        report.say(f"Slack emails: {SCOPE_MISSING}.")
        report.fix(SCOPE_MISSING)
        return
    stopped = f"; {filled.stopped}, the rest next time" if filled.stopped else ""
    report.say(
        f"Slack emails: {filled.found} found for {filled.asked} reps without one"
        f" (users.info){stopped}."
    )


SCOPE_MISSING = (
    "the Slack app lacks the scope users:read.email, so reps' emails (which find their HubSpot "
    "owners) are unknown: add users:read.email and reinstall the app"
)


def _owners(parts: CrmParts, found: Sequence[tuple[str, str]], report: Report) -> None:
    """Match reps to owners by the email Baton knows for them (and remember the match)."""
    by_email = {email.lower(): owner for owner, email in found if email}
    known = parts.owners.all()
    matched: list[str] = []
    missing: list[str] = []
    for rep in parts.reads.pooled_reps():
        email, owner = known.get(rep.id or 0, (None, None))
        if owner is None and email and email.lower() in by_email:
            owner = by_email[email.lower()]
            parts.owners.set(rep.id or 0, owner_id=owner)
        (matched if owner else missing).append(f"{rep.name} → {owner}" if owner else rep.name)
    report.say(
        f"Owners: {len(matched)} of {len(matched) + len(missing)} reps matched"
        + (f" ({', '.join(matched)})" if matched else "")
        + "."
    )
    if missing:
        report.say(
            f"  no HubSpot owner: {', '.join(missing)} (their records keep HubSpot's owner; "
            "`/rotation owner @rep <owner id or email>` sets one)"
        )


def _pipeline(parts: CrmParts, pipeline: str, report: Report) -> None:
    stages = admin.stage_ids(parts.crm, pipeline)
    if stages is None:
        report.say(f"Pipeline: {pipeline!r} not found.")
        report.fix(f"HUBSPOT_PIPELINE {pipeline!r} is not a deal pipeline in HubSpot")
        return
    wanted = parts.crm.stages
    absent = [f"{step}={stage}" for step, stage in wanted.items() if stage not in stages]
    if absent:
        report.say(f"Pipeline {pipeline}: stages not found: {', '.join(absent)}.")
        report.fix(
            f"HUBSPOT_DEAL_STAGES names stages {pipeline!r} does not have: {', '.join(absent)}"
        )
        return
    report.say(f"Pipeline {pipeline}: all {len(wanted)} stages found.")


def _properties(parts: CrmParts, report: Report) -> None:
    absent = [
        f"{kind[:-1]} {name}"
        for kind, name, *_rest in admin.PROPERTIES
        if not admin.property_present(parts.crm, kind, name)
    ]
    if absent:
        report.say(f"Properties: missing {', '.join(absent)}.")
        report.fix("Baton's properties are missing in HubSpot: run `baton crm setup`")
        return
    report.say("Properties: contact baton_lead_id, baton_routing and deal baton_lead_id present.")


def options_lines(parts: CrmParts) -> tuple[list[str], str | None]:
    """The portal's lifecycle stages and lead statuses as Baton will use them, and the values
    Baton writes that the portal lacks (a line naming them), read from HubSpot now."""
    found = parts.crm.read_options()
    order = parts.crm.lifecycle_order
    lines = [
        f"Lifecycle stages: {' → '.join(order)}"
        + (" (the portal's order)" if "lifecyclestage" in found else " (HubSpot's defaults)")
        + "; Baton never moves a contact backwards along it.",
    ]
    missing = [
        f"{name} {', '.join(values)}"
        for name, written in (
            ("lifecyclestage", WRITTEN_STAGES),
            ("hs_lead_status", WRITTEN_STATUSES),
        )
        if (values := missing_values(written, found.get(name, [])))
    ]
    if not missing:
        lines.append(
            f"Lead statuses: {', '.join(found.get('hs_lead_status', []))}; every value Baton "
            "writes is there."
        )
        return lines, None
    lines.append(f"Options: the portal lacks {'; '.join(missing)}.")
    return lines, (
        f"HubSpot's contact options lack values Baton writes: {'; '.join(missing)} "
        "(add them in HubSpot under Settings → Properties)"
    )


def _options(parts: CrmParts, report: Report) -> None:
    lines, problem = options_lines(parts)
    for line in lines:
        report.say(line)
    if problem:
        report.fix(problem)


def _backlog(parts: CrmParts, report: Report) -> None:
    backlog = parts.rows.backlog()
    report.say(f"Outbox: {backlog.waiting} waiting, {backlog.failed} failed.")
    for failure in backlog.failures:
        since = f", first failed {failure.first_failed_at:%Y-%m-%d %H:%M} UTC" * bool(
            failure.first_failed_at
        )
        state = "failed" if failure.failed else "will be tried again"
        report.say(f"  L-{failure.lead_id} {failure.change} ({state}{since}): {failure.message}")
    if backlog.failed:
        report.fix(f"{backlog.failed} CRM writes failed for good: see the errors above")


def doctor_lines(examined: Examined) -> list[Line]:
    """``baton doctor``'s HubSpot line: the same checks as ``baton crm check``, one line."""
    what = "HubSpot"
    if not examined.settings.crm_on():
        return [good(what, "not configured (no HUBSPOT_ACCESS_TOKEN)")]
    baton = build(examined.settings, platforms=False, migrate=False)
    try:
        parts = crm_parts(baton)
        assert parts is not None
        report = check_report(baton, parts)
    finally:
        baton.close()
    if report.problem:
        return [bad(what, report.problem, "run `baton crm check` for every line, then fix it")]
    return [good(what, f"ready ({examined.settings.hubspot_api_url})")]


@crm_app.command("check")
def crm_check() -> None:
    """Token, owners, pipeline and stages, Baton's properties, waiting and failed writes."""
    baton, parts = _open("check")
    try:
        report = check_report(baton, parts)
    finally:
        baton.close()
    for line in report.lines:
        typer.echo(line)
    if report.problem:
        _fail("check", report.problem)
    typer.echo("HubSpot sync is ready.")


# --- setup ------------------------------------------------------------------------------------


@crm_app.command("setup")
def crm_setup() -> None:
    """Create Baton's properties in HubSpot (contact and deal baton_lead_id, unique; contact
    baton_routing). Run it again: it changes nothing."""
    baton, parts = _open("setup")
    try:
        for kind, name, label, text, unique in admin.PROPERTIES:
            made = admin.create_property(parts.crm, kind, name, label, text, unique)
            typer.echo(f"{kind[:-1]} property {name}: {'created' if made else 'already there'}")
        lines, _problem = options_lines(parts)
        for line in lines:
            typer.echo(line)
    except CrmError as err:
        _fail("setup", f"HubSpot did not take it: {err}")
    finally:
        baton.close()


# --- sync -------------------------------------------------------------------------------------


@crm_app.command("sync")
def crm_sync(
    all_: Annotated[bool, typer.Option("--all", help="every lead Baton holds")] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="leads with an event since DATE (YYYY-MM-DD)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what would be written; call nothing")
    ] = False,
) -> None:
    """Backfill and reconcile: each lead's contact and deals, 100 to a batch call."""
    start = _since(all_, since)
    baton, parts = _open("sync")
    try:
        filled = None if dry_run else fill_slack_emails(baton, parts)
        if filled is not None and filled.missing_scope:
            typer.echo(f"Warning: {SCOPE_MISSING}.", err=True)
        summary = run_sync(baton, parts, start, dry_run=dry_run, progress=_progress)
    except CrmError as err:
        _fail("sync", f"HubSpot stopped answering: {err} (run it again: it picks up)")
    finally:
        baton.close()
    typer.echo(summary)


def _since(all_: bool, since: str | None) -> datetime | None:
    if all_ == (since is not None):
        _fail("sync", "say which leads: --all, or --since YYYY-MM-DD")
    if since is None:
        return None
    try:
        day = date.fromisoformat(since)
    except ValueError:
        _fail("sync", f"--since {since!r} is not a date like 2026-12-01")
        raise
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def run_sync(
    baton: Baton,
    parts: CrmParts,
    since: datetime | None,
    *,
    dry_run: bool = False,
    progress: Callable[[Iterator[list[LeadRecords]], int], Iterator[list[LeadRecords]]]
    | None = None,
) -> str:
    """Write the leads' records with batch calls; the summary line."""
    total = parts.reads.count(since)
    owners = {rep: owner for rep, (_email, owner) in parts.owners.all().items() if owner}
    counts, calls_before, leads = admin.BackfillCounts(), parts.crm.calls, 0
    pages = _pages(parts, since)
    for page in progress(pages, total) if progress else pages:
        leads += len(page)
        if dry_run:
            counts.contacts += len(page)
            counts.deals += sum(len(r.deals) for r in page)
            counts.notes += sum(r.note is not None for r in page)
            continue
        batched = _through_links(parts, page, owners.get, counts)
        _with_retries(
            partial(admin.backfill, parts.crm, batched, owners.get, counts), parts.crm.sleep
        )
    verb = "would be written" if dry_run else "written"
    line = (
        f"{total:,} leads read: {counts.contacts:,} contacts and {counts.deals:,} deals {verb}"
        f" in {parts.crm.calls - calls_before:,} HubSpot calls, {len(counts.failed):,} refused."
        + (
            f" At most {counts.notes:,} routing notes would be added."
            if dry_run
            else f" {counts.notes:,} routing notes added."
        )
    )
    if counts.skipped:
        line = line[:-1] + f", {counts.skipped:,} skipped (deleted in HubSpot)."
    refused = [f"\n  {key}: {message}" for key, message in counts.failed[:10]]
    return line + "".join(refused)


def _through_links(
    parts: CrmParts,
    page: list[LeadRecords],
    owner_of: Callable[[int], str | None],
    counts: admin.BackfillCounts,
) -> list[LeadRecords]:
    """The page's leads whose records a merge or a deletion in HubSpot moved are written one
    by one through their links (to the survivor by its id; a deleted record skipped), never
    upserted by a key the merge dropped; the rest is returned for the batch calls."""
    changes: list[CrmChange] = [r.contact for r in page]
    changes += [d for r in page for d in r.deals]
    links = parts.links.for_keys([k for c in changes for k in link_keys(c)])
    moved = {key for key, link in links.items() if link.merged or link.state is LinkState.DELETED}
    batched: list[LeadRecords] = []
    for records in page:
        own: list[CrmChange] = [records.contact, *records.deals]
        if not any(key in moved for change in own for key in link_keys(change)):
            batched.append(records)
            continue
        for change in own:
            routed = through_links(change, links)
            if isinstance(routed, Skipped):
                counts.skipped += 1
                continue
            _with_retries(partial(parts.crm.apply, routed, owner_of), parts.crm.sleep)
            if isinstance(change, ContactChange):
                counts.contacts += 1
            else:
                counts.deals += 1
    return batched


def _with_retries(
    work: Callable[[], object], sleep: Callable[[float], None], tries: int = 20
) -> None:
    """Run a page's calls, waiting out a rate limit or a short outage (a page is upserts: doing
    it again changes nothing); a daily limit, or HubSpot still down, stops the sync."""
    for attempt in range(tries):
        try:
            work()
            return
        except CrmPaused:
            raise
        except CrmUnavailable as err:
            if attempt == tries - 1:
                raise
            sleep(min(60.0, err.retry_after or 2.0 ** min(attempt, 5)))


def _pages(parts: CrmParts, since: datetime | None) -> Iterator[list[LeadRecords]]:
    page: list[LeadRecords] = []
    for lead, events in parts.reads.histories(since):
        records = records_of(lead, events)
        if records is not None:
            page.append(records)
        if len(page) == admin.BATCH:
            yield page
            page = []
    if page:
        yield page


def _progress(pages: Iterator[list[LeadRecords]], total: int) -> Iterator[list[LeadRecords]]:
    """A progress bar on stderr when it is a terminal (never in a pipe or a log)."""
    if not sys.stderr.isatty():
        yield from pages
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("Syncing leads", total=total)
        for page in pages:
            yield page
            bar.advance(task, len(page))
