"""Leads per second with 1 and with N ``baton serve`` replicas on one PostgreSQL database, and
the duplicate deliveries the Slack double saw (must be 0).

    BATON_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/replicas.py [--replicas 1 4] [--posts 600] [--threads 8]

Each run gets a fresh database and fresh processes. Posts are signed Slack ``message`` events
spread round-robin over the replicas, every fifth redelivered to the next replica as a Slack
retry. Prints JSON per replica count:
- ``intake_leads_per_s``: posts acknowledged per second (the first POST to the last answer);
- ``leads_per_s``: posts until every lead is stored *and* every outbox message (thread reply,
  DM, card) is delivered to the double, per second;
- ``duplicate_deliveries``: messages the double received more than once; ``doubled_leads``.
The machine's load (other processes) moves these figures: run it two or three times.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.engine import make_engine  # noqa: E402
from tests.e2e.serve_process import (  # noqa: E402
    INTAKE,
    SECRET,
    ServeProcess,
    all_sent,
    duplicates,
    lead_count,
    leads_by_post,
    make_posts,
    new_double,
    serve_env,
    setup_team,
    start_all,
    stream,
    wait_until,
)
from tests.e2e.slack_double import LoopbackApp, SignedSlack  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from slack_ack import drop_postgres, fresh_postgres  # noqa: E402


def run(server_url: str, replicas: int, posts: int, threads: int) -> dict[str, Any]:
    database_url = fresh_postgres(server_url)
    double = new_double()
    folder = Path(tempfile.mkdtemp(prefix="baton-replicas-"))
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        servers = [
            ServeProcess(folder, serve_env(database_url, double.api_url)) for _ in range(replicas)
        ]
        engine = make_engine(database_url)
        try:
            started = time.perf_counter()
            start_all(servers)
            startup = time.perf_counter() - started
            senders = [SignedSlack(s.url, SECRET, double, INTAKE) for s in servers]
            setup_team(senders[0])
            wait_until(lambda: all_sent(engine), 60, "team set up")
            batch = make_posts(senders[0], double, posts)
            began = time.perf_counter()
            acked = stream(senders, batch, threads=threads, redeliver_every=5)
            intake = time.perf_counter() - began
            wait_until(
                lambda: lead_count(engine) >= posts and all_sent(engine), 600, "settled", 0.05
            )
            settled = time.perf_counter() - began
            per_post = leads_by_post(engine)
            return {
                "replicas": replicas,
                "posts": posts,
                "acknowledged": len(acked),
                "startup_s": round(startup, 1),
                "intake_leads_per_s": round(posts / intake, 1),
                "leads_per_s": round(posts / settled, 1),
                "messages_delivered": len(double.to("chat.postMessage"))
                + len(double.to("chat.update")),
                "duplicate_deliveries": duplicates(double),
                "doubled_leads": sum(n - 1 for n in per_post.values()),
            }
        finally:
            for server in servers:
                server.kill()
            engine.dispose()
            drop_postgres(server_url, database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--posts", type=int, default=600)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    server_url = os.environ.get("BATON_TEST_POSTGRES_URL")
    if not server_url:
        raise SystemExit("set BATON_TEST_POSTGRES_URL to a PostgreSQL server")
    results = [run(server_url, n, args.posts, args.threads) for n in args.replicas]
    print(json.dumps({"runs": results, "load_average": os.getloadavg()}, indent=2))


if __name__ == "__main__":
    main()
