"""``baton serve`` as a real process for crash and replica tests (and benchmarks/replicas.py):
started on a free loopback port against the Slack double in the caller's process, stopped with
``kill -9`` when a test wants a crash, and fed lead posts as Slack sends them, redeliveries and
all (the same event again with ``X-Slack-Retry-Num``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from storage import tables as t
from tests.e2e.slack_double import JSON, SignedSlack, SlackDouble

ROOT = Path(__file__).resolve().parents[2]
SECRET = "crash-and-replica-signing-secret"
INTAKE = "C0INTAKE"
DIGEST_CHANNEL = "C0DIGEST"
MANAGER = "UMAYA"
QUALIFIERS = ("UALICE", "UBOB", "UCAT")
TEAM = {
    MANAGER: "Maya Manager",
    "UALICE": "Alice Able",
    "UBOB": "Bob Baker",
    "UCAT": "Cat Cole",
    "UWEB": "Wendy Web",
}
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(database_url: str, api_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-crash-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "BATON_INTAKE_CHANNELS": INTAKE,
        "BATON_MANAGERS": MANAGER,
        **extra,
    }
    for unset in ("SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "BATON_DIGEST_CHANNEL"):
        if unset not in extra:
            env.pop(unset, None)
    return env


def baton_command(folder: Path, env: Mapping[str, str], *args: str) -> subprocess.Popen[bytes]:
    """``baton <args>`` in ``folder`` (so no stray ``.env`` is read), output kept in a log file."""
    log = (folder / f"baton-{args[0]}-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "bot.entrypoints.cli", *args],
        cwd=folder,
        env=dict(env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@dataclass
class ServeProcess:
    """One ``baton serve`` on its own port."""

    folder: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServeProcess:
        args = ("serve", "--host", "127.0.0.1", "--port", str(self.port))
        self.process = baton_command(self.folder, self.env, *args)
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> ServeProcess:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"baton serve exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"baton serve did not answer /healthz within {timeout}s")

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flushing, mid-whatever it was doing."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_all(servers: Sequence[ServeProcess]) -> None:
    """Start them at once (they migrate the database concurrently) and wait for every one."""
    for server in servers:
        server.start()
    for server in servers:
        server.wait_ready()


def setup_team(send: SignedSlack) -> None:
    for user in QUALIFIERS:
        answer = send.command(f"/rotation add <@{user}|{user.lower()}> qualifier", MANAGER)
        assert answer.status == 200, answer


def new_double() -> SlackDouble:
    double = SlackDouble()
    double.clock = time.time
    for user_id, name in TEAM.items():
        double.add_user(user_id, name)
    return double


@dataclass(frozen=True)
class Post:
    """One lead post as Slack would deliver it (again and again, with one event id)."""

    n: int
    ts: str
    body: bytes


def make_posts(send: SignedSlack, double: SlackDouble, count: int, start: int = 0) -> list[Post]:
    posts = []
    for n in range(start, start + count):
        text = f"Lead: Sam Ortiz {n}, sam{n}@umbrella{n}.example, Umbrella {n} Ltd"
        event = send.message(text, user="UWEB", ts=double.next_ts())
        posts.append(Post(n, str(event["ts"]), send.event_body(event, f"EvPost{n:06d}")))
    return posts


def deliver(send: SignedSlack, post: Post, retry: int | None = None) -> bool:
    """POST it to ``send.url``; True when acknowledged with 200 (what stops Slack retrying)."""
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    try:
        answer = send.post(post.body, JSON, headers=headers if retry is not None else None)
    except OSError:
        return False
    return answer.status == 200


def stream(
    senders: Sequence[SignedSlack],
    posts: Sequence[Post],
    *,
    threads: int = 8,
    redeliver_every: int = 5,
) -> set[int]:
    """Post each to a sender in turn, every ``redeliver_every``-th again to the next sender as a
    Slack retry; returns the numbers of the posts acknowledged at least once."""

    def one(post: Post) -> int | None:
        send = senders[post.n % len(senders)]
        acked = deliver(send, post)
        if redeliver_every and post.n % redeliver_every == 0:
            acked = deliver(senders[(post.n + 1) % len(senders)], post, retry=1) or acked
        return post.n if acked else None

    with ThreadPoolExecutor(threads) as pool:
        return {n for n in pool.map(one, posts) if n is not None}


def wait_until(check: Any, timeout: float, what: str, every: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(every)


def lead_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.leads)).scalar_one())


def leads_by_post(engine: Engine) -> Counter[str]:
    """How many leads each intake message (by its ts) became."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.leads.c.source_message_id).where(t.leads.c.source_channel == INTAKE)
        ).scalars()
        return Counter(str(ts) for ts in rows)


def outbox_statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.status)).scalars()
        return Counter(str(s) for s in rows)


def all_sent(engine: Engine) -> bool:
    statuses = outbox_statuses(engine)
    return bool(statuses) and set(statuses) == {"sent"}


def delivered_messages(double: SlackDouble) -> Counter[tuple[str, str, str, str]]:
    """Every message Baton posted or updated, counted by what it was (method, where, text)."""
    counted: Counter[tuple[str, str, str, str]] = Counter()
    for call in double.to("chat.postMessage") + double.to("chat.update"):
        if call.method == "chat.postMessage":
            where = str(call.params.get("thread_ts") or "")
            counted[(call.method, str(call.params.get("channel")), where, call.text)] += 1
        elif call.method == "chat.update":
            ts = str(call.params.get("ts"))
            counted[(call.method, str(call.params.get("channel")), ts, call.text)] += 1
    return counted


def duplicates(double: SlackDouble) -> int:
    return sum(n - 1 for n in delivered_messages(double).values() if n > 1)
