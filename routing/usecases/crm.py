"""Use cases the CRM's adapters call through the relay."""

from __future__ import annotations

from collections.abc import Callable

from routing.usecases.context import Ctx, Outcome


def tell_managers(text: str) -> Callable[[Ctx], Outcome]:
    """A word from the CRM's sender (a refusal, a pause) to every manager, once."""

    def run(ctx: Ctx) -> Outcome:
        ctx.tell_managers(text)
        return Outcome(text)

    return run
