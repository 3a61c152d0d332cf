"""Webhook intake rate over loopback: ``baton serve`` in its own process (SQLite, the outbox
sender delivering to a local Slack double), ``POST /leads`` with a bearer token.

    .venv/bin/python benchmarks/webhook.py [--requests 300] [--clients 8]

Prints JSON: ``sequential_rps`` (one client, each request after the last answer) and
``concurrent_rps`` (``clients`` clients at once), with latency percentiles in ms. Every request
is a new lead (its own ``Idempotency-Key``) that is matched, routed to one of three qualifiers
and queued for its card and DM, as a posted lead would be.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from benchmarks.slack_ack import (  # noqa: E402
    INTAKE,
    MANAGER,
    QUALIFIERS,
    SECRET,
    free_port,
    start_server,
    summary,
)
from tests.e2e.slack_double import LoopbackApp, SignedSlack, SlackDouble  # noqa: E402

TOKEN = "bench-webhook-token"


async def post_lead(session: aiohttp.ClientSession, url: str, n: int) -> tuple[int, float]:
    body = {"email": f"pat{n}@firm{n}.example", "name": "Pat Doe", "company": f"Firm {n}"}
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": f"bench-{n}"}
    started = time.perf_counter()
    async with session.post(f"{url}/leads", json=body, headers=headers) as response:
        await response.read()
        return response.status, (time.perf_counter() - started) * 1000


async def run(url: str, count: int, clients: int, first: int) -> tuple[float, list[float], int]:
    samples: list[float] = []
    failures = 0
    numbers = iter(range(first, first + count))

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for n in numbers:
            status, ms = await post_lead(session, url, n)
            samples.append(ms)
            failures += status != 201

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    return count / (time.perf_counter() - started), samples, failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    double = SlackDouble()
    for user in (MANAGER, *QUALIFIERS):
        double.add_user(user, user.title())
    os.environ["BATON_WEBHOOK_SOURCES"] = f"bench:{TOKEN}"
    with tempfile.TemporaryDirectory() as folder, LoopbackApp(double.web_app()) as served:
        double.url = served.url
        port = free_port()
        server = start_server(Path(folder), double.api_url, port, None)
        url = f"http://127.0.0.1:{port}"
        try:
            send = SignedSlack(url, SECRET, double, INTAKE)
            for user in QUALIFIERS:
                assert send.command(f"/rotation add <@{user}> qualifier", MANAGER).status == 200
            asyncio.run(run(url, 20, 1, 10_000_000))  # warm up
            seq_rps, seq, seq_fail = asyncio.run(run(url, args.requests, 1, 0))
            con_rps, con, con_fail = asyncio.run(
                run(url, args.requests, args.clients, args.requests)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        json.dumps(
            {
                "database": "sqlite",
                "requests": args.requests,
                "sequential_rps": round(seq_rps, 1),
                "sequential_ms": summary(seq, 0.95, 0.99),
                "clients": args.clients,
                "concurrent_rps": round(con_rps, 1),
                "concurrent_ms": summary(con, 0.95, 0.99),
                "failures": seq_fail + con_fail,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
