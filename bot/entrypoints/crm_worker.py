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
from bot.entrypoints.crm import SCOPE_MISSING, fill_slack_emails
from bot.outbox.sender import SenderThread
from bot.web.api import add_api_route
from bot.web.webhook import intake_channel

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
        relay=baton.relay,
        crm=parts.crm,
        inbox=parts.inbox,
        owners=parts.owners,
        secret=(settings.hubspot_client_secret or "").strip() or None,
        public_url=settings.public_url(),
        channel=intake_channel(settings),
        clock=baton.clock,
    )
    add_api_route(app, EVENTS_PATH, endpoint.handle, MAX_BODY_BYTES)

    async def on_cleanup(_app: web.Application) -> None:
        await asyncio.get_running_loop().run_in_executor(None, endpoint.close)

    app.on_cleanup.append(on_cleanup)
