"""A local HubSpot over real HTTP, for ``hubspot-api-client`` to talk to (``host=`` its URL).

It keeps contacts, deals and notes in memory and answers the subset of the CRM API Baton calls
with the shapes of HubSpot's published OpenAPI documents (``SimplePublicObject``,
``BatchResponseSimplePublicUpsertObject``, ``PublicOwner``, ``Pipeline``, ``Property``, the
``Error`` body): the generated client refuses a response missing a required field, so a shape
drift fails the tests. Like HubSpot it answers 409 ``Existing ID`` for a second contact with one
email, ignores a lifecycle stage that moves backwards (as Segment's integration observed), and
answers 429 with ``policyName`` above its rate limit. Faults are injected with :meth:`fail`,
:meth:`stall` and :meth:`down`.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

TOKEN = "pat-na1-double"
TYPES = {"0-1": "contacts", "0-3": "deals", "0-46": "notes"}
LIFECYCLE = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)
LEAD_STATUSES = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
DEFAULT_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4"),
    ("presentationscheduled", "Presentation Scheduled", "0.6"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
    ("contractsent", "Contract Sent", "0.9"),
    ("closedwon", "Closed Won", "1.0"),
    ("closedlost", "Closed Lost", "0.0"),
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Record:
    id: str
    properties: dict[str, str]
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)

    def shape(self, names: list[str] | None = None) -> dict[str, Any]:
        names = list(self.properties) if names is None else names
        props = {n: self.properties[n] for n in names if n in self.properties}  # no nulls
        props["hs_object_id"] = self.id
        return {
            "id": self.id,
            "properties": props,
            "createdAt": self.created,
            "updatedAt": self.updated,
            "archived": False,
        }


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    remaining: int | None
    match: Callable[[str, str], bool]
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, message: str, category: str, **extra: Any) -> web.Response:
    body = {
        "status": "error",
        "message": message,
        "correlationId": "3d1c5a6e-0000-4000-8000-000000000000",
        "category": category,
        **extra,
    }
    return web.json_response(body, status=status)


class HubSpotDouble:
    def __init__(self, rate_limit: int | None = None) -> None:
        self.objects: dict[str, dict[str, Record]] = {"contacts": {}, "deals": {}, "notes": {}}
        self.associations: set[tuple[str, str, str, str]] = set()
        self.owners: list[dict[str, Any]] = []
        self.properties: dict[str, dict[str, dict[str, Any]]] = {"contacts": {}, "deals": {}}
        self.calls: list[tuple[float, str, str]] = []
        self.searches: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.stall_seconds = 0.0
        self.rate_limit = rate_limit
        self.token = TOKEN
        self.pipelines = {"default": DEFAULT_STAGES}
        self._ids = itertools.count(1001)
        self._by_key: dict[str, dict[str, Record]] = {k: {} for k in self.objects}
        self._by_email: dict[str, Record] = {}
        self._lock = threading.Lock()
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        """Stamps ``createdate``/``hs_lastmodifieddate`` (a test's frozen clock)."""
        self.archived: dict[str, dict[str, Record]] = {"contacts": {}, "deals": {}}
        self.lifecycle: list[str] = [*LIFECYCLE, "other"]
        self.set_options("lifecyclestage", self.lifecycle)
        self.set_options("hs_lead_status", list(LEAD_STATUSES))

    # --- set-up and faults --------------------------------------------------------------------

    def add_owner(self, owner_id: str, email: str, first: str = "", last: str = "") -> None:
        self.owners.append(
            {
                "id": owner_id,
                "email": email,
                "firstName": first,
                "lastName": last,
                "userId": int(owner_id),
                "userIdIncludingInactive": int(owner_id),
                "type": "PERSON",
                "createdAt": now_iso(),
                "updatedAt": now_iso(),
                "archived": False,
                "teams": [],
            }
        )

    def add_contact(self, **props: str) -> str:
        record = self._new("contacts")
        self._write(record, dict(props), "contacts")
        return record.id

    def add_deal(self, **props: str) -> str:
        record = self._new("deals")
        self._write(record, dict(props), "deals")
        return record.id

    def update(self, kind: str, object_id: str, **props: str) -> None:
        """A person's edit in HubSpot (stamps ``hs_lastmodifieddate``)."""
        self._write(self.objects[kind][object_id], dict(props), kind)

    def set_options(
        self, name: str, values: list[str], display_order: list[int] | None = None
    ) -> None:
        """The portal's options of the contact property ``name`` (its ``displayOrder`` given,
        else the list's order); ``lifecyclestage``'s also orders the double's forward rule."""
        orders = display_order or list(range(len(values)))
        options = [
            {"label": v.title(), "value": v, "displayOrder": n, "hidden": False, "description": ""}
            for v, n in zip(values, orders, strict=True)
        ]
        if name == "lifecyclestage":
            ranked = sorted(zip(orders, range(len(values)), values, strict=True))
            self.lifecycle = [v for _o, _n, v in ranked]
        self.properties["contacts"][name] = {
            **_property_shape(name, name.title(), "enumeration", "select", "contactinformation"),
            "options": options,
        }

    def merge(self, kind: str, primary: str, merged: str) -> None:
        """``merged`` merged into ``primary`` as HubSpot's UI does: the primary keeps its own
        values (its unique ``baton_lead_id`` among them), the other record is gone."""
        gone = self.objects[kind].pop(merged)
        keep = self.objects[kind][primary]
        for name, value in gone.properties.items():
            if name not in ("baton_lead_id", "hs_object_id"):
                keep.properties.setdefault(name, value)
        self._unindex(kind, gone)
        self._write(keep, {}, kind)

    def delete(self, kind: str, object_id: str) -> None:
        """Archived (HubSpot's recycle bin): gone from every read until :meth:`restore`."""
        record = self.objects[kind].pop(object_id)
        self._unindex(kind, record)
        self.archived[kind][object_id] = record

    def restore(self, kind: str, object_id: str) -> None:
        record = self.archived[kind].pop(object_id)
        self.objects[kind][object_id] = record
        self._write(record, {}, kind)

    def _unindex(self, kind: str, record: Record) -> None:
        for index in (self._by_key[kind], self._by_email):
            for name in [n for n, found in index.items() if found is record]:
                del index[name]

    def _new(self, kind: str) -> Record:
        at = self.clock().isoformat().replace("+00:00", "Z")
        record = Record(str(next(self._ids)), {}, at, at)
        if kind in ("contacts", "deals"):
            record.properties["createdate"] = at
        self.objects[kind][record.id] = record
        return record

    def fail(
        self,
        status: int,
        body: dict[str, Any],
        times: int | None = 1,
        match: Callable[[str, str], bool] = lambda _m, _p: True,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next ``times`` matching calls (None: until :meth:`recover`) answer ``status``."""
        self.faults.append(Fault(status, body, times, match, headers or {}))

    def down(self) -> None:
        self.fail(503, {"status": "error", "message": "Service Unavailable"}, None)

    def stall(self, seconds: float) -> None:
        self.stall_seconds = seconds

    def recover(self) -> None:
        self.faults.clear()
        self.stall_seconds = 0.0

    def by_key(self, kind: str, key: str) -> Record | None:
        return self._by_key.get(kind, {}).get(key)

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for _t, m, p in self.calls if m != "GET"]

    def busiest_window(self, seconds: float = 10.0) -> int:
        """The most calls HubSpot received in any window of ``seconds``."""
        times = sorted(t for t, _m, _p in self.calls)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    # --- the HTTP side ------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate])
        r = app.router
        r.add_post("/crm/v3/objects/{type}/batch/upsert", self._batch_upsert)
        r.add_post("/crm/v3/objects/{type}/batch/read", self._batch_read)
        r.add_post("/crm/v3/objects/{type}/batch/update", self._batch_update)
        r.add_post("/crm/v3/objects/{type}/search", self._search)
        r.add_post("/crm/v3/objects/{type}/batch/create", self._batch_create)
        r.add_post("/crm/v3/objects/{type}", self._create)
        r.add_get("/crm/v3/objects/{type}/{id}", self._get)
        r.add_patch("/crm/v3/objects/{type}/{id}", self._patch)
        r.add_put("/crm/v4/objects/{from}/{fid}/associations/default/{to}/{tid}", self._associate)
        r.add_post("/crm/v4/associations/{from}/{to}/batch/associate/default", self._batch_assoc)
        r.add_get("/crm/v4/objects/{from}/{fid}/associations/{to}", self._associated)
        r.add_post("/crm/v4/associations/{from}/{to}/batch/read", self._batch_associated)
        r.add_get("/crm/v3/owners/", self._owners)
        r.add_get("/crm/v3/owners", self._owners)
        r.add_get("/crm/v3/pipelines/{type}", self._pipelines)
        r.add_get("/crm/v3/properties/{type}/{name}", self._property)
        r.add_post("/crm/v3/properties/{type}", self._create_property)
        return app

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        with self._lock:
            self.calls.append((time.monotonic(), request.method, request.path))
            fault = self._take_fault(request.method, request.path)
            over = self.rate_limit is not None and self._recent() > self.rate_limit
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return error(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        if fault is not None:
            return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        if over:
            return web.json_response(
                {
                    "status": "error",
                    "message": "You have reached your ten_secondly_rolling limit.",
                    "errorType": "RATE_LIMIT",
                    "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
                    "policyName": "TEN_SECONDLY_ROLLING",
                },
                status=429,
            )
        return await handler(request)  # one event loop: handlers interleave only at awaits

    def _recent(self) -> int:
        edge = time.monotonic() - 10.0
        return sum(1 for t, _m, _p in self.calls if t >= edge)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.match(method, path) and (fault.remaining is None or fault.remaining > 0):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    @staticmethod
    def _kind(request: web.Request) -> str:
        kind = request.match_info["type"]
        return TYPES.get(kind, kind)

    async def _batch_upsert(self, request: web.Request) -> web.Response:
        kind = self._kind(request)
        inputs = (await request.json())["inputs"]
        if len(inputs) > 100:
            return error(400, "inputs can have at most 100 items", "VALIDATION_ERROR")
        if len({(i["idProperty"], i["id"]) for i in inputs}) != len(inputs):
            return error(400, "Duplicate IDs found in batch input", "VALIDATION_ERROR")
        started, results = now_iso(), []
        for item in inputs:
            record = (
                self.by_key(kind, item["id"]) if item["idProperty"] == "baton_lead_id" else None
            )
            props = {**item["properties"], item["idProperty"]: item["id"]}
            new = record is None
            if record is None:
                clash = self._email_clash(kind, props.get("email"))
                if clash is not None:
                    return error(
                        409,
                        f"Contact already exists. Existing ID: {clash.id}",
                        "CONFLICT",
                    )
                record = self._new(kind)
            self._write(record, props)
            results.append({**record.shape(), "new": new})
        return web.json_response(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": started,
                "completedAt": now_iso(),
            }
        )

    async def _search(self, request: web.Request) -> web.Response:
        """``POST …/search``: filter groups (OR of ANDs: EQ, GTE, LTE, IN), one sort, ``limit``
        up to 200, ``after`` an offset; past 10,000 results HubSpot answers 400."""
        kind, body = self._kind(request), await request.json()
        limit, after = int(body.get("limit") or 10), int(body.get("after") or 0)
        if limit > 200:
            return error(400, "limit must be at most 200", "VALIDATION_ERROR")
        if after + limit > 10_000:
            return error(400, "search results are limited to 10,000", "VALIDATION_ERROR")
        groups = body.get("filterGroups") or [{"filters": []}]
        found = [
            r
            for r in self.objects[kind].values()
            if any(all(_matches(r, f) for f in g.get("filters") or []) for g in groups)
        ]
        for sort in reversed(body.get("sorts") or []):
            name = sort.get("propertyName", "hs_object_id")
            found.sort(
                key=lambda r, n=name: _sortable(
                    r.properties.get(n, r.id if n == "hs_object_id" else "")
                ),
                reverse=sort.get("direction") == "DESCENDING",
            )
        self.searches.append(body)
        page = found[after : after + limit]
        names = body.get("properties") or None
        answer: dict[str, Any] = {"total": len(found), "results": [r.shape(names) for r in page]}
        if after + limit < len(found):
            answer["paging"] = {"next": {"after": str(after + limit), "link": "?after=x"}}
        return web.json_response(answer)

    async def _batch_create(self, request: web.Request) -> web.Response:
        """Notes (``BatchInputSimplePublicObjectInputForCreate``), each with its associations;
        201 ``BatchResponseSimplePublicObject``."""
        kind = self._kind(request)
        inputs = (await request.json())["inputs"]
        if len(inputs) > 100:
            return error(400, "inputs can have at most 100 items", "VALIDATION_ERROR")
        started, results = now_iso(), []
        for item in inputs:
            props = dict(item.get("properties") or {})
            if kind == "notes" and "hs_timestamp" not in props:
                return error(
                    400, "Property values were not valid: hs_timestamp", "VALIDATION_ERROR"
                )
            record = Record(str(next(self._ids)), {})
            self.objects[kind][record.id] = record
            self._write(record, props, kind)
            for assoc in item.get("associations") or []:
                self.associations.add((kind, record.id, "contacts", str(assoc["to"]["id"])))
            results.append(record.shape())
        body = {"status": "COMPLETE", "results": results, "startedAt": started}
        return web.json_response({**body, "completedAt": now_iso()}, status=201)

    async def _batch_update(self, request: web.Request) -> web.Response:
        kind = self._kind(request)
        inputs = (await request.json())["inputs"]
        if len(inputs) > 100:
            return error(400, "inputs can have at most 100 items", "VALIDATION_ERROR")
        started, results = now_iso(), []
        for item in inputs:
            record = self.objects[kind].get(str(item["id"]))
            if record is None:
                return error(404, "Object not found.", "OBJECT_NOT_FOUND")
            self._write(record, dict(item["properties"]))
            results.append(record.shape())
        return web.json_response(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": started,
                "completedAt": now_iso(),
            }
        )

    def _email_clash(self, kind: str, email: str | None) -> Record | None:
        if kind != "contacts" or not email:
            return None
        return self._by_email.get(email)

    def _write(self, record: Record, props: dict[str, str], kind: str = "") -> None:
        wanted = props.pop("lifecyclestage", None)
        record.properties.update(props)
        kind = kind or next(k for k, found in self.objects.items() if record.id in found)
        if record.properties.get("baton_lead_id"):
            self._by_key[kind][record.properties["baton_lead_id"]] = record
        if kind == "contacts" and record.properties.get("email"):
            self._by_email[record.properties["email"]] = record
        current = record.properties.get("lifecyclestage")
        if wanted == "" or (wanted and self._forward(current, wanted)):
            record.properties["lifecyclestage"] = wanted
        record.updated = self.clock().isoformat().replace("+00:00", "Z")
        if kind in ("contacts", "deals"):
            record.properties["hs_lastmodifieddate"] = record.updated

    def _forward(self, current: str | None, wanted: str) -> bool:
        """The portal's order (``set_options``): a backwards write is silently ignored."""
        order = self.lifecycle
        if not current or current not in order or wanted not in order:
            return True
        return order.index(wanted) >= order.index(current)

    async def _batch_read(self, request: web.Request) -> web.Response:
        kind, body = self._kind(request), await request.json()
        names, results, missing = body.get("properties") or None, [], []
        for item in body["inputs"]:
            record = self._find(kind, item["id"], body.get("idProperty"))
            if record is None:
                missing.append(item["id"])
            else:
                results.append(record.shape(names))
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": now_iso(),
            "completedAt": now_iso(),
        }
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some objects, they may be deleted or not exist.",
                    "context": {"ids": missing},
                    "errors": [],
                    "links": {},
                }
            ]
        return web.json_response(answer, status=207 if missing else 200)

    def _find(self, kind: str, key: str, id_property: str | None) -> Record | None:
        if id_property == "baton_lead_id":
            return self.by_key(kind, key)
        if id_property == "email":
            return self._email_clash("contacts", key)
        return self.objects[kind].get(key)

    async def _create(self, request: web.Request) -> web.Response:
        kind, body = self._kind(request), await request.json()
        props = dict(body.get("properties") or {})
        clash = self._email_clash(kind, props.get("email"))
        if clash is not None:
            return error(409, f"Contact already exists. Existing ID: {clash.id}", "CONFLICT")
        if kind == "notes" and "hs_timestamp" not in props:
            return error(400, "Property values were not valid: hs_timestamp", "VALIDATION_ERROR")
        record = self._new(kind)
        self._write(record, props, kind)
        for assoc in body.get("associations") or []:
            self.associations.add((kind, record.id, "contacts", str(assoc["to"]["id"])))
        return web.json_response(record.shape(), status=201)

    async def _get(self, request: web.Request) -> web.Response:
        kind = self._kind(request)
        record = self._find(kind, request.match_info["id"], request.query.get("idProperty"))
        if record is None:
            return error(404, "Object not found.", "OBJECT_NOT_FOUND")
        names = request.query.getall("properties", []) or None
        if names:
            names = [n for part in names for n in part.split(",")]
        return web.json_response(record.shape(names))

    async def _patch(self, request: web.Request) -> web.Response:
        kind = self._kind(request)
        record = self._find(kind, request.match_info["id"], request.query.get("idProperty"))
        if record is None:
            return error(404, "Object not found.", "OBJECT_NOT_FOUND")
        props = dict((await request.json()).get("properties") or {})
        key = props.get("baton_lead_id")
        other = self.by_key(kind, key) if key else None
        if other is not None and other is not record:
            return error(400, "baton_lead_id must be unique", "VALIDATION_ERROR")
        self._write(record, props)
        return web.json_response(record.shape())

    async def _associate(self, request: web.Request) -> web.Response:
        m = request.match_info
        kinds = (TYPES.get(m["from"], m["from"]), TYPES.get(m["to"], m["to"]))
        for kind, key in zip(kinds, (m["fid"], m["tid"]), strict=True):
            if key not in self.objects.get(kind, {}):
                return error(400, "One or more associations are invalid", "VALIDATION_ERROR")
        self.associations.add((kinds[0], m["fid"], kinds[1], m["tid"]))
        return web.json_response(
            {
                "status": "COMPLETE",
                "results": [
                    {
                        "from": {"id": m["fid"]},
                        "to": {"id": m["tid"]},
                        "associationSpec": {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": 3,
                        },
                    }
                ],
                "startedAt": now_iso(),
                "completedAt": now_iso(),
            }
        )

    async def _associated(self, request: web.Request) -> web.Response:
        m = request.match_info
        kind, fid = TYPES.get(m["from"], m["from"]), m["fid"]
        to = TYPES.get(m["to"], m["to"])
        found = {b for a, x, c, b in self.associations if (a, x, c) == (kind, fid, to)}
        found |= {x for a, x, c, b in self.associations if (a, c, b) == (to, kind, fid)}
        results = [
            {
                "toObjectId": other,
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 202}],
            }
            for other in sorted(found)
        ]
        return web.json_response({"results": results})

    async def _batch_associated(self, request: web.Request) -> web.Response:
        """``BatchResponsePublicAssociationMultiWithLabel``: each input's associated ids; an
        input with none is an error of the multi-status answer (207), as HubSpot does."""
        m, body = request.match_info, await request.json()
        kind, to = TYPES.get(m["from"], m["from"]), TYPES.get(m["to"], m["to"])
        results, alone = [], []
        for item in body["inputs"]:
            fid = str(item["id"])
            found = {b for a, x, c, b in self.associations if (a, x, c) == (kind, fid, to)}
            found |= {x for a, x, c, b in self.associations if (a, c, b) == (to, kind, fid)}
            if not found:
                alone.append(fid)
                continue
            types = [{"category": "HUBSPOT_DEFINED", "typeId": 202}]
            linked = [{"toObjectId": other, "associationTypes": types} for other in sorted(found)]
            results.append({"from": {"id": fid}, "to": linked})
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": now_iso(),
            "completedAt": now_iso(),
        }
        if alone:
            answer["numErrors"] = len(alone)
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": f"No {to} is associated with {kind} {fid}.",
                    "context": {"fromObjectId": [fid]},
                    "errors": [],
                    "links": {},
                }
                for fid in alone
            ]
        return web.json_response(answer, status=207 if alone else 200)

    async def _batch_assoc(self, request: web.Request) -> web.Response:
        m, body = request.match_info, await request.json()
        kinds = (TYPES.get(m["from"], m["from"]), TYPES.get(m["to"], m["to"]))
        results = []
        for item in body["inputs"]:
            fid, tid = str(item["from"]["id"]), str(item["to"]["id"])
            self.associations.add((kinds[0], fid, kinds[1], tid))
            results.append(
                {
                    "from": {"id": fid},
                    "to": {"id": tid},
                    "associationSpec": {
                        "associationCategory": "HUBSPOT_DEFINED",
                        "associationTypeId": 3,
                    },
                }
            )
        return web.json_response(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": now_iso(),
                "completedAt": now_iso(),
            }
        )

    async def _owners(self, request: web.Request) -> web.Response:
        email = request.query.get("email")
        found = [o for o in self.owners if not email or o["email"].lower() == email.lower()]
        return web.json_response({"results": found})

    async def _pipelines(self, request: web.Request) -> web.Response:
        results = [
            {
                "id": pid,
                "label": "Sales Pipeline" if pid == "default" else pid,
                "displayOrder": 0,
                "createdAt": now_iso(),
                "updatedAt": now_iso(),
                "archived": False,
                "stages": [
                    {
                        "id": sid,
                        "label": label,
                        "displayOrder": n,
                        "metadata": {
                            "isClosed": str(sid.startswith("closed")).lower(),
                            "probability": p,
                        },
                        "createdAt": now_iso(),
                        "updatedAt": now_iso(),
                        "archived": False,
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                    }
                    for n, (sid, label, p) in enumerate(stages)
                ],
            }
            for pid, stages in self.pipelines.items()
        ]
        return web.json_response({"results": results})

    async def _property(self, request: web.Request) -> web.Response:
        kind, name = self._kind(request), request.match_info["name"]
        prop = self.properties.get(kind, {}).get(name)
        if prop is None:
            return error(404, f"Unable to find property {name}", "OBJECT_NOT_FOUND")
        return web.json_response(prop)

    async def _create_property(self, request: web.Request) -> web.Response:
        kind, body = self._kind(request), await request.json()
        if body["name"] in self.properties.setdefault(kind, {}):
            return error(409, f"Property named '{body['name']}' already exists.", "CONFLICT")
        prop = {
            "name": body["name"],
            "label": body["label"],
            "type": body["type"],
            "fieldType": body["fieldType"],
            "description": body.get("description", ""),
            "groupName": body["groupName"],
            "options": body.get("options", []),
            "hasUniqueValue": bool(body.get("hasUniqueValue", False)),
            "createdAt": now_iso(),
            "updatedAt": now_iso(),
            "archived": False,
            "calculated": False,
            "externalOptions": False,
            "formField": False,
            "hidden": False,
            "displayOrder": -1,
            "modificationMetadata": {
                "archivable": True,
                "readOnlyDefinition": False,
                "readOnlyValue": False,
            },
        }
        self.properties[kind][body["name"]] = prop
        return web.json_response(prop, status=201)


