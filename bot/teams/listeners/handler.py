"""The Teams activity handler: translate each activity, call the relay, queue or return the answer.

Nothing here decides anything about leads. Messages become the same commands and arrivals
(:mod:`routing.arrival`) Slack produces; answers are rendered as Adaptive Cards. Relay and
database calls block, so they run in the event loop's executor, never on the loop itself.

Every state-changing activity (a typed command, a card submit, a card click) is applied once per
activity: a redelivery by Teams answers what the first delivery answered and changes nothing.
Activities of shapes Baton cannot use (no usable conversation, an invoke it does not know) are
ignored with a warning.
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

from bot.baton import Baton
from bot.teams.listeners import work
from bot.teams.listeners.submits import FormInvalid, command_from_card
from bot.teams.render.cards import form_card
from bot.teams.render.invokes import InvokeBody, card_answer, message_answer
from bot.teams.render.text import TeamsText
from bot.teams.transport import activities as a
from bot.teams.transport.adapter import auth_enabled
from bot.teams.transport.members import member_email
from bot.teams.transport.references import reachable, sightings, usable_id
from routing import limits
from routing.chat.sorry import answer_to
from routing.commands import Command, parse_command
from routing.errors import BatonError
from routing.team import plain_mentions
from routing.usecases.context import Actor
from routing.usecases.deliveries import DeliveryKey

log = logging.getLogger(__name__)

T = TypeVar("T")

HELP = (
    "I route sales leads. Talk to me like this (in a channel, mention me first):\n"
    "lead help · lead mine · lead claim L-4 · rotation · rotation add @someone closer · "
    "funnel week"
)
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
MAX_EMAILS_ASKED = 10_000
"""People whose roster email this process remembers asking for; past that it asks again."""


class BatonTeamsBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type hints
    def __init__(self, baton: Baton) -> None:
        self.baton = baton
        self.https_only = auth_enabled(baton.settings)
        self.crm = baton.settings.crm_on()
        """HubSpot sync is on: everyone's email is looked up to find their CRM owner (without
        it, only reps with a calendar feed and no known email are)."""
        self._emails_asked: set[str] = set()

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Every activity first teaches Baton how to reach its people and places again."""
        seen = sightings(turn_context.activity, https_only=self.https_only)
        await self._blocking(work.remember_all, self.baton, seen)
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
        await self._learn_emails(turn_context)

    async def _learn_emails(self, turn_context: TurnContext) -> None:
        """The first time this process sees a person (the sender, or someone a ``rotation add``,
        ``rotation owner`` or ``rotation calendar`` names), their email from the roster is
        stored: with HubSpot sync on for everyone (their CRM owner is found by it), else for
        reps with a calendar feed whose email Baton lacks (their declined invitations are
        free). Once per person per process — a ``rotation calendar`` asks again for whom it
        names; a failed lookup is only a warning."""
        activity = turn_context.activity
        sender = a.actor_of(activity)
        people = [sender.user_id] if sender is not None else []
        words = a.command_words(activity) if sender is not None else None
        verb = words[1].split(" ", 1)[0].lower() if words and words[0] == "rotation" else ""
        if verb in ("add", "owner", "calendar"):
            bot_id = activity.recipient.id if activity.recipient else None
            people += [
                m.user_id
                for m in a.mentions(activity)
                if m.user_id != bot_id and m.user_id.startswith(a.PERSON_PREFIXES)
            ]
        if len(self._emails_asked) > MAX_EMAILS_ASKED:
            self._emails_asked.clear()
        if verb == "calendar":
            self._emails_asked.difference_update(people)
        fresh = [
            user_id
            for user_id in dict.fromkeys(people)
            if user_id not in self._emails_asked and len(user_id) <= limits.USER_ID
        ]
        if not fresh:
            return
        self._emails_asked.update(fresh)
        if not self.crm:
            wanted = set(await self._blocking(work.calendar_reps_without_email, self.baton))
            fresh = [user_id for user_id in fresh if user_id in wanted]
        for user_id in fresh:
            email = await member_email(turn_context, user_id)
            if email:
                await self._blocking(work.remember_email, self.baton, user_id, email)

    def _is_intake_post(self, activity: Activity) -> bool:
        channel = a.teams_channel_id(activity)
        if channel not in self.baton.settings.teams_intake_channels or a.is_thread_reply(activity):
            return False
        return not (a.mentions_bot(activity) and a.command_words(activity))

    async def _ingest(self, activity: Activity) -> None:
        if not usable_id(activity.id, limits.MESSAGE_ID):
            log.warning(
                "ignored a Teams intake post without a usable message id: %.80r", activity.id
            )
            return
        channel = a.teams_channel_id(activity) or a.base_conversation(a.conversation_id(activity))
        text, author = a.plain_text(activity), a.actor_of(activity)
        await self._blocking(work.ingest, self.baton, channel, activity.id, text, author)

    async def _typed(self, activity: Activity) -> None:
        actor = self._answerable(activity)
        if actor is None:
            return
        words = a.command_words(activity)
        if words is None:
            notice = work.text_notice(HELP, a.conversation_id(activity))
            await self._blocking(work.queue_once, self.baton, actor, notice, self._key(activity))
            return
        word, rest = words
        await self._answer(activity, actor, lambda: parse_command(word, rest, self._today()))

    async def _card_submit(self, activity: Activity, value: Mapping[str, Any]) -> None:
        """``Action.Submit``: a message with the card's data and inputs as ``value``."""
        actor = self._answerable(activity)
        if actor is not None:
            await self._answer(activity, actor, lambda: command_from_card(value))

    def _answerable(self, activity: Activity) -> Actor | None:
        """The person to answer, when there is one and a conversation to answer them in."""
        actor = a.actor_of(activity)
        if actor is None:  # another app talking: nothing to answer
            return None
        if not reachable(activity, https_only=self.https_only):
            log.warning(
                "ignored a Teams message from %s: no usable conversation or serviceUrl to answer "
                "in (conversation %.80r, serviceUrl %.80r)",
                actor.user_id,
                a.conversation_id(activity),
                activity.service_url,
            )
            return None
        return actor

    async def _answer(
        self, activity: Activity, actor: Actor, command: Callable[[], Command]
    ) -> None:
        """Typed and submitted commands: every answer, a refusal's included, is queued."""
        where = a.conversation_id(activity)
        key = self._key(activity)
        try:
            personal = a.is_personal(activity)
            await self._blocking(work.execute, self.baton, actor, command(), where, key, personal)
            return
        except FormInvalid as err:
            notice = work.form_notice(where, err)
        except Exception as err:  # noqa: BLE001 - the adapter's one error hook decides
            notice = work.text_notice(refusal(err, f"command from {actor.user_id}"), where)
            key = key if isinstance(err, BatonError) else None  # a redelivery may try again
        await self._blocking(work.queue_once, self.baton, actor, notice, key)

    # --- card buttons (Action.Execute) --------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        name = turn_context.activity.name
        if name != ADAPTIVE_CARD_ACTION:
            log.warning("ignored a Teams invoke Baton does not handle: %.80r", name)
            return InvokeResponse(status=200)
        body = await self._card_action(turn_context.activity)
        return InvokeResponse(status=200, body=body)

    async def _card_action(self, activity: Activity) -> InvokeBody:
        """Answer a click with the refreshed card (or the form, or a message) in the response."""
        value = activity.value
        action = value.get("action") if isinstance(value, Mapping) else None
        if not isinstance(action, Mapping):
            log.warning("ignored a Teams card action without an action: %.200r", value)
            return message_answer("That card action is not one of Baton's.")
        extra = action.get("data")
        data = {"baton": action.get("verb"), **(extra if isinstance(extra, Mapping) else {})}
        actor = a.actor_of(activity)
        if actor is None:
            return message_answer("Only people can use Baton's buttons.")
        key = self._key(activity)
        try:
            command = command_from_card(data)
            personal = a.is_personal(activity)
            return await self._blocking(work.click, self.baton, actor, command, key, personal)
        except FormInvalid as err:
            form = form_card(
                err.form, err.lead_id, err.title, TeamsText({}), err.values, err.errors
            )
            return card_answer(form)
        except Exception as err:  # noqa: BLE001 - the adapter's one error hook decides
            body = message_answer(plain_mentions(refusal(err, f"card action {data!r:.200}")))
            if not isinstance(err, BatonError):
                return body  # nothing kept: a redelivery may try again
        return await self._blocking(work.reply_once, self.baton, actor, key, body)

    # --- plumbing -----------------------------------------------------------------------------

    def _key(self, activity: Activity) -> DeliveryKey | None:
        """What identifies this delivery: the activity id, within its conversation."""
        conversation = a.conversation_id(activity)
        if not usable_id(activity.id, limits.MESSAGE_ID) or not usable_id(
            conversation, limits.CONVERSATION_KEY
        ):
            return None
        return work.delivery_key(activity.id, conversation)

    def _today(self) -> date:
        return self.baton.clock().date()

    async def _blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, partial(fn, *args))


def refusal(error: Exception, what: str) -> str:
    """The Teams adapter's one error hook: a person's mistake is answered with its message; a
    failure of ours is logged with its traceback and answered with the one apology."""
    if not isinstance(error, BatonError):
        log.error("Teams %s failed", what, exc_info=error)
    return answer_to(error)
