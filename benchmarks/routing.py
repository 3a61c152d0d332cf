"""Leads routed per second through the use-case layer on SQLite (file, WAL), beside a bare SQLite
loop doing one INSERT plus one UPDATE per transaction with the same durability settings.

    .venv/bin/python benchmarks/routing.py [--leads 3000]

Prints JSON. Targets: at least 1,000 leads/s, and a ratio to the bare loop of at least 0.25.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import build
from bot.config import Settings
from bot.console import console_mentions
from routing.commands import parse_command
from routing.roles import Platform
from routing.usecases.context import Actor, RelayConfig
from routing.usecases.intake import InboundPost

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TEAM = {"ann": 1, "ben": 2, "cat": 1, "dan": 1, "eve": 3}


def relay_rate(folder: Path, leads: int) -> float:
    url = f"sqlite:///{folder}/relay.db"
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    config = RelayConfig(managers=frozenset({("console", "boss")}))
    baton = build(settings, clock=lambda: NOW, config=config)
    boss = Actor(Platform.CONSOLE, "boss", "boss")
    for name, weight in TEAM.items():
        text = console_mentions(f"add @{name} qualifier weight={weight}")
        baton.relay.execute(boss, parse_command("rotation", text, NOW.date()))
    posts = [
        InboundPost(
            Platform.CONSOLE, "#leads", f"m{n}", f"Lead: Pat Doe, pat{n}@firm{n}.io, Firm {n}"
        )
        for n in range(leads)
    ]
    started = time.perf_counter()
    for post in posts:
        baton.relay.ingest(post)
    elapsed = time.perf_counter() - started
    baton.engine.dispose()
    return leads / elapsed


def bare_rate(folder: Path, transactions: int) -> float:
    db = sqlite3.connect(folder / "bare.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE leads (id INTEGER PRIMARY KEY, email TEXT, owner INTEGER)")
    db.execute("CREATE TABLE cursor (pool TEXT PRIMARY KEY, position INTEGER)")
    db.execute("INSERT INTO cursor VALUES ('qualifier', 0)")
    started = time.perf_counter()
    for n in range(transactions):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO leads (email, owner) VALUES (?, ?)", (f"pat{n}@firm.io", n % 5))
        db.execute("UPDATE cursor SET position = position + 1 WHERE pool = 'qualifier'")
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return transactions / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        relay = relay_rate(folder, args.leads)
        bare = bare_rate(folder, args.leads)
    print(
        json.dumps(
            {
                "leads": args.leads,
                "durability": "WAL, synchronous=FULL, BEGIN IMMEDIATE",
                "relay_leads_per_second": round(relay, 1),
                "bare_sqlite_transactions_per_second": round(bare, 1),
                "ratio": round(relay / bare, 3),
                "targets": {"relay_leads_per_second": 1000, "ratio": 0.25},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
