"""At-least-once in, exactly-once effect, for requests a platform may deliver again.

Teams resends an activity when the bot is slow to answer. A state-changing request is keyed by
what identifies its delivery on the platform; the key is claimed in the same transaction as the
request's effect, so of two deliveries (even racing ones on two replicas) one takes effect and the
other changes nothing and gets the first one's answer back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from routing.usecases.context import Ctx, Outcome

REPLY = "reply"
"""``Outcome.data`` key: the answer (a JSON object) to store for redeliveries."""
REPLAYED = "replayed"
"""``Outcome.data`` key: this delivery was seen before; nothing was done."""


@dataclass(frozen=True)
class DeliveryKey:
    platform: str
    key: str


def once(key: DeliveryKey, use_case: Callable[[Ctx], Outcome]) -> Callable[[Ctx], Outcome]:
    """``use_case`` for the first delivery of ``key`` only; what it leaves in
    ``outcome.data[REPLY]`` is stored and is what every redelivery gets back."""

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
