"""``baton db backup FILE`` while ``baton serve`` takes a stream of lead posts: the backup restores,
and every lead acknowledged before the backup began is in it, once."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage.engine import make_engine, normalise_url
from tests.e2e.serve_process import (
    INTAKE,
    SECRET,
    Post,
    ServeProcess,
    baton_command,
    deliver,
    leads_by_post,
    make_posts,
    serve_env,
    setup_team,
)
from tests.e2e.slack_double import SignedSlack, SlackDouble

POSTS = 3000
"""Enough to last while the backup runs; the stream stops soon after it."""
BACKUP_AFTER = 40
"""Acknowledged posts before the backup starts; the stream goes on while it runs."""
AFTER_BACKUP = 20


class Stream:
    """Posts delivered by a few threads, one after another, until told to stop; which were
    acknowledged, in order."""

    def __init__(self, send: SignedSlack, posts: list[Post], threads: int = 4) -> None:
        self.acked: list[Post] = []
        self._lock = threading.Lock()
        self._next = iter(posts)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(send,)) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def _run(self, send: SignedSlack) -> None:
        while not self._stop.is_set():
            with self._lock:
                post = next(self._next, None)
            if post is None:
                return
            if deliver(send, post):
                with self._lock:
                    self.acked.append(post)

    def wait_for(self, count: int, timeout: float = 120) -> list[Post]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.acked) >= count:
                    return list(self.acked)
            time.sleep(0.01)
        raise AssertionError(f"fewer than {count} posts acknowledged in {timeout}s")

    def finish(self) -> list[Post]:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return list(self.acked)


def backup_during_stream(
    tmp_path: Path, double: SlackDouble, url: str, target: Path
) -> tuple[list[Post], list[Post]]:
    """Serve on ``url``, stream posts, back up to ``target`` mid-stream: (acknowledged before
    the backup began, acknowledged in all)."""
    env = serve_env(url, double.api_url)
    server = ServeProcess(tmp_path, env).start().wait_ready()
    try:
        send = SignedSlack(server.url, SECRET, double, INTAKE)
        setup_team(send)
        stream = Stream(send, make_posts(send, double, POSTS))
        before = stream.wait_for(BACKUP_AFTER)
        made = baton_command(tmp_path, env, "db", "backup", str(target))
        assert made.wait(timeout=120) == 0
        stream.wait_for(len(stream.acked) + AFTER_BACKUP)  # and the stream went on
        everything = stream.finish()
    finally:
        server.stop()
    return before, everything


def assert_every_post_once(url: str, before: list[Post], everything: list[Post]) -> None:
    engine = make_engine(url)
    try:
        restored = leads_by_post(engine)
    finally:
        engine.dispose()
    missing = [p.n for p in before if restored[p.ts] != 1]
    assert missing == [], f"acknowledged before the backup yet not restored once: {missing}"
    assert len(restored) < len(everything), "the backup was not taken mid-stream"


def test_a_sqlite_backup_taken_mid_stream_restores_every_acknowledged_lead(
    tmp_path: Path, double: SlackDouble
) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    target = tmp_path / "backup.db"
    before, everything = backup_during_stream(tmp_path, double, url, target)

    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    restored = tmp_path / "restored" / "baton.db"  # README: stop Baton, copy the file back
    restored.parent.mkdir()
    shutil.copyfile(target, restored)
    assert_every_post_once(f"sqlite:///{restored}", before, everything)


@pytest.fixture
def restore_url() -> Iterator[str]:
    base = os.environ.get("BATON_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("BATON_TEST_POSTGRES_URL is not set")
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    name = f"baton_restore_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_postgres_backup_taken_mid_stream_restores_every_acknowledged_lead(
    tmp_path: Path, double: SlackDouble, postgres_url: str, restore_url: str
) -> None:
    target = tmp_path / "backup.dump"
    before, everything = backup_during_stream(tmp_path, double, postgres_url, target)

    plain = restore_url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(  # README: pg_restore --no-owner --dbname=… FILE
        ["pg_restore", "--no-owner", f"--dbname={plain}", str(target)], check=True
    )
    assert_every_post_once(restore_url, before, everything)
