"""Hypothesis strategies for what other systems POST to ``/leads``: JSON of every shape (flat,
HubSpot, Typeform, junk), form fields, and text a database refuses (NUL, lone surrogates,
decomposed accents), for the webhook's and the dashboard's fuzz tests."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from hypothesis import strategies as st

TRICKY = [
    "\ud800",
    "\ud83d",
    "\udfff",
    "a\ud83d\ude00b",
    "\x00",
    "Umb\x00rella",
    "Zoe\u0308",
    "e\u0301",
    "\u202eevil",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil","x")',
    "名前@例え.jp",
    "sam@umbrella.example",
    "+1 555 0100",
    "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp",
    "x" * 5000,
    "",
]
LABELS = [
    "email",
    "E-mail",
    "Work email",
    "name",
    "first_name",
    "lastname",
    "company",
    "Company name",
    "phone",
    "source",
    "notes",
    "plan",
    "form_response",
    "fields",
    "submissionId",
]

any_text = st.text(st.characters(exclude_categories=()), max_size=40)
texts = st.one_of(
    any_text, st.sampled_from(TRICKY), st.tuples(any_text, st.sampled_from(TRICKY)).map("".join)
)
labels = st.one_of(st.sampled_from(LABELS), texts)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(labels, inner, max_size=4),
    max_leaves=12,
)
flat = st.dictionaries(labels, json_values, max_size=8)
hubspot = st.fixed_dictionaries(
    {
        "submissionId": st.one_of(texts, st.integers(), st.none()),
        "fields": st.lists(
            st.one_of(st.fixed_dictionaries({"name": labels, "value": json_values}), json_values),
            max_size=6,
        ),
        "context": json_values,
    }
)
typeform_answers = st.lists(
    st.one_of(
        st.builds(
            lambda kind, value, ref, field_id: {
                "type": kind,
                kind: value,
                "field": {"id": field_id, "ref": ref},
            },
            st.sampled_from(["text", "email", "phone_number", "choice", "choices", "number", "x"]),
            json_values,
            labels,
            st.sampled_from(["a1", "b2", "c3"]),
        ),
        json_values,
    ),
    max_size=6,
)
typeform = st.builds(
    lambda token, answers, hidden, titles: {
        "event_type": "form_response",
        "form_response": {
            "token": token,
            "answers": answers,
            "hidden": hidden,
            "definition": {"fields": [{"id": i, "title": t} for i, t in titles]},
        },
    },
    st.one_of(texts, st.integers(), st.none()),
    typeform_answers,
    json_values,
    st.lists(st.tuples(st.sampled_from(["a1", "b2", "c3"]), texts), max_size=3),
)
contacts = st.fixed_dictionaries(
    {
        "email": st.sampled_from(["sam@umbrella.example", "ann@globex.example", "名前@例え.jp"]),
        "company": texts,
        "name": texts,
    }
)
leads = st.builds(lambda contact, extra: {**extra, **contact}, contacts, flat)
"""A payload with a contact (a lead is read from it) and anything else beside."""
objects = st.one_of(leads, leads, flat, hubspot, typeform, json_values)


def as_json(value: Any) -> bytes:
    """JSON as a sender writes it: non-ASCII and lone surrogates as ``\\uXXXX`` escapes."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def as_form(pairs: list[tuple[str, str]]) -> bytes:
    """Form fields, each percent-encoded from UTF-8 (a lone surrogate from its escaped bytes)."""
    encoded = [
        (k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass")) for k, v in pairs
    ]
    return urllib.parse.urlencode(encoded).encode("ascii")


forms = st.lists(st.tuples(labels, texts), max_size=8).map(as_form)
broken = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b'{"email": "a@b.example",',
            b"\xef\xbb\xbf{}",
            b'{"n": ' + b"9" * 5000 + b"}",
            b"[" * 5000 + b"]" * 5000,
            b'{"email": "a@b.example", "x": NaN, "y": -Infinity}',
            b'"\\ud800"',
        ]
    ),
)
header_keys = st.one_of(
    st.none(),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=390, max_size=2000),
    st.binary(min_size=1, max_size=60).map(
        lambda raw: bytes(b if 0x20 < b < 0x7F or b > 0x7F else 0x41 for b in raw)
    ),
)
"""``Idempotency-Key`` values as a client can send them: short, long, or bytes that are not
UTF-8 (no control characters: the HTTP parser refuses those before any route runs)."""
