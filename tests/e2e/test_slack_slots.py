"""The free times of a hand-off as Slack buttons, over signed HTTP: a click holds the time once,
replaces the message (the buttons go), and the qualifier gets the ``.ics`` as an upload."""

from __future__ import annotations

import icalendar

from routing.calendars import FetchResult
from tests.e2e.conftest import MANAGER, SlackWorld
from tests.e2e.slack_double import Call

GOOGLE = "https://calendar.google.com/calendar/ical/carl%40example.com/private-abc/basic.ics"
LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


def handed_off(world: SlackWorld) -> list[dict[str, str]]:
    """L-1 qualified by alice and handed to carl, whose calendar is free: the slot buttons."""
    send = world.slack
    send.command("/rotation add <@UALICE> qualifier", MANAGER)
    send.command("/rotation add <@UCARL> closer", MANAGER)
    send.command(f"/rotation calendar {GOOGLE}", "UCARL")
    for feed in world.baton.relay.calendars_due():
        world.baton.relay.record_calendar(feed.rep_id, feed.url, FetchResult(busy=()))
    send.post_lead(LEAD_POST)
    world.deliver()
    send.click("claim", 1, "UALICE")
    send.command("/lead qualify L-1 budget=40k", "UALICE")
    reply = send.command("/lead handoff L-1", "UALICE").json()
    return [
        element
        for block in reply["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("slot:")
    ]


def replaced(call: Call) -> bool:
    return call.method == "response_url" and call.params.get("replace_original") is True


def test_a_hand_off_reply_carries_the_free_times_as_buttons(slack: SlackWorld) -> None:
    buttons = handed_off(slack)
    assert [b["action_id"] for b in buttons] == ["slot:1", "slot:2", "slot:3"]
    assert all(b["value"].startswith("L-1@") for b in buttons)
    assert buttons[0]["text"]["text"].startswith("Mon 23 Nov ")


def test_a_click_holds_the_time_replaces_the_message_and_uploads_the_invitation(
    slack: SlackWorld,
) -> None:
    second = handed_off(slack)[1]
    assert slack.slack.press(second["action_id"], second["value"], "UALICE").status == 200

    answer = slack.double.wait_for(lambda c: replaced(c) and c.text.startswith("Held"))
    assert answer.text.startswith(f"Held {second['text']['text']} ")
    assert not [a for a in answer.action_ids() if a.startswith("slot:")]
    slack.deliver()
    methods = [c.method for c in slack.double.calls]
    assert "files.getUploadURLExternal" in methods
    complete = slack.double.to("files.completeUploadExternal")[-1]
    assert complete.params["channel_id"] == "DALICE"
    (ics,) = slack.double.uploads
    (event,) = icalendar.Calendar.from_ical(ics.decode()).walk("VEVENT")
    start = int(second["value"].partition("@")[2])
    assert int(event.decoded("DTSTART").timestamp()) == start
    assert str(event["UID"]) == f"baton-L-1-{start}@baton"
    assert str(event["ORGANIZER"]) == "mailto:carl@example.com"
    assert str(event["ATTENDEE"]) == "mailto:sam@umbrella.co"
    assert list(slack.double.file_names.values()) == ["meeting-L-1.ics"]


def test_a_double_click_holds_one_time_and_uploads_one_invitation(slack: SlackWorld) -> None:
    first = handed_off(slack)[0]
    slack.slack.press(first["action_id"], first["value"], "UALICE")
    slack.slack.press(first["action_id"], first["value"], "UALICE")
    slack.double.wait_for(lambda c: replaced(c) and "already held" in c.text)
    slack.deliver()
    assert slack.rows("meetings") == 1
    assert len(slack.double.uploads) == 1


def test_a_stale_button_is_answered_and_holds_nothing(slack: SlackWorld) -> None:
    first = handed_off(slack)[0]
    assert slack.slack.press("slot:1", "L-1@1700000000", "UALICE").status == 200  # past
    refusal = slack.double.wait_for(lambda c: c.method == "response_url" and "passed" in c.text)
    assert refusal.params["replace_original"] is False
    assert slack.slack.press("slot:1", "L-1@soon", "UALICE").status == 200
    slack.double.wait_for(lambda c: c.method == "response_url" and "not one of Baton" in c.text)
    assert slack.slack.press(first["action_id"], first["value"], "UBOB").status == 200
    slack.double.wait_for(lambda c: c.method == "response_url" and "Only whoever" in c.text)
    assert slack.rows("meetings") == 0


def test_a_hand_off_clicked_on_a_dm_card_shows_the_times_between_the_answer_and_the_card(
    slack: SlackWorld,
) -> None:
    send = slack.slack
    send.command("/rotation add <@UALICE> qualifier", MANAGER)
    send.command("/rotation add <@UCARL> closer", MANAGER)
    send.command(f"/rotation calendar {GOOGLE}", "UCARL")
    for feed in slack.baton.relay.calendars_due():
        slack.baton.relay.record_calendar(feed.rep_id, feed.url, FetchResult(busy=()))
    send.post_lead(LEAD_POST)
    slack.deliver()
    send.click("claim", 1, "UALICE")
    send.command("/lead qualify L-1 budget=40k", "UALICE")
    assert send.click("handoff", 1, "UALICE").status == 200

    answer = slack.double.wait_for(lambda c: replaced(c) and "is now with" in c.text)
    ids = answer.action_ids()
    assert ids[:3] == ["slot:1", "slot:2", "slot:3"]
    assert "lead:meeting" in ids[3:]  # the closer's card, under the times
    assert "is now with" in answer.blocks[0]["text"]["text"]
