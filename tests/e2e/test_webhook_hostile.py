"""``POST /leads`` under attack, on SQLite and PostgreSQL: keys never cut, text made storable,
every encoding and size answered in JSON, Typeform's own signature verified."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.web.webhook import typeform_signature
from routing.text import storable
from storage import tables as t
from tests.e2e.slack_double import Answer, SlackDouble
from tests.e2e.webhook_support import JSON, TOKENS, World, payload, webhook_world
from tests.support.clock import FakeClock
from tests.support.server_log import tracebacks

BEARER = {"Authorization": f"Bearer {TOKENS['website']}", "Content-Type": JSON}


@pytest.fixture
def world(db_url: str, clock: FakeClock, slack_double: SlackDouble) -> Iterator[World]:
    with webhook_world(db_url, clock, slack_double) as running:
        yield running


def lead_rows(world: World) -> list[dict[str, Any]]:
    with world.baton.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.leads).order_by(t.leads.c.id)).mappings()]


def is_json(answer: Answer) -> bool:
    return answer.headers.get("Content-Type", "").startswith("application/json")


# --- 1. keys are never cut --------------------------------------------------------------------


def test_two_long_idempotency_keys_that_differ_only_at_the_end_are_two_leads(world: World) -> None:
    first_key, second_key = "P" * 300 + "-A", "P" * 300 + "-B"
    first = world.hook.send({"email": "a@one.example"}, headers={"Idempotency-Key": first_key})
    second = world.hook.send({"email": "b@two.example"}, headers={"Idempotency-Key": second_key})
    assert (first.status, second.status) == (201, 201), (first, second)
    assert first.json()["id"] != second.json()["id"]
    again = world.hook.send({"email": "b@two.example"}, headers={"Idempotency-Key": second_key})
    assert again.status == 200
    assert again.json()["id"] == second.json()["id"]
    assert len(lead_rows(world)) == 2


def test_two_long_payload_ids_that_differ_only_at_the_end_are_two_leads(world: World) -> None:
    sent = payload("typeform_form_response")
    answers = []
    for end in ("A", "B", "B"):
        sent["form_response"]["token"] = "T" * 500 + end
        answers.append(world.hook.send(sent, token=TOKENS["typeform"]))
    assert [a.status for a in answers] == [201, 201, 200]
    assert answers[2].json()["id"] == answers[1].json()["id"] != answers[0].json()["id"]


# --- 2. one rule for every string that enters -------------------------------------------------


def test_lone_surrogates_nul_and_decomposed_text_in_a_payload_are_stored_storable(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    body = (
        b'{"email": "sam@umbrella.example", "name": "Zoe\\u0308 \\ud83d Brandt",'
        b' "company": "Umb\\u0000rella", "plan\\ud800": "pro\\udfff", "color": "a\\u0000b"}'
    )
    answer = world.hook.post(body)
    assert answer.status == 201, answer
    (lead,) = lead_rows(world)
    assert lead["name"] == "Zoë \ufffd Brandt"
    assert lead["company"] == "Umbrella"
    assert lead["fields"]["color"] == "ab"
    assert "pro\ufffd" in lead["fields"].values()
    for value in [lead["name"], lead["company"], *lead["fields"], *lead["fields"].values()]:
        assert storable(value) == value
    assert tracebacks(caplog) == []


def test_surrogates_and_nul_in_hubspot_and_typeform_values_are_stored_storable(
    world: World,
) -> None:
    for shape, source in (
        ("hubspot_form_submission", "hubspot"),
        ("typeform_form_response", "typeform"),
    ):
        text = json.dumps(payload(shape))
        text = text.replace("Germany", "Germ\\ud83dany\\u0000").replace("51-200", "51\\udfff-200")
        answer = world.hook.post(text.encode(), token=TOKENS[source])
        assert answer.status == 201, answer
    for lead in lead_rows(world):
        values = [str(v) for v in lead["fields"].values()]
        assert values
        assert all(storable(v) == v for v in values)


def test_a_payload_that_is_unparsed_keeps_its_raw_body_storable(world: World) -> None:
    answer = world.hook.post(b'{"comment": "call me \\u0000 \\ud800"}')
    assert answer.status == 202, answer
    (lead,) = lead_rows(world)
    assert "\x00" not in lead["raw_text"]


# --- 4. an Idempotency-Key that is not UTF-8 --------------------------------------------------


def test_an_idempotency_key_of_raw_bytes_or_latin1_is_taken_and_its_retry_is_a_duplicate(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"email": "kim@stark.example"}).encode()
    for key in (b"\xff\xfe-k", "clé-4711".encode("latin-1")):
        first = world.hook.raw(body, {**BEARER, "Idempotency-Key": key})
        again = world.hook.raw(body, {**BEARER, "Idempotency-Key": key})
        other = world.hook.raw(body, {**BEARER, "Idempotency-Key": key + b"2"})
        assert (first.status, again.status, other.status) == (201, 200, 201), (key, first, again)
        assert again.json()["id"] == first.json()["id"] != other.json()["id"]
    assert tracebacks(caplog) == []


# --- 5. Content-Encoding ----------------------------------------------------------------------


PACKED: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # bare deflate, as some send it
    ("identity", lambda data: data),
    ("", lambda data: data),
]


def test_a_gzip_or_deflate_body_is_inflated_and_read(world: World) -> None:
    for n, (encoding, pack) in enumerate(PACKED):
        sent = {"email": f"ada{n}@lovelace.example", "company": f"Engines {encoding}"}
        answer = world.hook.raw(
            pack(json.dumps(sent).encode()), {**BEARER, "Content-Encoding": encoding}
        )
        assert answer.status == 201, (encoding, answer)
    assert [lead["company"] for lead in lead_rows(world)] == [
        f"Engines {encoding}".strip() for encoding, _ in PACKED
    ]


def test_a_signature_covers_the_compressed_bytes_as_sent(world: World) -> None:
    body = gzip.compress(json.dumps({"email": "ada@lovelace.example"}).encode())
    headers = {
        "Content-Type": JSON,
        "Content-Encoding": "gzip",
        "Typeform-Signature": typeform_signature(TOKENS["typeform"], body),
    }
    assert world.hook.raw(body, headers).status == 201


REFUSED_ENCODINGS = [
    ("gzip", b'{"email": "a@b.example"}', 400, "not gzip data"),
    ("deflate", b'{"email": "a@b.example"}', 400, "not deflate data"),
    ("gzip", gzip.compress(b'{"email": "a@b.example"}')[:-6], 400, "not one whole gzip"),
    ("gzip", gzip.compress(b"{}") + b"junk", 400, "not one whole gzip"),
    ("br", b"\x1b\x00", 415, "unsupported Content-Encoding 'br'"),
    ("zstd", b"\x28\xb5\x2f\xfd", 415, "unsupported Content-Encoding"),
    ("gzip, br", b"x", 415, "unsupported Content-Encoding"),
    ("gzip", gzip.compress(b" " * (8 * 1024 * 1024)), 413, "once inflated"),  # 8 KiB → 8 MiB
]


def test_a_body_that_is_not_what_its_encoding_says_is_refused_in_json(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    for encoding, body, status, says in REFUSED_ENCODINGS:
        answer = world.hook.raw(body, {**BEARER, "Content-Encoding": encoding})
        assert answer.status == status, (encoding, answer)
        assert is_json(answer)
        assert says in answer.json()["error"], (encoding, answer)
    assert lead_rows(world) == []
    assert tracebacks(caplog) == []


def test_a_compressed_body_is_not_inflated_before_its_sender_is_known(world: World) -> None:
    bomb = gzip.compress(b" " * (8 * 1024 * 1024))
    answer = world.hook.raw(bomb, {"Content-Type": JSON, "Content-Encoding": "gzip"})
    assert answer.status == 401
    assert is_json(answer)


# --- 6. every answer is JSON, whatever the size -----------------------------------------------


def test_a_body_of_256_kib_plus_one_byte_is_refused_in_json_by_its_length(world: World) -> None:
    answer = world.hook.raw(b" " * (256 * 1024 + 1), BEARER)
    assert answer.status == 413
    assert is_json(answer)
    assert "256 KiB" in answer.json()["error"]


def test_a_chunked_body_over_the_limit_is_refused_in_json(world: World) -> None:
    for size in (256 * 1024 + 1, 2 * 1024 * 1024):  # over the route's limit, over the server's
        chunks = (b" " * 65536 for _ in range(size // 65536 + 1))
        answer = world.hook.raw(chunks, BEARER)
        assert answer.status == 413
        assert is_json(answer)
        assert "256 KiB" in answer.json()["error"]
    assert lead_rows(world) == []


def test_a_content_length_over_the_server_limit_is_refused_in_json_before_it_is_read(
    world: World,
) -> None:
    headers = {**BEARER, "Content-Length": str(5 * 1024 * 1024)}
    answer = world.hook.raw(b"{", headers)
    assert answer.status == 413
    assert is_json(answer)


def test_a_get_is_refused_in_json_and_says_what_is_allowed(world: World) -> None:
    answer = world.hook.raw(b"", {}, method="GET")
    assert answer.status == 405
    assert is_json(answer)
    assert "POST" in answer.headers["Allow"]


def test_a_number_too_long_to_read_is_a_400(world: World) -> None:
    answer = world.hook.post(b'{"email": "a@b.example", "n": ' + b"9" * 5000 + b"}")
    assert answer.status == 400
    assert "not readable JSON" in answer.json()["error"]


# --- Typeform's own signature (issue 18, item 21) ---------------------------------------------


def test_typeform_calls_signed_with_the_sources_token_as_secret_are_taken_as_that_source(
    world: World,
) -> None:
    body = json.dumps(payload("typeform_form_response")).encode()
    answer = world.hook.typeform(body, TOKENS["typeform"])
    assert answer.status == 201, answer
    (lead,) = lead_rows(world)
    assert lead["fields"]["source"] == "typeform"
    assert world.hook.typeform(body, TOKENS["typeform"]).status == 200  # a replay is a retry


def test_a_forged_typeform_signature_gets_401_and_stores_nothing(world: World) -> None:
    body = json.dumps(payload("typeform_form_response")).encode()
    for sent in ["", "sha256=", "sha256=AAAA", "sha1=abc", "sha256=" + "A" * 44, "\udcff"]:
        value = sent.encode("utf-8", "surrogateescape")
        answer = world.hook.raw(body, {"Content-Type": JSON, "Typeform-Signature": value})
        assert answer.status == 401, (sent, answer)
        assert is_json(answer)
    assert lead_rows(world) == []


def test_a_typeform_signature_over_other_bytes_gets_401(world: World) -> None:
    body = json.dumps(payload("typeform_form_response")).encode()
    signed = typeform_signature(TOKENS["typeform"], body + b" ")
    answer = world.hook.raw(body, {"Content-Type": JSON, "Typeform-Signature": signed})
    assert answer.status == 401
