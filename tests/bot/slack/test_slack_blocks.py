"""Block Kit rendering stays inside Slack's limits, however long or large a lead gets."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.slack.render.blocks import (
    action_id,
    action_name,
    card_blocks,
    chunks,
    ephemeral,
    home_view,
    lead_view_message,
    slack_text,
)
from routing.limits import BlockKit
from routing.notices import LeadCard
from routing.stages import Action, Stage, next_step_actions
from routing.usecases.views import LeadView

ALL_ACTIONS = tuple(a.value for a in Action if a not in {Action.ASSIGN, Action.REASSIGN})


def mention(rep_id: int, name: str) -> str:
    return f"<@U{rep_id}>" if rep_id < 100 else name


def card(
    lead_id: int = 7,
    stage: str = "working",
    details: dict[str, str] | None = None,
    qualification: str | None = None,
    actions: tuple[str, ...] = ("qualify", "disqualify"),
    title: str = "Umbrella Corp — Sam Ortiz",
) -> LeadCard:
    return LeadCard(
        lead_id=lead_id,
        ref=f"L-{lead_id}",
        title=title,
        stage=stage,
        owner="<rep:3|alice>",
        details=details if details is not None else {"Company": "Umbrella Corp"},
        qualification=qualification,
        actions=actions,
    )


def assert_within_limits(blocks: list[dict[str, Any]], max_blocks: int) -> None:
    assert len(blocks) <= max_blocks
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= 75
                assert len(element["action_id"]) <= 255
                assert len(element["value"]) <= 2000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150


def test_a_lead_card_shows_owner_stage_details_and_next_step_buttons() -> None:
    blocks = card_blocks(
        card(qualification="Budget: 40k"), mention, headline="L-7 → <rep:3|alice>."
    )

    assert blocks[0]["text"]["text"] == "L-7 → <@U3>."
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields[:3] == ["*Stage*\nworking", "*Owner*\n<@U3>", "*Company*\nUmbrella Corp"]
    assert blocks[2]["elements"][0]["text"] == "Budget: 40k"
    buttons = blocks[3]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("lead:qualify", "7"),
        ("lead:disqualify", "7"),
    ]


def test_a_huge_lead_card_stays_within_block_kit_limits() -> None:
    huge = card(
        details={f"Field {n}": "x" * 5000 for n in range(40)},
        qualification="q" * 9000,
        actions=ALL_ACTIONS * 5,
        title="T" * 5000,
    )
    blocks = card_blocks(huge, mention, headline="h" * 20000)
    assert_within_limits(blocks, BlockKit.MESSAGE_BLOCKS)
    assert len(json.dumps(blocks)) < 60_000


def test_every_stage_gets_buttons_with_labels_and_round_trip_action_ids() -> None:
    for stage in Stage:
        actions = tuple(a.value for a in next_step_actions(stage))
        blocks = card_blocks(card(stage=stage.label, actions=actions), mention)
        assert_within_limits(blocks, BlockKit.MESSAGE_BLOCKS)
        ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
        assert [action_name(i) for i in ids] == list(actions)
    assert action_id("proposal requested") == "lead:proposal_requested"


def test_a_long_reply_is_split_into_sections_at_line_ends() -> None:
    text = "\n".join(f"line {n} " + "x" * 80 for n in range(200))
    reply = ephemeral(text, mention)
    assert reply["response_type"] == "ephemeral"
    assert_within_limits(reply["blocks"], BlockKit.MESSAGE_BLOCKS)
    assert len(reply["blocks"]) > 1
    assert all(b["text"]["text"].startswith("line") for b in reply["blocks"])


def test_text_is_escaped_but_mentions_become_slack_mentions() -> None:
    text = "<rep:4|bob> took <script> & <rep:200|Teams Tina>'s lead"
    assert slack_text(text, mention) == "<@U4> took &lt;script&gt; &amp; Teams Tina's lead"


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=12000), st.integers(min_value=1, max_value=3000))
def test_chunks_keep_every_character_and_respect_the_limit(text: str, limit: int) -> None:
    pieces = chunks(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_the_home_tab_groups_leads_by_stage_and_never_exceeds_100_blocks() -> None:
    stages = ["assigned"] * 80 + ["working"] * 80 + ["qualified"] * 80
    cards = [card(lead_id=n + 1, stage=s) for n, s in enumerate(stages)]
    view = home_view(cards, mention, notice="L-1 is yours")

    assert view["type"] == "home"
    assert_within_limits(view["blocks"], BlockKit.VIEW_BLOCKS)
    texts = json.dumps(view["blocks"])
    assert "*Assigned*" in texts
    assert "L-1 is yours" in texts
    assert "more: `/lead mine`" in view["blocks"][-1]["elements"][0]["text"]


def test_an_empty_home_tab_says_so() -> None:
    view = home_view([], mention)
    assert "no open leads" in json.dumps(view)


def lead_view(**overrides: Any) -> LeadView:
    values: dict[str, Any] = {
        "ref": "L-7",
        "title": "Umbrella <Corp> — Sam Ortiz",
        "facts": (
            ("Company", "Umbrella <Corp>"),
            ("Stage", "working"),
            ("Owner", "<rep:3|alice>"),
            ("Budget", "40k"),
        ),
        "history": ("• Mon 23 Nov 09:00 created by Baton", "• Mon 23 Nov 09:01 claimed by alice"),
        "earlier_events": 0,
        "original_post": None,
    }
    return LeadView(**{**values, **overrides})


def test_lead_show_puts_the_lead_first_then_its_history_then_its_buttons() -> None:
    message = lead_view_message(lead_view(), card(), mention)
    blocks = message["blocks"]
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert texts[0] == "*L-7* · Umbrella &lt;Corp&gt; — Sam Ortiz"
    assert texts[1].split("\n") == [
        "*Company:* Umbrella &lt;Corp&gt;",
        "*Stage:* working",
        "*Owner:* <@U3>",
        "*Budget:* 40k",
    ]
    assert texts[2].startswith("*History*\n• Mon 23 Nov 09:00 created by Baton")
    assert blocks[-1]["type"] == "actions"
    for block in blocks:
        assert Block.parse(block) is not None
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def test_a_huge_lead_show_stays_within_block_kit_limits() -> None:
    huge = lead_view(
        title="T" * 5000,
        facts=tuple((f"Field {n}", "x" * 2000) for n in range(40)),
        history=tuple(f"• event {n} " + "y" * 300 for n in range(12)),
        earlier_events=30,
        original_post="p" * 500,
    )
    message = lead_view_message(huge, card(actions=ALL_ACTIONS * 5), mention)
    assert_within_limits(message["blocks"], BlockKit.MESSAGE_BLOCKS)
    assert len(message["text"]) <= 3000
    for block in message["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
