"""Fuzzed Slack traffic over real HTTP: signed slash commands, lead posts and interactivity.

Whatever the text or the JSON shapes, Baton answers below 500, logs no ERROR, and every post in
an intake channel becomes exactly one lead (parsed or unparsed), redeliveries included.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import INTAKE, MANAGER, TEAM, SlackWorld
from tests.e2e.slack_double import FORM, JSON, fixture

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
TRICKY = [
    "payload",
    "bad payload",
    "payload=%7B",
    "&payload=1&command=/x",
    "\x00",
    "L-1 \x00 payload",
    "a" * 5000,
    " :" + "x" * 3000,
    "<@UALICE> <!channel> <#C1|x>",
    "L-99999999999999999999",
    "Lead: Ünïcødé Ltd, 名前@例え.jp, 🚀",
]
words = st.text(st.characters(codec="utf-8"), max_size=200)
texts = st.one_of(
    words,
    st.sampled_from(TRICKY),
    st.tuples(st.sampled_from(TRICKY), words).map(" ".join),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
ids_or_junk = st.one_of(st.sampled_from(list(TEAM)), json_values)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()[:300]}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None
    ]


@pytest.fixture
def team(slack: SlackWorld) -> SlackWorld:
    for line in ("/rotation add <@UALICE> qualifier", "/rotation add <@UCARL> closer"):
        assert slack.slack.command(line, MANAGER).status == 200
    slack.slack.post_lead("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    return slack


def test_fuzzed_signed_slash_commands_are_always_answered(
    team: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[int] = []

    @FUZZ
    @given(
        command=st.sampled_from(["/lead", "/rotation", "/funnel"]),
        text=texts,
        user=st.sampled_from(list(TEAM)),
        channel_name=st.one_of(st.just("payload-team"), words),
    )
    def one(command: str, text: str, user: str, channel_name: str) -> None:
        caplog.clear()
        form = dict(urllib.parse.parse_qsl(team.slack.command_body(command, user).decode()))
        form.update(text=text, channel_name=channel_name)
        answer = team.slack.post(urllib.parse.urlencode(form).encode(), FORM)
        seen.append(answer.status)
        assert answer.status == 200, (command, text, answer.body[:200])
        assert errors(caplog) == []

    one()
    print(f"slash commands: {len(seen)} examples, 5xx: {sum(s >= 500 for s in seen)}")


def test_every_fuzzed_lead_post_becomes_exactly_one_lead(
    team: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[int] = []

    @FUZZ
    @given(
        text=st.one_of(texts, st.just("\ud800 lone half of a pair")),
        user=ids_or_junk,
        extra=st.dictionaries(
            st.sampled_from(["attachments", "blocks", "files", "bot_profile", "edited"]),
            json_values,
            max_size=3,
        ),
        subtype=st.sampled_from([None, "bot_message", "file_share"]),
        bot_id=st.sampled_from([None, "BOTHERAPP"]),
        redelivered=st.booleans(),
    )
    def one(
        text: str,
        user: Any,
        extra: dict[str, Any],
        subtype: str | None,
        bot_id: str | None,
        redelivered: bool,
    ) -> None:
        caplog.clear()
        event = team.slack.message("")
        event.update(text=text, user=user, **extra)
        if subtype:
            event["subtype"] = subtype
        if bot_id:
            event["bot_id"] = bot_id
        before = team.rows("leads")
        body = team.slack.event_body(event)
        deliveries = [team.slack.post(body, JSON)]
        if redelivered:
            retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            deliveries.append(team.slack.post(body, JSON, headers=retry))
        seen.extend(answer.status for answer in deliveries)
        assert [a.status for a in deliveries] == [200] * len(deliveries), deliveries
        assert team.rows("leads") == before + 1, (text, user, extra)
        assert errors(caplog) == []

    one()
    print(f"lead posts: {len(seen)} deliveries, 5xx: {sum(s >= 500 for s in seen)}")


payload_types = st.sampled_from(
    ["block_actions", "view_submission", "view_closed", "shortcut", "block_suggestion", "x"]
)
actions = st.one_of(
    json_values,
    st.lists(
        st.fixed_dictionaries(
            {
                "action_id": st.one_of(
                    st.sampled_from(["lead:claim", "lead:won", "lead:disqualify", "lead:x"]),
                    json_values,
                ),
                "value": st.one_of(st.sampled_from(["1", "L-1", "99999999999999"]), json_values),
            }
        ),
        max_size=2,
    ),
)
views = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "callback_id": st.one_of(
                st.sampled_from(["lead:won", "lead:qualify", "lead:lost", "lead:"]), json_values
            ),
            "private_metadata": st.one_of(st.sampled_from(["1", "2", ""]), json_values),
            "state": json_values,
            "blocks": json_values,
        }
    ),
)


def test_fuzzed_interactivity_payloads_never_get_a_5xx(
    team: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[int] = []
    base = fixture("block_actions")

    @FUZZ
    @given(
        kind=payload_types,
        user=st.one_of(st.builds(lambda u: {"id": u}, st.sampled_from(list(TEAM))), json_values),
        chosen=actions,
        view=views,
        extra=st.dictionaries(
            st.sampled_from(
                ["container", "channel", "message", "trigger_id", "team", "response_url"]
            ),
            json_values,
            max_size=3,
        ),
    )
    def one(kind: str, user: Any, chosen: Any, view: Any, extra: dict[str, Any]) -> None:
        caplog.clear()
        payload = {
            **base,
            "response_url": f"{team.double.url}/response/fuzz",
            "type": kind,
            "user": user,
            "actions": chosen,
            "view": view,
            **extra,
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        answer = team.slack.post(body, FORM)
        seen.append(answer.status)
        assert answer.status < 500, (payload, answer.body[:200])
        assert errors(caplog) == []

    one()
    print(f"interactivity: {len(seen)} examples, 5xx: {sum(s >= 500 for s in seen)}")
    assert INTAKE
