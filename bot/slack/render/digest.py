"""The funnel digest in Slack: Block Kit that fits Slack's limits whatever the data, and the post.

``digest_blocks`` renders a :class:`~routing.usecases.funnel.Digest` (the scheduled digest and
``/funnel``, which shows the same blocks ephemerally). Slack refuses a whole message when one
limit is broken (``invalid_blocks``), so every piece is cut to size here: at most
``MAX_REP_ROWS`` reps (the most active ones, "…and 37 more reps"), long names shortened, every
text inside its limit, and far fewer than 50 blocks.

``post_digest`` is what the Slack notifier calls for a ``NoticeKind.DIGEST`` outbox row. The
notice carries only the period; the digest is rebuilt from the event log (the same figures, as
the report is taken as of the period's end) by a *digest source*, ``notice -> Digest``, which
the process that delivers registers once with :func:`use_digest_source` — ``baton serve`` does it
when its scheduler starts (``bot.entrypoints.scheduler.start_scheduler``). Without one, the
plain-text digest the notice carries is posted instead, so a wiring mistake degrades, never loses,
it.
The message goes first and the chart after it, best effort: a failed upload is logged and not
retried, because retrying the notice would post the digest twice. The message carries its
delivery key as Slack message metadata; a row attempted before looks for it first
(``bot.slack.transport.delivered``), so a crash or timeout after Slack took it does not post it
again.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.outbox.port import Delivery, PermanentDeliveryError, TransientDeliveryError
from bot.slack.transport.delivered import already_posted, delivery_key, digest_metadata
from routing.digest_text import (
    NAME_WIDTH,
    RIGHT,
    ROTATION_HEADER,
    Align,
    account_cells,
    describe_bottleneck,
    describe_tenure,
    format_change,
    format_minutes,
    format_money,
    format_reasons,
    format_share,
    rep_cells,
    rotation_cells,
    text_table,
)
from routing.lead import format_lead_id
from routing.metrics import Delta, FunnelReport, RepRow
from routing.notices import Notice
from routing.usecases.funnel import Digest

__all__ = [
    "DigestSource",
    "digest_blocks",
    "digest_fallback",
    "post_digest",
    "use_digest_source",
]

log = logging.getLogger(__name__)

Block = dict[str, Any]
DigestSource = Callable[[Notice], Digest]
"""Rebuilds the digest a ``NoticeKind.DIGEST`` notice stands for (it needs the database)."""

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_TEXT = 2000
MAX_FIELDS = 10
MAX_REP_ROWS = 25
MAX_SOURCE_ROWS = 15
MAX_QUEUED_IDS = 10
MAX_FALLBACK = 3000
CHART_FILENAME = "funnel.png"

_sources: list[DigestSource] = []


def use_digest_source(source: DigestSource) -> Callable[[], None]:
    """Make ``source`` the one :func:`post_digest` uses; returns the function that removes it.

    A stack rather than one slot, so a process (or a test) that starts a second Baton and stops
    it again gets the first one's source back.
    """
    _sources.append(source)

    def remove() -> None:
        if source in _sources:
            _sources.remove(source)

    return remove


# --- posting ------------------------------------------------------------------------------------


def post_digest(
    client: WebClient, delivery: Delivery, digest_for: DigestSource | None = None
) -> None:
    """Post the digest's blocks to the notice's channel, then upload the funnel chart there."""
    notice = delivery.notice
    channel = notice.channel
    if not channel:
        raise PermanentDeliveryError(f"a digest notice needs a channel: {notice!r}")
    source = digest_for or (_sources[-1] if _sources else None)
    earlier = delivery.previous_attempt_at
    if earlier is not None and already_posted(client, channel, notice, earlier):
        log.info("digest %s is already in %s; not posting it again", delivery_key(notice), channel)
        return
    metadata = digest_metadata(notice)
    try:
        if source is None:
            log.warning("no digest source registered; posting the plain-text digest")
            client.chat_postMessage(
                channel=channel, text=_code(notice.text, MAX_FALLBACK), metadata=metadata
            )
            return
        digest = source(notice)
        client.chat_postMessage(
            channel=channel,
            text=digest_fallback(digest),
            blocks=digest_blocks(digest),
            metadata=metadata,
        )
    except SlackApiError as err:
        raise _delivery_error(err) from err
    except (OSError, http.client.HTTPException) as err:
        raise TransientDeliveryError(f"Slack unreachable: {err!r}") from err
    _upload_chart(client, channel, digest)


def _upload_chart(client: WebClient, channel: str, digest: Digest) -> None:
    """Matplotlib is imported on the first chart, so an idle server does not carry it."""
    from bot.render.chart import funnel_chart_png

    report = digest.report
    try:
        client.files_upload_v2(
            channel=channel,
            file=funnel_chart_png(report, digest.previous),
            filename=CHART_FILENAME,
            title=f"Funnel · {report.period.label}",
            initial_comment=f"Funnel chart · {report.period.label}",
        )
    except (SlackApiError, OSError, http.client.HTTPException):
        log.exception("the digest for %s went out without its chart", report.period.label)


def _delivery_error(err: SlackApiError) -> Exception:
    """429 → try again after Retry-After; 5xx → try again; anything else → refused for good."""
    from bot.slack.transport.notifier import delivery_error

    return delivery_error(err)


def digest_fallback(digest: Digest) -> str:
    """The notification text: one line, for previews and clients that can't show blocks."""
    report = digest.report
    text = (
        f"Funnel digest · {report.period.label}: {report.leads} leads, {report.claimed} claimed,"
        f" {report.qualified} qualified, {report.won} won ({format_money(report.won_value, '')})"
    )
    return _fit(text, MAX_FALLBACK)


