"""``baton doctor``: one screen of what the first hour gets wrong, each line ✓ or ✗ with its fix.

The checks are a list (:data:`CHECKS`) of functions from :class:`Examined` to lines; a feature
with settings of its own adds its check to the list (the CRM's token and pipeline, the
calendars' feeds). A check that raises is itself a ✗ line, so one broken check never hides the
others. Every outside call is bounded by a timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import DEFAULT_PUBLIC_URL, Settings
from bot.ops.report import Line, bad, good
from routing.operations import OperationsReader

log = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=10)
"""An outbox row older than this is a backlog worth a ✗ (the sender retries within seconds)."""


@dataclass(frozen=True)
class Examined:
    """What the checks read: the settings, and the database through two ports."""

    settings: Settings
    migration_state: Callable[[], tuple[tuple[str, ...], tuple[str, ...]]]
    """(revisions the database is at, revisions the code's migrations end at)."""
    operations: OperationsReader
    clock: Callable[[], datetime]
    database_problem: str | None = None
    """Why the database could not even be opened (a ``DATABASE_URL`` no engine takes)."""


Check = Callable[[Examined], list[Line]]


def database_lines(examined: Examined) -> list[Line]:
    what = "Database"
    if examined.database_problem:
        return [
            bad(
                what,
                examined.database_problem,
                "set DATABASE_URL to a sqlite:/// or postgresql:// URL",
            )
        ]
    try:
        current, heads = examined.migration_state()
    except Exception as err:  # noqa: BLE001 - any failure to connect is "unreachable"
        return [
            bad(
                what,
                f"unreachable ({_first_line(err)})",
                "check DATABASE_URL and that the server is up",
            )
        ]
    if not current:
        return [bad(what, "reachable but empty (no migration applied)", "run `baton db upgrade`")]
    if set(current) == set(heads):
        return [good(what, f"reachable, migrated (revision {', '.join(current)})")]
    return [
        bad(
            what,
            f"at revision {', '.join(current)}, this Baton expects {', '.join(heads)}",
            "run `baton db upgrade` (or, if the database is newer, the Baton that migrated it)",
        )
    ]


def slack_lines(examined: Examined) -> list[Line]:
    from bot.slack.transport.checks import slack_lines as check

    return check(examined.settings)


def teams_lines(examined: Examined) -> list[Line]:
    from bot.teams.transport.checks import teams_lines as check

    return check(examined.settings)


def public_url_lines(examined: Examined) -> list[Line]:
    settings = examined.settings
    what = "Public URL"
    if not (settings.slack_configured() or settings.teams_configured()):
        return [good(what, "no chat platform, so no links are made")]
    if not settings.baton_public_url:
        return [
            bad(
                what,
                f"BATON_PUBLIC_URL is not set: links in chat point at {DEFAULT_PUBLIC_URL}",
                "set BATON_PUBLIC_URL to the https:// address people reach Baton at",
            )
        ]
    if not settings.baton_public_url.lower().startswith("https://"):
        return [
            good(what, f"{settings.baton_public_url} (not https: charts are attached, not linked)")
        ]
    return [good(what, settings.baton_public_url)]


def time_zone_lines(examined: Examined) -> list[Line]:
    zone = examined.settings.baton_timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return [
            bad(
                "Digest time zone",
                f"BATON_TIMEZONE {zone!r} is no IANA time zone",
                "use a name such as Europe/Berlin or America/New_York",
            )
        ]
    at = examined.settings.baton_digest_time.strftime("%H:%M")
    return [good("Digest time zone", f"{zone}, digests at {at}")]


def outbox_lines(examined: Examined) -> list[Line]:
    try:
        snapshot = examined.operations.read()
    except Exception as err:  # noqa: BLE001 - reported, not raised
        return [bad("Outbox", f"not read ({_first_line(err)})", "fix the database first")]
    now = examined.clock()
    lines = []
    for lane, backlog in sorted(snapshot.backlog.items()):
        what = f"Outbox ({lane})"
        age = now - backlog.oldest_at if backlog.oldest_at else timedelta(0)
        said = f"{backlog.waiting} waiting" + (
            f", the oldest for {_duration(age)}" if backlog.waiting else ""
        )
        if backlog.waiting and age > STUCK_AFTER:
            lines.append(
                bad(what, said, "is `baton serve` running? its log says why deliveries are retried")
            )
        else:
            lines.append(good(what, said))
    failed = sum(n for (lane, _kind), n in snapshot.failed.items())
    if failed:
        lines.append(
            good(
                "Outbox", f"{failed} deliveries given up in the past (their errors are in the log)"
            )
        )
    return lines


CHECKS: list[Check] = [
    database_lines,
    slack_lines,
    teams_lines,
    public_url_lines,
    time_zone_lines,
    outbox_lines,
]
"""Every check ``baton doctor`` runs, in order. A feature adds its own: ``CHECKS.append(f)``."""


def examine(examined: Examined, checks: Sequence[Check] | None = None) -> list[Line]:
    lines: list[Line] = []
    for check in CHECKS if checks is None else checks:
        try:
            lines += check(examined)
        except Exception as err:
            log.exception("doctor: the check %s failed", getattr(check, "__name__", check))
            lines.append(
                bad(
                    getattr(check, "__name__", "check"),
                    f"could not run ({_first_line(err)})",
                    "see the log above",
                )
            )
    return lines


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err).strip() or type(err).__name__
    return text.splitlines()[0][:200]


def _duration(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
