"""``kill -9`` of ``baton serve`` while lead posts stream in, and again while it posts a digest:
after a restart and Slack's redeliveries, every post is one lead, every message is delivered,
and each digest is in the channel once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from storage import tables as t
from storage.engine import make_engine
from tests.e2e.serve_process import (
    DIGEST_CHANNEL,
    INTAKE,
    SECRET,
    ServeProcess,
    all_sent,
    baton_command,
    deliver,
    duplicates,
    lead_count,
    leads_by_post,
    make_posts,
    outbox_statuses,
    serve_env,
    setup_team,
    stream,
    wait_until,
)
from tests.e2e.slack_double import Call, SignedSlack, SlackDouble

POSTS = 60
KILL_AFTER = 25
"""Acknowledged posts before the kill; the rest of the stream is in flight or not sent yet."""
SETTLE_SECONDS = 60.0


def test_a_killed_server_loses_no_post_doubles_no_lead_and_delivers_every_message(
    tmp_path: Path, double: SlackDouble
) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    engine = make_engine(url)
    server = ServeProcess(tmp_path, serve_env(url, double.api_url)).start().wait_ready()
    try:
        send = SignedSlack(server.url, SECRET, double, INTAKE)
        setup_team(send)
        posts = make_posts(send, double, POSTS)

        acked: set[int] = set()
        first, rest = posts[:KILL_AFTER], posts[KILL_AFTER:]
        acked |= stream([send], first, threads=4, redeliver_every=4)
        in_flight = _kill_mid_stream(server, send, rest[:10], acked)
        sending_at_kill = outbox_statuses(engine)["sending"]

        server.start().wait_ready()
        for post in posts:  # Slack redelivers what was never acknowledged
            if post.n not in acked and deliver(send, post, retry=1):
                acked.add(post.n)
        acked |= stream([send], rest[10:], threads=4, redeliver_every=3)
        assert acked == {p.n for p in posts}, "every post is acknowledged in the end"

        wait_until(lambda: lead_count(engine) >= POSTS and all_sent(engine), SETTLE_SECONDS, "sent")
        per_post = leads_by_post(engine)
        assert {p.ts for p in posts} == set(per_post)
        assert set(per_post.values()) == {1}, "exactly one lead per post"
        for post, lead_id in _lead_ids(engine).items():
            assert _thread_reply(double, post, lead_id), f"L-{lead_id} announced in its thread"
            assert _dm(double, lead_id), f"L-{lead_id} sent to its qualifier"
        # A message on its way to Slack when the process died is looked for before it is posted
        # again: no post twice. Only a card update (the same edit, done again) may repeat.
        assert _posted_twice(double) == 0
        assert duplicates(double) <= sending_at_kill + in_flight
    finally:
        server.kill()
        engine.dispose()


def test_a_digest_being_posted_when_the_server_is_killed_is_posted_once(
    tmp_path: Path, double: SlackDouble
) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    engine = make_engine(url)
    env = serve_env(url, double.api_url, BATON_DIGEST_CHANNEL=DIGEST_CHANNEL)
    double.stall(10, lambda call: call.method == "chat.postMessage" and _is_digest(call))
    server = ServeProcess(tmp_path, env).start().wait_ready()
    try:
        queued = [
            baton_command(tmp_path, env, "digest", "--send", "--period", period)
            for period in ("day", "week")
        ]
        double.wait_for(_is_digest, timeout=90)
        server.kill()  # Slack has the first digest; its row is still "sending"
        assert outbox_statuses(engine)["sending"] >= 1
        assert [run.wait(timeout=90) for run in queued] == [0, 0]
        server.start().wait_ready()
        wait_until(lambda: all_sent(engine) and _digests_stamped(engine), SETTLE_SECONDS, "sent")
        keys = [m["metadata"]["event_payload"]["key"] for m in _digests(double)]
        assert len(keys) == len(set(keys)) >= 1, keys
        assert len(keys) == outbox_statuses(engine)["sent"]
    finally:
        server.kill()
        engine.dispose()


def _kill_mid_stream(server: ServeProcess, send: SignedSlack, posts: list, acked: set[int]) -> int:
    """Fire ``posts`` at once and ``kill -9`` the server while they are in flight; returns how
    many of them were acknowledged before it died (their messages may be mid-delivery)."""
    import threading

    results: list[int] = []

    def post_one(post: object) -> None:
        if deliver(send, post):  # type: ignore[arg-type]
            results.append(post.n)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=post_one, args=(p,)) for p in posts]
    for thread in threads:
        thread.start()
    server.kill()
    for thread in threads:
        thread.join(timeout=40)
    acked.update(results)
    return len(posts)


def _lead_ids(engine: object) -> dict[str, int]:
    from sqlalchemy import select

    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(t.leads.c.source_message_id, t.leads.c.id))
        return {str(ts): int(lead_id) for ts, lead_id in rows}


def _thread_reply(double: SlackDouble, post_ts: str, lead_id: int) -> bool:
    return any(
        c.params.get("thread_ts") == post_ts and f"L-{lead_id}" in c.text
        for c in double.posts(INTAKE)
    )


def _dm(double: SlackDouble, lead_id: int) -> bool:
    return any(
        c.shows(f"New lead L-{lead_id}")
        for c in double.to("chat.postMessage")
        if str(c.params.get("channel", "")).startswith("U")
    )


def _posted_twice(double: SlackDouble) -> int:
    posts = Counter(
        (str(c.params.get("channel")), str(c.params.get("thread_ts") or ""), c.text)
        for c in double.to("chat.postMessage")
    )
    return sum(n - 1 for n in posts.values())


def _is_digest(call: Call) -> bool:
    return (call.params.get("metadata") or {}).get("event_type") == "baton_digest"


def _digests(double: SlackDouble) -> list[dict]:
    return double.posted_with_metadata("baton_digest")


def _digests_stamped(engine: object) -> bool:
    from sqlalchemy import select

    with engine.connect() as conn:  # type: ignore[attr-defined]
        stamps = list(conn.execute(select(t.digest_runs.c.sent_at)).scalars())
    return bool(stamps) and all(s is not None for s in stamps)
