"""What HubSpot tells Baton, whether by webhook or by the poll: one path for both.

A contact created in HubSpot is routed as an inbound lead of source ``hubspot`` (its intake key
``hubspot-contact:<id>`` makes a contact seen by both the webhook and the poll one lead); a deal
moved to the won or lost stage is recorded once (``record_deal_outcome``); merges, deletions,
restores and GDPR deletions change the links the sender writes through (``routing.crm.links``
decides; this only translates). Baton's own contacts (they carry ``baton_lead_id``) come back
and change nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from bot.crm.hubspot.adapter import KEY, HubSpotCrm, _plain
from routing.crm.changes import lead_key
from routing.crm.links import (
    CONTACT,
    RecordEvent,
    Written,
    erases_contact,
    ids_touched,
    relinked,
    seen,
)
from routing.crm.mapping import CRM_ID
from routing.crm.outbox import CrmLinks
from routing.inbound import webhook_arrival
from routing.lead import SourceRef
from routing.relay import SYSTEM, Relay
from routing.roles import Platform
from routing.usecases.crm import erase_deleted_contact, record_deal_outcome
from routing.usecases.intake import DUPLICATE

log = logging.getLogger(__name__)

CONTACT_PROPERTIES = ["email", "firstname", "lastname", "company", "phone", "hubspot_owner_id", KEY]
DEAL_PROPERTIES = [KEY, "dealstage", "amount", "closed_lost_reason"]
MAX_LEAD_ID = 2_147_483_647
"""A ``baton_lead_id`` above what a database integer holds names no lead."""


class OwnerReps(Protocol):
    def rep_for(self, owner_id: str) -> tuple[Platform, str] | None: ...


class HubSpotInbound:
    def __init__(
        self,
        *,
        relay: Relay,
        crm: HubSpotCrm,
        owners: OwnerReps,
        links: CrmLinks,
        channel: SourceRef | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.relay = relay
        self.crm = crm
        self.owners = owners
        self.links = links
        self.channel = channel
        self.clock = clock

    # --- contacts -----------------------------------------------------------------------------

    def read_contact(self, object_id: str) -> bool:
        """The contact read back from HubSpot (never trusted from the event), then routed."""
        api = self.crm.client.crm.contacts.basic_api
        found = _plain(self.crm.call(api.get_by_id, object_id, properties=CONTACT_PROPERTIES))
        return self.contact(object_id, found.get("properties") or {})

    def contact(self, object_id: str, properties: Mapping[str, Any]) -> bool:
        """Route the contact as an inbound lead, once (its intake key); False for Baton's own
        and for one already routed."""
        props = {k: str(v) for k, v in properties.items() if v not in (None, "")}
        if props.get(KEY):
            return False  # Baton's own contact, coming back
        payload = {k: props[k] for k in CONTACT_PROPERTIES[:5] if k in props}
        payload[CRM_ID] = object_id  # Baton's writes go to this very contact
        arrival = webhook_arrival(
            "hubspot",
            payload,
            json.dumps(payload),
            f"hubspot-contact:{object_id}",
            self.channel,
            phones=self.relay.config.phones,
        )
        owner = props.get("hubspot_owner_id")
        if owner:
            arrival = replace(arrival, crm_owner=self.owners.rep_for(owner))
        outcome = self.relay.ingest(arrival)
        if outcome.data.get(DUPLICATE):
            return False  # routed before (the webhook and the poll both saw it)
        if outcome.lead_id is not None:
            key = lead_key(outcome.lead_id)
            known = self.links.for_keys([(CONTACT, key)])
            made = seen([Written(CONTACT, key, object_id)], known, outcome.lead_id)
            self.links.save(made, self.clock())
        return True

    # --- deals --------------------------------------------------------------------------------

    def read_deal(self, object_id: str) -> bool:
        api = self.crm.client.crm.deals.basic_api
        found = _plain(self.crm.call(api.get_by_id, object_id, properties=DEAL_PROPERTIES))
        return self.deal(found.get("properties") or {})

    def deal(self, properties: Mapping[str, Any]) -> bool:
        """A deal at the won or lost stage recorded on its lead, once; others change nothing."""
        key = str(properties.get(KEY) or "")
        stage = str(properties.get("dealstage") or "")
        won, lost = self.crm.stages.get("won"), self.crm.stages.get("lost")
        if not key.isdigit() or len(key) > 10 or int(key) > MAX_LEAD_ID or stage not in (won, lost):
            return False
        outcome = record_deal_outcome(
            int(key),
            stage == won,
            _text(properties.get("amount")),
            _text(properties.get("closed_lost_reason")),
        )
        self.relay.run(SYSTEM, outcome)
        return True

    # --- merges, deletions, restores ----------------------------------------------------------

    def record(self, event: RecordEvent) -> bool:
        """Repoint, stop or resume the links ``event`` names; a GDPR deletion also erases the
        contact's leads in Baton. False when Baton holds no link to the records named."""
        links = self.links.for_ids(event.kind, ids_touched(event))
        changed = relinked(event, links)
        self.links.save(changed, self.clock())
        for link in changed:
            log.info(
                "HubSpot %s.%s: L-%s's %s now %s (%s)",
                event.kind,
                event.action,
                link.lead_id,
                link.kind,
                link.crm_id,
                link.state.value,
            )
        if erases_contact(event):
            for lead_id in sorted({link.lead_id for link in links}):
                self.relay.run(SYSTEM, erase_deleted_contact(lead_id, event.object_id))
        return bool(links)


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
