"""Four ``baton serve`` replicas on one PostgreSQL database: posts spread over them (and Slack's
retries sent to another replica) become one lead each, every message is delivered once, a digest
queued by several ``baton digest --send`` at once is posted once, and replicas (or ``baton db
upgrade``) starting together on an empty database all migrate it without a crash."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, select

from storage import tables as t
from storage.engine import make_engine
from tests.e2e.serve_process import (
    DIGEST_CHANNEL,
    INTAKE,
    SECRET,
    ServeProcess,
    all_sent,
    baton_command,
    duplicates,
    lead_count,
    leads_by_post,
    make_posts,
    serve_env,
    setup_team,
    start_all,
    stream,
    wait_until,
)
from tests.e2e.slack_double import SignedSlack, SlackDouble

REPLICAS = 4
REPLICA_POSTS = 60
"""Posts spread over the replicas; every fifth is redelivered to the next replica. The issue asks
for 1,000; on a shared 2-core machine that takes minutes, so `benchmarks/replicas.py --posts 1000`
runs the full number outside the suite."""
DIGEST_SENDERS = 3
UPGRADERS = 3
SETTLE_SECONDS = 90.0


def test_four_replicas_make_one_lead_per_post_and_deliver_every_message_once(
    postgres_url: str, tmp_path: Path, double: SlackDouble
) -> None:
    engine = make_engine(postgres_url)
    env = serve_env(postgres_url, double.api_url)
    servers = [ServeProcess(tmp_path, env) for _ in range(REPLICAS)]
    try:
        start_all(servers)  # on an empty database: they migrate it concurrently
        senders = [SignedSlack(s.url, SECRET, double, INTAKE) for s in servers]
        setup_team(senders[0])
        posts = make_posts(senders[0], double, REPLICA_POSTS)
        acked = stream(senders, posts, threads=8, redeliver_every=5)
        assert acked == {p.n for p in posts}

        wait_until(
            lambda: lead_count(engine) >= REPLICA_POSTS and all_sent(engine),
            SETTLE_SECONDS,
            "every lead stored and every message sent",
        )
        per_post = leads_by_post(engine)
        assert len(per_post) == REPLICA_POSTS
        assert set(per_post.values()) == {1}, "no doubled lead"
        assert duplicates(double) == 0, "no message delivered twice"
        assert _delivered(double) == _sent_rows(engine)

        digest_env = {**env, "BATON_DIGEST_CHANNEL": DIGEST_CHANNEL}
        runs = [baton_command(tmp_path, digest_env, "digest", "--send") for _ in range(3)]
        assert [run.wait(timeout=90) for run in runs] == [0] * DIGEST_SENDERS
        wait_until(lambda: all_sent(engine), SETTLE_SECONDS, "the digest sent")
        digests = double.posted_with_metadata("baton_digest")
        assert len(digests) == 1, "each digest once"
    finally:
        for server in servers:
            server.kill()
        engine.dispose()


def test_concurrent_upgrades_of_an_empty_database_all_succeed(
    postgres_url: str, tmp_path: Path
) -> None:
    env = serve_env(postgres_url, "http://127.0.0.1:9/api/")
    runs = [baton_command(tmp_path, env, "db", "upgrade") for _ in range(UPGRADERS)]
    assert [run.wait(timeout=90) for run in runs] == [0] * UPGRADERS
    engine = make_engine(postgres_url)
    try:
        assert {"leads", "outbox", "alembic_version"} <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            versions = list(conn.exec_driver_sql("SELECT version_num FROM alembic_version"))
        assert len(versions) == 1
    finally:
        engine.dispose()


def _delivered(double: SlackDouble) -> int:
    return len(double.to("chat.postMessage")) + len(double.to("chat.update"))


def _sent_rows(engine: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return len(
            list(conn.execute(select(t.outbox.c.id).where(t.outbox.c.status == "sent")).scalars())
        )
