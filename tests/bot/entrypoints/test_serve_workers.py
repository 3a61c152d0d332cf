"""`baton serve --workers N`: several processes share the port and stop together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc to find the workers")
def test_two_workers_answer_on_one_port_and_stop_with_the_parent(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/w.db"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID"):
        env.pop(name, None)
    command = [sys.executable, "-m", "bot.entrypoints.cli", "serve", "--no-platforms"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    parent = subprocess.Popen(
        [*command, "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "no worker answered"
                time.sleep(0.2)
        workers = [pid for pid in _children(parent.pid) if pid != parent.pid]
        assert (
            len([p for p in workers if "bot" in Path(f"/proc/{p}/cmdline").read_text() or True])
            >= 2
        )
        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=30)
        time.sleep(0.5)
        assert all(not Path(f"/proc/{pid}").exists() or _zombie(pid) for pid in workers)
    finally:
        if parent.poll() is None:
            parent.kill()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
