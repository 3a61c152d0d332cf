"""The Teams activity handler: translate each activity, call the relay, queue or return the answer.

Nothing here decides anything about leads. Messages become the same ``Command``s and
``InboundPost``s Slack produces; answers are rendered as Adaptive Cards. Relay and database calls
block, so they run in the event loop's executor, never on the loop itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from typing import Any, TypeVar

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity

from bot.bootstrap import Baton
from bot.teams import activities as a
from bot.teams import work
from bot.teams.cards import CONTENT_TYPE, lead_card, qualification_form, text_card
from bot.teams.references import sightings
from bot.teams.render import TeamsText
from bot.teams.submits import FormInvalid, command_from_card
from routing.commands import Command, parse_command
from routing.errors import BatonError
from routing.notices import Notice
from routing.roles import Platform
from routing.team import Rep, plain_mentions
from routing.usecases.context import Actor, Outcome
from routing.usecases.intake import InboundPost

log = logging.getLogger(__name__)

T = TypeVar("T")

HELP = (
    "I route sales leads. Talk to me like this (in a channel, mention me first):\n"
    "lead help · lead mine · lead claim L-4 · rotation · rotation add @someone closer · "
    "funnel week"
)
OOPS = "Sorry, something went wrong on my side. It has been logged; please try again."
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
InvokeBody = dict[str, Any]


class BatonTeamsBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type hints
    def __init__(self, baton: Baton) -> None:
        self.baton = baton

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Every activity first teaches Baton how to reach its people and places again."""
        await self._blocking(work.remember_all, self.baton, sightings(turn_context.activity))
        await super().on_turn(turn_context)

    # --- messages -----------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        value = a.card_value(activity)
        if value is not None:
            await self._card_submit(activity, value)
        elif self._is_intake_post(activity):
            await self._ingest(activity)
        elif a.is_personal(activity) or a.mentions_bot(activity):
            await self._typed(activity)

    def _is_intake_post(self, activity: Activity) -> bool:
        channel = a.teams_channel_id(activity)
        if channel not in self.baton.settings.teams_intake_channels or a.is_thread_reply(activity):
            return False
        return not (a.mentions_bot(activity) and a.command_words(activity))

    async def _ingest(self, activity: Activity) -> None:
        post = InboundPost(
            Platform.TEAMS,
            a.teams_channel_id(activity) or a.base_conversation(a.conversation_id(activity)),
            message_id=activity.id or "",
            text=a.plain_text(activity),
            event_id=None,
        )
        await self._blocking(work.ingest, self.baton, post, a.actor_of(activity))

    async def _typed(self, activity: Activity) -> None:
        actor = a.actor_of(activity)
        if actor is None:  # another app talking: nothing to answer
            return
        where = a.conversation_id(activity)
        words = a.command_words(activity)
        if words is None:
            await self._queue(actor, work.text_notice(HELP, where))
            return
        word, rest = words
        await self._answer(actor, where, lambda: parse_command(word, rest, self._today()))

    async def _card_submit(self, activity: Activity, value: Mapping[str, Any]) -> None:
        """``Action.Submit``: a message with the card's data and inputs as ``value``."""
        actor = a.actor_of(activity)
        if actor is not None:
            where = a.conversation_id(activity)
            await self._answer(actor, where, lambda: command_from_card(value, self._today()))

    async def _answer(self, actor: Actor, where: str, command: Callable[[], Command]) -> None:
        """The one error handler of typed and submitted commands: every answer is queued."""
        try:
            await self._blocking(work.execute_and_reply, self.baton, actor, command(), where)
            return
        except FormInvalid as err:
            notice = work.form_notice(where, err.lead_id, err.title, err.values, err.errors)
        except BatonError as err:
            notice = work.text_notice(err.message, where)
        except Exception:
            log.exception("Teams command from %s failed", actor.user_id)
            notice = work.text_notice(OOPS, where)
        await self._queue(actor, notice)

    async def _queue(self, actor: Actor | None, notice: Notice) -> None:
        await self._blocking(work.queue, self.baton, actor, notice)

    # --- card buttons (Action.Execute) --------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name != ADAPTIVE_CARD_ACTION:
            return await super().on_invoke_activity(turn_context)
        body = await self._card_action(turn_context)
        return InvokeResponse(status=200, body=body)

    async def _card_action(self, turn_context: TurnContext) -> InvokeBody:
        """Answer a click with the refreshed card (or the form, or a message) in the response."""
        value = turn_context.activity.value
        action = value.get("action") if isinstance(value, Mapping) else None
        if not isinstance(action, Mapping):
            return _message("That card action is not one of Baton's.")
        extra = action.get("data")
        data = {"baton": action.get("verb"), **(extra if isinstance(extra, Mapping) else {})}
        actor = a.actor_of(turn_context.activity)
        if actor is None:
            return _message("Only people can use Baton's buttons.")
        try:
            command = command_from_card(data, self._today())
            outcome, reps = await self._blocking(work.execute_with_reps, self.baton, actor, command)
            if a.is_personal(turn_context.activity):
                return _card(card_for(outcome, reps))
            return await self._shared_card_answer(actor, outcome, reps)
        except FormInvalid as err:
            form = qualification_form(err.lead_id, err.title, TeamsText({}), err.values, err.errors)
            return _card(form)
        except BatonError as err:
            return _message(plain_mentions(err.message))
        except Exception:
            log.exception("Teams card action %s from %s failed", data, actor.user_id)
            return _message(OOPS)

    async def _shared_card_answer(
        self, actor: Actor, outcome: Outcome, reps: Mapping[int, Rep]
    ) -> InvokeBody:
        """A channel card is everyone's: it shows the lead, not one person's reply or form."""
        if outcome.open_form_for is not None:
            rep = next((r for r in reps.values() if _is(r, actor)), None)
            if rep is not None and rep.id is not None:
                title = outcome.card.title if outcome.card else ""
                await self._queue(actor, work.form_dm(rep.id, outcome.open_form_for, title))
                return _message("The qualification form is waiting in your chat with Baton.")
        if outcome.card is None:
            return _message(plain_mentions(outcome.reply))
        return _card(lead_card(outcome.card, TeamsText(reps)))

    # --- plumbing -----------------------------------------------------------------------------

    def _today(self) -> date:
        return self.baton.clock().date()

    async def _blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, partial(fn, *args))


def card_for(outcome: Outcome, reps: Mapping[int, Rep]) -> dict[str, Any]:
    """What replaces the clicked card: the form to fill in, the lead as it is now, or the reply."""
    say = TeamsText(reps)
    if outcome.open_form_for is not None:
        title = outcome.card.title if outcome.card else ""
        return qualification_form(outcome.open_form_for, title, say)
    if outcome.card is None:
        return text_card(outcome.reply, say)
    return lead_card(outcome.card, say, outcome.reply)


def _is(rep: Rep, actor: Actor) -> bool:
    return rep.platform is actor.platform and rep.user_id == actor.user_id


def _card(card: dict[str, Any]) -> InvokeBody:
    """Universal Actions' answer that replaces the clicked card with ``card``."""
    return {"statusCode": 200, "type": CONTENT_TYPE, "value": card}


def _message(text: str) -> InvokeBody:
    """Universal Actions' answer that shows ``text`` and leaves the card as it is."""
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}
