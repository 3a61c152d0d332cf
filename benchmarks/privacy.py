"""How long `baton privacy export` and `erase` take on a database of many leads (SQLite file,
WAL): every table is searched for the person's email, name and phone.

    .venv/bin/python benchmarks/privacy.py [--leads 2000]

Prints JSON: milliseconds for one export and one erasure, and the rows the erasure changed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
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
from routing.usecases.privacy import Contact

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


PHONES = PhoneNumbers()


def measure(folder: Path, leads: int) -> dict[str, object]:
    settings = Settings(database_url=f"sqlite:///{folder}/privacy.db", _env_file=None)  # type: ignore[call-arg]
    config = RelayConfig(managers=frozenset({("console", "boss")}))
    baton = build(settings, clock=lambda: NOW, config=config)
    boss = Actor(Platform.CONSOLE, "boss", "boss")
    for name in ("ann", "ben", "cat"):
        text = console_mentions(f"add @{name} qualifier")
        baton.relay.execute(boss, parse_command("rotation", text, NOW.date()))
    for n in range(leads):
        text = (
            f"Name: Pat Doe{n}\nEmail: pat{n}@firm{n}.io\nPhone: +44 20 7946 {n:04d}\n"
            f"Company: Firm {n}"
        )
        baton.relay.ingest(posted(Platform.CONSOLE, "#leads", f"m{n}", text, phones=PHONES))
    contact = Contact(email=f"pat{leads // 2}@firm{leads // 2}.io")
    started = time.perf_counter()
    document = baton.relay.export_contact(contact)
    exported = time.perf_counter() - started
    started = time.perf_counter()
    baton.relay.erase_contact(contact, by="benchmark")
    erased = time.perf_counter() - started
    baton.engine.dispose()
    rows = sum(len(v) for v in document["tables"].values())
    return {
        "leads": leads,
        "export_ms": round(exported * 1000, 1),
        "erase_ms": round(erased * 1000, 1),
        "rows_exported": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(measure(Path(folder), args.leads), indent=2))


if __name__ == "__main__":
    main()
