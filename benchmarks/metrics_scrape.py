"""What a ``GET /metrics`` scrape costs the database on the 1,000,000-lead history of
``benchmarks/digest.py`` (its cached SQLite file, opened read-only; run that benchmark first).

The first scrape of a process counts the whole history once; later scrapes count only the events
since (``storage/operations.py``'s ``Tally``), which is what a Prometheus scraping every 15 s
costs.

    python benchmarks/metrics_scrape.py [--database PATH] [--runs 5]

prints ``{"events": …, "first_scrape_seconds": …, "next_scrape_seconds": …}``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import tables as t
from storage.operations import SqlOperations

DEFAULT = "/tmp/baton-bench-digest-v5-1000000-7.db"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=DEFAULT)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = args.database
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False),
    )
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(t.lead_events)).scalar_one()
    scrapes = SqlOperations(engine)
    started = time.perf_counter()
    scrapes.read()
    first = time.perf_counter() - started
    later = []
    for _ in range(args.runs):
        started = time.perf_counter()
        scrapes.read()
        later.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "events": events,
                "first_scrape_seconds": round(first, 3),
                "next_scrape_seconds": round(statistics.median(later), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
