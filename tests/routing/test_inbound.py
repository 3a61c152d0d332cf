"""Reading webhook payloads: each documented shape into fields, any JSON at all without a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from routing import limits
from routing.arrival import WebhookCall
from routing.inbound import read_shape, webhook_arrival
from routing.lead import SourceRef
from routing.lead_post import ParsedLead, Unparsed
from tests.support.phones import PHONES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhook"


def payload(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_a_typeform_answer_is_labelled_by_a_chosen_ref_else_by_its_title() -> None:
    shape, pairs, own_id = read_shape(payload("typeform_form_response"))
    assert shape == "typeform"
    assert own_id == "a3a12ec67a1365927098a606107fac15"
    labels = dict(pairs)
    assert labels["email"] == "laura@globex.example"
    assert labels["What's your name?"] == "Laura Chen"
    assert labels["Phone number"] == "+4915112345678"
    assert labels["products"] == "Routing, Digest"


def test_a_hubspot_submission_gives_its_fields_and_its_submission_id() -> None:
    arrival = webhook_arrival("hubspot", payload("hubspot_form_submission"), "{}", phones=PHONES)
    assert read_shape(payload("hubspot_form_submission"))[0] == "hubspot"
    assert arrival.came_from == WebhookCall("hubspot", "7f3c1a52-9e4b-4d2a-8c61-0b5e7d9f2a14")
    assert isinstance(arrival.lead, ParsedLead)
    assert arrival.lead.name == "Dmitri Volkov"
    assert arrival.lead.company == "Initech"
    assert arrival.lead.fields["hs_pageuri"] == "https://www.example.com/pricing"


def test_a_flat_object_keeps_unknown_and_nested_fields_and_the_header_key_wins() -> None:
    arrival = webhook_arrival(
        "website", payload("flat"), "{}", idempotency_key="k-1", phones=PHONES
    )
    assert arrival.keys == ["webhook:website:k-1"]
    assert isinstance(arrival.lead, ParsedLead)
    assert arrival.lead.fields["plan"] == "enterprise"
    assert arrival.lead.fields["utm_campaign"] == "brand"
    assert arrival.lead.fields["source"] == "google"  # "UTM source" reads as the lead source
    assert arrival.raw is None


def test_a_payload_without_contact_is_unparsed_and_keeps_its_raw_body() -> None:
    arrival = webhook_arrival(
        "website", {"name": "Just a name"}, '{"name": "Just a name"}', phones=PHONES
    )
    assert isinstance(arrival.lead, Unparsed)
    assert arrival.raw == '{"name": "Just a name"}'
    assert arrival.keys == []


def test_a_webhook_leads_card_is_posted_fresh_where_it_is_told() -> None:
    channel = SourceRef("slack", "C0INTAKE", "")
    arrival = webhook_arrival("website", payload("flat"), "{}", thread=channel, phones=PHONES)
    assert arrival.thread == channel
    assert arrival.source == "website"


def test_a_webhook_leads_overlong_company_is_cut_to_fit_its_column() -> None:
    company = "C" * (limits.COMPANY + 100)
    arrival = webhook_arrival(
        "website", {"email": "jo@initech.com", "company": company}, "{}", phones=PHONES
    )
    assert isinstance(arrival.lead, ParsedLead)
    assert arrival.lead.company == "C" * (limits.COMPANY - 1) + limits.MARKER


def test_a_webhook_key_too_long_to_store_is_kept_as_a_digest() -> None:
    arrival = webhook_arrival(
        "w" * limits.DELIVERY_KEY, payload("flat"), "{}", "k-1", phones=PHONES
    )
    (key,) = arrival.keys
    assert key.startswith("webhook:sha256:")
    assert len(key) <= limits.DELIVERY_KEY


def test_two_long_idempotency_keys_are_two_keys_never_cut_alike() -> None:
    first = webhook_arrival("website", payload("flat"), "{}", "P" * 300 + "-A", phones=PHONES).keys
    second = webhook_arrival("website", payload("flat"), "{}", "P" * 300 + "-B", phones=PHONES).keys
    assert first != second
    assert all(len(key) <= limits.DELIVERY_KEY for key in first + second)


def test_a_payloads_own_long_id_is_its_key_whole() -> None:
    sent = payload("hubspot_form_submission")
    keys = set()
    for end in "AB":
        sent["submissionId"] = "S" * 1000 + end
        keys.update(webhook_arrival("hubspot", sent, "{}", phones=PHONES).keys)
    assert len(keys) == 2


def test_every_label_and_value_of_a_payload_is_made_storable_before_it_is_read() -> None:
    sent = {"email": "sam@x.io", "name": "Zoe\u0308 \x00Brandt", "plan\ud800": "pro\udfff"}
    lead = webhook_arrival("website", sent, "{}", phones=PHONES).lead
    assert isinstance(lead, ParsedLead)
    assert lead.name == "Zoë Brandt"
    assert lead.fields["plan"] == "pro\ufffd"


def test_a_long_value_is_cut_with_the_marker_not_silently() -> None:
    lead = webhook_arrival(
        "website", {"email": "sam@x.io", "plan": "p" * 9000}, "{}", phones=PHONES
    ).lead
    assert isinstance(lead, ParsedLead)
    assert lead.fields["plan"] == "p" * (limits.FIELD_VALUE - 1) + limits.MARKER


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=25,
)


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["form_response", "fields", "answers", "email", "x", "definition"]),
        json_values,
    )
)
def test_any_json_object_is_read_into_a_lead_or_an_unparsed_one(value: dict[str, Any]) -> None:
    arrival = webhook_arrival("website", value, json.dumps(value), phones=PHONES)
    assert isinstance(arrival.lead, (ParsedLead, Unparsed))
