"""The blocking half of a Teams turn: relay calls and database writes, run in an executor thread.

Replies take the same road as every other message Baton sends: they are written to the outbox and
delivered by the sender, so a Teams outage (429s, 5xx) delays a reply but never loses it. Every
call goes through the relay, which queues a command's reply in the transaction of its effect,
under the activity's delivery key (:mod:`routing.usecases.deliveries`): a redelivered activity
queues nothing more, and a dry run (``rotation preview``) is undone with its reply still queued.

Personal and read-only commands typed in a channel (``lead mine``, ``lead show``, ``funnel``,
``lead help``, ``rotation show``) are answered in the person's 1:1 chat, with a short note in the
thread, as Slack answers them only to the person.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
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
from routing import limits
from routing.arrival import posted
from routing.chat.forms import QUALIFICATION
from routing.commands import Command
from routing.dashboard.links import DashboardLinks
from routing.notices import SLOT_CHOICES, Notice, NoticeKind
from routing.relay import READ_ONLY_COMMANDS, SYSTEM
from routing.roles import Platform
from routing.team import Rep, plain_mentions
from routing.usecases.context import Actor, Outcome
from routing.usecases.deliveries import REPLY, Answer, Answerer, Asked, DeliveryKey, was_replayed
from routing.usecases.funnel import Digest

log = logging.getLogger(__name__)

TEAMS = Platform.TEAMS.value
SENT_TO_CHAT = "I sent you the details in our 1:1 chat."
ALREADY_DONE = "Done already: Teams delivered this click twice."


def remember_all(baton: Baton, seen: list[Sighting]) -> None:
    if seen:
        remember(baton.stores.conversations, seen, baton.clock())


def remember_email(baton: Baton, user_id: str, email: str) -> None:
    """A Teams person's roster email, kept (made storable by the relay) as the rep's: their
    CRM owner and their calendar's own attendance are found by it."""
    baton.relay.rep(Actor(Platform.TEAMS, user_id, email=email))


def calendar_reps_without_email(baton: Baton) -> list[str]:
    """Teams reps with a calendar feed whose email Baton lacks (the roster is asked)."""
    return baton.relay.calendar_reps_without_email(Platform.TEAMS)


def delivery_key(activity_id: str, conversation: str) -> DeliveryKey:
    """Teams message ids are timestamps, unique only within a conversation: key by both."""
    return DeliveryKey(TEAMS, limits.fitted_key(f"{activity_id}@{conversation}"))


# --- typed commands and card submits ----------------------------------------------------------


def execute(
    baton: Baton,
    actor: Actor,
    command: Command,
    where: str,
    key: DeliveryKey | None,
    personal: bool,
) -> None:
    """The command's effect, its reply and its delivery key: one transaction. A read-only
    command typed in a channel is answered in the person's 1:1 chat."""
    if isinstance(command, READ_ONLY_COMMANDS) and not personal:
        answer = _in_their_chat(baton, actor, command, where)
    else:
        answer = _reply_in(baton, where)
    baton.relay.execute(actor, command, key=key, answer=answer)


def _reply_in(baton: Baton, where: str) -> Answerer:
    return lambda asked: Answer((_reply(baton, asked, where),))


def _reply(baton: Baton, asked: Asked, where: str) -> Notice:
    """The reply, a digest's chart linked when Baton has a public address for it."""
    return reply_notice(asked.outcome, where, baton.relay.config.dashboard, baton.clock())


def _in_their_chat(baton: Baton, actor: Actor, command: Command, where: str) -> Answerer:
    """The answer in the person's 1:1 chat with a short note in the thread; in the thread
    itself when Baton cannot reach them."""
    if not can_chat_with(baton, actor):
        log.info(
            "answering %s's %s in the channel: Baton has no 1:1 chat with them and no way to "
            "open one yet",
            actor.user_id,
            type(command).__name__,
        )
        return _reply_in(baton, where)

    def answer(asked: Asked) -> Answer:
        reply = _reply(baton, asked, where)
        dm = dataclasses.replace(reply, rep_id=asked.asker.id, channel=None, platform=None)
        return Answer((dm, text_notice(SENT_TO_CHAT, where)))

    return answer


def can_chat_with(baton: Baton, actor: Actor) -> bool:
    """Baton holds the person's 1:1 chat, or a reference with the tenant to open one."""
    stored = load(baton.stores.conversations, actor.user_id)
    return stored is not None and (
        is_personal_reference(stored.reference) or bool(stored.tenant_id)
    )


def queue_once(baton: Baton, actor: Actor | None, notice: Notice, key: DeliveryKey | None) -> None:
    """Queue ``notice`` unless this delivery was answered before."""
    baton.relay.answer(actor or SYSTEM, lambda _asked: Answer((notice,)), key=key)


def ingest(baton: Baton, channel: str, message_id: str, text: str, author: Actor | None) -> Outcome:
    """A post in an intake channel, read here, off the event loop (a long post takes a while to
    read), and taken in."""
    arrival = posted(Platform.TEAMS, channel, message_id, text, phones=baton.relay.config.phones)
    return baton.relay.ingest(arrival, author)


# --- card clicks ------------------------------------------------------------------------------


def click(
    baton: Baton, actor: Actor, command: Command, key: DeliveryKey | None, personal: bool
) -> InvokeBody:
    """Run a clicked button's command and render the invoke's answer in the same transaction,
    so a redelivered click gets exactly this answer back."""

    def answer(asked: Asked) -> Answer:
        reps = asked.reps()
        if personal:
            return Answer(reply=card_answer(card_for(asked.outcome, reps)))
        return _shared(asked, reps)

    return _body(baton.relay.execute(actor, command, key=key, answer=answer))


def _shared(asked: Asked, reps: Mapping[int, Rep]) -> Answer:
    """A channel card is everyone's: it shows the lead, not one person's reply or form."""
    outcome, asker = asked.outcome, asked.asker.id
    if outcome.open_form_for is not None and asker is not None:
        title = outcome.card.title if outcome.card else ""
        waiting = message_answer("The qualification form is waiting in your chat with Baton.")
        return Answer((form_dm(asker, outcome.open_form_for, title),), waiting)
    if outcome.card is None:
        return Answer(reply=message_answer(plain_mentions(outcome.reply)))
    shown = card_answer(lead_card(outcome.card, TeamsText(reps)))
    if outcome.slots is not None and asker is not None:  # the times are the asker's to pick
        dm = Notice(text=outcome.reply, rep_id=asker, data={SLOT_CHOICES: outcome.slots.as_data()})
        return Answer((dataclasses.replace(dm, card=outcome.card),), shown)
    return Answer(reply=shown)


def reply_once(baton: Baton, actor: Actor, key: DeliveryKey | None, body: InvokeBody) -> InvokeBody:
    """An answer with no effect behind it (a refusal), kept for redeliveries all the same."""
    return _body(baton.relay.answer(actor, lambda _asked: Answer(reply=body), key=key))


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
    slots = {SLOT_CHOICES: outcome.slots.as_data()} if outcome.slots else {}
    notice = text_notice(outcome.reply, conversation, kind, **slots)
    return dataclasses.replace(notice, card=outcome.card)


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
