"""HubSpot as the CRM port: each change made through ``hubspot-api-client``, by Baton's key.

Contacts and deals are upserted by ``baton_lead_id`` (a unique property ``baton crm setup``
creates), never searched and then created: sent twice, a change finds the record it made. A
contact HubSpot already holds under the lead's email answers 409 ``Existing ID``; that contact is
updated instead (and gets the key). Lifecycle stages only move forward: the contact's stage is
read and a later one left alone. Every call first takes a token from the shared bucket and has a
timeout; HubSpot's failures become the port's errors (``errors.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.crm.hubspot.client import TIMEOUT
from bot.crm.hubspot.errors import EXISTING_ID, Conflict, translated
from routing.crm.changes import ContactChange, CrmChange, DealChange, NoteChange
from routing.crm.lifecycle import LIFECYCLE_ORDER, lifecycle_to_write, portal_order
from routing.crm.links import CONTACT, DEAL, Written
from routing.crm.outbox import RateBucket
from routing.crm.port import CrmError, CrmRefused, CrmUnavailable, OwnerOf

log = logging.getLogger(__name__)

KEY = "baton_lead_id"
NOTE_TO_CONTACT = 202
"""HubSpot's default association type id, note → contact."""
OPTIONS_TTL = timedelta(hours=1)
"""How long the portal's lifecycle stages and lead statuses are kept before being read again."""
LONGEST_SLEEP = 11.0
"""A slot due within this many seconds (HubSpot's 10-second window) is waited for; a longer
wait (a pause) hands the row back."""


