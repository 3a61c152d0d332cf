"""A file notice from the outbox (a meeting's ``.ics``) reaches the person's Slack DM as an upload
through the real slack_sdk client (files_upload_v2's three steps), once even when retried; a DM
offering free times carries them as buttons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from bot.outbox.port import Delivery, PermanentDeliveryError
from bot.slack.transport.notifier import SlackNotifier
from routing.chat.slots import slot_choices
from routing.notices import FILE_CONTENT, FILE_NAME, FILE_TYPE, SLOT_CHOICES, Notice, NoticeKind
from routing.roles import Platform
from routing.team import Rep
from tests.e2e.slack_double import LoopbackApp, SlackDouble
from tests.support.digests import rebuilds_a_digest

ALICE = Rep(Platform.SLACK, "UALICE", "Alice", id=1)
SENT_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
FILE = Notice(
    "L-12: the invitation, to send the prospect.",
    kind=NoticeKind.FILE,
    rep_id=1,
    data={FILE_NAME: "meeting-L-12.ics", FILE_TYPE: "text/calendar", FILE_CONTENT: ICS},
)


@pytest.fixture
def double() -> Iterator[SlackDouble]:
    double = SlackDouble()
    double.clock = lambda: SENT_AT.timestamp() + 1
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        yield double


def notifier(double: SlackDouble) -> SlackNotifier:
    client = WebClient(token="xoxb-test", base_url=double.api_url, retry_handlers=[])
    return SlackNotifier(client, digests=rebuilds_a_digest)


def test_a_file_notice_is_uploaded_to_the_persons_dm_with_its_name_and_message(
    double: SlackDouble,
) -> None:
    assert notifier(double).deliver(Delivery(FILE, ALICE, None, {1: ALICE})) is None
    methods = [call.method for call in double.calls]
    assert methods == [
        "conversations.open",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert double.calls[1].params["filename"] == "meeting-L-12.ics"
    complete = double.calls[2].params
    assert complete["channel_id"] == "DALICE"
    assert complete["initial_comment"] == "L-12: the invitation, to send the prospect."
    assert double.uploads == [ICS.encode()]


def test_a_retried_file_row_that_reached_slack_is_not_uploaded_again(double: SlackDouble) -> None:
    send = notifier(double)
    send.deliver(Delivery(FILE, ALICE, None, {1: ALICE}, key="7@x"))
    again = Delivery(FILE, ALICE, None, {1: ALICE}, previous_attempt_at=SENT_AT, key="7@x")
    send.deliver(again)
    assert len(double.uploads) == 1
    assert double.to("conversations.history")


def test_a_retried_file_row_that_never_reached_slack_is_uploaded(double: SlackDouble) -> None:
    double.history["DALICE"] = []
    again = Delivery(FILE, ALICE, None, {1: ALICE}, previous_attempt_at=SENT_AT, key="7@x")
    notifier(double).deliver(again)
    assert double.uploads == [ICS.encode()]


def test_a_file_notice_without_its_content_is_given_up(double: SlackDouble) -> None:
    broken = Notice("x", kind=NoticeKind.FILE, rep_id=1, data={FILE_NAME: "a.ics"})
    with pytest.raises(PermanentDeliveryError):
        notifier(double).deliver(Delivery(broken, ALICE, None, {1: ALICE}))
    assert double.uploads == []


def test_a_dm_offering_free_times_carries_them_as_buttons(double: SlackDouble) -> None:
    slots = slot_choices(12, "UTC", [SENT_AT.replace(hour=15)])
    dm = Notice("L-12 is now with Carl.", rep_id=1, data={SLOT_CHOICES: slots.as_data()})
    notifier(double).deliver(Delivery(dm, ALICE, None, {1: ALICE}))
    (posted,) = double.to("chat.postMessage")
    assert posted.action_ids() == ["slot:1"]
    assert posted.shows("Pick a time with the prospect (UTC)")
