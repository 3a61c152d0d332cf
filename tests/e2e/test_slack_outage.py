"""A Slack outage: the relay keeps working, and the messages follow, once each and in order."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from bot.slack.render.blocks import fallback
from bot.slack.transport.users import delivery_mentions
from routing.notices import Notice
from routing.roles import Platform
from storage import tables as t
from storage.codec import notice_from
from tests.e2e.conftest import INTAKE, MANAGER, SlackWorld
from tests.e2e.slack_double import BOT_ID, JSON, fixture
from tests.support.clock import FakeClock

CHAT = {"chat.postMessage", "chat.update"}


def outbox(world: SlackWorld) -> list[tuple[str, str, Notice]]:
    """(lane, status, notice) of every outbox row, in the order they were written."""
    with world.baton.engine.connect() as conn:
        rows = conn.execute(select(t.outbox).order_by(t.outbox.c.id)).mappings().all()
    return [(r["lane"], r["status"], notice_from(r["notice"])) for r in rows]


def rendered(world: SlackWorld, notice: Notice) -> tuple[str, str]:
    """Where the notifier sends ``notice`` (channel or user id) and the text it sends."""
    with world.baton.relay.uow_factory() as uow:
        reps = {rep.id or 0: rep for rep in uow.reps.all()}
    where = reps[notice.rep_id].user_id if notice.rep_id else notice.thread.channel  # type: ignore[union-attr]
    return where, fallback(notice.text, delivery_mentions(reps))


def test_during_a_slack_outage_claims_keep_working_and_every_message_arrives_once_in_order(
    slack: SlackWorld, clock: FakeClock
) -> None:
    send, double = slack.slack, slack.double
    send.command("/rotation add <@UALICE> qualifier", MANAGER)
    send.command("/rotation add <@UBOB> qualifier", MANAGER)
    send.command("/lead mine", "UBOB")
    send.post_lead("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    slack.deliver()
    written_before = len(outbox(slack))
    accepted_before = len(double.calls)

    double.fail(429, times=1, retry_after=30, methods=CHAT)
    double.fail(500, times=None)
    send.post_lead("Lead: Priya Shah, priya@initech.com, Initech")
    send.post_lead("Lead: Jonas Weber, jonas@globex.de, Globex")
    assert "L-1 is yours" in send.command("/lead claim L-1", "UALICE").json()["text"]
    assert send.click("claim", 2, "UBOB").status == 200
    assert "L-3 is yours" in send.command("/lead claim L-3", "UALICE").json()["text"]

    sender = slack.baton.sender()
    assert sender.run_once() == 0
    rate_limited = [r for r in _rows(slack) if "rate limit" in (r["last_error"] or "")]
    assert [r["next_attempt_at"] for r in rate_limited] == [clock.now + timedelta(seconds=30)]
    for _ in range(3):
        clock.advance(seconds=31)
        assert sender.run_once() == 0
    assert [c for c in double.calls[accepted_before:] if c.method in CHAT] == []

    double.recover()
    clock.advance(minutes=15)
    slack.deliver()

    rows = outbox(slack)
    assert len(rows) > written_before
    assert {status for _lane, status, _n in rows} == {"sent"}
    delivered = [(c.params["channel"], c.text) for c in double.calls if c.method in CHAT]
    expected_by_lane: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for lane, _status, notice in rows:
        expected_by_lane[lane].append(rendered(slack, notice))
    for lane, expected in expected_by_lane.items():
        assert [sent for sent in delivered if sent in expected] == expected, lane
    assert len(delivered) == len(rows)
    with slack.baton.relay.uow_factory() as uow:
        stages = {uow.leads.get(n).stage.value for n in (1, 2, 3)}
        owner = uow.reps.get(uow.leads.get(2).owner_id or 0)
    assert stages == {"working"}
    assert (owner.platform, owner.user_id) == (Platform.SLACK, "UBOB")


def _rows(world: SlackWorld) -> list[dict[str, object]]:
    with world.baton.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.outbox)).mappings()]


def test_a_start_while_slack_fails_every_call_loses_no_post_and_delivers_every_message_after(
    slack: SlackWorld, clock: FakeClock
) -> None:
    """Nothing on the intake path waits for Slack: Bolt is authorised from configuration, and
    Baton's own messages are told from the event itself (``app_id`` against ``api_app_id``)."""
    send, double = slack.slack, slack.double
    double.fail(503, times=None)
    assert send.command("/rotation add <@UALICE> qualifier", MANAGER).status == 200
    people = [send.post_lead(f"Lead: Person {n}, p{n}@acme{n}.io, Acme {n}") for n in range(8)]
    app_post = fixture("message_bot_form")
    app_post.update(channel=INTAKE, ts=double.next_ts())
    assert send.post(send.event_body(app_post), JSON).status == 200  # a form app's post: a lead
    own = send.message("Lead: Baton's own post, x@y.io, Y")
    own.update(bot_id=BOT_ID, app_id=fixture("event_callback")["api_app_id"])
    assert send.event(own).status == 200  # Baton's own post, known without auth.test: skipped
    assert slack.rows("leads") == len(people) + 1

    double.recover()
    for ts in people[:3]:  # redeliveries of posts already taken in change nothing
        event = send.message("Lead: again", ts=ts)
        assert send.event(event, retry=1).status == 200
    clock.advance(minutes=15)
    slack.deliver()

    assert slack.rows("leads") == len(people) + 1
    rows = outbox(slack)
    assert rows
    assert {status for _lane, status, _n in rows} == {"sent"}
    threads = {c.params.get("thread_ts") for c in double.posts(INTAKE)}
    assert set(people) <= threads
