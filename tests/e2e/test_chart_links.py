"""The digest's chart served by Baton at a signed, expiring link, so a Teams card holds 60 reps.

A 30-rep Teams digest used to arrive as 4 messages: the chart inline took 12 KB of a card's
28 KB and each table row a ColumnSet of its own. With ``BATON_PUBLIC_URL`` on https the card
links to ``/charts/funnel/<token>.png`` instead, and tables are laid out by columns.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.render.chart import funnel_chart_png
from bot.teams.render.digest import digest_cards, digest_chart
from bot.teams.render.size import MAX_MESSAGE_BYTES, json_size
from routing.dashboard.chart_links import CHART_PATH, sign_chart, verify_chart
from routing.dashboard.links import DashboardLinks
from routing.dashboard.tokens import InvalidToken, sign
from routing.usecases.digests import last_complete_period, period_data
from tests.bot.teams.test_teams_size import digest_for
from tests.e2e.teams_support import GENERAL, TeamsWorld, teams_world
from tests.e2e.test_teams_relay import a_day_then_its_digest, digest_messages
from tests.support.clock import FakeClock
from tests.support.dashboard import serving

PUBLIC = "https://baton.example.com"
SECRET = "chart-test-secret"
LINKS = DashboardLinks(PUBLIC, lambda: SECRET)


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(
        tmp_path, clock, baton_public_url=PUBLIC, baton_secret_key=SECRET, baton_currency="GBP"
    ) as world:
        yield world


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers["Content-Type"]


@pytest.mark.parametrize("reps", [30, 60])
def test_a_teams_digest_for_up_to_60_reps_is_one_message_with_its_chart_by_link(
    reps: int, clock: FakeClock
) -> None:
    digest = digest_for(reps, name_length=24)
    cards = digest_cards(digest, digest_chart(digest, LINKS, clock()))
    assert len(cards) == 1
    assert json_size(cards[0]) <= MAX_MESSAGE_BYTES
    shown = json.dumps(cards[0])
    assert all(shown.count(f"{i:03d} N") == 3 for i in range(reps)), "in all three tables"
    images = [item for item in cards[0]["body"] if item["type"] == "Image"]
    assert images[0]["url"].startswith(f"{PUBLIC}{CHART_PATH}/")
    assert "data:image" not in shown


def test_without_a_public_https_address_the_chart_stays_inline(clock: FakeClock) -> None:
    digest = digest_for(3, name_length=12)
    local = DashboardLinks("http://localhost:3000", lambda: SECRET)
    for links in (local, None):
        chart = digest_chart(digest, links, clock())
        assert chart is not None
        assert chart.startswith("data:image/png;base64,")


def test_a_chart_link_names_a_period_and_nothing_about_people_or_leads(clock: FakeClock) -> None:
    digest = digest_for(3, name_length=12)
    url = digest_chart(digest, LINKS, clock())
    assert url is not None
    token = url.rsplit("/", 1)[1].removesuffix(".png")
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(claims) == {"s", "e", "k", "l", "exp"}
    assert claims["l"] == digest.report.period.label
    assert verify_chart(token, SECRET, clock()) == digest.report.period


def test_a_scheduled_teams_digest_links_its_chart_and_baton_serves_that_png(
    teams: TeamsWorld, clock: FakeClock
) -> None:
    yesterday = a_day_then_its_digest(teams, clock)
    digest, *pages = digest_messages(teams.double.to(GENERAL))
    assert digest.card is not None
    assert pages == []
    images = [item for item in digest.card["body"] if item["type"] == "Image"]
    url = images[0]["url"]
    assert url.startswith(f"{PUBLIC}{CHART_PATH}/")
    with serving(teams.baton) as served:
        clock.advance(days=3)  # Teams fetches the image whenever someone reads the card
        status, body, kind = _get(url.replace(PUBLIC, served.url))
    assert (status, kind) == (200, "image/png")
    rebuilt = teams.baton.relay.digest_for({"period": period_data(yesterday)})
    assert body == funnel_chart_png(rebuilt.report, rebuilt.previous, currency="GBP")


def test_a_forged_expired_or_foreign_chart_link_is_refused_before_anything_is_read(
    teams: TeamsWorld, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    period = last_complete_period("day", clock.now, "UTC")
    good = sign_chart(period, clock() + timedelta(days=1), SECRET)
    reads: list[object] = []
    relay = teams.baton.relay
    original = relay.digest_for

    def reading(data: Any) -> Any:
        reads.append(data)
        return original(data)

    monkeypatch.setattr(relay, "digest_for", reading)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    expired = sign_chart(period, clock() - timedelta(seconds=1), SECRET)
    other_secret = sign_chart(period, clock() + timedelta(days=1), "another secret")
    dashboard_token = sign("teams:29:maya", clock() + timedelta(days=1), SECRET)
    with serving(teams.baton) as served:
        for token in (forged, expired, other_secret, dashboard_token, "x" * 700, "c1.e30.AAAA"):
            status, body, _ = _get(f"{served.url}{CHART_PATH}/{token}.png")
            assert status == 401, token
            assert b"Traceback" not in body
        assert reads == [], "nothing is read for a link that does not verify"
        assert _get(f"{served.url}{CHART_PATH}/{good}.png")[0] == 200
        assert len(reads) == 1
        status, _, _ = _get(f"{served.url}/dashboard?t={good}")
        assert status == 401, "a chart link is no dashboard link"
    with pytest.raises(InvalidToken):
        verify_chart(dashboard_token, SECRET, clock())