class HubSpotCrm:
    name = "hubspot"

    def __init__(
        self,
        client: Any,
        *,
        pipeline: str,
        stages: Mapping[str, str],
        bucket: RateBucket,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.pipeline = pipeline
        self.stages = dict(stages)
        self.bucket = bucket
        self.clock = clock
        self.sleep = sleep
        self.timeout = TIMEOUT
        """(connect, read) seconds of every call."""
        self.calls = 0
        self.lifecycle_order: tuple[str, ...] = LIFECYCLE_ORDER
        """The portal's lifecycle stages in order (HubSpot's defaults until read)."""
        self.options: dict[str, list[str]] = {}
        """The portal's option values of ``lifecyclestage`` and ``hs_lead_status``, once read."""
        self._options_read: datetime | None = None

    # --- one call ---------------------------------------------------------------------------

    def call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One HubSpot call: a token from the shared bucket first, a timeout, errors translated;
        a 429 empties the bucket so every process waits the window out."""
        self._token()
        self.calls += 1
        try:
            return method(*args, _request_timeout=self.timeout, **kwargs)
        except Exception as err:  # noqa: BLE001 - the client's errors are a class per package
            error = translated(err, self.clock())
            if getattr(err, "status", None) == 429:
                self._drain(error)
            raise error from None

    def _token(self) -> None:
        for _ in range(100):
            wait = self.bucket.take(self.clock())
            if wait <= 0:
                return
            if wait > LONGEST_SLEEP:
                raise CrmUnavailable("over HUBSPOT_RATE_LIMIT or paused", retry_after=wait)
            self.sleep(wait)
        raise CrmUnavailable("over HUBSPOT_RATE_LIMIT", retry_after=LONGEST_SLEEP)

    def _drain(self, error: CrmError) -> None:
        until = getattr(error, "until", None)
        if isinstance(until, datetime):
            self.bucket.pause(until)
        else:
            self.bucket.drain(self.clock())

    # --- the portal's option lists ----------------------------------------------------------

    def read_options(self) -> dict[str, list[str]]:
        """Read the portal's ``lifecyclestage`` and ``hs_lead_status`` options (a property
        HubSpot does not have is left out); the lifecycle order follows its ``displayOrder``."""
        api = self.client.crm.properties.core_api
        found: dict[str, list[str]] = {}
        order: tuple[str, ...] = ()
        for name in ("lifecyclestage", "hs_lead_status"):
            try:
                prop = _plain(self.call(api.get_by_name, "contacts", name))
            except CrmRefused as missing:
                log.warning("HubSpot has no contact property %s: %s", name, missing)
                continue
            options = [o for o in prop.get("options") or [] if isinstance(o, dict)]
            found[name] = [str(o.get("value") or "") for o in options if o.get("value")]
            if name == "lifecyclestage":
                order = portal_order(
                    (str(o.get("value") or ""), _int(o.get("display_order"))) for o in options
                )
        self.options = found
        self.lifecycle_order = order or LIFECYCLE_ORDER
        self._options_read = self.clock()
        return found

    def current_order(self) -> tuple[str, ...]:
        """The lifecycle order, read again once it is older than :data:`OPTIONS_TTL`; HubSpot
        not answering keeps the order known (the defaults at worst) and tries again later."""
        read = self._options_read
        if read is None or self.clock() - read >= OPTIONS_TTL:
            try:
                self.read_options()
            except CrmUnavailable as err:
                log.warning("HubSpot's lifecycle stages not read (%s): using the known order", err)
                self._options_read = self.clock()
        return self.lifecycle_order

    # --- the port ---------------------------------------------------------------------------

    def apply(self, change: CrmChange, owner_of: OwnerOf, *, again: bool = False) -> list[Written]:
        if isinstance(change, ContactChange):
            return self._contact(change, owner_of)
        if isinstance(change, DealChange):
            return self._deal(change, owner_of)
        self._note(change, again=again)
        return []

    def _contact(self, change: ContactChange, owner_of: OwnerOf) -> list[Written]:
        props = dict(change.properties) if change.by_id else {**change.properties, KEY: change.key}
        owner = owner_of(change.owner_rep_id) if change.owner_rep_id is not None else None
        if owner:
            props["hubspot_owner_id"] = owner
        contact_id, current = self._write_contact(change, props)
        if change.lifecycle:
            self._move_lifecycle(contact_id, current, change.lifecycle)
        return [Written(CONTACT, change.key, contact_id)]

    def _write_contact(
        self, change: ContactChange, props: Mapping[str, str]
    ) -> tuple[str, dict[str, Any]]:
        """The contact the lead came from when it came from HubSpot (gone since: upserted); the
        survivor of a merge by its id only (gone: refused, never upserted into a duplicate)."""
        if change.by_id and change.crm_id:
            return self._update_contact(change.crm_id, props)
        if change.crm_id and change.crm_id.isdigit():
            try:
                return self._update_contact(change.crm_id, props)
            except CrmRefused as gone:
                log.warning("contact %s not updated (%s): upserting by key", change.crm_id, gone)
        return self.upsert_contact(change.key, props)

    def upsert_contact(self, key: str, props: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        """The contact's id and properties after upserting it by ``key``; on a 409 (its email
        is another contact's) that contact is updated and given the key."""
        body = {"inputs": [{"idProperty": KEY, "id": key, "properties": dict(props)}]}
        try:
            answer = _plain(self.call(self.client.crm.contacts.batch_api.upsert, body))
            result = _only_result(answer)
        except Conflict as conflict:
            if not conflict.existing_id:
                raise
            return self._update_contact(conflict.existing_id, props)
        return str(result["id"]), dict(result.get("properties") or {})

    def _update_contact(
        self, contact_id: str, props: Mapping[str, str]
    ) -> tuple[str, dict[str, Any]]:
        api = self.client.crm.contacts.basic_api
        answer = _plain(self.call(api.update, contact_id, {"properties": dict(props)}))
        return str(answer["id"]), dict(answer.get("properties") or {})

    def _move_lifecycle(self, contact_id: str, current: Mapping[str, Any], wanted: str) -> None:
        if "lifecyclestage" in current:
            stage = current.get("lifecyclestage")
        else:
            api = self.client.crm.contacts.basic_api
            read = _plain(self.call(api.get_by_id, contact_id, properties=["lifecyclestage"]))
            stage = (read.get("properties") or {}).get("lifecyclestage")
        target = lifecycle_to_write(str(stage) if stage else None, wanted, self.current_order())
        if target is None:
            return
        _id, after = self._update_contact(contact_id, {"lifecyclestage": target})
        if after.get("lifecyclestage") not in (None, target):
            log.warning(
                "HubSpot kept contact %s at %s instead of %s",
                contact_id,
                after.get("lifecyclestage"),
                target,
            )

    def _deal(self, change: DealChange, owner_of: OwnerOf) -> list[Written]:
        props = {**change.properties, KEY: change.key}
        if change.step is not None:
            stage = self.stages.get(change.step)
            if not stage:
                raise CrmRefused(
                    f"HUBSPOT_DEAL_STAGES names no stage for {change.step!r}", kind="settings"
                )
            props.update(dealstage=stage, pipeline=self.pipeline)
        owner = owner_of(change.owner_rep_id) if change.owner_rep_id is not None else None
        if owner:
            props["hubspot_owner_id"] = owner
        if change.crm_id:  # the survivor of a merge: by its id, its key left as HubSpot kept it
            props.pop(KEY, None)
            api = self.client.crm.deals.basic_api
            result = _plain(self.call(api.update, change.crm_id, {"properties": props}))
        else:
            body = {"inputs": [{"idProperty": KEY, "id": change.key, "properties": props}]}
            result = _only_result(_plain(self.call(self.client.crm.deals.batch_api.upsert, body)))
        deal_id = str(result["id"])
        written = [Written(DEAL, change.key, deal_id)]
        if result.get("new") or change.step == "handoff":
            contact = change.contact_crm_id or self.contact_id(change.contact_key)
            self._associate(deal_id, contact)
            written.append(Written(CONTACT, change.contact_key, contact))
        return written

    def _associate(self, deal_id: str, contact_id: str) -> None:
        """deal → contact with HubSpot's default type (a PUT: twice is once)."""
        api = self.client.crm.associations.v4.basic_api
        self.call(api.create_default, "deals", deal_id, "contacts", contact_id)

    def _has_note(self, contact_id: str, body: str, at: datetime) -> bool:
        api = self.client.crm.associations.v4.basic_api
        linked = _plain(self.call(api.get_page, "contacts", contact_id, "notes", limit=500))
        ids = [str(r["to_object_id"]) for r in linked.get("results") or []][-100:]
        if not ids:
            return False
        read = {"inputs": [{"id": i} for i in ids], "properties": ["hs_note_body", "hs_timestamp"]}
        notes = _plain(self.call(self.client.crm.objects.notes.batch_api.read, read))
        return any(
            (n.get("properties") or {}).get("hs_note_body") == body
            and _same_time((n.get("properties") or {}).get("hs_timestamp"), at)
            for n in notes.get("results") or []
        )

    def contact_id(self, key: str) -> str:
        api = self.client.crm.contacts.basic_api
        try:
            found = _plain(self.call(api.get_by_id, key, id_property=KEY, properties=[KEY]))
        except CrmRefused as missing:
            raise CrmUnavailable(
                f"the contact {KEY}={key} is not in HubSpot yet: {missing}"
            ) from None
        return str(found["id"])

    def _note(self, change: NoteChange, *, again: bool = False) -> None:
        """A note on the contact; tried ``again`` (an earlier attempt may have reached HubSpot
        before its sender died), the contact's notes are read first and one with the same body
        and time counts as this one."""
        contact = change.contact_crm_id or self.contact_id(change.contact_key)
        stamp = change.at.isoformat().replace("+00:00", "Z")
        if again and self._has_note(contact, change.body, change.at):
            return
        body = {
            "properties": {"hs_timestamp": stamp, "hs_note_body": change.body},
            "associations": [
                {
                    "to": {"id": contact},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": NOTE_TO_CONTACT,
                        }
                    ],
                }
            ],
        }
        self.call(self.client.crm.objects.notes.basic_api.create, body)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _same_time(value: object, at: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) == at
    except ValueError:
        return False


def _plain(answer: Any) -> dict[str, Any]:
    """A generated model as plain data (``to_dict``), or the dict it already is."""
    if hasattr(answer, "to_dict"):
        answer = answer.to_dict()
    return answer if isinstance(answer, dict) else {}


def _only_result(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The one result of a one-input batch; a per-input error (207) is raised as HubSpot's."""
    results = answer.get("results") or []
    if results:
        return dict(results[0])
    errors = answer.get("errors") or [{}]
    message = str(errors[0].get("message") or "HubSpot returned no result")
    existing = EXISTING_ID.search(message)
    if existing:
        raise Conflict(f"HubSpot: {message}", existing.group(1))
    raise CrmRefused(f"HubSpot: {message}", kind=str(errors[0].get("category") or "batch"))
