"""The outbox's Teams notifier: DMs, channel posts, thread replies and card updates, proactively.

Every message goes out through ``continue_conversation`` with a stored conversation reference
(tenant id restored). A person Baton has only seen in a channel or a mention gets a 1:1 chat
opened for them first (``POST /v3/conversations``).

When Teams cannot be reached at all for a notice — nobody has given Baton a way to reach that
person or channel yet, or Teams refuses for good — the notice fails permanently *and* the
managers get a DM (through the outbox, on whichever platform each manager uses) saying who could
not be reached and what they missed. Those warnings are marked, so a manager Baton cannot reach
either never sets off a chain of warnings about warnings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.baton import ConversationStore, StoredConversation
from bot.config import Settings
from bot.outbox.port import Delivery, PermanentDeliveryError, TransientDeliveryError
from bot.teams.render.cards import Card
from bot.teams.render.digest import digest_cards, digest_chart
from bot.teams.render.outgoing import PREPARED_CARDS, activities_for
from bot.teams.transport import activities as a
from bot.teams.transport.references import (
    PERSONAL,
    PLATFORM,
    is_personal_reference,
    load,
    restore,
    usable_service_url,
)
from routing import limits
from routing.notices import Notice, NoticeKind
from routing.relay import SYSTEM, Relay
from routing.team import Rep
from routing.usecases.context import Ctx, Outcome
from routing.usecases.digests import DigestSource, rebuilt

log = logging.getLogger(__name__)

T = TypeVar("T")
UNREACHABLE = "unreachable"
"""Marks a notice that warns managers about an undeliverable one."""
TEAMS_CHANNEL_ID = "msteams"


class Unreachable(Exception):
    """Baton has no way (yet) to reach this person or place in Teams."""


class TeamsNotifier:
    def __init__(
        self,
        adapter: CloudAdapter,
        settings: Settings,
        relay: Relay,
        conversations: ConversationStore,
        clock: Callable[[], datetime],
        *,
        digests: DigestSource,
    ) -> None:
        self.adapter = adapter
        self.relay = relay
        self.conversations = conversations
        self.clock = clock
        self.app_id = settings.microsoft_app_id.strip()
        self.digests = digests
        """Rebuilds the digest a digest notice names (``Relay.digest_for``)."""

    def deliver(self, delivery: Delivery) -> str | None:
        try:
            return run_async(self._deliver(delivery))
        except Unreachable as err:
            self._tell_managers(delivery, str(err))
            raise PermanentDeliveryError(str(err)) from err
        except HttpOperationError as err:
            failure = classify(err)
            if isinstance(failure, PermanentDeliveryError):
                self._tell_managers(delivery, str(failure))
            raise failure from err
        except (ClientRequestError, aiohttp.ClientError, TimeoutError, OSError) as err:
            raise TransientDeliveryError(f"Teams connector unreachable: {err!r}") from err

    async def _deliver(self, delivery: Delivery) -> str | None:
        """Send the notice's activities (several for a large digest) in order."""
        notice = delivery.notice
        activities = activities_for(notice, delivery.reps, self._digest_cards(notice))
        if notice.thread is not None:
            return await self._to_thread(notice, delivery.card_ref, activities[0])
        if notice.rep_id is not None and notice.edit_ref:
            await self._edit_for_person(delivery.recipient, notice.edit_ref, activities[0])
            return None
        posted: list[str | None] = []
        for activity in activities:
            if notice.rep_id is not None:
                posted.append(await self._to_person(delivery.recipient, activity))
            elif notice.channel:
                await self._to_channel(notice.channel, activity)
            else:
                raise PermanentDeliveryError("the notice has no destination")
        return posted[0] if len(posted) == 1 else None

    def _digest_cards(self, notice: Notice) -> list[Card] | None:
        """A scheduled digest names its period: rebuild it from the event log to draw the cards.

        None for any other notice, for an answer to ``funnel`` (its cards were drawn when it was
        asked), and for a digest that names no period (logged): those are shown as they are.
        """
        if notice.kind is not NoticeKind.DIGEST or PREPARED_CARDS in notice.data:
            return None
        digest = rebuilt(self.digests, notice.data)
        if digest is None:
            return None
        return digest_cards(digest, digest_chart(digest, self.relay.config.dashboard, self.clock()))

    # --- destinations -------------------------------------------------------------------------

    async def _edit_for_person(self, rep: Rep | None, activity_id: str, activity: Activity) -> None:
        """Rewrite a message Baton sent in a person's chat (an erasure's edit)."""
        stored = load(self.conversations, rep.user_id) if rep is not None else None
        if stored is None or not is_personal_reference(stored.reference):
            raise Unreachable("the person's chat with Baton is not known")
        activity.id = activity_id
        await self._continue(restore(stored), lambda context: context.update_activity(activity))

    async def _to_person(self, rep: Rep | None, activity: Activity) -> str | None:
        if rep is None:
            raise Unreachable("the person is not in Baton's team")
        stored = load(self.conversations, rep.user_id)
        if stored is None:
            raise Unreachable(
                f"{rep.name} has not talked to Baton in Teams yet, so there is no chat to "
                "write in: they can open Baton in Teams (or be in a team that has it installed)"
            )
        if is_personal_reference(stored.reference):
            return await self._send(restore(stored), activity)
        await self._open_chat(stored, rep, activity)
        return None

    async def _to_thread(
        self, notice: Notice, card_ref: str | None, activity: Activity
    ) -> str | None:
        thread = notice.thread
        assert thread is not None
        stored = self._place(thread.channel)
        root = thread.message_id or card_ref  # a webhook lead's card is its thread
        where = a.thread_conversation(thread.channel, root) if root else thread.channel
        ref = restore(stored, where)
        edited = notice.edit_ref or (card_ref if notice.update_card else None)
        if edited:
            activity.id = edited
            await self._continue(ref, lambda context: context.update_activity(activity))
            return None
        return await self._send(ref, activity)

    async def _to_channel(self, channel: str, activity: Activity) -> None:
        await self._send(restore(self._place(channel), channel), activity)

    def _place(self, conversation: str) -> StoredConversation:
        stored = load(self.conversations, a.base_conversation(conversation))
        if stored is None:
            raise Unreachable(
                f"Baton has not been added to Teams conversation {conversation} (install the app "
                "in that team or chat, or post there once)"
            )
        return stored

    # --- the Bot Framework calls --------------------------------------------------------------

    async def _send(self, ref: ConversationReference, activity: Activity) -> str | None:
        posted: list[str | None] = []

        async def send(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            posted.append(response.id if response else None)

        await self._continue(ref, send)
        return posted[0] if posted else None

    async def _continue(
        self, ref: ConversationReference, callback: Callable[[TurnContext], Awaitable[Any]]
    ) -> None:
        self._check_address(ref.service_url)
        await self.adapter.continue_conversation(ref, callback, self.app_id)

    def _check_address(self, service_url: object) -> None:
        """A reference stored before Baton checked them may hold an address no retry can fix."""
        if not usable_service_url(service_url, https_only=bool(self.app_id)):
            raise Unreachable(f"the stored Teams address {service_url!r:.80} is not usable")

    async def _open_chat(self, stored: StoredConversation, rep: Rep, activity: Activity) -> None:
        """Create the 1:1 chat (Teams returns the same one if it exists), remember it, send."""
        seen = restore(stored)
        tenant = stored.tenant_id
        params = ConversationParameters(
            is_group=False,
            bot=seen.bot,
            members=[ChannelAccount(id=rep.user_id, name=rep.name)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )

        self._check_address(seen.service_url)

        async def first_message(context: TurnContext) -> None:
            self._remember_chat(context, rep, tenant)
            await context.send_activity(activity)

        await self.adapter.create_conversation(
            self.app_id, first_message, params, TEAMS_CHANNEL_ID, seen.service_url
        )

    def _remember_chat(self, context: TurnContext, rep: Rep, tenant: str | None) -> None:
        ref = TurnContext.get_conversation_reference(context.activity)
        ref.user = ChannelAccount(id=rep.user_id, name=rep.name)
        ref.conversation.conversation_type = "personal"
        reference = {**ref.serialize(), PERSONAL: True}
        self.conversations.save(PLATFORM, rep.user_id, reference, tenant, self.clock())

    # --- telling the managers -----------------------------------------------------------------

    def _tell_managers(self, delivery: Delivery, why: str) -> None:
        notice = delivery.notice
        if notice.data.get(UNREACHABLE):
            log.error("could not warn a manager in Teams either: %s", why)
            return
        text = _warning(delivery, why)

        def use_case(ctx: Ctx) -> Outcome:
            for rep in ctx.uow.reps.all():
                if ctx.is_manager(rep) and rep.id != notice.rep_id and rep.id is not None:
                    ctx.uow.outbox.add(Notice(text=text, rep_id=rep.id, data={UNREACHABLE: True}))
            return Outcome("")

        self.relay.run(SYSTEM, use_case)


def _warning(delivery: Delivery, why: str) -> str:
    notice = delivery.notice
    if delivery.recipient is not None:
        who = f"{delivery.recipient.mention} (Teams)"
    else:
        where = notice.thread.channel if notice.thread else notice.channel
        who = f"Teams conversation {where}"
    said = limits.truncate(notice.text, limits.QUOTED_MESSAGE)
    return f"I couldn't reach {who}: {why}. The message was: “{said}”"


def classify(err: HttpOperationError) -> TransientDeliveryError | PermanentDeliveryError:
    """429, 408 and 5xx are worth retrying (after ``Retry-After``); other refusals are final."""
    response = getattr(err, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None) or {}
    if status in (408, 429) or status >= 500 or status == 0:
        return TransientDeliveryError(
            f"Teams answered {status}", retry_after=retry_after(headers.get("Retry-After"))
        )
    return PermanentDeliveryError(f"Teams refused with {status}: {err}")


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds or as an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code (the outbox sender's thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