def _sortable(value: object) -> tuple[int, float, str]:
    """A property's value as HubSpot compares it: a number or a time as a number, else text."""
    text = str(value)
    number = _number(text)
    return (0, number, "") if number is not None else (1, 0.0, text)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return None


def _matches(record: Record, spec: dict[str, Any]) -> bool:
    name, op = spec.get("propertyName", ""), spec.get("operator", "EQ")
    value = record.id if name == "hs_object_id" else record.properties.get(name)
    if op == "IN":
        return value in [str(v) for v in spec.get("values") or []]
    if value is None:
        return op == "NOT_HAS_PROPERTY"
    if op == "HAS_PROPERTY":
        return True
    if op == "EQ":
        return str(value) == str(spec.get("value"))
    mine, theirs = _number(str(value)), _number(str(spec.get("value")))
    if mine is None or theirs is None:
        return False
    return {
        "GTE": mine >= theirs,
        "GT": mine > theirs,
        "LTE": mine <= theirs,
        "LT": mine < theirs,
    }.get(op, False)


def _property_shape(name: str, label: str, type_: str, field: str, group: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": type_,
        "fieldType": field,
        "description": "",
        "groupName": group,
        "options": [],
        "hasUniqueValue": False,
        "createdAt": now_iso(),
        "updatedAt": now_iso(),
        "archived": False,
        "calculated": False,
        "externalOptions": False,
        "formField": True,
        "hidden": False,
        "displayOrder": -1,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": False,
        },
    }
