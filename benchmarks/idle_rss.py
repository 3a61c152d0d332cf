"""Resident memory of an idle ``baton serve``: Slack and Teams configured, the dashboard on, a
fresh SQLite database, nobody talking to it.

    .venv/bin/python benchmarks/idle_rss.py [--settle 40] [--workers 1]

Starts the real server in its own process (the Slack Web API pointed at a closed local port, so
nothing leaves the machine and ``auth.test`` keeps retrying in the background, as it would during
a Slack outage), waits ``--settle`` seconds after ``/healthz`` answers, and reads ``VmRSS`` and
``VmHWM`` of every serving process from ``/proc``. Prints JSON. Target (issue 13): ≤ 150 MB per
process.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 150


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_of(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid`` in MB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            figures[key] = round(int(value.split()[0]) / 1024, 1)
    return figures


def children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = next((line.split()[1] for line in text.splitlines() if line.startswith("PPid:")), "")
        if ppid == str(pid):
            found.append(int(status.parent.name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=40.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/idle.db",
            "SLACK_BOT_TOKEN": "xoxb-idle",
            "SLACK_SIGNING_SECRET": "idle-secret",
            "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
            "MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000001",
            "MICROSOFT_APP_PASSWORD": "idle-password",
            "MICROSOFT_APP_TYPE": "MultiTenant",
            "BATON_INTAKE_CHANNELS": "C0INTAKE",
            "BATON_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        env.pop("SLACK_APP_TOKEN", None)
        command = [sys.executable, "-m", "bot.entrypoints.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("baton serve did not start") from None
                    time.sleep(0.2)
            time.sleep(args.settle)
            processes = [server.pid, *children_of(server.pid)] if args.workers > 1 else [server.pid]
            figures = {str(pid): memory_of(pid) for pid in processes}
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        json.dumps(
            {
                "settle_seconds": args.settle,
                "workers": args.workers,
                "processes_mb": figures,
                "max_rss_mb": max(f["VmRSS"] for f in figures.values()),
                "target_mb": TARGET_MB,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
