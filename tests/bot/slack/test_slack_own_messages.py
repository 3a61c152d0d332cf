"""Baton's own messages are told apart from the event alone, so no post waits for ``auth.test``:
a form app's ``bot_message`` is another app's, Baton's card is its own."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.transport.identity import BotIds, written_by_this_app
from tests.e2e.slack_double import fixture

BATON_APP = "A0BATON01"


def _body(**event: Any) -> dict[str, Any]:
    body = fixture("event_callback")
    body["event"] = {"type": "message", "channel": "C0INTAKE", "ts": "1.2", **event}
    return body


def test_a_message_carrying_this_apps_id_is_baton_s_own_without_any_api_call() -> None:
    assert written_by_this_app(_body(bot_id="BBATON", app_id=BATON_APP))
    assert written_by_this_app(_body(bot_id="BBATON", bot_profile={"app_id": BATON_APP}))


def test_a_message_from_the_bot_user_the_envelope_is_for_is_baton_s_own() -> None:
    assert written_by_this_app(_body(user="UBATON", text="L-4 → @alice"))


def test_a_form_apps_bot_message_is_not_baton_s_own_before_or_after_auth_test() -> None:
    form = fixture("message_bot_form")
    for known in (None, BotIds("UBATON", "BBATON")):
        assert not written_by_this_app(_body(**form), known)
        assert not written_by_this_app(_body(**form, app_id="A0HUBSPOT"), known)


def test_the_ids_auth_test_gave_still_recognise_an_older_shape() -> None:
    body = _body(bot_id="BBATON", subtype="bot_message")
    del body["api_app_id"]
    assert not written_by_this_app(body)
    assert written_by_this_app(body, BotIds("UBATON", "BBATON"))


def test_a_persons_post_is_never_baton_s_own() -> None:
    assert not written_by_this_app(_body(user="UWEB", text="Lead: Sam"), BotIds("UBATON", "B1"))


@pytest.mark.parametrize(
    "odd",
    [
        {"app_id": {"x": 1}},
        {"bot_profile": "A0BATON01"},
        {"bot_profile": {"app_id": ["A0BATON01"]}},
        {"user": 42},
    ],
)
def test_odd_shapes_are_not_mistaken_for_baton_s_own(odd: dict[str, Any]) -> None:
    body = _body(**odd)
    body["authorizations"] = [{"user_id": None, "is_bot": True}, "junk"]
    assert not written_by_this_app(body)


def test_only_message_events_are_checked() -> None:
    body = _body(app_id=BATON_APP)
    body["event"]["type"] = "app_home_opened"
    assert not written_by_this_app(body)
