"""``POST /leads`` over real HTTP: authenticated per source, every body shape, retries, limits,
and the lead's card and thread in the Slack intake channel as for a posted lead."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import INTAKE, MANAGER
from tests.e2e.slack_double import SlackDouble
from tests.e2e.webhook_support import FORM, JSON, TOKENS, World, payload, webhook_world
from tests.support.clock import FakeClock


@pytest.fixture
def world(sqlite_url: str, clock: FakeClock, slack_double: SlackDouble) -> Iterator[World]:
    with webhook_world(sqlite_url, clock, slack_double) as running:
        yield running


def set_up_qualifiers(world: World) -> None:
    for line in ("/rotation add <@UALICE|alice> qualifier", "/rotation add <@UBOB|bob> qualifier"):
        assert world.slack.command(line, MANAGER).status == 200
    world.deliver()
    world.double.calls.clear()


def top_level_cards(world: World) -> list[Any]:
    return [c for c in world.double.posts(INTAKE) if "thread_ts" not in c.params]


def test_a_bearer_lead_gets_201_and_its_card_opens_a_thread_in_the_intake_channel(
    world: World,
) -> None:
    set_up_qualifiers(world)
    answer = world.hook.send(payload("flat"))
    assert answer.status == 201, answer
    assert answer.json() == {"lead": "L-1", "id": 1, "status": "created"}
    world.deliver()

    (card,) = top_level_cards(world)
    assert card.shows("L-1")
    assert card.shows("Umbrella Corp")
    assert card.shows("<@UALICE>")
    assert card.shows("Plan")
    assert card.shows("enterprise")
    (dm,) = world.double.posts("UALICE")
    assert dm.shows("New lead L-1")

    assert world.slack.command("/lead claim L-1", "UALICE").status == 200
    world.deliver()
    updates = world.double.to("chat.update")
    assert updates
    assert updates[-1].params["ts"] == card.answer["ts"]
    thread = [c for c in world.double.posts(INTAKE) if c.params.get("thread_ts")]
    assert all(c.params["thread_ts"] == card.answer["ts"] for c in thread)


def test_webhook_leads_take_the_same_rotation_turns_as_posted_leads(world: World) -> None:
    set_up_qualifiers(world)
    world.slack.post_lead("Lead: Ann Lee, ann@acme.example, Acme")
    assert world.hook.send({"email": "raj@hooli.example", "company": "Hooli"}).status == 201
    world.slack.post_lead("Lead: Kim Ro, kim@stark.example, Stark")
    assert world.hook.send({"email": "li@wayne.example", "company": "Wayne"}).status == 201
    world.deliver()
    owners = [world.double.posts(user) for user in ("UALICE", "UBOB")]
    assert [len(dms) for dms in owners] == [2, 2]
    assert [dm.shows("L-1") or dm.shows("L-3") for dm in owners[0]] == [True, True]


def test_a_signed_request_is_accepted_and_a_stale_or_forged_one_gets_401(
    world: World,
) -> None:
    body = json.dumps(payload("flat")).encode()
    assert world.hook.signed(body, TOKENS["website"], age=301).status == 401
    assert world.hook.signed(body, "not-the-token").status == 401
    assert world.rows("leads") == 0
    answer = world.hook.signed(body, TOKENS["website"], age=120)
    assert answer.status == 201, answer


@pytest.mark.parametrize(
    ("token", "headers"),
    [
        (None, {}),
        ("wrong-token", {}),
        (None, {"Authorization": "Basic d2Vic2l0ZQ=="}),
        (None, {"X-Baton-Signature": "sha256=00", "X-Baton-Timestamp": "soon"}),
    ],
    ids=["missing", "wrong-token", "other-scheme", "junk-signature"],
)
def test_bad_credentials_get_401_json_and_store_nothing(
    world: World, token: str | None, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    answer = world.hook.send(payload("flat"), token=token, headers=headers)
    assert answer.status == 401
    assert "unauthorised" in answer.json()["error"]
    assert world.rows("leads") == 0
    assert world.rows("intake_keys") == 0
    assert world.deliver() == 0
    assert not [r for r in caplog.records if r.exc_info]


def test_a_retry_with_the_same_idempotency_key_returns_the_same_lead_with_200(
    world: World,
) -> None:
    key = {"Idempotency-Key": "form-4711"}
    first = world.hook.send(payload("flat"), headers=key)
    again = world.hook.send(payload("flat"), headers=key)
    other = world.hook.send(payload("flat"), headers={"Idempotency-Key": "form-4712"})
    assert (first.status, again.status, other.status) == (201, 200, 201)
    assert again.json() == {"lead": "L-1", "id": 1, "duplicate": True}
    assert other.json()["id"] == 2
    assert world.rows("leads") == 2


def test_a_typeform_response_is_read_by_field_ref_and_title_and_its_token_dedupes(
    world: World,
) -> None:
    set_up_qualifiers(world)
    sent = payload("typeform_form_response")
    first = world.hook.send(sent, token=TOKENS["typeform"])
    again = world.hook.send(sent, token=TOKENS["typeform"])
    assert (first.status, again.status) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    world.deliver()
    (card,) = top_level_cards(world)
    for shown in ("Globex", "Laura Chen", "laura@globex.example", "+4915112345678", "51-200"):
        assert card.shows(shown), shown
    assert card.shows("Routing, Digest")
    assert card.shows("winter-promo")


def test_a_hubspot_form_submission_is_read_and_its_submission_id_dedupes(world: World) -> None:
    set_up_qualifiers(world)
    sent = payload("hubspot_form_submission")
    first = world.hook.send(sent, token=TOKENS["hubspot"])
    again = world.hook.send(sent, token=TOKENS["hubspot"])
    assert (first.status, again.status) == (201, 200)
    world.deliver()
    (card,) = top_level_cards(world)
    for shown in ("Initech", "Dmitri Volkov", "dmitri@initech.example", "Germany", "hubspot"):
        assert card.shows(shown), shown


def test_form_encoded_fields_make_a_lead_and_unknown_fields_are_kept(world: World) -> None:
    set_up_qualifiers(world)
    body = urllib.parse.urlencode(
        {"Email": "mo@tyrell.example", "Company name": "Tyrell", "budget_band": "50k+"}
    ).encode()
    assert world.hook.post(body, FORM).status == 201
    world.deliver()
    (card,) = top_level_cards(world)
    assert card.shows("Tyrell")
    assert card.shows("Budget band")
    assert card.shows("50k+")


def test_a_payload_without_email_or_phone_is_kept_unparsed_for_managers_with_202(
    world: World,
) -> None:
    world.slack.command("/lead mine", MANAGER)  # Maya is known to Baton
    answer = world.hook.send({"name": "Just a name", "comment": "call me"})
    assert answer.status == 202
    assert answer.json()["status"] == "unparsed"
    world.deliver()
    (card,) = top_level_cards(world)
    assert card.shows("couldn't read a lead")
    assert any(dm.shows("needs a human") for dm in world.double.posts(MANAGER))
    shown = world.slack.command("/lead show L-1", MANAGER)
    assert "call me" in shown.json()["text"]


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (b'{"email": "a@b.example",', JSON, "not valid JSON"),
        (b"[1, 2]", JSON, "expected a JSON object"),
        (b"\xff\xfe", JSON, "not UTF-8"),
        (b"email=a@b.example", "text/csv", "unsupported Content-Type"),
        (b"[" * 100_000 + b"]" * 100_000, JSON, "JSON"),
    ],
    ids=["truncated", "array", "binary", "csv", "deeply-nested"],
)
def test_a_body_that_is_not_json_or_form_gets_400_saying_what_was_wrong(
    world: World, body: bytes, content_type: str, says: str
) -> None:
    answer = world.hook.post(body, content_type)
    assert answer.status == 400
    assert says in answer.json()["error"]
    assert world.rows("leads") == 0


def test_a_body_over_256_kib_gets_413_and_stores_nothing(world: World) -> None:
    big = json.dumps({"email": "a@b.example", "notes": "x" * (300 * 1024)}).encode()
    answer = world.hook.post(big)
    assert answer.status == 413
    assert "256 KiB" in answer.json()["error"]
    assert world.rows("leads") == 0


def test_an_accented_address_and_a_phone_in_a_sentence_become_leads_over_http(
    world: World,
) -> None:
    set_up_qualifiers(world)
    answer = world.hook.send({"email": "léa@exemple.fr", "name": "Léa Martin"})
    assert answer.status == 201, answer
    world.slack.post_lead(
        "Hi, this is Tom Baker from Initech, please call me back on (415) 555-0142 about pricing"
    )
    world.deliver()
    (card,) = top_level_cards(world)
    assert card.shows("Léa Martin")
    assert card.shows("léa@exemple.fr")
    posts = world.double.posts(INTAKE)
    assert any(p.shows("Initech — Tom Baker") and p.shows("(415) 555-0142") for p in posts)
