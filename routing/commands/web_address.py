"""A web address typed in a command: a calendar feed or a booking link.

Only ``http``/``https`` (``webcal://``, which calendar apps hand out, is ``https``); Slack's
``<url>``/``<url|label>`` wrapping and ``&amp;`` escapes are undone here so every adapter's text
reads the same. Whether the host may be reached is the fetcher's rule, not the grammar's.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import NoReturn
from urllib.parse import urlsplit

from routing import limits


def web_address(text: str, what: str, fail: Callable[[str], NoReturn]) -> str:
    """The address in ``text``, or ``fail`` saying why it is not one."""
    url = text.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].split("|", 1)[0]
    url = html.unescape(url)
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    if len(url) > limits.WEB_ADDRESS:
        fail(f"the {what} address is longer than {limits.WEB_ADDRESS:,} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        fail(f"the {what} address can't hold spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        fail(f"`{mask(url)}` is not a web address")
    if parts.scheme.lower() not in ("http", "https") or not host:
        fail(f"the {what} address must start with https:// (or http://)")
    return url


def mask(url: str) -> str:
    """How a secret address is shown back: its host and its last 4 characters."""
    try:
        host = urlsplit(url).hostname or "?"
    except ValueError:
        host = "?"
    return f"{host}/…{url[-4:]}" if len(url) > 4 else host
