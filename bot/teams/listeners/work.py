"""The blocking half of a Teams turn: relay calls and database writes, run in an executor thread.

Replies take the same road as every other message Baton sends: they are written to the outbox and
delivered by the sender, so a Teams outage (429s, 5xx) delays a reply but never loses it. A
state-changing command's reply is queued in the transaction of its effect, under the activity's
delivery key (:mod:`routing.usecases.deliveries`): a redelivered activity queues nothing more.

Personal and read-only commands typed in a channel (``lead mine``, ``lead show``, ``funnel``,
``lead help``, ``rotation show``) are answered in the person's 1:1 chat, with a short note in the
thread, as Slack answers them only to the person.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.baton import Baton
from bot.teams.listeners.submits import FormInvalid
from bot.teams.render.cards import lead_card
from bot.teams.render.digest import digest_cards, digest_chart
from bot.teams.render.invokes import InvokeBody, card_answer, card_for, message_answer
from bot.teams.render.outgoing import PREPARED_CARDS
from bot.teams.render.text import TeamsText
from bot.teams.transport.references import Sighting, is_personal_reference, load, remember
from routing.chat.forms import QUALIFICATION
from routing.commands import Command
from routing.dashboard.links import DashboardLinks
from routing.notices import Notice, NoticeKind
from routing.relay import READ_ONLY_COMMANDS, SYSTEM, dispatch
from routing.roles import Platform
from routing.team import Rep, plain_mentions
from routing.usecases.context import Actor, Ctx, Outcome
from routing.usecases.deliveries import REPLY, DeliveryKey, once, was_replayed
from routing.usecases.funnel import Digest
from routing.usecases.intake import InboundPost

log = logging.getLogger(__name__)

TEAMS = Platform.TEAMS.value
MAX_KEY = 400
SENT_TO_CHAT = "I sent you the details in our 1:1 chat."
ALREADY_DONE = "Done already: Teams delivered this click twice."


def remember_all(baton: Baton, seen: list[Sighting]) -> None:
    if seen:
        remember(baton.stores.conversations, seen, baton.clock())


def delivery_key(activity_id: str, conversation: str) -> DeliveryKey:
    """Teams message ids are timestamps, unique only within a conversation: key by both."""
    key = f"{activity_id}@{conversation}"
    if len(key) > MAX_KEY:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return DeliveryKey(TEAMS, key)


UseCase = Callable[[Ctx], Outcome]


def _keyed(key: DeliveryKey | None, use_case: UseCase) -> UseCase:
    return once(key, use_case) if key is not None else use_case


# --- typed commands and card submits ----------------------------------------------------------


def execute(
    baton: Baton,
    actor: Actor,
    command: Command,
    where: str,
    key: DeliveryKey | None,
    personal: bool,
) -> None:
    if isinstance(command, READ_ONLY_COMMANDS):
        answer_read_only(baton, actor, command, where, personal)
    else:
        execute_once(baton, actor, command, where, key)


def execute_once(
    baton: Baton, actor: Actor, command: Command, where: str, key: DeliveryKey | None
) -> Outcome:
    """The command's effect, its reply and its delivery key: one transaction."""

    def use_case(ctx: Ctx) -> Outcome:
        outcome = dispatch(ctx, command)
        ctx.uow.outbox.add(reply_notice(outcome, where, ctx.config.dashboard, ctx.now))
        return outcome

    return baton.relay.run(actor, _keyed(key, use_case))


def answer_read_only(
    baton: Baton, actor: Actor, command: Command, where: str, personal: bool
) -> None:
    """Read from a snapshot; in a channel, the answer goes to the person's 1:1 chat."""
    outcome = baton.relay.execute(actor, command)
    reply = reply_notice(outcome, where, baton.relay.config.dashboard, baton.clock())
    if personal:
        queue(baton, actor, reply)
        return
    if not can_chat_with(baton, actor):
        log.info(
            "answering %s's %s in the channel: Baton has no 1:1 chat with them and no way to "
            "open one yet",
            actor.user_id,
            type(command).__name__,
        )
        queue(baton, actor, reply)
        return

    def use_case(ctx: Ctx) -> Outcome:
        ctx.uow.outbox.add(
            dataclasses.replace(reply, rep_id=ctx.actor.id, channel=None, platform=None)
        )
        ctx.uow.outbox.add(text_notice(SENT_TO_CHAT, where))
        return Outcome("")

    baton.relay.run(actor, use_case)


def can_chat_with(baton: Baton, actor: Actor) -> bool:
    """Baton holds the person's 1:1 chat, or a reference with the tenant to open one."""
    stored = load(baton.stores.conversations, actor.user_id)
    return stored is not None and (
        is_personal_reference(stored.reference) or bool(stored.tenant_id)
    )


