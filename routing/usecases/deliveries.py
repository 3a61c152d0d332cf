"""At-least-once in, exactly-once effect, for requests a platform may deliver again.

Teams resends an activity when the bot is slow to answer. A state-changing request is keyed by
what identifies its delivery on the platform; the key is claimed in the same transaction as the
request's effect, so of two deliveries (even racing ones on two replicas) one takes effect and the
other changes nothing and gets the first one's answer back.

An adapter that answers later (by message, through the outbox) or that must give a redelivery the
same answer (a card click's response) hands its :data:`Answerer` to the relay: what it makes of
the outcome, an :class:`Answer`, is kept in that same transaction, under that same key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from routing.notices import Notice
from routing.team import Rep
from routing.usecases.context import Ctx, Outcome

REPLY = "reply"
"""``Outcome.data`` key: the answer (a JSON object) to store for redeliveries."""
REPLAYED = "replayed"
"""``Outcome.data`` key: this delivery was seen before; nothing was done."""


@dataclass(frozen=True)
class DeliveryKey:
    platform: str
    key: str


@dataclass(frozen=True)
class Answer:
    """An adapter's answer to one request: notices to queue, and the reply a redelivery gets."""

    notices: tuple[Notice, ...] = ()
    reply: Mapping[str, Any] | None = None


class Asked:
    """What an answer may read, inside the request's transaction: the outcome, who asked (their
    rep, so a notice can go to their own chat) and the reps that mentions name."""

    def __init__(self, ctx: Ctx, outcome: Outcome) -> None:
        self._ctx = ctx
        self.outcome = outcome

    @property
    def asker(self) -> Rep:
        return self._ctx.actor

    def reps(self) -> Mapping[int, Rep]:
        return {rep.id or 0: rep for rep in self._ctx.uow.reps.all()}


Answerer = Callable[[Asked], Answer]


def answered(
    key: DeliveryKey | None, use_case: Callable[[Ctx], Outcome], answer: Answerer | None
) -> Callable[[Ctx], Outcome]:
    """``use_case`` and then its ``answer``, in one transaction, for the first delivery of
    ``key`` only (every delivery when there is no key)."""

    def with_answer(ctx: Ctx) -> Outcome:
        outcome = use_case(ctx)
        if answer is None:
            return outcome
        given = answer(Asked(ctx, outcome))
        for notice in given.notices:
            ctx.uow.outbox.add(notice)
        if given.reply is None:
            return outcome
        return replace(outcome, data={**outcome.data, REPLY: dict(given.reply)})

    return once(key, with_answer)


def once(key: DeliveryKey | None, use_case: Callable[[Ctx], Outcome]) -> Callable[[Ctx], Outcome]:
    """``use_case`` for the first delivery of ``key`` only; what it leaves in
    ``outcome.data[REPLY]`` is stored and is what every redelivery gets back."""
    if key is None:
        return use_case

    def keyed(ctx: Ctx) -> Outcome:
        if not ctx.uow.deliveries.claim(key.platform, key.key, ctx.now):
            return replayed(ctx.uow.deliveries.reply(key.platform, key.key))
        outcome = use_case(ctx)
        reply = outcome.data.get(REPLY)
        if isinstance(reply, Mapping):
            ctx.uow.deliveries.save_reply(key.platform, key.key, reply)
        return outcome

    return keyed


def replayed(reply: Mapping[str, Any] | None) -> Outcome:
    return Outcome("", data={REPLAYED: True, REPLY: dict(reply) if reply is not None else None})


def was_replayed(outcome: Outcome) -> bool:
    return outcome.data.get(REPLAYED) is True
