"""HubSpot in ``baton serve``: ``POST /hubspot/events``, and the CRM sender as a worker started
beside the chat sender, both while ``HUBSPOT_ACCESS_TOKEN`` is set. Nothing calls HubSpot at
start, so a wrong token never stops the server: the first write is refused, the row waits, and
the managers are told once."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from aiohttp import web

from bot.baton import Baton
from bot.bootstrap import CrmParts, crm_parts, crm_sender
from bot.crm.hubspot.events import EVENTS_PATH, MAX_BODY_BYTES, HubSpotEvents
from bot.crm.hubspot.inbound import HubSpotInbound
from bot.crm.hubspot.poll import JOB, HubSpotPoll
from bot.entrypoints.crm import SCOPE_MISSING, fill_slack_emails
from bot.outbox.sender import SenderThread
from bot.web.api import add_api_route
from bot.web.webhook import intake_channel
from routing.crm.port import CrmError

log = logging.getLogger(__name__)


def start_crm_sender(baton: Baton) -> Callable[[], None]:
    """A ``bot.entrypoints.serve.Worker``; returns the stop (a no-op while sync is off)."""
    parts = crm_parts(baton)
    if parts is None:
        return lambda: None
    thread = SenderThread(crm_sender(baton, parts), 0.5, name="baton-crm")
    thread.start()
    threading.Thread(
        target=_fill_emails, args=(baton, parts), name="baton-crm-emails", daemon=True
    ).start()
    log.info("HubSpot sync on: CRM sender started (%s)", baton.settings.hubspot_api_url)
    return thread.stop


def _fill_emails(baton: Baton, parts: CrmParts) -> None:
    """Once at start: Slack reps' emails Baton lacks, so their HubSpot owners can be found;
    whatever goes wrong is a warning, never a stop."""
    try:
        filled = fill_slack_emails(baton, parts)
    except Exception:  # a helper thread at start: log it, serve on
        log.warning("could not fill Slack reps' emails at start", exc_info=True)
        return
    if filled is not None and filled.missing_scope:
        log.warning("%s", SCOPE_MISSING)
    elif filled is not None:
        log.info("Slack emails: %s found for %s reps without one", filled.found, filled.asked)


def mount_hubspot_events(app: web.Application, baton: Baton) -> None:
    """Add ``POST /hubspot/events`` while HubSpot sync is on (every call unsigned by
    ``HUBSPOT_CLIENT_SECRET`` is refused with 401)."""
    parts = crm_parts(baton)
    if parts is None:
        return
    settings = baton.settings
    endpoint = HubSpotEvents(
        inbound=hubspot_inbound(baton, parts),
        inbox=parts.inbox,
        secret=(settings.hubspot_client_secret or "").strip() or None,
        public_url=settings.public_url(),
        clock=baton.clock,
    )
    add_api_route(app, EVENTS_PATH, endpoint.handle, MAX_BODY_BYTES)

    async def on_cleanup(_app: web.Application) -> None:
        await asyncio.get_running_loop().run_in_executor(None, endpoint.close)

    app.on_cleanup.append(on_cleanup)


def hubspot_inbound(baton: Baton, parts: CrmParts) -> HubSpotInbound:
    """The one path HubSpot's news takes into the relay, for the webhook and the poll alike."""
    return HubSpotInbound(
        relay=baton.relay,
        crm=parts.crm,
        owners=parts.owners,
        links=parts.links,
        channel=intake_channel(baton.settings),
        clock=baton.clock,
    )


def hubspot_poll(baton: Baton, parts: CrmParts) -> HubSpotPoll:
    return HubSpotPoll(
        parts.crm, hubspot_inbound(baton, parts), parts.cursors, parts.search_bucket, baton.clock
    )


def poll_job(baton: Baton) -> Callable[[], object] | None:
    """The scheduler's HubSpot poll (``HUBSPOT_POLL_MINUTES``), or None when it does not run.
    Each interval's slot is taken by one process or replica (``crm_cursors``); HubSpot not
    answering is a warning, and the next slot reads on from the stored cursors."""
    minutes = baton.settings.poll_minutes()
    parts = crm_parts(baton) if minutes else None
    if parts is None:
        return None
    poll = hubspot_poll(baton, parts)

    def run() -> object:
        now = baton.clock()
        if not parts.cursors.claim_slot(JOB, int(now.timestamp()) // (minutes * 60), now):
            return None
        try:
            tally = poll.run_once()
        except CrmError as err:
            log.warning("HubSpot poll: HubSpot did not answer (%s); the next run reads on", err)
            return None
        if tally.contacts or tally.deals:
            log.info("HubSpot poll: %s contacts, %s deals", tally.contacts, tally.deals)
        return tally

    return run
