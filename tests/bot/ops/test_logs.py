"""The log: one JSON object a line in JSON mode, the request and lead where known, and never a
secret, whether configured or merely shaped like one."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.ops import logs
from bot.ops.logs import REDACTOR, about_lead, configure_logging, configured_secrets

SECRETS = {
    "slack_bot_token": "xoxb-1111-2222-abcdefghijkl",
    "slack_signing_secret": "signing-secret-0f9e8d7c",
    "microsoft_app_password": "teams-app-password-42",
    "baton_secret_key": "dashboard-signing-key-777",
    "baton_metrics_token": "metrics-token-5150",
    "baton_webhook_sources": "website:tok-website-5d1f",
    "database_url": "postgresql://baton:db-password-9@db.example/baton",
}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root handler writing into a buffer, restored afterwards."""
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    hooks = (sys.excepthook, threading.excepthook)
    out = io.StringIO()
    yield out
    sys.excepthook, threading.excepthook = hooks
    logging.captureWarnings(False)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in before[0]:
        root.addHandler(handler)
    root.setLevel(before[1])
    logs._FORMAT[0] = "text"


def use(out: io.StringIO, fmt: logs.LogFormat) -> None:
    settings = Settings(_env_file=None, **SECRETS)  # type: ignore[call-arg, arg-type]
    configure_logging(fmt, logging.INFO, configured_secrets(settings))
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "baton_handler", False))
    handler.setStream(out)  # type: ignore[attr-defined]


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_in_json_mode_a_record_is_one_object_with_time_level_logger_and_message(
    captured: io.StringIO,
) -> None:
    use(captured, "json")
    logging.getLogger("bot.somewhere").warning("lead %s moved", "L-7")
    (line,) = lines(captured)
    assert line["level"] == "WARNING"
    assert line["logger"] == "bot.somewhere"
    assert line["message"] == "lead L-7 moved"
    assert str(line["time"]).endswith("+00:00")


def test_a_traceback_stays_inside_its_json_line(captured: io.StringIO) -> None:
    use(captured, "json")
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        logging.getLogger("bot").exception("it failed")
    (line,) = lines(captured)
    assert "ValueError: boom" in str(line["exception"])


def test_the_lead_and_the_request_being_worked_on_are_named(captured: io.StringIO) -> None:
    use(captured, "json")
    token = logs.REQUEST_ID.set("req-1")
    try:
        with about_lead(42):
            logging.getLogger("bot").warning("delivering")
    finally:
        logs.REQUEST_ID.reset(token)
    logging.getLogger("bot").warning("after")
    first, after = lines(captured)
    assert (first["lead_id"], first["request_id"]) == (42, "req-1")
    assert "lead_id" not in after
    assert "request_id" not in after


def test_text_mode_stays_the_default_line(captured: io.StringIO) -> None:
    use(captured, "text")
    with about_lead(3):
        logging.getLogger("bot.x").warning("hello")
    assert captured.getvalue().rstrip().endswith("WARNING bot.x: hello [lead=3]")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_configured_secret_reaches_a_line(captured: io.StringIO, fmt: logs.LogFormat) -> None:
    use(captured, fmt)
    log = logging.getLogger("bot.leaky")
    for value in ("xoxb-1111-2222-abcdefghijkl", "signing-secret-0f9e8d7c", "db-password-9"):
        log.warning("token was %s", value)
    log.warning("%s", {"password": "teams-app-password-42", "key": "dashboard-signing-key-777"})
    log.warning("metrics-token-5150 and tok-website-5d1f")
    try:
        raise RuntimeError("refused xoxb-1111-2222-abcdefghijkl")
    except RuntimeError:
        log.exception("call failed")
    written = captured.getvalue()
    for secret in (
        "xoxb-1111-2222-abcdefghijkl",
        "signing-secret-0f9e8d7c",
        "teams-app-password-42",
        "dashboard-signing-key-777",
        "metrics-token-5150",
        "tok-website-5d1f",
        "db-password-9",
    ):
        assert secret not in written
    assert "[redacted]" in written


@pytest.mark.parametrize(
    ("said", "secret"),
    [
        ("with xoxp-9-8-7-unknown token", "xoxp-9-8-7-unknown"),
        ("app token xapp-1-A0-123-abc", "xapp-1-A0-123-abc"),
        ("header Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"),
        (
            "fetch https://calendar.google.com/calendar/ical/x/private-abc123/basic.ics failed",
            "private-abc123",
        ),
        ("fetch webcal://outlook.example/owa/calendar/secret-99/cal failed", "secret-99"),
        ("open postgresql://u:hunter22@host/db", "hunter22"),
        ("link https://baton.example/dashboard?t=eyJzdWIiOiJzbGFjayJ9.sig", "eyJzdWIiOiJzbGFjayJ9"),
        (
            "chart https://baton.example/charts/ZGF5OjIwMjYtMTEtMjI.abcdefgh.png",
            "ZGF5OjIwMjYtMTEtMjI",
        ),
    ],
)
def test_what_is_shaped_like_a_secret_is_hidden_though_never_configured(
    said: str, secret: str
) -> None:
    assert secret not in REDACTOR.redact(said)


def test_a_secret_learnt_at_run_time_is_hidden_from_then_on(captured: io.StringIO) -> None:
    use(captured, "text")
    REDACTOR.hide("calendar-feed-token-31")
    logging.getLogger("bot.calendar").warning("fetching calendar-feed-token-31")
    assert "calendar-feed-token-31" not in captured.getvalue()
