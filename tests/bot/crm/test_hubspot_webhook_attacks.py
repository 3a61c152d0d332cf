"""`POST /hubspot/events` under a hostile reviewer: HubSpot's v3 signature exactly as HubSpot
computes it (developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/
request-validation: base64 HMAC-SHA256 of method + URI + raw body + the millisecond timestamp,
the URI's listed percent-escapes decoded, refused past five minutes), every refusal touching
nothing, and every shape of a signed body answered without a traceback."""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.request
from typing import Any

import pytest
from hubspot.utils.signature import Signature

from bot.bootstrap import crm_parts
from bot.crm.hubspot.signature import sign
from tests.bot.crm.test_hubspot_events import PUBLIC, SECRET, Site, creation, site, stage_moved
from tests.support.clock import FakeClock

PATH = "/hubspot/events"


def call(s: Site, body: bytes, headers: dict[str, str], path: str = PATH) -> tuple[int, Any]:
    request = urllib.request.Request(s.url + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def stamp(s: Site, age_ms: int = 0) -> str:
    return str(int(s.clock().timestamp() * 1000) - age_ms)


def hubspot_headers(uri: str, body: bytes, timestamp: str) -> dict[str, str]:
    """The headers HubSpot sends, signed by the official client's own v3 routine."""
    signature = Signature.get_signature(
        SECRET, body.decode(), "v3", http_uri=uri, http_method="POST", timestamp=timestamp
    )
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": timestamp,
    }


def signed(s: Site, events: Any = None, *, body: bytes | None = None) -> tuple[int, Any]:
    raw = body if body is not None else json.dumps(events).encode()
    return call(s, raw, hubspot_headers(PUBLIC + PATH, raw, stamp(s)))


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_call_signed_by_the_official_client_with_a_query_string_is_accepted(
    sqlite_url: str, clock: FakeClock
) -> None:
    """HubSpot signs the URI with `%3A`, `%2C`, `%40` … decoded; the query string is part of it."""
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", company="Acme")
        body = json.dumps([creation(1, contact)]).encode()
        sent = PATH + "?portal=62515&tag=a%3Ab%2Cc%40d"
        decoded = PUBLIC + PATH + "?portal=62515&tag=a:b,c@d"
        assert call(s, body, hubspot_headers(decoded, body, stamp(s)), sent) == (
            200,
            {"handled": 1, "ignored": 0},
        )
        undecoded = hubspot_headers(PUBLIC + sent, body, stamp(s))
        assert call(s, body, undecoded, sent)[0] == 401
        assert len(s.leads()) == 1


@pytest.mark.parametrize(
    ("case", "age_ms"),
    [
        ("five minutes and a second old", 5 * 60 * 1000 + 1000),
        ("an hour old", 60 * 60 * 1000),
        ("six minutes in the future", -6 * 60 * 1000),
    ],
)
def test_a_correct_signature_outside_the_five_minute_window_is_refused(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture, case: str, age_ms: int
) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", company="Acme")
        body = json.dumps([creation(2, contact)]).encode()
        status, answer = call(s, body, hubspot_headers(PUBLIC + PATH, body, stamp(s, age_ms)))
        assert status == 401, case
        assert "error" in answer
        assert s.double.calls == []
        assert s.leads() == []
        assert no_tracebacks(caplog) == []


def test_a_signature_four_minutes_old_is_still_accepted(sqlite_url: str, clock: FakeClock) -> None:
    with site(sqlite_url, clock) as s:
        body = b"[]"
        headers = hubspot_headers(PUBLIC + PATH, body, stamp(s, 4 * 60 * 1000))
        assert call(s, body, headers) == (200, {"handled": 0, "ignored": 0})


def seconds_stamp(s: Site, body: bytes) -> dict[str, str]:
    seconds = str(int(s.clock().timestamp()))
    return hubspot_headers(PUBLIC + PATH, body, seconds)


def only_v1(s: Site, body: bytes) -> dict[str, str]:
    return {
        "X-HubSpot-Signature": hashlib.sha256(SECRET.encode() + body).hexdigest(),
        "X-HubSpot-Signature-Version": "v1",
    }


def only_v2(s: Site, body: bytes) -> dict[str, str]:
    source = SECRET.encode() + b"POST" + (PUBLIC + PATH).encode() + body
    return {
        "X-HubSpot-Signature": hashlib.sha256(source).hexdigest(),
        "X-HubSpot-Signature-Version": "v2",
    }


def no_timestamp(s: Site, body: bytes) -> dict[str, str]:
    headers = hubspot_headers(PUBLIC + PATH, body, stamp(s))
    del headers["X-HubSpot-Request-Timestamp"]
    return headers


def no_signature(s: Site, body: bytes) -> dict[str, str]:
    headers = hubspot_headers(PUBLIC + PATH, body, stamp(s))
    del headers["X-HubSpot-Signature-v3"]
    return headers


def other_method(s: Site, body: bytes) -> dict[str, str]:
    signature = Signature.get_signature(
        SECRET,
        body.decode(),
        "v3",
        http_uri=PUBLIC + PATH,
        http_method="GET",
        timestamp=stamp(s),
    )
    return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": stamp(s)}


def other_host(s: Site, body: bytes) -> dict[str, str]:
    return hubspot_headers("https://evil.example.com" + PATH, body, stamp(s))


@pytest.mark.parametrize(
    "headers",
    [seconds_stamp, only_v1, only_v2, no_timestamp, no_signature, other_method, other_host],
)
def test_a_call_without_a_good_v3_signature_is_refused_and_touches_nothing(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture, headers: Any
) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", company="Acme")
        body = json.dumps([creation(3, contact)]).encode()
        status, _ = call(s, body, headers(s, body))
        assert status == 401
        assert s.double.calls == []
        assert s.leads() == []
        assert no_tracebacks(caplog) == []
        # the same event, signed properly, is not blocked by the refused one
        assert signed(s, body=body) == (200, {"handled": 1, "ignored": 0})


