"""Fuzzing ``POST /api/messages`` over real HTTP, as the internet and Teams could call it.

Auth on: whatever the body, no token or a forged one is a 401 with no connector call and no
write. Auth off (local development): any shape is answered without a 5xx or an ERROR record, and
every intake post Baton can read becomes exactly one lead. Bounded: a few hundred examples.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.teams_support import (
    ALICE,
    BOT,
    MAYA,
    WEB,
    MicrosoftKeys,
    Teams,
    TeamsWorld,
    teams_world,
)
from tests.e2e.test_teams_requests import APP_ID, WRITTEN
from tests.support.clock import FakeClock

SHAPES = 150
POSTS = 60
FORGED = 100
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIELDS = (
    "type", "id", "from", "recipient", "conversation", "channelData", "entities", "attachments",
    "value", "name", "serviceUrl", "text", "textFormat", "localTimezone", "membersAdded",
    "replyToId", "timestamp", "channelId", "action",
)  # fmt: skip
_ids = itertools.count(1)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from((*FIELDS, "id", "name", "mentioned", "tenant")), inner, max_size=4
        )
    ),
    max_leaves=12,
)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)
"""What an HTTP header can carry (aiohttp refuses, and logs, malformed HTTP before Baton runs)."""
noisy_entities = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["mention", "clientInfo", "Mention", "x"])},
        optional={"mentioned": json_values, "text": json_values, "extra": json_values},
    ),
    max_size=4,
)


@pytest.fixture
def open_world(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        yield world


@pytest.fixture
def secured(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with (
        MicrosoftKeys(APP_ID).installed() as keys,
        teams_world(
            tmp_path, clock, microsoft_app_id=APP_ID, microsoft_app_password="not-the-secret"
        ) as world,
    ):
        world.keys = keys  # type: ignore[attr-defined]
        yield world


def unique(activity: dict[str, Any]) -> dict[str, Any]:
    """Each example its own activity id, so no example is a redelivery of another (a channel
    post's conversation id names it as its thread's root)."""
    new_id = f"1{next(_ids):012d}"
    conversation = dict(activity["conversation"])
    conversation["id"] = conversation["id"].replace(
        f"messageid={activity['id']}", f"messageid={new_id}"
    )
    return {**activity, "id": new_id, "conversation": conversation}


@st.composite
def activities(draw: st.DrawFn, teams: Teams) -> dict[str, Any]:
    """A real activity shape with some fields replaced by anything JSON can hold, or dropped."""
    base = draw(
        st.sampled_from(
            [
                teams.lead_post(WEB, "Lead: Sam Ortiz, sam@umbrella.co"),
                teams.say_personal(MAYA, "lead mine"),
                teams.say_in_channel(ALICE, "lead show L-1", channel="19:x@thread.tacv2"),
                teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1}),
                teams.submit(ALICE, {"baton": "disqualify", "lead": 1, "reason": "x"}),
                teams.added_to_team(MAYA, ALICE),
                teams.installed_personally(ALICE),
            ]
        )
    )
    changed = draw(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4))
    dropped = draw(st.sets(st.sampled_from(FIELDS), max_size=3))
    return {k: v for k, v in {**unique(base), **changed}.items() if k not in dropped}


def no_errors(caplog: pytest.LogCaptureFixture, since: int) -> list[str]:
    return [
        f"{r.levelname} {r.getMessage()[:200]}"
        for r in caplog.records[since:]
        if r.levelno >= logging.ERROR or r.exc_info
    ]


def test_any_activity_shape_is_answered_without_a_5xx_or_an_error(
    open_world: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[int] = []

    @settings(FUZZ, max_examples=SHAPES)
    @given(
        st.one_of(
            activities(open_world.teams),
            json_values,
            st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6),
        )
    )
    def answer(body: Any) -> None:
        since = len(caplog.records)
        status = open_world.post(body).status
        seen.append(status)
        assert status < 500, json.dumps(body)[:500]
        assert no_errors(caplog, since) == []

    answer()
    assert len(seen) >= SHAPES // 2
    assert all(status < 500 for status in seen)


def test_every_readable_intake_post_becomes_one_lead(
    open_world: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[int] = []

    @settings(FUZZ, max_examples=POSTS)
    @given(
        text=st.text(max_size=2_000),
        entities=noisy_entities,
        html=st.booleans(),
        name=st.text(max_size=60),
    )
    def post(text: str, entities: list[dict[str, Any]], html: bool, name: str) -> None:
        activity = unique(open_world.teams.lead_post(WEB, f"<p>{text}</p>" if html else text))
        activity["entities"] = activity["entities"] + [
            e for e in entities if _not_about(e, BOT["id"])
        ]
        activity["from"] = {**activity["from"], "name": name}
        since, leads = len(caplog.records), open_world.rows("leads")

        status = open_world.post(activity).status

        seen.append(status)
        assert status == 200
        assert open_world.rows("leads") == leads + 1
        assert no_errors(caplog, since) == []

    post()
    assert len(seen) >= POSTS // 2


def _not_about(entity: dict[str, Any], bot_id: str) -> bool:
    """A post that mentions Baton with a command is a command, not a lead: keep the bot out."""
    return bot_id not in json.dumps(entity)


def test_with_an_app_id_no_body_gets_in_without_a_valid_token(
    secured: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    keys: MicrosoftKeys = secured.keys  # type: ignore[attr-defined]
    url = secured.teams.service_url
    before = {table: secured.rows(table) for table in WRITTEN}
    tokens = st.one_of(
        st.none(),
        header_text,
        header_text.map(lambda t: f"Bearer {t}"),
        st.sampled_from(
            [
                keys.token(url, signer=keys.attacker),
                keys.token(url, kid="unknown"),
                keys.token(url, aud="another-bot"),
                keys.token(url, iss="https://sts.attacker.example"),
                keys.token(url, exp=1_000_000_000),
            ]
        ),
    )
    seen: list[int] = []

    @settings(FUZZ, max_examples=FORGED)
    @given(body=st.one_of(activities(secured.teams), json_values), token=tokens)
    def refuse(body: Any, token: str | None) -> None:
        since = len(caplog.records)
        status = secured.post(body, token=token).status
        seen.append(status)
        assert status == 401
        assert no_errors(caplog, since) == []

    refuse()
    assert len(seen) >= FORGED // 2
    assert {table: secured.rows(table) for table in WRITTEN} == before
    assert secured.double.calls == []
