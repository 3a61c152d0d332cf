"""How fast the dashboard answers on the 1,000,000-lead history of ``benchmarks/digest.py``.

Reuses that benchmark's generator and its cached database (built once under ``/tmp``), then
serves the real dashboard app on loopback and times, as a manager, warm:

- the overview of last week and of yesterday (the digest's figures, role tables, 12-week trend);
- a filtered leads page (stage + pool + the last 30 days) and a search by company;
- the leads CSV export streamed over HTTP (rows/s), and the same export by ``baton export`` in a
  child process, whose peak resident memory shows the export runs in constant memory.

    python benchmarks/dashboard.py [--leads 1000000] [--seed 7] [--runs 3] [--database PATH]

prints ``{"leads": …, "overview_seconds": {…}, "leads_page_seconds": {…}, "export": {…}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import digest as history

from bot.bootstrap import build
from bot.config import Settings
from bot.entrypoints.serve import make_server
from routing.dashboard.links import subject_of
from routing.roles import Platform
from routing.usecases.context import RelayConfig

TARGET_SECONDS = 1.0
MANAGER = ("slack", "U000001")


class Served:
    """The app on 127.0.0.1 at a free port, in its own thread and loop."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""

    def __enter__(self) -> Served:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def timed(opener: Any, url: str, runs: int) -> dict[str, Any]:
    """Warm once, then the median of ``runs`` fetches (seconds, loopback round trip)."""
    opener.open(url, timeout=600).read()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        with opener.open(url, timeout=600) as answer:
            answer.read()
            assert answer.status == 200, answer.status
        timings.append(time.perf_counter() - started)
    return {"median": round(statistics.median(timings), 3), "runs": [round(t, 3) for t in timings]}


def http_export(opener: Any, url: str) -> dict[str, Any]:
    started = time.perf_counter()
    rows = size = 0
    with opener.open(url, timeout=3600) as answer:
        while chunk := answer.read(1 << 20):
            rows += chunk.count(b"\r\n")
            size += len(chunk)
    seconds = time.perf_counter() - started
    return {
        "rows": rows - 1,
        "seconds": round(seconds, 1),
        "rows_per_second": round((rows - 1) / seconds),
        "megabytes": round(size / 1e6, 1),
    }


# The child reports its own high-water mark: ``ru_maxrss`` of a child would also count this
# process's memory, which a fork carries up to the ``exec``.
_CHILD = """
import atexit, os, runpy, sys
def peak():
    with open("/proc/self/status") as status, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next((line.split()[1] for line in status if line.startswith("VmHWM:")), ""))
atexit.register(peak)
sys.argv = ["baton", *sys.argv[1:]]
runpy.run_module("bot.entrypoints.cli", run_name="__main__")
"""


def cli_export(database: Path, out: Path) -> dict[str, Any]:
    peak_file = out.with_suffix(".peak")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "BATON_SECRET_KEY": "bench",
        "BENCH_PEAK_FILE": str(peak_file),
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _CHILD, "export", "leads", "--out", str(out)],
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak_kb = int(peak_file.read_text() or 0)
    peak_file.unlink()
    with out.open("rb") as file:
        rows = sum(chunk.count(b"\r\n") for chunk in iter(lambda: file.read(1 << 20), b"")) - 1
    out.unlink()
    return {
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "peak_rss_megabytes": round(peak_kb / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-export", action="store_true", help="skip the two exports")
    parser.add_argument(
        "--database",
        type=Path,
        help="a private copy of the history (built here if missing) instead of the shared cache",
    )
    args = parser.parse_args()
    path = args.database or Path(
        f"/tmp/baton-bench-digest-v{history.FORMAT}-{args.leads}-{args.seed}.db"
    )
    if not path.exists():
        history.build(path, args.leads, args.seed)
    now = history.END + timedelta(hours=8)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{path}", baton_secret_key="bench"
    )
    config = RelayConfig(timezone=history.TIMEZONE, managers=frozenset({MANAGER}))
    baton = build(settings, clock=lambda: now, config=config)  # applies migration 0006 if needed
    leads, events = history.counts(baton.engine)
    figures: dict[str, Any] = {"leads": leads, "events": events, "target_seconds": TARGET_SECONDS}
    server = make_server(settings, baton, sender=False)
    with Served(server.web_app()) as served:
        rep = baton.relay.rep(_actor())
        links = baton.relay.config.dashboard
        assert links is not None
        link = links.link_for(subject_of(rep), now).replace(settings.public_url(), served.url)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        opener.open(link, timeout=600).read()
        base = f"{served.url}/dashboard"
        figures["overview_seconds"] = {
            "last_week": timed(opener, f"{base}?period=last_week", args.runs),
            "yesterday": timed(opener, f"{base}?period=yesterday", args.runs),
        }
        figures["leads_page_seconds"] = {
            "stage_pool_last_30_days": timed(
                opener, f"{base}/leads?stage=working&pool=qualifier&period=last_30_days", args.runs
            ),
            "owner_page_3": timed(opener, f"{base}/leads?owner=5&page=3", args.runs),
            "search_company": timed(opener, f"{base}/leads?q=company%20999999", args.runs),
        }
        if not args.no_export:
            figures["export"] = {
                "http_leads_csv": http_export(opener, f"{base}/export/leads.csv"),
                "cli_leads_csv": cli_export(path, Path("/tmp/baton-bench-dashboard-export.csv")),
            }
    baton.engine.dispose()
    figures["database"] = str(path)
    print(json.dumps(figures))


def _actor() -> Any:
    from routing.usecases.context import Actor

    return Actor(Platform.SLACK, MANAGER[1])


if __name__ == "__main__":
    main()
