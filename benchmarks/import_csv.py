"""`baton import` rows per second on SQLite (file, WAL), on a generated file with duplicates and
bad rows, through the same code as the command (one transaction per row).

    .venv/bin/python benchmarks/import_csv.py [--rows 10000]

Prints JSON. Target: 10,000 rows in at most 30 s.
"""

from __future__ import annotations

import argparse
import hashlib
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
from bot.entrypoints.imports import run_import
from bot.phones import PhoneNumbers
from routing.commands import parse_command
from routing.csv_rows import decode_csv, read_rows
from routing.roles import Platform
from routing.usecases.context import Actor, RelayConfig
from routing.usecases.imports import ImportOptions
from tests.support.csv_files import generate_csv

PHONES = PhoneNumbers()

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TEAM = {"ann": 1, "ben": 2, "cat": 1, "dan": 1, "eve": 3}


def measure(folder: Path, rows: int) -> dict[str, object]:
    settings = Settings(database_url=f"sqlite:///{folder}/import.db", _env_file=None)  # type: ignore[call-arg]
    baton = build(
        settings, clock=lambda: NOW, config=RelayConfig(managers=frozenset({("console", "boss")}))
    )
    boss = Actor(Platform.CONSOLE, "boss", "boss")
    for name, weight in TEAM.items():
        text = console_mentions(f"add @{name} qualifier weight={weight}")
        baton.relay.execute(boss, parse_command("rotation", text, NOW.date()))
    data = generate_csv(rows).text.encode()
    started = time.perf_counter()
    parsed = list(read_rows(decode_csv(data), phones=PHONES))
    parsing = time.perf_counter() - started
    summary = run_import(baton, parsed, ImportOptions(hashlib.sha256(data).hexdigest()))
    total = time.perf_counter() - started
    baton.engine.dispose()
    return {
        "rows": rows,
        "total_seconds": round(total, 2),
        "parse_seconds": round(parsing, 2),
        "rows_per_second": round(rows / total),
        "counts": {result.value: n for result, n in summary.counts.items()},
        "target_seconds": 30,
        "within_target": total <= 30 * rows / 10_000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(measure(Path(tmp), args.rows), indent=2))


if __name__ == "__main__":
    main()
