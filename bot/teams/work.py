"""The blocking half of a Teams turn: relay calls and database writes, run in an executor thread.

Replies take the same road as every other message Baton sends: they are written to the outbox and
delivered by the sender, so a Teams outage (429s, 5xx) delays a reply but never loses it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, cast

from bot.bootstrap import Baton
from bot.teams.digest import digest_card, funnel_chart_uri
from bot.teams.references import Sighting, remember
from routing.commands import Command
from routing.notices import Notice, NoticeKind
from routing.relay import SYSTEM, dispatch
from routing.roles import Platform
from routing.team import Rep
from routing.usecases.context import Actor, Ctx, Outcome
from routing.usecases.funnel import Digest
from routing.usecases.intake import InboundPost

TEAMS = Platform.TEAMS.value
PRIVATE_REPLY_SENT = "I've sent you the answer in a private chat."


def remember_all(baton: Baton, seen: list[Sighting]) -> None:
    if seen:
        remember(baton.engine, seen, baton.clock())


def execute_and_reply(baton: Baton, actor: Actor, command: Command, where: str) -> Outcome:
    """Run the command, then queue its answer (rendered here, off the event loop)."""
    outcome = baton.relay.execute(actor, command)
    if outcome.data.get("private") and "@thread" in where:  # a channel or group chat
        rep = baton.relay.rep(actor)
        queue(baton, actor, Notice(text=outcome.reply, rep_id=rep.id, platform=TEAMS))
        queue(baton, actor, text_notice(PRIVATE_REPLY_SENT, where))
        return outcome
    queue(baton, actor, reply_notice(outcome, where))
    return outcome


def execute_with_reps(
    baton: Baton, actor: Actor, command: Command
) -> tuple[Outcome, dict[int, Rep]]:
    """Run the command and read the team in the same transaction (to render mentions)."""

    def use_case(ctx: Ctx) -> Outcome:
        outcome = dispatch(ctx, command)
        reps = {rep.id or 0: rep for rep in ctx.uow.reps.all()}
        return dataclasses.replace(outcome, data={**outcome.data, "reps": reps})

    outcome = baton.relay.run(actor, use_case)
    reps = cast(dict[int, Rep], outcome.data.pop("reps"))
    return outcome, reps


def ingest(baton: Baton, post: InboundPost, author: Actor | None) -> Outcome:
    return baton.relay.ingest(post, author)


def queue(baton: Baton, actor: Actor | None, notice: Notice) -> None:
    """Write one notice to the outbox in its own short transaction."""

    def use_case(ctx: Ctx) -> Outcome:
        ctx.uow.outbox.add(notice)
        return Outcome("")

    baton.relay.run(actor or SYSTEM, use_case)


def reply_notice(outcome: Outcome, conversation: str) -> Notice:
    """The answer to whoever acted, in the conversation (or thread) they acted in."""
    digest = outcome.data.get("digest")
    if isinstance(digest, Digest):
        card = digest_card(digest, funnel_chart_uri(digest.report))
        return text_notice(outcome.reply, conversation, NoticeKind.DIGEST, teams_card=card)
    if outcome.open_form_for is not None:
        return dataclasses.replace(
            text_notice(outcome.reply, conversation, form="qualify", lead=outcome.open_form_for),
            card=outcome.card,
        )
    kind = NoticeKind.LEAD_CARD if outcome.card else NoticeKind.TEXT
    return dataclasses.replace(text_notice(outcome.reply, conversation, kind), card=outcome.card)


def text_notice(
    text: str, conversation: str, kind: NoticeKind = NoticeKind.TEXT, **data: Any
) -> Notice:
    return Notice(text=text, kind=kind, channel=conversation, platform=TEAMS, data=data)


def form_notice(
    conversation: str,
    lead_id: int,
    title: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
) -> Notice:
    """The qualification form again, with what was typed and what to fix."""
    return text_notice(
        f"Qualify L-{lead_id}: please fix the form.",
        conversation,
        form="qualify",
        lead=lead_id,
        title=title,
        values=dict(values),
        errors=dict(errors),
    )


def form_dm(rep_id: int, lead_id: int, title: str) -> Notice:
    """The qualification form in a rep's own chat (a channel card is not the place to fill it)."""
    data = {"form": "qualify", "lead": lead_id, "title": title}
    return Notice(text=f"Qualify L-{lead_id}", rep_id=rep_id, data=data)