# --- blocks ---------------------------------------------------------------------------------


def digest_blocks(digest: Digest) -> list[Block]:
    """The whole digest as Block Kit, inside Slack's limits (see the module docstring)."""
    report = digest.report
    changes = {d.key: d for d in digest.deltas}
    blocks: list[Block] = [
        {"type": "header", "text": _plain(f"Funnel digest · {report.period.label}", MAX_HEADER)},
        _context(f"Compared with {digest.previous.period.label}"),
        {"type": "section", "fields": _headline_fields(report, changes)},
        {"type": "divider"},
        _section("*Funnel*\n" + _code(_funnel_table(report))),
        _context(_funnel_notes(report)),
        _section(_speed_text(report, changes)),
        _section(_state_text(report)),
        {"type": "divider"},
        *_rep_blocks(report.reps),
        *_cost_blocks(report),
    ]
    return blocks[:MAX_BLOCKS]


def _headline_fields(report: FunnelReport, changes: dict[str, Delta]) -> list[Block]:
    speed = report.speed_to_lead
    median = format_minutes(speed.median_minutes) if speed.median_minutes is not None else "–"
    won_change = format_change(changes.get("won"), "")
    won = (
        f"{report.won}{won_change} · {format_money(report.won_value, '')}"
        f"{format_change(changes.get('won_value'), '')}"
    )
    figures = [
        ("Inbound leads", f"{report.inbound}{format_change(changes.get('inbound'), '')}"),
        ("Outbound leads", f"{report.outbound}{format_change(changes.get('outbound'), '')}"),
        ("Claimed", f"{report.claimed}{format_change(changes.get('claimed'), '')}"),
        ("Qualified", f"{report.qualified}{format_change(changes.get('qualified'), '')}"),
        ("Won", won),
        ("Lost", f"{report.lost}{format_change(changes.get('lost'), '')}"),
        ("Median speed to lead", f"{median}{format_change(changes.get('speed_median'), '')}"),
        (
            "Claimed within 5 min",
            format_share(speed.share_within_5_minutes)
            + format_change(changes.get("within_5_minutes"), ""),
        ),
        ("SLA misses", f"{report.sla_misses}{format_change(changes.get('sla_misses'), '')}"),
        (
            "Reassignments",
            f"{report.reassignments}{format_change(changes.get('reassignments'), '')}",
        ),
    ]
    return [
        _mrkdwn(f"*{label}*\n{_escape(value)}", MAX_FIELD_TEXT)
        for label, value in figures[:MAX_FIELDS]
    ]


