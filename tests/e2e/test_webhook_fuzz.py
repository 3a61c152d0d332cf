"""Fuzzing ``POST /leads`` over real HTTP, on SQLite and PostgreSQL, as the internet could call it.

Any JSON shape (flat, HubSpot, Typeform, junk), form fields, broken bodies, escaped surrogates
and NUL, every ``Content-Encoding``, odd and long ``Idempotency-Key``s, bearer tokens and both
signatures: every answer is JSON below 500, a 201 or 202 is exactly one new lead and anything
else none, a retry with a key takes nothing twice, and the server log holds no traceback.
Then every lead page the fuzz made renders. Bounded: a few hundred examples, fixed seeds.
"""

from __future__ import annotations

import gzip
import itertools
import json
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.web.webhook import signature, typeform_signature
from routing.roles import Platform
from routing.usecases.context import Actor
from storage import tables as t
from tests.e2e.conftest import MANAGER
from tests.e2e.slack_double import Answer, SlackDouble
from tests.e2e.webhook_support import FORM, JSON, TOKENS, World, webhook_world
from tests.support.clock import FakeClock
from tests.support.dashboard import Browser, Served
from tests.support.payloads import as_json, broken, forms, header_keys, objects
from tests.support.server_log import fuzz_counts, tracebacks

BODIES = 250
FUZZ = settings(
    max_examples=BODIES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ENCODINGS = {
    "": lambda body: body,
    "identity": lambda body: body,
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": lambda body: body,  # refused: 415
}
ANSWERS = {200, 201, 202, 400, 401, 413, 415}


@pytest.fixture
def world(db_url: str, clock: FakeClock, slack_double: SlackDouble) -> Iterator[World]:
    with webhook_world(db_url, clock, slack_double) as running:
        yield running


def credentials(world: World, how: str, body: bytes) -> dict[str, str]:
    if how == "typeform-signature":
        return {"Typeform-Signature": typeform_signature(TOKENS["typeform"], body)}
    if how == "baton-signature":
        stamp = str(int(world.hook.clock().timestamp()))
        return {
            "X-Baton-Timestamp": stamp,
            "X-Baton-Signature": signature(TOKENS["hubspot"], stamp, body),
        }
    return {"Authorization": f"Bearer {TOKENS.get(how, 'forged-token')}"}


def leads(world: World) -> int:
    return world.rows("leads")


def test_every_fuzzed_webhook_body_is_answered_in_json_below_500_without_a_traceback(
    world: World, caplog: pytest.LogCaptureFixture, db_url: str
) -> None:
    seen: Counter[int] = Counter()
    examples = itertools.count(1)

    @FUZZ
    @given(
        body=st.one_of(objects.map(as_json), forms, broken),
        form=st.booleans(),
        encoding=st.sampled_from(["", "", "", *ENCODINGS]),
        how=st.sampled_from(
            ["website", "typeform", "hubspot", "typeform-signature", "baton-signature", "forged"]
        ),
        key=header_keys,
        retried=st.booleans(),
    )
    def one(
        body: bytes, form: bool, encoding: str, how: str, key: str | bytes | None, retried: bool
    ) -> None:
        caplog.clear()
        sent = ENCODINGS[encoding](body)
        headers: dict[str, str | bytes] = {"Content-Type": FORM if form else JSON}
        headers.update(credentials(world, how, sent))
        if encoding:
            headers["Content-Encoding"] = encoding
        if key is not None:  # unique to this example: a retry, not another example, repeats it
            unique = f"{next(examples)}:"
            headers["Idempotency-Key"] = (
                unique + key if isinstance(key, str) else unique.encode() + key
            )
        before = leads(world)
        answer = world.hook.raw(sent, headers)
        seen[answer.status] += 1
        check(answer, before, leads(world))
        if retried:
            before = leads(world)
            again = world.hook.raw(sent, headers)
            seen[again.status] += 1
            check(again, before, leads(world))
            if key is not None and answer.status in (201, 202):
                assert again.status == 200, (again, key)
                assert again.json()["id"] == answer.json()["id"]
        assert tracebacks(caplog) == []

    one()
    print(fuzz_counts("webhook bodies", db_url, seen))
    assert not any(status >= 500 for status in seen)
    assert seen[201] > 0
    assert seen[400] > 0
    every_lead_page_renders(world, caplog)


def check(answer: Answer, before: int, after: int) -> None:
    assert answer.status in ANSWERS, answer
    assert answer.headers["Content-Type"].startswith("application/json"), answer
    shown: Any = json.loads(answer.body)
    created = answer.status in (201, 202)
    assert after == before + (1 if created else 0), (answer, before, after)
    if answer.status >= 400:
        assert isinstance(shown["error"], str)
    else:
        assert shown["lead"] == f"L-{shown['id']}"


def every_lead_page_renders(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """The fuzzed database, read back: every lead page, the leads table and both exports."""
    caplog.clear()
    served = Served(world.baton, world.slack.url)
    manager = Browser(served)
    assert manager.get(served.link(Actor(Platform.SLACK, MANAGER, "Maya")))[0] == 200
    with world.baton.engine.connect() as conn:
        ids = list(conn.execute(select(t.leads.c.id)).scalars())
    pages = [f"/dashboard/leads/{lead_id}" for lead_id in ids]
    pages += ["/dashboard/leads", "/dashboard/export/leads.csv", "/dashboard/export/events.csv"]
    statuses = Counter(manager.get(page)[0] for page in pages)
    print(
        fuzz_counts(
            f"lead pages of {len(ids)} fuzzed leads", world.baton.settings.database_url, statuses
        )
    )
    assert statuses == Counter({200: len(pages)})
    assert tracebacks(caplog) == []