def test_a_body_changed_after_signing_is_refused(sqlite_url: str, clock: FakeClock) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", company="Acme")
        body = json.dumps([creation(4, contact)]).encode()
        headers = hubspot_headers(PUBLIC + PATH, body, stamp(s))
        assert call(s, body.replace(b"4", b"5", 1), headers)[0] == 401
        assert s.leads() == []


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past Python's recursion limit
        b'{"eventId": 1}',
        b'"a string"',
        b"null",
        b"\xff\xfe not utf-8",
        b"",
    ],
)
def test_a_signed_body_that_is_not_an_array_of_events_gets_a_400_never_a_500(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    with site(sqlite_url, clock) as s:
        timestamp = stamp(s)
        signature = sign(SECRET, "POST", PUBLIC + PATH, body, timestamp)
        status, answer = call(
            s, body, {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp}
        )
        assert status == 400
        assert isinstance(answer.get("error"), str)
        assert no_tracebacks(caplog) == []
        assert s.double.calls == []


def test_a_batch_of_100_contacts_is_routed_once_each(sqlite_url: str, clock: FakeClock) -> None:
    """HubSpot batches up to 100 events a request; the rate limit is waited out, not broken."""
    with site(sqlite_url, clock) as s:
        parts = crm_parts(s.baton)
        assert parts is not None
        parts.crm.sleep = lambda seconds: s.clock.advance(seconds=seconds)  # type: ignore[assignment]
        contacts = [
            s.double.add_contact(email=f"p{n}@co{n}.example", company=f"Co {n}") for n in range(100)
        ]
        events = [creation(1000 + n, c) for n, c in enumerate(contacts)]
        assert signed(s, events) == (200, {"handled": 100, "ignored": 0})
        assert signed(s, events) == (200, {"handled": 0, "ignored": 100})
        assert len(s.leads()) == 100
        assert s.double.busiest_window() <= 100


def test_the_same_event_twice_in_one_delivery_and_across_deliveries_is_handled_once(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", company="Acme")
        assert signed(s, [creation(7, contact), creation(7, contact)]) == (
            200,
            {"handled": 1, "ignored": 1},
        )
        # HubSpot's retry, and the same id sent as a string, are the same event
        again = creation(7, contact) | {"eventId": "7", "objectId": str(contact)}
        assert signed(s, [again]) == (200, {"handled": 0, "ignored": 1})
        assert len(s.leads()) == 1


def test_numbers_sent_as_strings_are_read_like_numbers(sqlite_url: str, clock: FakeClock) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", company="Acme")
        event = creation(8, contact) | {"eventId": "8", "objectId": str(contact)}
        assert signed(s, [event]) == (200, {"handled": 1, "ignored": 0})
        assert len(s.leads()) == 1


@pytest.mark.parametrize(
    "event",
    [
        {"eventId": 20, "subscriptionType": "contact.creation", "objectId": 10**40},
        {"eventId": 21, "subscriptionType": "contact.creation", "objectId": -5},
        {"eventId": 22, "subscriptionType": "contact.creation", "objectId": 1.5},
        {"eventId": 23, "subscriptionType": "contact.creation", "objectId": [1]},
        {"eventId": 24, "subscriptionType": "company.creation", "objectId": 1},
        {
            "eventId": 25,
            "subscriptionType": "contact.propertyChange",
            "objectId": 1,
            "propertyName": "email",
            "propertyValue": "x@y.z",
        },
        {
            "eventId": 26,
            "subscriptionType": "deal.propertyChange",
            "objectId": 1,
            "propertyName": "amount",
            "propertyValue": "5",
        },
        {
            "eventId": 27,
            "subscriptionType": "deal.propertyChange",
            "objectId": 10**40,
            "propertyName": "dealstage",
            "propertyValue": "closedwon",
        },
        {
            "eventId": 28,
            "subscriptionType": "contact.merge",
            "objectId": 1,
            "primaryObjectId": "x",
            "mergedObjectIds": "abc",
            "newObjectId": None,
        },
        {
            "eventId": 29,
            "subscriptionType": "contact.merge",
            "objectId": 1,
            "primaryObjectId": 10**40,
            "mergedObjectIds": [{"a": 1}],
            "newObjectId": [1],
        },
        {"eventId": 30, "subscriptionType": "contact.deletion", "objectId": {"x": 1}},
        {"eventId": 31, "subscriptionType": "contact.privacyDeletion", "objectId": 10**40},
        {"eventId": [1, 2], "subscriptionType": "contact.creation", "objectId": 1},
        {"eventId": "x" * 5000, "subscriptionType": "contact.creation", "objectId": 1},
        {"subscriptionType": "contact.creation", "objectId": 1},
    ],
)
def test_an_event_baton_cannot_use_is_ignored_without_a_lead_or_a_traceback(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture, event: dict[str, Any]
) -> None:
    with site(sqlite_url, clock) as s:
        status, answer = signed(s, [event])
        assert (status, answer) == (200, {"handled": 0, "ignored": 1})
        assert s.leads() == []
        assert no_tracebacks(caplog) == []


def test_a_stage_change_of_a_deal_baton_does_not_know_changes_nothing(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        deal = s.double.add_deal(dealname="Someone else's", dealstage="closedwon", amount="9")
        assert signed(s, [stage_moved(40, deal, "closedwon")]) == (
            200,
            {"handled": 0, "ignored": 1},
        )
        assert s.leads() == []
