"""The readable parts of a Slack message event, for the lead-post parser.

Form integrations (Typeform, HubSpot, Zapier) post ``bot_message``s whose data sits in
``attachments[].fields`` or in Block Kit ``section`` fields, often with an empty or generic
``text``. This module only gathers those strings, as mrkdwn; :mod:`bot.slack.listeners.mrkdwn`
makes them plain text and :mod:`routing.lead_post` reads them. Payloads are untrusted JSON, so
every shape is checked and anything unexpected is skipped, never raised.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["extract_post"]


def extract_post(message: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(text, attachment field pairs, Block Kit section field texts) of a message event.

    Attachment ``pretext``/``text`` (or ``fallback`` when an attachment has neither) stand in
    for the message text only when that is empty: otherwise they usually repeat it. Section
    texts are always added, unless the text already contains them.
    """
    text = _string(message.get("text")).strip()
    attachments = list(_mappings(message.get("attachments")))
    lines = [text] if text else [_attachment_text(a) for a in attachments]
    pairs = [pair for attachment in attachments for pair in _field_pairs(attachment)]
    field_texts: list[str] = []
    for blocks in (message.get("blocks"), *(a.get("blocks") for a in attachments)):
        for section in _sections(blocks):
            _add_section(section, lines, field_texts)
    return "\n".join(line for line in lines if line), pairs, field_texts


def _attachment_text(attachment: Mapping[str, Any]) -> str:
    parts = [_string(attachment.get(key)).strip() for key in ("pretext", "text")]
    if not any(parts):
        parts = [_string(attachment.get("fallback")).strip()]
    return "\n".join(part for part in parts if part)


def _field_pairs(attachment: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for entry in _mappings(attachment.get("fields")):
        title, value = _string(entry.get("title")), _string(entry.get("value"))
        if title.strip() or value.strip():
            yield title, value


def _sections(blocks: object) -> Iterator[Mapping[str, Any]]:
    return (block for block in _mappings(blocks) if block.get("type") == "section")


def _add_section(section: Mapping[str, Any], lines: list[str], field_texts: list[str]) -> None:
    body = _text_object(section.get("text")).strip()
    if body and not any(body in line for line in lines):
        lines.append(body)
    field_texts.extend(text for text in map(_text_object, _mappings(section.get("fields"))) if text)


def _text_object(value: object) -> str:
    """The ``text`` of a Block Kit text object (``{"type": "mrkdwn", "text": …}``)."""
    return _string(value.get("text")) if isinstance(value, Mapping) else ""


def _mappings(value: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list | tuple):
        yield from (item for item in value if isinstance(item, Mapping))


def _string(value: object) -> str:
    """Text as Slack sends it; numbers (a form's "Employees: 250") are text too."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""
