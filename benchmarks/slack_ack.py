"""Slack latency over real HTTP: ``baton serve`` in its own process, Slack's Web API as a local
double in this one, every request signed as Slack signs it.

    .venv/bin/python benchmarks/slack_ack.py [--rounds 10] [--concurrency 50] [--leads 60]

Prints JSON:
- ``slash_command_ms``: round trip of a slash command (POST to the acknowledgement with the
  ephemeral reply) when ``concurrency`` requests arrive at the same moment; the bursts are a
  second apart. Target p99 ≤ 100 ms (Slack allows 3,000). The mix is four reads (``/lead show``,
  ``/lead mine``, ``/rotation show``, ``/lead help``) to one write (``/lead new``, which assigns a
  lead and queues its messages).
- ``slash_command_reads_only_ms``: the same bursts with reads only (no write contention).
- ``slash_command_sustained_ms``: the same mix from ``concurrency`` clients that each send their
  next command as soon as the last is answered, i.e. the server saturated; for context (no target).
- ``lead_post_to_assignment_ms``: from POSTing a lead post's event to the double receiving the
  thread reply that names the lead and its qualifier (the outbox sender thread delivers it).
  Target p95 ≤ 250 ms. ``lead_post_to_dm_ms`` is the qualifier's DM, which follows it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.e2e.slack_double import (  # noqa: E402
    FORM,
    JSON,
    Call,
    LoopbackApp,
    SignedSlack,
    SlackDouble,
    signature,
)

SECRET = "bench-signing-secret"
INTAKE = "C0INTAKE"
MANAGER = "UMAYA"
QUALIFIERS = ("UALICE", "UBOB", "UCAT")
READS = ("/lead show L-1", "/lead mine", "/rotation show", "/lead help")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    folder: Path, api_url: str, port: int, database_url: str | None, workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.db",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "BATON_INTAKE_CHANNELS": INTAKE,
        "BATON_MANAGERS": MANAGER,
    }
    env.pop("SLACK_APP_TOKEN", None)
    command = [sys.executable, "-m", "bot.entrypoints.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("baton serve did not start")


def fresh_postgres(server_url: str) -> str:
    from sqlalchemy import create_engine, text

    from storage.engine import normalise_url

    name = f"baton_bench_{os.getpid()}"
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return normalise_url(server_url).rsplit("/", 1)[0] + f"/{name}"


def drop_postgres(server_url: str, database_url: str) -> None:
    from sqlalchemy import create_engine, text

    from storage.engine import normalise_url

    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)')
        )
    admin.dispose()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(samples: list[float], *shares: float) -> dict[str, float]:
    figures = {"n": len(samples), "p50": statistics.median(samples)}
    figures |= {f"p{round(s * 100)}": percentile(samples, s) for s in shares}
    figures["max"] = max(samples)
    return {k: round(v, 1) for k, v in figures.items()}


async def signed_post(
    session: aiohttp.ClientSession, url: str, body: bytes, content_type: str
) -> tuple[int, float]:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(SECRET, stamp, body),
    }
    started = time.perf_counter()
    async with session.post(f"{url}/slack/events", data=body, headers=headers) as response:
        await response.read()
        return response.status, (time.perf_counter() - started) * 1000


async def command_round_trips(
    send: SignedSlack, rounds: int, concurrency: int, pause: float = 0.0, writes: bool = True
) -> tuple[list[float], int]:
    samples: list[float] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        for round_ in range(rounds):
            bodies = [_command(send, round_, n, writes) for n in range(concurrency)]
            results = await asyncio.gather(
                *(signed_post(session, send.url, body, FORM) for body in bodies)
            )
            samples += [ms for _status, ms in results]
            failures += sum(status != 200 for status, _ms in results)
            await asyncio.sleep(pause)  # let the outbox and home refreshes of this burst settle
    return samples, failures


async def sustained_round_trips(
    send: SignedSlack, workers: int, per_worker: int
) -> tuple[list[float], float]:
    """``workers`` clients each sending their next command as soon as the last is answered."""
    samples: list[float] = []

    async def worker(session: aiohttp.ClientSession, w: int) -> None:
        for n in range(per_worker):
            body = _command(send, 1000 + w, n)
            samples.append((await signed_post(session, send.url, body, FORM))[1])

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(worker(session, w) for w in range(workers)))
    return samples, len(samples) / (time.perf_counter() - started)


def _command(send: SignedSlack, round_: int, n: int, writes: bool = True) -> bytes:
    user = QUALIFIERS[n % len(QUALIFIERS)]
    if writes and n % 5 == 4:
        company = f"Firm{round_}x{n}"
        line = f"/lead new {company} buyer@{company.lower()}.io Pat Doe"
    else:
        line = READS[n % len(READS)]
    return send.command_body(line, user)


def _in_thread(call: Call, ts: str) -> bool:
    return call.params.get("thread_ts") == ts


def _dm_about(call: Call, ref: str) -> bool:
    """The assignee's DM about lead ``ref``."""
    return (
        call.method == "chat.postMessage"
        and str(call.params.get("channel", "")).startswith("U")
        and f"New lead {ref} " in call.text
    )


