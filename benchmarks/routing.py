"""Leads routed per second through the use-case layer on SQLite (file, WAL), beside a bare SQLite
loop doing one INSERT plus one UPDATE per transaction with the same durability settings.

    .venv/bin/python benchmarks/routing.py [--leads 3000] [--producers 8]

Two relay figures: ``sequential`` (one caller, one post after the other: one transaction and
one flush per lead) and ``producers`` (that many threads posting at once, as Slack's and the
webhook's dispatch threads do: intake's group commit shares a transaction and its flush among
the posts waiting, each still its own rotation turn). Each is measured on a fresh database.

Prints JSON. Targets: at least 1,000 leads/s, and a ratio to the bare loop of at least 0.25.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import build
from bot.config import Settings
from bot.console.session import console_mentions
from bot.phones import PhoneNumbers
from routing.arrival import posted
from routing.commands import parse_command
from routing.roles import Platform
from routing.usecases.context import Actor, RelayConfig

PHONES = PhoneNumbers()

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TEAM = {"ann": 1, "ben": 2, "cat": 1, "dan": 1, "eve": 3}


def relay_rate(folder: Path, leads: int, producers: int = 1) -> float:
    url = f"sqlite:///{folder}/relay-{producers}.db"
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    config = RelayConfig(managers=frozenset({("console", "boss")}))
    baton = build(settings, clock=lambda: NOW, config=config)
    boss = Actor(Platform.CONSOLE, "boss", "boss")
    for name, weight in TEAM.items():
        text = console_mentions(f"add @{name} qualifier weight={weight}")
        baton.relay.execute(boss, parse_command("rotation", text, NOW.date()))
    posts = [(f"m{n}", f"Lead: Pat Doe, pat{n}@firm{n}.io, Firm {n}") for n in range(leads)]
    shares = [posts[n::producers] for n in range(producers)]
    gate = threading.Barrier(producers + 1)

    def produce(share: list[tuple[str, str]]) -> None:
        """Each post read, then taken in, as an adapter's thread does."""
        gate.wait()
        for message_id, text in share:
            baton.relay.ingest(posted(Platform.CONSOLE, "#leads", message_id, text, phones=PHONES))

    threads = [threading.Thread(target=produce, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
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
    parser.add_argument("--producers", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sequential = relay_rate(folder, args.leads)
        bare = bare_rate(folder, args.leads)
        concurrent = relay_rate(folder, args.leads, args.producers)
    print(
        json.dumps(
            {
                "leads": args.leads,
                "durability": "WAL, synchronous=FULL, BEGIN IMMEDIATE",
                "relay_leads_per_second": {
                    "sequential": round(sequential, 1),
                    f"{args.producers}_producers": round(concurrent, 1),
                },
                "bare_sqlite_transactions_per_second": round(bare, 1),
                "ratio": {
                    "sequential": round(sequential / bare, 3),
                    f"{args.producers}_producers": round(concurrent / bare, 3),
                },
                "targets": {"relay_leads_per_second": 1000, "ratio": 0.25},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
