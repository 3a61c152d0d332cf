"""``baton serve`` restarted while Slack's Web API answers 500: every post in the intake channel
still becomes a lead, a form app's posts too, because Baton tells its own messages apart without
asking Slack (the event's ``app_id`` against the envelope's ``api_app_id``)."""

from __future__ import annotations

from pathlib import Path

from storage.engine import make_engine
from tests.e2e.serve_process import (
    INTAKE,
    SECRET,
    Post,
    ServeProcess,
    deliver,
    lead_count,
    leads_by_post,
    serve_env,
    setup_team,
    wait_until,
)
from tests.e2e.slack_double import BOT_ID, BOT_USER_ID, SignedSlack, SlackDouble, fixture

POSTS = 20
SLACK_RETRIES = 3
"""Slack redelivers an event it got no 200 for up to three times."""
BATON_APP = "A0BATON01"
"""The ``api_app_id`` of the envelope fixture: the app the events are delivered to."""
FORM_APP = "A0HUBSPOT"


def _form_app_post(send: SignedSlack, double: SlackDouble, n: int) -> Post:
    """A form app's post: a ``bot_message`` with its own ``bot_id`` (and app id)."""
    event = fixture("message_bot_form")
    event.update(channel=INTAKE, ts=double.next_ts(), app_id=FORM_APP)
    event["event_ts"] = event["ts"]
    event["attachments"][0]["fields"][2]["value"] = f"form{n}@initech{n}.example"
    event["attachments"][0]["fields"][3]["value"] = f"Initech {n}"
    return Post(n, str(event["ts"]), send.event_body(event, f"EvForm{n:06d}"))


def _person_post(send: SignedSlack, double: SlackDouble, n: int) -> Post:
    text = f"Lead: Sam Ortiz {n}, sam{n}@umbrella{n}.example, Umbrella {n} Ltd"
    event = send.message(text, user="UWEB", ts=double.next_ts())
    return Post(n, str(event["ts"]), send.event_body(event, f"EvPost{n:06d}"))


def _batons_own_post(send: SignedSlack, double: SlackDouble) -> Post:
    """A message Baton posted at the top of the intake channel (a webhook lead's card), as
    Slack delivers it back: ``bot_id``, ``app_id`` and ``bot_profile`` of Baton's app."""
    event = send.message("L-99 came from website: Lead: Own Post, own@post.example, Own")
    event.update(user=BOT_USER_ID, bot_id=BOT_ID, app_id=BATON_APP)
    event["bot_profile"] = {"id": BOT_ID, "app_id": BATON_APP, "name": "Baton"}
    return Post(-1, str(event["ts"]), send.event_body(event, "EvOwn000001"))


def _delivered_as_slack_does(send: SignedSlack, post: Post) -> int:
    """The first delivery and Slack's retries until one is answered 200; the 503s it got."""
    refused = 0
    for retry in (None, *range(1, SLACK_RETRIES + 1)):
        if deliver(send, post, retry=retry):
            return refused
        refused += 1
    return refused


def test_a_restart_during_a_slack_outage_loses_no_lead_from_a_form_app(
    tmp_path: Path, double: SlackDouble
) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    engine = make_engine(url)
    server = ServeProcess(tmp_path, serve_env(url, double.api_url)).start().wait_ready()
    try:
        send = SignedSlack(server.url, SECRET, double, INTAKE)
        setup_team(send)
        double.fail(500, times=None)  # Slack's Web API is down from here on
        accepted_before = len(double.calls)
        server.kill()
        server.start().wait_ready()  # restarted inside the outage: auth.test cannot answer

        posts = [
            _form_app_post(send, double, n) if n % 3 == 0 else _person_post(send, double, n)
            for n in range(POSTS)
        ]
        refused = {post.n: _delivered_as_slack_does(send, post) for post in posts}
        own = _delivered_as_slack_does(send, _batons_own_post(send, double))

        assert refused == dict.fromkeys(refused, 0), "every delivery answered 200 at once"
        assert own == 0
        wait_until(lambda: lead_count(engine) >= POSTS, 30, "every post a lead")
        assert set(leads_by_post(engine)) == {post.ts for post in posts}
        assert double.calls[accepted_before:] == [], "Slack stayed down throughout"
        assert any(c.method == "auth.test" for c in double.refused)
    finally:
        server.kill()
        engine.dispose()