def lead_latencies(send: SignedSlack, double: SlackDouble, leads: int) -> dict[str, list[float]]:
    to_thread: list[float] = []
    to_dm: list[float] = []
    for n in range(leads):
        event = send.message(f"Lead: Sam Ortiz, sam{n}@umbrella{n}.co, Umbrella {n}", user="UWEB")
        body = send.event_body(event)
        started = time.perf_counter()
        assert send.post(body, JSON).status == 200
        ts = event["ts"]
        reply = double.wait_for(partial(_in_thread, ts=ts), timeout=10)
        ref = f"L-{reply.text.split('L-')[1].split()[0]}"
        dm = double.wait_for(partial(_dm_about, ref=ref), timeout=10)
        to_thread.append((reply.at - started) * 1000)
        to_dm.append((dm.at - started) * 1000)
        time.sleep(0.05)
    return {"thread": to_thread, "dm": to_dm}


def set_up_team(send: SignedSlack) -> None:
    for user in QUALIFIERS:
        assert send.command(f"/rotation add <@{user}> qualifier", MANAGER).status == 200
    send.post_lead("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    for user in (*QUALIFIERS, MANAGER):
        send.command("/lead mine", user)  # users.info once per person, as on any first day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--leads", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1, help="baton serve --workers")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a fresh database on this PostgreSQL server instead of a SQLite file",
    )
    args = parser.parse_args()

    double = SlackDouble()
    for user, name in {
        MANAGER: "Maya M",
        "UALICE": "Alice A",
        "UBOB": "Bob B",
        "UCAT": "Cat C",
    }.items():
        double.add_user(user, name)
    with tempfile.TemporaryDirectory() as tmp, LoopbackApp(double.web_app()) as served:
        double.url = served.url
        port = free_port()
        database = fresh_postgres(args.postgres) if args.postgres else None
        server = start_server(Path(tmp), double.api_url, port, database, args.workers)
        try:
            send = SignedSlack(f"http://127.0.0.1:{port}", SECRET, double, INTAKE)
            set_up_team(send)
            asyncio.run(command_round_trips(send, 1, args.concurrency, pause=1.0))  # warm-up
            reads, read_failures = asyncio.run(
                command_round_trips(send, args.rounds, args.concurrency, 1.0, writes=False)
            )
            commands, failures = asyncio.run(
                command_round_trips(send, args.rounds, args.concurrency, pause=1.0)
            )
            leads = lead_latencies(send, double, args.leads)
            sustained, rate = asyncio.run(sustained_round_trips(send, args.concurrency, 10))
        finally:
            server.terminate()
            server.wait(timeout=10)
            if args.postgres and database:
                drop_postgres(args.postgres, database)
    result: dict[str, Any] = {
        "slash_command_ms": {
            **summary(commands, 0.99),
            "concurrency": args.concurrency,
            "non_200": failures,
            "target_p99": 100,
        },
        "slash_command_reads_only_ms": {
            **summary(reads, 0.99),
            "concurrency": args.concurrency,
            "non_200": read_failures,
        },
        "slash_command_sustained_ms": {
            **summary(sustained, 0.99),
            "concurrency": args.concurrency,
            "requests_per_second": round(rate),
        },
        "lead_post_to_assignment_ms": {**summary(leads["thread"], 0.95), "target_p95": 250},
        "lead_post_to_dm_ms": summary(leads["dm"], 0.95),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "database": "postgresql" if args.postgres else "sqlite (WAL)",
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
