"""A HubSpot backfill of many leads (``baton crm sync --all``) against the local HubSpot double,
through the real ``hubspot-api-client``, held to the rate limit by the shared token bucket; and
routing throughput with CRM sync on (outbox rows in each lead's transaction) against sync off.

    .venv/bin/python benchmarks/crm_sync.py [--leads 10000] [--rate-limit 100] [--routing 1000]

Prints JSON: HubSpot calls, calls per lead, leads per second, and the time the rate limit allows
for those calls (a full bucket of ``rate-limit`` calls, then ``rate-limit`` per 10 s); the target
is at most 1.5 times that bound. Routing: leads per second sequentially with sync off and on;
the target is on within 10% of off.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import build, crm_parts
from bot.config import Settings
from bot.console.session import console_mentions
from bot.entrypoints.crm import run_sync
from bot.phones import PhoneNumbers
from routing.arrival import posted
from routing.commands import parse_command
from routing.roles import Platform
from routing.usecases.context import Actor, RelayConfig
from tests.e2e.slack_double import LoopbackApp
from tests.support.hubspot_double import TOKEN, HubSpotDouble

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TEAM = {"ann": 1, "ben": 2, "cat": 1, "dan": 1, "eve": 3}


PHONES = PhoneNumbers()


def team(url: str, crm_url: str | None, rate_limit: int = 100, clock=lambda: NOW):  # type: ignore[no-untyped-def]
    extra: dict[str, Any] = {}
    if crm_url:
        extra = {"hubspot_access_token": TOKEN, "hubspot_api_url": crm_url}
    settings = Settings(  # type: ignore[call-arg]
        database_url=url, _env_file=None, hubspot_rate_limit=rate_limit, **extra
    )
    config = RelayConfig(managers=frozenset({("console", "boss")}), crm_sync=bool(crm_url))
    baton = build(settings, clock=clock, config=config)
    boss = Actor(Platform.CONSOLE, "boss", "boss")
    for name, weight in TEAM.items():
        text = console_mentions(f"add @{name} qualifier weight={weight}")
        baton.relay.execute(boss, parse_command("rotation", text, NOW.date()))
    return baton


def post_leads(baton, leads: int) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for n in range(leads):
        text = f"Lead: Pat Doe, pat{n}@firm{n}.io, Firm {n}"
        phones = baton.relay.config.phones
        arrival = posted(Platform.CONSOLE, "#leads", f"m{n}", text, phones=phones)
        baton.relay.ingest(arrival)
    return leads / (time.perf_counter() - started)


def backfill(folder: Path, leads: int, rate_limit: int) -> dict[str, object]:
    url = f"sqlite:///{folder}/backfill.db"
    post_leads(team(url, None), leads)  # the leads Baton held before sync was turned on
    double = HubSpotDouble(rate_limit=rate_limit)
    with LoopbackApp(double.web_app()) as served:
        baton = team(url, served.url, rate_limit, clock=lambda: datetime.now(UTC))
        parts = crm_parts(baton)
        assert parts is not None
        started = time.perf_counter()
        summary = run_sync(baton, parts, None)
        elapsed = time.perf_counter() - started
        baton.close()
    calls = len(double.calls)
    bound = max(0, calls - rate_limit) / (rate_limit / 10)
    return {
        "leads": leads,
        "summary": summary.splitlines()[0],
        "hubspot_calls": calls,
        "calls_per_lead": round(calls / leads, 4),
        "seconds": round(elapsed, 2),
        "leads_per_second": round(leads / elapsed, 1),
        "rate_limit_bound_seconds": round(bound, 2),
        "ratio_to_bound": round(elapsed / bound, 3) if bound else None,
        "busiest_10s_window": double.busiest_window(),
        "contacts_in_hubspot": len(double.objects["contacts"]),
        "target_ratio_to_bound": 1.5,
    }


def routing(folder: Path, leads: int, rounds: int = 3) -> dict[str, object]:
    """Off and on in turn, ``rounds`` times each on fresh databases, the best of each kept: on
    a shared machine a single pair measures the neighbours more than the sync."""
    off, on = [], []
    for n in range(rounds):
        off.append(post_leads(team(f"sqlite:///{folder}/off{n}.db", None), leads))
        on.append(post_leads(team(f"sqlite:///{folder}/on{n}.db", "http://127.0.0.1:9"), leads))
    return {
        "leads": leads,
        "rounds": rounds,
        "sync_off_leads_per_second": round(max(off), 1),
        "sync_on_leads_per_second": round(max(on), 1),
        "on_over_off": round(max(on) / max(off), 3),
        "target_on_over_off": 0.9,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--rate-limit", type=int, default=100)
    parser.add_argument("--routing", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures = {
            "backfill": backfill(folder, args.leads, args.rate_limit),
            "routing": routing(folder, args.routing),
        }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
