"""Baton's forms as Slack modals, within Block Kit's limits.

The form (fields, labels, limits, what its submission becomes) is :mod:`routing.chat.forms`';
here it is only laid out. A modal carries ``callback_id`` ``lead:<step>`` and the lead id in
``private_metadata``; each field is an input block whose ``block_id`` is the field's key, so a
submission reads back by key and a problem shows under its field.
"""

from __future__ import annotations

from typing import Any

from bot.slack.render.blocks import MentionFn, plain, sections, slack_text
from routing.chat.forms import Field, Form
from routing.limits import BlockKit

CALLBACK_PREFIX = "lead:"
INPUT_ACTION = "value"
"""The ``action_id`` of every field's text input (a block holds one input)."""
View = dict[str, Any]


def modal(form: Form, lead_id: int) -> View:
    """``form`` for lead ``lead_id``, as a modal to open with ``views.open``."""
    return {
        "type": "modal",
        "callback_id": CALLBACK_PREFIX + form.name,
        "private_metadata": str(lead_id),
        "title": plain(form.title(lead_id), BlockKit.MODAL_TITLE),
        "submit": plain(form.submit, BlockKit.MODAL_TITLE),
        "close": plain("Cancel", BlockKit.MODAL_TITLE),
        "blocks": [field_input(field) for field in form.fields],
    }


def field_input(field: Field) -> dict[str, Any]:
    """One field: Slack marks an optional one "(optional)" by itself."""
    return {
        "type": "input",
        "block_id": field.key,
        "optional": not field.required,
        "label": plain(field.label, BlockKit.INPUT_LABEL),
        "element": {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": field.multiline,
            "max_length": field.max_length,
            "placeholder": plain(field.placeholder, BlockKit.PLACEHOLDER),
        },
    }


def done_view(text: str, mention: MentionFn) -> View:
    """What replaces a submitted form: Baton's answer."""
    return {
        "type": "modal",
        "title": plain("Baton", BlockKit.MODAL_TITLE),
        "close": plain("Done", BlockKit.MODAL_TITLE),
        "blocks": sections(slack_text(text, mention))[: BlockKit.VIEW_BLOCKS],
    }
