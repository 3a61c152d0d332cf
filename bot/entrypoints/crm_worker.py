"""The CRM sender as a ``baton serve`` worker: started beside the chat sender when
``HUBSPOT_ACCESS_TOKEN`` is set. It calls nothing at start, so a wrong token never stops the
server: the first write is refused, the row waits, and the managers are told once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.baton import Baton
from bot.bootstrap import crm_parts, crm_sender
from bot.crm.sender import CrmSenderThread

log = logging.getLogger(__name__)


def start_crm_sender(baton: Baton) -> Callable[[], None]:
    """A ``bot.entrypoints.serve.Worker``; returns the stop (a no-op while sync is off)."""
    parts = crm_parts(baton)
    if parts is None:
        return lambda: None
    thread = CrmSenderThread(crm_sender(baton, parts))
    thread.start()
    log.info("HubSpot sync on: CRM sender started (%s)", baton.settings.hubspot_api_url)
    return thread.stop
