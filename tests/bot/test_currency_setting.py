"""``BATON_CURRENCY`` from the environment to what people read: chat replies, `/lead show`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from routing.roles import Platform
from tests.bot.entrypoints.test_cli import refused_in_one_line, run
from tests.support.clock import FakeClock
from tests.support.world import make_baton, say


def test_the_currency_is_read_as_an_iso_code_into_the_relays_configuration() -> None:
    settings = Settings(_env_file=None, baton_currency="gbp")  # type: ignore[call-arg]
    assert settings.relay_config().currency == "GBP"
    assert Settings(_env_file=None).relay_config().currency == ""  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="ISO 4217"):
        Settings(_env_file=None, baton_currency="pounds")  # type: ignore[call-arg]


def test_a_currency_that_is_no_iso_code_stops_the_start_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    line = refused_in_one_line(
        run("digest", DATABASE_URL=f"sqlite:///{tmp_path}/c.db", BATON_CURRENCY="£")
    )
    assert "BATON_CURRENCY" in line
    assert "ISO 4217" in line


def test_won_deals_and_expansion_are_told_in_the_teams_currency(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = make_baton(sqlite_url, clock, [(Platform.CONSOLE.value, "maya")], currency="GBP")
    say(baton, "maya", "/rotation add @dave closer")
    say(baton, "maya", "/rotation add @frank account_manager")
    say(baton, "maya", "/rotation add @pete prospector")
    say(baton, "pete", "/lead new Acme buyer@acme.io Ann Buyer")
    say(baton, "pete", "/lead qualify L-1 budget=10k")
    say(baton, "pete", "/lead handoff L-1")
    won = say(baton, "dave", "/lead won L-1 24000")
    assert "won at £24,000" in won.reply
    say(baton, "dave", "/lead handoff L-1")
    assert "expanded by £5,000" in say(baton, "frank", "/lead expand L-1 5k").reply
    shown = say(baton, "frank", "/lead show L-1").reply
    assert "£24,000" in shown
    assert "£5,000" in shown


def test_the_chart_writes_the_won_value_in_the_currency() -> None:
    from bot.render.chart import funnel_figure
    from tests.support.digests import a_digest

    digest = a_digest()
    texts = [t.get_text() for t in funnel_figure(digest.report, None, "GBP").axes[0].texts]
    assert any("worth £42,000" in text for text in texts)
