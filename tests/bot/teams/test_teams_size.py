"""Every Teams message Baton sends fits the one size budget (``bot.teams.render.size``),
whatever the data: huge notes, a 40 KB typo echoed in a usage message, a digest for 300 reps."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from botbuilder.schema import Activity

from bot.teams.render.digest import digest_cards, digest_text_card, funnel_chart_uri
from bot.teams.render.invokes import card_answer, message_answer
from bot.teams.render.outgoing import activities_for, activity_for
from bot.teams.render.size import MAX_MESSAGE_BYTES, json_size
from routing.commands import parse_command
from routing.errors import BatonError
from routing.metrics import RepRow
from routing.notices import LeadCard, Notice, NoticeKind
from routing.roles import Platform
from routing.team import Rep
from routing.usecases.funnel import Digest
from tests.support.digests import a_digest

HUGE = "Ünïcode and words " * 2_500  # 45,000 characters, non-ASCII escaped on the wire
REPS = {i: Rep(Platform.TEAMS, f"29:rep-{i}", f"Rep {i}", id=i) for i in range(1, 4)}


def wire_size(activity: Activity) -> int:
    """The activity's body as the connector client POSTs it."""
    size = json_size(activity.serialize())
    assert len(json.dumps(activity.serialize())) == size
    return size


def huge_card(lead_id: int = 4) -> LeadCard:
    mention = "<rep:1|Rep 1>"
    return LeadCard(
        lead_id=lead_id,
        ref=f"L-{lead_id}",
        title=HUGE,
        stage="working",
        owner=mention,
        details={"Company": HUGE, "Email": "a@" + "b" * 40_000, "Notes": mention + HUGE},
        qualification="Notes: " + HUGE,
        actions=("qualify", "disqualify", "handoff"),
    )


def digest_for(reps: int, name_length: int) -> Digest:
    """Every rep sells, takes rotation turns and manages accounts: the largest the three tables
    can be."""
    rows = tuple(
        RepRow(
            i,
            f"{i:03d} " + "N" * (name_length - 4),
            i % 7 + 1,
            i % 5,
            3.5,
            i % 3,
            Decimal(i * 1000),
            received=i % 4 + 1,
            fair_share=2.5,
            skipped={"away": 1, "hours": 2},
            customers_taken_on=1,
            expansion_value=Decimal(100),
            churned=i % 2,
        )
        for i in range(reps)
    )
    return a_digest(reps=rows)


def test_a_lead_card_with_huge_fields_fits_and_points_to_lead_show() -> None:
    notice = Notice(text=HUGE, kind=NoticeKind.LEAD_CARD, rep_id=1, card=huge_card())
    sent = activity_for(notice, REPS)
    assert wire_size(sent) <= MAX_MESSAGE_BYTES
    shown = json.dumps(sent.attachments[0].content, ensure_ascii=False)
    assert "(see lead show L-4)" in shown
    assert shown.count("<at>Rep 1</at>") >= 1
    assert [a["verb"] for a in sent.attachments[0].content["actions"] if "verb" in a] == [
        "qualify",
        "handoff",
    ]


def test_every_mention_a_cut_card_declares_is_still_in_its_text() -> None:
    card = activity_for(Notice(text="x", rep_id=1, card=huge_card()), REPS).attachments[0].content
    shown = json.dumps(card["body"], ensure_ascii=False)
    for entity in card["msteams"].get("entities", []):
        assert entity["text"] in shown


def test_a_usage_message_echoing_a_40_kb_typo_fits() -> None:
    with pytest.raises(BatonError) as typo:
        parse_command("lead", "won " + "x" * 40_000, date(2026, 11, 23))
    sent = activity_for(Notice(text=typo.value.message, channel="a:1chat", platform="teams"), {})
    assert wire_size(sent) <= MAX_MESSAGE_BYTES
    assert "x" * 5_000 not in sent.text  # refused by its length or cut, never echoed whole


def test_a_text_message_of_astral_characters_fits() -> None:
    sent = activity_for(Notice(text="🦄" * 40_000, rep_id=1), REPS)
    assert wire_size(sent) <= MAX_MESSAGE_BYTES


def test_a_qualification_form_with_huge_values_and_errors_fits() -> None:
    data = {
        "form": "qualify",
        "lead": 4,
        "title": HUGE,
        "values": {"budget": HUGE, "notes": HUGE},
        "errors": {"budget": HUGE, "form": HUGE},
    }
    sent = activity_for(Notice(text="Qualify", rep_id=1, data=data), REPS)
    assert wire_size(sent) <= MAX_MESSAGE_BYTES


def test_card_click_answers_fit() -> None:
    from bot.teams.render.cards import lead_card
    from bot.teams.render.text import TeamsText

    card = card_answer(lead_card(huge_card(), TeamsText(REPS), HUGE))
    text = message_answer(HUGE)
    assert json_size(card) <= MAX_MESSAGE_BYTES
    assert json_size(text) <= MAX_MESSAGE_BYTES


def test_a_digest_known_only_by_its_text_fits() -> None:
    notice = Notice(text="Funnel digest\n" + HUGE, kind=NoticeKind.DIGEST, channel="19:x")
    sent = activity_for(notice, {})
    assert wire_size(sent) <= MAX_MESSAGE_BYTES
    assert json_size(digest_text_card(HUGE)) > MAX_MESSAGE_BYTES  # it was cut on the way out


@pytest.mark.parametrize("reps", [0, 10, 25, 300])
def test_the_digest_for_any_team_size_fits_every_message_and_shows_every_rep_in_each_table(
    reps: int,
) -> None:
    digest = digest_for(reps, name_length=200)
    chart = funnel_chart_uri(digest.report, digest.previous)
    notice = Notice(text="Funnel digest", kind=NoticeKind.DIGEST, channel="19:x", platform="teams")

    sent = activities_for(notice, {}, digest_cards(digest, chart))

    sizes = [wire_size(activity) for activity in sent]
    assert max(sizes) <= MAX_MESSAGE_BYTES
    shown = "".join(json.dumps(a.attachments[0].content) for a in sent)
    assert all(shown.count(f"{i:03d} N") == 3 for i in range(reps))  # in all three tables
    assert chart is not None
    assert shown.count(chart) == 1