def queue(baton: Baton, actor: Actor | None, notice: Notice) -> None:
    """Write one notice to the outbox in its own short transaction."""
    queue_once(baton, actor, notice, None)


def queue_once(baton: Baton, actor: Actor | None, notice: Notice, key: DeliveryKey | None) -> None:
    """Queue ``notice`` unless this delivery was answered before."""

    def use_case(ctx: Ctx) -> Outcome:
        ctx.uow.outbox.add(notice)
        return Outcome("")

    baton.relay.run(actor or SYSTEM, _keyed(key, use_case))


def ingest(baton: Baton, post: InboundPost, author: Actor | None) -> Outcome:
    return baton.relay.ingest(post, author)


# --- card clicks ------------------------------------------------------------------------------


def click(
    baton: Baton, actor: Actor, command: Command, key: DeliveryKey | None, personal: bool
) -> InvokeBody:
    """Run a clicked button's command and render the invoke's answer in the same transaction,
    so a redelivered click gets exactly this answer back."""

    def use_case(ctx: Ctx) -> Outcome:
        outcome = dispatch(ctx, command)
        reps = {rep.id or 0: rep for rep in ctx.uow.reps.all()}
        body = card_answer(card_for(outcome, reps)) if personal else _shared(ctx, outcome, reps)
        return dataclasses.replace(outcome, data={**outcome.data, REPLY: body})

    return _body(baton.relay.run(actor, _keyed(key, use_case)))


def _shared(ctx: Ctx, outcome: Outcome, reps: Mapping[int, Rep]) -> InvokeBody:
    """A channel card is everyone's: it shows the lead, not one person's reply or form."""
    if outcome.open_form_for is not None and ctx.actor.id is not None:
        title = outcome.card.title if outcome.card else ""
        ctx.uow.outbox.add(form_dm(ctx.actor.id, outcome.open_form_for, title))
        return message_answer("The qualification form is waiting in your chat with Baton.")
    if outcome.card is None:
        return message_answer(plain_mentions(outcome.reply))
    return card_answer(lead_card(outcome.card, TeamsText(reps)))


def reply_once(baton: Baton, actor: Actor, key: DeliveryKey | None, body: InvokeBody) -> InvokeBody:
    """An answer with no effect behind it (a refusal), kept for redeliveries all the same."""

    def use_case(_ctx: Ctx) -> Outcome:
        return Outcome("", data={REPLY: body})

    return _body(baton.relay.run(actor, _keyed(key, use_case)))


def _body(outcome: Outcome) -> InvokeBody:
    reply = outcome.data.get(REPLY)
    if isinstance(reply, Mapping):
        return dict(reply)
    if was_replayed(outcome):
        return message_answer(ALREADY_DONE)
    raise TypeError(f"a card click's use case gave no answer: {outcome!r}")


# --- notices ----------------------------------------------------------------------------------


def reply_notice(
    outcome: Outcome, conversation: str, links: DashboardLinks | None, now: datetime
) -> Notice:
    """The answer to whoever acted, in the conversation (or thread) they acted in; a digest's
    chart is a link to Baton's when it has a public address (``links``)."""
    digest = outcome.data.get("digest")
    if isinstance(digest, Digest):
        cards = digest_cards(digest, digest_chart(digest, links, now))
        return text_notice(
            outcome.reply, conversation, NoticeKind.DIGEST, **{PREPARED_CARDS: cards}
        )
    if outcome.open_form_for is not None:
        return dataclasses.replace(
            text_notice(
                outcome.reply, conversation, form=QUALIFICATION.name, lead=outcome.open_form_for
            ),
            card=outcome.card,
        )
    kind = NoticeKind.LEAD_CARD if outcome.card else NoticeKind.TEXT
    return dataclasses.replace(text_notice(outcome.reply, conversation, kind), card=outcome.card)


def text_notice(
    text: str, conversation: str, kind: NoticeKind = NoticeKind.TEXT, **data: Any
) -> Notice:
    return Notice(text=text, kind=kind, channel=conversation, platform=TEAMS, data=data)


def form_notice(conversation: str, again: FormInvalid) -> Notice:
    """The form again, with what was typed and what to fix."""
    return text_notice(
        f"{again.form.title(again.lead_id)}: please fix the form.",
        conversation,
        form=again.form.name,
        lead=again.lead_id,
        title=again.title,
        values=dict(again.values),
        errors=dict(again.errors),
    )


def form_dm(rep_id: int, lead_id: int, title: str) -> Notice:
    """The qualification form in a rep's own chat (a channel card is not the place to fill it)."""
    data = {"form": QUALIFICATION.name, "lead": lead_id, "title": title}
    return Notice(text=QUALIFICATION.title(lead_id), rep_id=rep_id, data=data)