def _funnel_table(report: FunnelReport) -> str:
    rows = [["Leads", f"{report.leads:,}", ""]]
    for step in report.conversions:
        rate = f"{step.rate:.0%} of {step.from_step}" if step.rate is not None else "–"
        rows.append([step.to_step.capitalize(), f"{step.to_count:,}", rate])
    return "\n".join(text_table(rows, ("<", ">", "<"), indent=""))


def _funnel_notes(report: FunnelReport) -> str:
    tenure = describe_tenure(report)
    tenure_text = f" · tenure: {tenure}" if tenure else ""
    return (
        f"Meetings {report.meetings} · proposals requested {report.proposals_requested}"
        f" · presented {report.proposals_presented} · expansion"
        f" {format_money(report.expansion_value, '')} · churned {report.churned}{tenure_text}\n"
        f"Disqualified {report.disqualified}: {format_reasons(report.disqualified_reasons)}\n"
        f"Lost {report.lost}: {format_reasons(report.lost_reasons)}"
    )


def _speed_text(report: FunnelReport, changes: dict[str, Delta]) -> str:
    speed = report.speed_to_lead
    title = f"*Speed to lead* ({speed.claims} inbound claims)"
    if speed.median_minutes is None or speed.p90_minutes is None:
        return f"{title}\nNo inbound leads were claimed."
    summary = (
        f"Median {format_minutes(speed.median_minutes)}"
        f"{format_change(changes.get('speed_median'), '')}"
        f" · 90th percentile {format_minutes(speed.p90_minutes)}"
        f"{format_change(changes.get('speed_p90'), '')}"
    )
    rows = [[b.label, str(b.count), format_share(b.share), _bar(b.share)] for b in speed.bands]
    table = "\n".join(text_table(rows, ("<", ">", ">", "<"), indent=""))
    return f"{title}\n{_escape(summary)}\n{_code(table)}"


def _bar(share: float | None, width: int = 20) -> str:
    return "█" * round((share or 0) * width)


def _state_text(report: FunnelReport) -> str:
    bottleneck = describe_bottleneck(report).replace("Bottleneck:", "*Bottleneck:*", 1)
    if report.queued:
        ids = ", ".join(format_lead_id(i) for i in report.queued_lead_ids[:MAX_QUEUED_IDS])
        more = report.queued - min(report.queued, MAX_QUEUED_IDS)
        queue = f"*Queue:* {report.queued} waiting for someone available ({ids}"
        queue += f" and {more} more)" if more else ")"
    else:
        queue = "*Queue:* empty"
    return f"{_escape(bottleneck)}\n{queue}"


def _rep_blocks(reps: Sequence[RepRow]) -> list[Block]:
    """The per-rep tables (selling, rotation fairness, account managers), each cut to size."""
    selling = [r for r in reps if r.sells]
    accounts = [r for r in reps if r.manages_accounts]
    if not selling and not accounts:
        return [_section("*Reps*\nNo rep activity.")]
    blocks: list[Block] = []
    if selling:
        blocks += _table_blocks(
            "*Reps*", selling, REP_COLUMNS, lambda r: rep_cells(r, _short(r.name)), _activity
        )
    turns = [r for r in reps if r.in_rotation]
    if turns:
        blocks += _table_blocks(
            "*Rotation: received vs fair share, skips by reason*",
            turns,
            ROTATION_HEADER,
            lambda r: rotation_cells(r, _short(r.name)),
            _turns,
            "most skipped, then furthest from their share",
        )
    if accounts:
        blocks += _table_blocks(
            "*Account managers*",
            accounts,
            ACCOUNT_COLUMNS,
            lambda r: account_cells(r, _short(r.name)),
            _account_activity,
        )
    return blocks


