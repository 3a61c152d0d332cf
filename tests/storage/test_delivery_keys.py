"""Delivery keys: a request's effect and its key commit together, once, even when two
deliveries race on two connections (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from bot.baton import Baton
from routing.arrival import posted
from routing.commands import NewLead, RotationPreview, RotationShow
from routing.notices import Notice
from routing.roles import Platform
from routing.usecases.context import Actor, Ctx, Outcome
from routing.usecases.deliveries import REPLY, Answer, Asked, DeliveryKey, once, was_replayed
from storage import tables as t
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

AT = datetime(2026, 11, 23, 9, tzinfo=UTC)
KEY = DeliveryKey("teams", "1700000000001@a:1chat")
ALICE = Actor(Platform.TEAMS, "29:alice", "Alice")


def _effect(ctx: Ctx) -> Outcome:
    ctx.uow.outbox.add(Notice(text="done", channel="a:1chat", platform="teams"))
    return Outcome("done", data={REPLY: {"said": "done"}})


def test_a_key_is_claimed_once_and_its_reply_comes_back(db_url: str) -> None:
    baton = make_baton(db_url, FakeClock())
    first = baton.relay.run(ALICE, once(KEY, _effect))
    again = baton.relay.run(ALICE, once(KEY, _effect))
    elsewhere = baton.relay.run(ALICE, once(DeliveryKey("slack", KEY.key), _effect))

    assert not was_replayed(first)
    assert was_replayed(again)
    assert again.data[REPLY] == {"said": "done"}
    assert not was_replayed(elsewhere)
    with baton.engine.connect() as conn:
        assert len(conn.execute(t.outbox.select()).all()) == 2


def test_a_failed_effect_leaves_its_key_unclaimed(db_url: str) -> None:
    baton = make_baton(db_url, FakeClock())

    def failing(ctx: Ctx) -> Outcome:
        raise RuntimeError("the effect failed")

    with pytest.raises(RuntimeError):
        baton.relay.run(ALICE, once(KEY, failing))
    assert not was_replayed(baton.relay.run(ALICE, once(KEY, _effect)))


def test_two_racing_deliveries_take_effect_once(db_url: str) -> None:
    baton = make_baton(db_url, FakeClock())
    baton.relay.rep(ALICE)
    outcomes: list[Outcome] = []
    start = threading.Barrier(2)

    def deliver() -> None:
        start.wait()
        outcomes.append(baton.relay.run(ALICE, once(KEY, _effect)))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(was_replayed(o) for o in outcomes) == [False, True]
    with baton.engine.connect() as conn:
        assert len(conn.execute(t.outbox.select()).all()) == 1


# --- a command and its answer, through the relay ------------------------------------------------

MAYA = Actor(Platform.CONSOLE, "maya", "maya")
PREVIEW = RotationPreview("Lead: Kim, kim@x.example, X")


def _reply_in_chat(asked: Asked) -> Answer:
    return Answer((Notice(text=asked.outcome.reply, channel="a:1chat", platform="teams"),))


def _team(db_url: str) -> Baton:
    baton = make_baton(db_url, FakeClock(), managers=[("console", "maya")])
    for name in ("alice", "bob"):
        say(baton, "maya", f"/rotation add @{name} qualifier")
    return baton


def _outbox_texts(baton: Baton) -> list[str]:
    with baton.engine.connect() as conn:
        return [row.notice["text"] for row in conn.execute(t.outbox.select())]


def test_a_dry_run_is_undone_while_its_answer_and_its_key_are_kept(db_url: str) -> None:
    baton = _team(db_url)
    queued = len(_outbox_texts(baton))
    keys = [DeliveryKey("teams", f"{n}@a:1chat") for n in (1, 2, 2)]

    answers = [baton.relay.execute(MAYA, PREVIEW, key=k, answer=_reply_in_chat) for k in keys]

    assert [was_replayed(a) for a in answers] == [False, False, True]
    said = _outbox_texts(baton)[queued:]
    assert len(said) == 2
    assert all("would go to" in text and "alice" in text and "bob" not in text for text in said)
    post = baton.relay.ingest(
        posted(Platform.CONSOLE, "#leads", "m1", "Lead: Sam, sam@x.example", phones=PHONES)
    )
    assert post.card is not None
    assert "alice" in str(post.card.owner)


def test_a_commands_answer_is_queued_with_its_effect_once(db_url: str) -> None:
    baton = _team(db_url)
    queued = len(_outbox_texts(baton))
    command = NewLead("Initech", "tom@initech.com")

    first = baton.relay.execute(MAYA, command, key=KEY, answer=_reply_in_chat)
    again = baton.relay.execute(MAYA, command, key=KEY, answer=_reply_in_chat)

    assert first.lead_id == 1
    assert was_replayed(again)
    said = _outbox_texts(baton)[queued:]
    assert said.count(first.reply) == 1
    with baton.engine.connect() as conn:
        assert len(conn.execute(t.leads.select()).all()) == 1


def test_a_read_only_answer_is_queued_once_and_a_stored_reply_comes_back(db_url: str) -> None:
    baton = _team(db_url)

    def card(asked: Asked) -> Answer:
        return Answer(reply={"rows": asked.outcome.reply.count("\n")})

    first = baton.relay.execute(MAYA, RotationShow(), key=KEY, answer=card)
    again = baton.relay.execute(MAYA, RotationShow(), key=KEY, answer=card)

    assert first.data[REPLY] == again.data[REPLY]
    assert was_replayed(again)
