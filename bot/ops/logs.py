"""How Baton writes its log: text (the default) or one JSON object a line
(``BATON_LOG_FORMAT=json``), and never a secret.

One handler on the root logger writes every record of every library (Bolt, aiohttp, APScheduler,
botbuilder) the same way; Python's warnings and uncaught exceptions in any thread are routed
through it too, so in JSON mode no line is anything but a JSON object. A JSON line holds
``time``, ``level``, ``logger``, ``message``, and ``lead_id`` and ``request_id`` where they are
known (a record's ``extra``, else the context the HTTP middleware and the outbox sender set), and
``exception`` when there is a traceback.

Every line passes :class:`Redactor` first: the configured secrets (tokens, signing secrets,
passwords, the dashboard's signing key, webhook tokens) are replaced wherever they appear, and so
is anything shaped like a secret that was never configured here (a Slack token, a bearer header,
a password in a database URL, a signed link's token, a calendar's address).
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import ValidationError

from bot.config import Settings

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "[redacted]"
SHORTEST_SECRET = 6
"""A configured value shorter than this is not searched for (it would blank ordinary words)."""

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
LEAD_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("lead_id", default=None)
_REQUEST_ID_SHAPE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

SECRET_SHAPES = (
    (re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+"), HIDDEN),  # Slack tokens
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + HIDDEN),
    (re.compile(r"(?i)\b(webcal|https?)://[^\s\"'<>]*\.ics\b[^\s\"'<>]*"), "[calendar URL]"),
    (re.compile(r"(?i)\bwebcal://[^\s\"'<>]+"), "[calendar URL]"),
    (re.compile(r"(://[^/:@\s\"']+:)[^@\s\"'/]+@"), r"\1" + HIDDEN + "@"),  # URL passwords
    (re.compile(r"([?&](?:t|token|key|signature|sig)=)[^&\s\"'<>]+"), r"\1" + HIDDEN),
    (re.compile(r"(/charts/)[A-Za-z0-9._~-]{16,}"), r"\1" + HIDDEN),
)


class Redactor(logging.Filter):
    """Blanks secrets in a record before any handler formats it (message, arguments and
    traceback alike)."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def hide(self, *values: str | None) -> None:
        """Never write these (a token, a calendar's URL…), wherever they appear."""
        with self._lock:
            self._secrets |= {v for v in values if v and len(v) >= SHORTEST_SECRET}

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, HIDDEN)
        for shape, replacement in SECRET_SHAPES:
            text = shape.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is still a line to keep
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = Redactor()
"""The process's one redactor (adapters that learn a secret at run time call ``hide``)."""


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        lead_id = getattr(record, "lead_id", None) or LEAD_ID.get()
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if lead_id is not None:
            line["lead_id"] = lead_id
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The default line, with the request and lead when they are known."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        known = [
            f"{name}={value}"
            for name, value in (
                ("request", getattr(record, "request_id", None) or REQUEST_ID.get()),
                ("lead", getattr(record, "lead_id", None) or LEAD_ID.get()),
            )
            if value is not None
        ]
        if not known:
            return text
        first, newline, rest = text.partition("\n")
        return f"{first} [{' '.join(known)}]{newline}{rest}"


_FORMAT: list[LogFormat] = ["text"]


def log_format() -> LogFormat:
    """The format this process writes in."""
    return _FORMAT[0]


def configure_logging(
    fmt: LogFormat = "text", level: int = logging.WARNING, secrets: Iterable[str | None] = ()
) -> None:
    """One handler on the root logger (stderr) in ``fmt``, behind the redactor; warnings and
    uncaught exceptions (any thread) go through it. Calling it again replaces the handler."""
    _FORMAT[0] = fmt
    REDACTOR.hide(*secrets)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(REDACTOR)
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_uncaught


_OURS = "baton_handler"


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("baton").critical("uncaught exception", exc_info=(kind, error, trace))


def _log_thread_uncaught(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("baton").error(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback),
    )


def say(message: str, *, error: bool = False) -> None:
    """A line for the operator (the start-up line, a refusal): as it is in text mode (stdout,
    or stderr for an error), as a JSON log record in JSON mode."""
    if log_format() == "json":
        logger = logging.getLogger("baton")
        logger.log(logging.ERROR if error else logging.INFO, "%s", message)
        return
    stream = sys.stderr if error else sys.stdout
    print(REDACTOR.redact(message), file=stream, flush=True)


@contextmanager
def about_lead(lead_id: int | None) -> Iterator[None]:
    """Log lines written inside name this lead."""
    token = LEAD_ID.set(lead_id)
    try:
        yield
    finally:
        LEAD_ID.reset(token)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Each request's id (its ``X-Request-Id`` when it is a plain token, else a fresh one) in
    every log line written while it is answered, and in the answer's ``X-Request-Id``."""
    given = request.headers.get("X-Request-Id", "")
    request_id = given if _REQUEST_ID_SHAPE.match(given) else uuid.uuid4().hex
    token = REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as refused:
        refused.headers["X-Request-Id"] = request_id
        raise
    finally:
        REQUEST_ID.reset(token)
    if not response.prepared:
        response.headers["X-Request-Id"] = request_id
    return response


def configured_secrets(settings: Settings) -> list[str | None]:
    """Every secret the settings hold, to be kept out of the log."""
    database_password = urlsplit(settings.database_url).password
    return [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.microsoft_app_password or None,
        settings.baton_secret_key,
        settings.baton_metrics_token,
        database_password,
        *_webhook_tokens(settings),
        *_more_secrets(settings),
    ]


def _webhook_tokens(settings: Settings) -> list[str]:
    """The webhook sources' tokens; a file that cannot be read hides nothing here (serve then
    refuses to start, naming it)."""
    try:
        return list(settings.webhook_sources().values())
    except (OSError, UnicodeError):
        return []


def _more_secrets(settings: Settings) -> list[str | None]:
    """Secrets of settings added by other features (CRM, calendars), read when present."""
    return [
        value for name in SECRET_SETTINGS if isinstance(value := getattr(settings, name, None), str)
    ]


SECRET_SETTINGS = ("hubspot_access_token", "hubspot_client_secret", "baton_calcom_secret")
"""Settings of other features whose values are secrets (read by name when the setting exists)."""


def setup_logging(level: int = logging.WARNING, settings: Settings | None = None) -> None:
    """Configure the log from ``settings`` (read from the environment when not given); settings
    that cannot be read leave the format ``BATON_LOG_FORMAT`` names, so the refusal that follows
    is written as the operator asked."""
    try:
        settings = settings or Settings()
    except (ValidationError, ValueError):
        fmt: LogFormat = "json" if os.environ.get("BATON_LOG_FORMAT") == "json" else "text"
        configure_logging(fmt, level)
        return
    configure_logging(settings.baton_log_format, level, configured_secrets(settings))
