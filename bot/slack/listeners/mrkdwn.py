"""Slack's mrkdwn read as the plain text the domain takes from every adapter.

Slack sends a message's text, its attachment fields and its Block Kit section texts as mrkdwn:
links and mentions in angle brackets (``<mailto:a@b.co|a@b.co>``, ``<@U1|ann>``,
``<https://x.co|x.co>``), ``&amp;``/``&lt;``/``&gt;`` escapes, ``:emoji:`` codes and
``*bold*``, ``_italic_``, ``~strike~`` and `` `code` `` marks. Here they are reduced to what a
person would read, as Teams' adapter reads its HTML (:mod:`bot.teams.transport.activities`).
The console speaks Slack's grammar and reads its posts here too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from routing.commands import Command, RotationPreview
from routing.lead_post import tidy

__all__ = ["plain_post", "plain_text", "readable_command"]

_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_EMOJI_CODE = re.compile(r"(?<!\S):(?=[a-z0-9_+\-]{0,99}[a-z])[a-z0-9_+\-]{1,100}:(?!\S)")
_EMPHASIS = re.compile(r"[*`]+|(?<!\w)[_~]+(?=\S)|(?<=\S)[_~]+(?!\w)")


def plain_text(mrkdwn: str) -> str:
    """Markup reduced to what a person would read; emphasis marks and emoji codes dropped.

    Invisible characters go before emoji codes are looked for: one beside a code hides it.
    """
    text = tidy(html.unescape(_MARKUP.sub(_markup_text, mrkdwn)))
    return _EMPHASIS.sub("", _EMOJI_CODE.sub("", text))


def _markup_text(match: re.Match[str]) -> str:
    """``<mailto:a@b.c|x>`` → ``a@b.c``; a labelled link → its label; ``<@U1|ann>`` → ``@ann``."""
    target, label = match[1], match[2]
    if target.lower().startswith("mailto:"):
        return target[len("mailto:") :]
    if target.startswith(("@", "#")):
        return f"{target[0]}{label}" if label else target
    if target.startswith("!"):
        return f"@{label or target[1:]}"
    return label if label else target


def plain_post(
    text: str, pairs: Iterable[tuple[str, str]], field_texts: Iterable[str]
) -> tuple[str, list[tuple[str, str]], list[str]]:
    """A message's text, attachment field pairs and section field texts, each as plain text."""
    return (
        plain_text(text),
        [(plain_text(label), plain_text(value)) for label, value in pairs],
        [plain_text(field) for field in field_texts],
    )


def readable_command(command: Command) -> Command:
    """A ``/rotation preview``'s pasted post as plain text, as a post would be read; the rest
    of a command is the domain's own grammar (mentions, quotes), read by its parser."""
    if isinstance(command, RotationPreview):
        return RotationPreview(plain_text(command.text))
    return command
