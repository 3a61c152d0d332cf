"""The HubSpot double answers in HubSpot's published shapes. Checked against the OpenAPI
documents of github.com/HubSpot/HubSpot-public-api-spec-collection (not committed here): set
HUBSPOT_OPENAPI_DIR to a folder holding contacts.json, deals.json, notes.json, crmOwners.json,
pipelines.json, properties.json and associations.json (v3/v4) to run it."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.slack_double import LoopbackApp
from tests.support.hubspot_double import TOKEN, HubSpotDouble
from tests.support.openapi_shapes import problems, response_schema

SPECS = os.environ.get("HUBSPOT_OPENAPI_DIR")
pytestmark = pytest.mark.skipif(not SPECS, reason="HUBSPOT_OPENAPI_DIR is not set")


def spec(name: str) -> dict[str, Any]:
    return json.loads((Path(SPECS or ".") / f"{name}.json").read_text(encoding="utf-8"))


def call(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_every_answer_baton_reads_has_hubspots_published_shape() -> None:
    double = HubSpotDouble()
    double.add_owner("501", "alice@acme.io", "Alice", "Ng")
    existing = double.add_contact(email="taken@acme.io")
    with LoopbackApp(double.web_app()) as app:
        url = app.url
        upsert = {
            "inputs": [
                {"idProperty": "baton_lead_id", "id": "1", "properties": {"email": "a@b.io"}}
            ]
        }
        deal = {
            "inputs": [{"idProperty": "baton_lead_id", "id": "1", "properties": {"dealname": "A"}}]
        }
        clash = {
            "inputs": [
                {"idProperty": "baton_lead_id", "id": "2", "properties": {"email": "taken@acme.io"}}
            ]
        }
        checks = [
            ("contacts", "/crm/v3/objects/contacts/batch/upsert", "POST", upsert, None),
            (
                "contacts",
                "/crm/v3/objects/contacts/{contactId}",
                "GET",
                None,
                "/crm/v3/objects/contacts/1?idProperty=baton_lead_id",
            ),
            (
                "contacts",
                "/crm/v3/objects/contacts/{contactId}",
                "PATCH",
                {"properties": {"lifecyclestage": "lead"}},
                f"/crm/v3/objects/contacts/{existing}",
            ),
            (
                "contacts",
                "/crm/v3/objects/contacts/batch/read",
                "POST",
                {
                    "idProperty": "baton_lead_id",
                    "inputs": [{"id": "1"}, {"id": "404"}],
                    "properties": ["lifecyclestage"],
                },
                None,
            ),
            (
                "deals",
                "/crm/v3/objects/0-3/batch/upsert",
                "POST",
                deal,
                "/crm/v3/objects/deals/batch/upsert",
            ),
            (
                "notes",
                "/crm/v3/objects/notes",
                "POST",
                {
                    "properties": {"hs_timestamp": "2026-12-04T09:00:00Z", "hs_note_body": "x"},
                    "associations": [
                        {
                            "to": {"id": existing},
                            "types": [
                                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}
                            ],
                        }
                    ],
                },
                None,
            ),
            (
                "associations",
                "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}",
                "GET",
                None,
                f"/crm/v4/objects/contacts/{existing}/associations/notes",
            ),
            (
                "notes",
                "/crm/v3/objects/notes/batch/create",
                "POST",
                {
                    "inputs": [
                        {
                            "properties": {
                                "hs_timestamp": "2026-12-04T09:00:00Z",
                                "hs_note_body": "y",
                            },
                            "associations": [
                                {
                                    "to": {"id": existing},
                                    "types": [
                                        {
                                            "associationCategory": "HUBSPOT_DEFINED",
                                            "associationTypeId": 202,
                                        }
                                    ],
                                }
                            ],
                        }
                    ]
                },
                None,
            ),
            (
                "associations",
                "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read",
                "POST",
                {"inputs": [{"id": existing}, {"id": "999999"}]},
                "/crm/v4/associations/contacts/notes/batch/read",
            ),
            (
                "notes",
                "/crm/v3/objects/notes/batch/read",
                "POST",
                {"inputs": [{"id": "1"}], "properties": ["hs_note_body"]},
                None,
            ),
            ("crmOwners", "/crm/v3/owners", "GET", None, "/crm/v3/owners?email=alice@acme.io"),
            ("pipelines", "/crm/v3/pipelines/{objectType}", "GET", None, "/crm/v3/pipelines/deals"),
            (
                "properties",
                "/crm/v3/properties/{objectType}",
                "POST",
                {
                    "name": "baton_lead_id",
                    "label": "Baton lead id",
                    "type": "string",
                    "fieldType": "text",
                    "groupName": "contactinformation",
                    "hasUniqueValue": True,
                },
                "/crm/v3/properties/contacts",
            ),
            (
                "properties",
                "/crm/v3/properties/{objectType}/{propertyName}",
                "GET",
                None,
                "/crm/v3/properties/contacts/baton_lead_id",
            ),
            (
                "properties",
                "/crm/v3/properties/{objectType}/{propertyName}",
                "GET",
                None,
                "/crm/v3/properties/contacts/lifecyclestage",
            ),
            (
                "contacts",
                "/crm/v3/objects/contacts/search",
                "POST",
                {
                    "filterGroups": [
                        {
                            "filters": [
                                {"propertyName": "createdate", "operator": "GTE", "value": "0"}
                            ]
                        }
                    ],
                    "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}],
                    "properties": ["email", "createdate"],
                    "limit": 1,
                },
                None,
            ),
        ]
        deal_id = None
        for name, template, method, body, path in checks:
            status, answer = call(url, method, path or template, body)
            if template.endswith("0-3/batch/upsert"):
                deal_id = answer["results"][0]["id"]
            document = spec(name)
            found = problems(document, response_schema(document, template, method, status), answer)
            assert found == [], (template, status, found)
        assoc = (
            "/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/"
            "{toObjectType}/{toObjectId}"
        )
        status, answer = call(
            url, "PUT", f"/crm/v4/objects/deals/{deal_id}/associations/default/contacts/{existing}"
        )
        document = spec("associations")
        assert problems(document, response_schema(document, assoc, "PUT", status), answer) == []
        status, answer = call(url, "POST", "/crm/v3/objects/contacts/batch/upsert", clash)
        assert status == 409
        document = spec("contacts")
        assert problems(document, document["components"]["schemas"]["Error"], answer) == []