REP_COLUMNS = ("Rep", "Assigned", "Claimed", "To claim", "Qualified", "Won")
ACCOUNT_COLUMNS = ("Rep", "Customers", "Expansion", "Churned")


def _table_blocks(
    title: str,
    reps: Sequence[RepRow],
    header: Sequence[str],
    cells: Callable[[RepRow], list[str]],
    rank: Callable[[RepRow], tuple[Any, ...]],
    ranked_as: str = "most active",
) -> list[Block]:
    """One table of reps in code blocks; past ``MAX_REP_ROWS`` only the top ones by ``rank``."""
    shown = list(reps)
    if len(reps) > MAX_REP_ROWS:
        shown = sorted(reps, key=rank)[:MAX_REP_ROWS]
        title = f"{title} (the {MAX_REP_ROWS} {ranked_as})"
    rows = [list(header)] + [cells(rep) for rep in shown]
    align: list[Align] = ["<", *[RIGHT] * (len(header) - 1)]
    table = text_table(rows, align, indent="")
    blocks = [_section(f"{title}\n{_code(chunk)}") for chunk in _chunks(table, title)]
    if len(reps) > len(shown):
        blocks.append(_context(f"…and {len(reps) - len(shown)} more reps"))
    return blocks


def _activity(rep: RepRow) -> tuple[Any, ...]:
    return (-rep.assigned, -rep.claimed, -rep.qualified, -rep.won_value, rep.name.casefold())


def _turns(rep: RepRow) -> tuple[Any, ...]:
    """Most skipped first, then the furthest from their fair share: who a manager asks about."""
    gap = abs(rep.received - rep.fair_share)
    return (-sum(rep.skipped.values()), -gap, rep.name.casefold())


def _account_activity(rep: RepRow) -> tuple[Any, ...]:
    return (-rep.customers_taken_on, -rep.expansion_value, -rep.churned, rep.name.casefold())


def _cost_blocks(report: FunnelReport) -> list[Block]:
    costs = report.cost_per_lead
    if not costs:
        return []
    rows = [["Source", "Leads", "Cost", "Per lead"]] + [
        [
            _short(c.source),
            str(c.leads),
            format_money(c.cost, "") if c.cost is not None else "–",
            format_money(c.cost_per_lead, "") if c.cost_per_lead is not None else "–",
        ]
        for c in costs[:MAX_SOURCE_ROWS]
    ]
    table = text_table(rows, ("<", ">", ">", ">"), indent="")
    blocks = [_section(f"*Cost per lead*\n{_code(part)}") for part in _chunks(table, "")]
    if len(costs) > MAX_SOURCE_ROWS:
        blocks.append(_context(f"…and {len(costs) - MAX_SOURCE_ROWS} more sources"))
    return blocks


def _chunks(lines: Sequence[str], title: str) -> list[str]:
    """Table lines grouped so that each group, titled and in a code block, fits one section."""
    room = MAX_SECTION_TEXT - len(title) - 16
    groups: list[list[str]] = [[]]
    size = 0
    for line in lines:
        cost = len(_escape(line)) + 1
        if groups[-1] and size + cost > room:
            groups.append([])
            size = 0
        groups[-1].append(line)
        size += cost
    return ["\n".join(group) for group in groups]


# --- Block Kit pieces -------------------------------------------------------------------------


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": _fit(text, limit), "emoji": False}


def _mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> Block:
    return {"type": "mrkdwn", "text": _fit(text, limit)}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(_fit_escaped(text, MAX_CONTEXT_TEXT))]}


def _code(text: str, limit: int = MAX_SECTION_TEXT - 100) -> str:
    return "```\n" + _fit_escaped(text, limit) + "\n```"


def _escape(text: str) -> str:
    """Slack's three control characters; everything else shows as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit_escaped(text: str, limit: int) -> str:
    """``text`` escaped and cut to ``limit`` characters without splitting an ``&amp;``."""
    escaped = _escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    return cut + "…"
