"""``GET /metrics``: Prometheus' text format, scraped and parsed with ``prometheus_client``'s
parser, figures read from the database, no personal data in a label, an optional bearer token."""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from bot.bootstrap import build
from bot.entrypoints.serve import make_server
from bot.ops.metrics import CALENDAR_FETCH_ERRORS, CRM_ERRORS
from storage import tables as t
from tests.e2e.conftest import INTAKE, MANAGER, SIGNING_SECRET, SlackWorld, slack_settings
from tests.e2e.slack_double import LoopbackApp, SignedSlack, SlackDouble
from tests.support.clock import FakeClock

TOKEN = "metrics-bearer-7c1d"
PEOPLE = ("Sam Ortiz", "sam@umbrella.example", "Priya Shah", "priya@acme.example", "Umbrella")


@pytest.fixture
def world(db_url: str, clock: FakeClock, slack_double: SlackDouble) -> Iterator[SlackWorld]:
    settings = slack_settings(db_url, slack_double.api_url, baton_metrics_token=TOKEN)
    baton = build(settings, clock=clock)
    server = make_server(settings, baton, sender=False)
    with LoopbackApp(server.web_app()) as served:
        yield SlackWorld(
            baton, slack_double, SignedSlack(served.url, SIGNING_SECRET, slack_double, INTAKE)
        )
    baton.engine.dispose()


def scrape(world: SlackWorld, token: str | None = TOKEN) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    request = urllib.request.Request(f"{world.slack.url}/metrics", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def a_day_of_leads(world: SlackWorld, clock: FakeClock) -> None:
    send = world.slack
    for user in ("UALICE", "UBOB"):
        assert (
            send.command(f"/rotation add <@{user}|{user.lower()}> qualifier", MANAGER).status == 200
        )
    send.post_lead("Lead: Sam Ortiz, sam@umbrella.example, Umbrella\nsource: Webinar")
    send.post_lead("Lead: Priya Shah, priya@acme.example, Acme\nsource: webinar ")
    send.post_lead("Lead: Tom Tran, tom@tran.example, Tran Co\nsource: tom@tran.example")
    send.post_lead("Lead: Ana Bell, ana@bell.example, Bell Ltd")
    assert send.command("/lead claim L-1", "UALICE").status == 200


def test_a_scrape_parses_and_counts_what_the_database_holds(
    world: SlackWorld, clock: FakeClock
) -> None:
    a_day_of_leads(world, clock)
    world.slack.command("/lead show L-2", MANAGER)
    with world.baton.engine.begin() as conn:  # one delivery given up, as after a day of retries
        conn.execute(update(t.outbox).where(t.outbox.c.id == 1).values(status="failed"))
    clock.advance(minutes=90)

    status, text = scrape(world)

    assert status == 200
    found = samples(text)
    assert value(found, "baton_database_up") == 1
    assert value(found, "baton_leads_total", source="webinar", side="inbound") == 2
    assert value(found, "baton_leads_total", source="other", side="inbound") == 1
    assert value(found, "baton_leads_total", source=f"#{INTAKE}", side="inbound") == 1
    assert value(found, "baton_assignments_total") == 4
    assert value(found, "baton_claims_total") == 1
    assert "baton_sla_misses_total" in {name for name, _ in found}
    waiting = value(found, "baton_outbox_waiting", lane="chat")
    assert waiting > 0
    assert value(found, "baton_outbox_oldest_waiting_seconds", lane="chat") >= 90 * 60
    assert sum(v for (n, _), v in found.items() if n == "baton_deliveries_failed_total") == 1
    assert value(found, "baton_crm_errors_total") == CRM_ERRORS._value.get()
    assert value(found, "baton_calendar_fetch_errors_total") == CALENDAR_FETCH_ERRORS._value.get()
    assert (
        "baton_request_duration_seconds_count",
        (("method", "POST"), ("route", "/slack/events")),
    ) in found


def test_delivered_rows_leave_the_backlog(world: SlackWorld, clock: FakeClock) -> None:
    a_day_of_leads(world, clock)
    world.deliver()
    found = samples(scrape(world)[1])
    assert value(found, "baton_outbox_waiting", lane="chat") == 0
    assert value(found, "baton_outbox_oldest_waiting_seconds", lane="chat") == 0


def test_no_label_holds_a_persons_details_or_a_raw_path(
    world: SlackWorld, clock: FakeClock
) -> None:
    a_day_of_leads(world, clock)
    for path in ("/dashboard/leads/1", "/charts/sam@umbrella.example.png", "/no/such/L-1"):
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"{world.slack.url}{path}", timeout=10).close()
    labels = [v for (_name, pairs), _v in samples(scrape(world)[1]).items() for _k, v in pairs]
    assert labels
    for label in labels:
        assert not any(detail.lower() in label.lower() for detail in PEOPLE), label
        assert "L-1" not in label
        assert "/1" not in label


@pytest.mark.parametrize("token", [None, "", "metrics-bearer-7c1e", TOKEN + "x"])
def test_without_the_right_bearer_token_a_scrape_gets_401(
    world: SlackWorld, token: str | None
) -> None:
    status, text = scrape(world, token)
    assert status == 401
    assert "baton_" not in text
