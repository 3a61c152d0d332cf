"""Every figure of a generated month, computed twice: by each surface's own path and from the raw
events, and found equal.

A seeded month (``tests.support.month``) is played through the relay, in pounds
(``BATON_CURRENCY=GBP``). Then, for November 2026 so far, the digest (its view and its text),
``/funnel month`` (the manager's and each rep's), the dashboard over HTTP (the manager's
overview and each rep's, their role tables, leads pages and lead pages) and the leads
spreadsheet are read, and every figure is compared with a count made here from the
``lead_events`` rows by the rules the README states, without ``routing.metrics``.
"""

from __future__ import annotations

import csv
import http.cookiejar
import io
import json
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.baton import Baton
from bot.bootstrap import build
from bot.config import Settings
from routing.chat.digest import DigestView, digest_view
from routing.clock import zone
from routing.dashboard.periods import period_of
from routing.roles import Platform
from routing.usecases.context import Ctx, RelayConfig
from routing.usecases.funnel import Digest, build_digest
from storage.uow import SqlUnitOfWork
from tests.support.clock import FakeClock
from tests.support.dashboard import Served, serving
from tests.support.month import ACCOUNT_MANAGERS, CLOSERS, END, MANAGER, QUALIFIERS, REPS, Month
from tests.support.world import say

START = datetime(2026, 11, 1, tzinfo=UTC)
PERIOD = "period=this_month"
POUNDS = "GBP"
FIGURES = (
    "inbound",
    "outbound",
    "claimed",
    "qualified",
    "disqualified",
    "handed_to_closers",
    "meetings",
    "proposals_requested",
    "proposals_presented",
    "won",
    "won_value",
    "lost",
    "handed_to_account_managers",
    "expansion_value",
    "churned",
    "sla_misses",
)
"""The flow figures every surface shows, by their dashboard keys."""
LABELS = {
    "inbound": "Inbound leads",
    "outbound": "Outbound leads",
    "claimed": "Claimed",
    "qualified": "Qualified",
    "disqualified": "Disqualified",
    "won": "Won",
    "won_value": "Won value",
    "lost": "Lost",
    "expansion_value": "Expansion",
    "churned": "Churned",
    "sla_misses": "SLA misses",
}
"""The digest headline's label of each figure it shows."""


# --- the raw events, and the figures counted from them ------------------------------------------


@dataclass(frozen=True)
class Raw:
    lead: int
    type: str
    at: datetime
    actor: int | None
    owner: int | None
    payload: Mapping[str, Any]


def raw_events(baton: Baton) -> list[Raw]:
    with baton.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT lead_id, type, at, actor_id, owner_id, payload FROM lead_events ORDER BY id"
        ).all()
    return [
        Raw(
            lead,
            kind,
            datetime.fromisoformat(at).replace(tzinfo=UTC),
            actor,
            owner,
            json.loads(payload or "{}"),
        )
        for lead, kind, at, actor, owner, payload in rows
    ]


def money(event: Raw) -> Decimal:
    return Decimal(str(event.payload.get("amount", "0")))


def flow(events: Iterable[Raw]) -> dict[str, Any]:
    """The flow figures of events inside the month, counted as the README says."""
    inside = [e for e in events if START <= e.at < END]
    kinds = Counter(e.type for e in inside)
    created = [e for e in inside if e.type == "created"]
    outbound = sum(1 for e in created if e.payload.get("origin") == "outbound")
    handoffs = Counter(e.payload.get("role") for e in inside if e.type == "handed_off")
    return {
        "inbound": len(created) - outbound,
        "outbound": outbound,
        "claimed": len({e.lead for e in inside if _claims(e)}),
        "qualified": kinds["qualified"],
        "disqualified": kinds["disqualified"],
        "handed_to_closers": handoffs["closer"],
        "meetings": kinds["meeting"],
        "proposals_requested": kinds["proposal_requested"],
        "proposals_presented": kinds["proposal_presented"],
        "won": kinds["won"],
        "won_value": sum((money(e) for e in inside if e.type == "won"), Decimal(0)),
        "lost": kinds["lost"],
        "handed_to_account_managers": handoffs["account_manager"],
        "expansion_value": sum((money(e) for e in inside if e.type == "expanded"), Decimal(0)),
        "churned": kinds["churned"],
        "sla_misses": kinds["sla_missed"],
    }


def _claims(event: Raw) -> bool:
    outbound_start = event.type == "assigned" and event.payload.get("how") == "outbound"
    return event.type == "claimed" or outbound_start


def row_of(events: Iterable[Raw], rep: int) -> dict[str, Any]:
    """A rep's row in the team's tables: the events they own (assignments given to them)."""
    theirs = [e for e in events if START <= e.at < END and e.owner == rep]
    kinds = Counter(e.type for e in theirs)
    given = [
        e
        for e in theirs
        if e.type in ("assigned", "reassigned")
        or (e.type == "handed_off" and e.payload.get("role") != "account_manager")
    ]
    return {
        "assigned": len(given),
        "claimed": len({e.lead for e in theirs if _claims(e)}),
        "qualified": kinds["qualified"],
        "disqualified": kinds["disqualified"],
        "won_value": sum((money(e) for e in theirs if e.type == "won"), Decimal(0)),
        "meetings": kinds["meeting"],
        "proposals_requested": kinds["proposal_requested"],
        "proposals_presented": kinds["proposal_presented"],
        "won": kinds["won"],
        "lost": kinds["lost"],
        "customers_taken_on": sum(
            1 for e in theirs if e.type == "handed_off" and e.payload["role"] == "account_manager"
        ),
        "expansion_value": sum((money(e) for e in theirs if e.type == "expanded"), Decimal(0)),
        "churned": kinds["churned"],
    }


def held(events: Iterable[Raw], rep: int) -> dict[int, datetime]:
    """When each lead was first the rep's."""
    since: dict[int, datetime] = {}
    for e in events:
        if e.owner == rep and e.lead not in since:
            since[e.lead] = e.at
    return since


def their_events(events: list[Raw], rep: int) -> list[Raw]:
    """A rep's share: the arrival of leads they owned before the month's end, and the events
    they own, did or (a claim SLA) missed."""
    owned = held(events, rep)
    return [
        e
        for e in events
        if (e.type == "created" and e.lead in owned and owned[e.lead] < END)
        or (e.type != "created" and rep in (e.owner, e.actor))
        or (e.type == "sla_missed" and e.payload.get("missed_by") == rep)
    ]


# --- reading the surfaces ------------------------------------------------------------------------


class Browser:
    def __init__(self, served: Served) -> None:
        self.served = served
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> tuple[int, str]:
        url = path if path.startswith("http") else self.served.url + path
        try:
            with self.opener.open(url, timeout=60) as response:
                return response.status, response.read().decode("utf-8-sig")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def page(self, path: str) -> str:
        status, body = self.get(path)
        assert status == 200, (path, body[:300])
        assert "None" not in body, f"a Python None is shown on {path}"
        return body


def amount(text: str) -> Decimal:
    """``£24,000`` → 24000; a figure shown in pounds carries the pound sign."""
    assert text == "0" or text.startswith("£"), text
    return Decimal(text.removeprefix("£").replace(",", ""))


def figure(text: str) -> Any:
    return amount(text) if text.startswith("£") or text == "0" else int(text.replace(",", ""))


def page_figures(body: str) -> dict[str, Any]:
    shown = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', body))
    return {key: figure(shown[key]) for key in FIGURES}


def table_rows(body: str, kind: str) -> dict[int, list[str]]:
    rows = re.findall(rf'<tr data-{kind}="(\d+)">(.*?)</tr>', body)
    return {int(rep): re.findall(r"<td[^>]*>([^<]*)</td>", cells) for rep, cells in rows}


def listed_leads(browser: Browser, query: str) -> set[int]:
    shown: set[int] = set()
    for number in range(1, 100):
        body = browser.page(f"/dashboard/leads?{query}&page={number}")
        ids = {int(i) for i in re.findall(r'data-lead="(\d+)"', body)}
        if not ids:
            break
        shown |= ids
    return shown


def spreadsheet(browser: Browser) -> list[dict[str, str]]:
    status, text = browser.get(f"/dashboard/export/leads.csv?{PERIOD}")
    assert status == 200
    return list(csv.DictReader(io.StringIO(text)))


def view_figures(view: DigestView) -> dict[str, str]:
    return {fact.label: fact.value for fact in view.headline}


def view_rows(view: DigestView, title: str) -> dict[str, tuple[str, ...]]:
    table = next((t for t in view.rep_tables if t.title.startswith(title)), None)
    return {} if table is None else {row[0]: row[1:] for row in table.rows}


# --- the month -----------------------------------------------------------------------------------


@dataclass
class Played:
    served: Served
    events: list[Raw]
    ids: dict[str, int]
    digest: Digest


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    clock = FakeClock()
    path = Path(tmp_path_factory.mktemp("month")) / "baton.db"
    settings = Settings(  # type: ignore[call-arg]
        database_url=f"sqlite:///{path}",
        _env_file=None,
        baton_secret_key="month-secret",
        baton_currency=POUNDS,
    )
    config = RelayConfig(managers=frozenset({(Platform.CONSOLE.value, MANAGER)}), currency=POUNDS)
    baton = build(settings, clock=clock, config=config)
    Month(baton, clock, seed=11).play()
    with baton.engine.connect() as conn:
        ids = dict(conn.exec_driver_sql("SELECT user_id, id FROM reps").all())
    with SqlUnitOfWork(baton.engine, clock, read_only=True) as uow:
        ctx = Ctx(uow, clock(), baton.relay.config, uow.reps.get(ids[MANAGER]))
        digest = build_digest(ctx, period_of("this_month", clock(), zone("UTC")))
    with serving(baton) as served:
        yield Played(served, raw_events(baton), ids, digest)
    baton.engine.dispose()


def test_the_month_is_busy_enough_to_compare(month: Played) -> None:
    team = flow(month.events)
    assert team["inbound"] >= 150
    assert team["won"] >= 10
    assert team["sla_misses"] >= 5
    assert team["disqualified"] >= 30
    assert team["expansion_value"] > 0
    assert team["churned"] > 0
    assert month.digest.report.period.start == START


def test_the_digest_and_funnel_month_and_the_managers_dashboard_agree_with_the_events(
    month: Played,
) -> None:
    team = flow(month.events)
    digest = month.digest
    view = digest_view(digest)
    said = view_figures(view)
    for key, label in LABELS.items():
        assert figure(said[label]) == team[key], label
        assert said[label] in digest.text
    notes = " ".join(view.notes)
    assert (
        f"Meetings {team['meetings']} · proposals requested {team['proposals_requested']}"
        f" · presented {team['proposals_presented']}" in notes
    )
    steps = {row.step: int(row.count) for row in view.funnel}
    assert steps["Handed to closers"] == team["handed_to_closers"]
    assert steps["Handed to account managers"] == team["handed_to_account_managers"]
    asked = say(month.served.baton, MANAGER, "/funnel month")
    assert asked.data["digest"] == digest
    assert asked.reply == digest.text
    browser = Browser(month.served)
    browser.page(month.served.link(MANAGER))
    assert page_figures(browser.page(f"/dashboard?{PERIOD}")) == team


def test_disqualified_reasons_add_up_to_the_disqualified_everywhere(month: Played) -> None:
    team = flow(month.events)
    reasons = month.digest.report.disqualified_reasons
    assert sum(r.count for r in reasons) == team["disqualified"]
    assert reasons[-1].reason == "other", "six reasons: the top three, then the rest together"
    browser = Browser(month.served)
    browser.page(month.served.link(MANAGER))
    body = browser.page(f"/dashboard?{PERIOD}")
    shown = re.search(r'data-figure="disqualified_reasons">([^<]*)<', body)
    assert shown is not None
    assert sum(int(n) for n in re.findall(r"\((\d+)\)", shown.group(1))) == team["disqualified"]


def test_every_reps_row_is_the_same_in_the_digest_funnel_and_both_dashboards(
    month: Played,
) -> None:
    view = digest_view(month.digest)
    reps_table, rotation = view_rows(view, "Reps"), view_rows(view, "Rotation")
    accounts = view_rows(view, "Account managers")
    manager = Browser(month.served)
    manager.page(month.served.link(MANAGER))
    team_page = manager.page(f"/dashboard?{PERIOD}")
    kinds = ("qualifier", "closer", "account-manager")
    tables = {kind: table_rows(team_page, kind) for kind in kinds}
    for name in REPS:
        rep = month.ids[name]
        expected = row_of(month.events, rep)
        shown = reps_table.get(name)
        if expected["assigned"] or expected["won_value"]:
            assert shown is not None, name
            assigned, claimed, _median, qualified, won_value = shown
            got = (int(assigned), int(claimed), int(qualified), amount(won_value))
            want = (expected["assigned"], expected["claimed"], expected["qualified"],
                    expected["won_value"])  # fmt: skip
            assert got == want, name
        mine = Browser(month.served)
        mine.page(month.served.link(name))
        own_page = mine.page(f"/dashboard?{PERIOD}")
        for kind in kinds:
            own = table_rows(own_page, kind)
            if rep in tables[kind]:
                assert own == {rep: tables[kind][rep]}, (name, kind, "the manager's row for them")
            else:
                assert not own
                assert f"No {kind.replace('-', ' ')}s in a rotation" not in own_page
        if name in QUALIFIERS:
            row = tables["qualifier"][rep]
            assert [int(row[1]), int(row[2]), int(row[4]), int(row[5])] == [
                expected["assigned"], expected["claimed"], expected["qualified"],
                expected["disqualified"],
            ]  # fmt: skip
            received, fair = (part.strip() for part in row[6].split("/"))
            assert (received, fair) == rotation[name][:2], name
        if name in CLOSERS:
            row = tables["closer"][rep]
            assert [int(row[i]) for i in (1, 2, 3, 4, 7)] == [
                expected[k]
                for k in ("meetings", "proposals_requested", "proposals_presented", "won", "lost")
            ], name
            assert amount(row[5]) == expected["won_value"]
        if name in ACCOUNT_MANAGERS:
            row = tables["account-manager"][rep]
            assert (int(row[1]), amount(row[2]), int(row[3])) == (
                expected["customers_taken_on"], expected["expansion_value"], expected["churned"]
            )  # fmt: skip
            assert accounts[name] == (row[1], row[2], row[3])
            assert row[4] in ("under a month", "–")
        answered = say(month.served.baton, name, "/funnel month").data["digest"]
        assert isinstance(answered, Digest)
        assert [r.rep_id for r in answered.report.reps] in ([rep], [])
        assert answered.report.inbound == month.digest.report.inbound, "the team's totals"


def test_closers_proposals_and_account_managers_customers_add_up_to_the_teams(
    month: Played,
) -> None:
    team = flow(month.events)
    browser = Browser(month.served)
    browser.page(month.served.link(MANAGER))
    body = browser.page(f"/dashboard?{PERIOD}")
    closers = table_rows(body, "closer").values()
    assert sum(int(row[2]) for row in closers) == team["proposals_requested"]
    assert sum(int(row[3]) for row in closers) == team["proposals_presented"]
    managers = table_rows(body, "account-manager").values()
    assert sum(int(row[1]) for row in managers) == team["handed_to_account_managers"]


def test_each_reps_overview_leads_page_spreadsheet_and_lead_pages_agree(month: Played) -> None:
    for name in REPS:
        rep = month.ids[name]
        theirs = their_events(month.events, rep)
        want = flow(theirs)
        browser = Browser(month.served)
        browser.page(month.served.link(name))
        overview = browser.page(f"/dashboard?{PERIOD}")
        assert page_figures(overview) == want, name
        for kind, keys in (
            ("qualifier", {"claimed": 2, "qualified": 4, "disqualified": 5}),
            (
                "closer",
                {
                    "meetings": 1,
                    "proposals_requested": 2,
                    "proposals_presented": 3,
                    "won": 4,
                    "lost": 7,
                },
            ),
            ("account-manager", {"handed_to_account_managers": 1, "churned": 3}),
        ):
            row = table_rows(overview, kind).get(rep)
            if row is not None:
                assert {k: int(row[i]) for k, i in keys.items()} == {k: want[k] for k in keys}
        owned = held(month.events, rep)
        arrived = {e.lead for e in month.events if e.type == "created" and START <= e.at < END}
        mine = {lead for lead in arrived if lead in owned}
        assert len(mine) == want["inbound"] + want["outbound"], name
        assert listed_leads(browser, PERIOD) == mine, name
        rows = spreadsheet(browser)
        assert {int(r["id"]) for r in rows} == mine, name
        for lead in sorted(owned)[:15]:
            assert browser.get(f"/dashboard/leads/{lead}")[0] == 200, (name, lead)
        strangers = set(range(1, max(arrived) + 1)) - set(owned)
        for lead in sorted(strangers)[:5]:
            assert browser.get(f"/dashboard/leads/{lead}")[0] == 404, (name, lead)


def test_the_spreadsheet_names_its_currency_and_adds_up_to_the_won_value(month: Played) -> None:
    team = flow(month.events)
    browser = Browser(month.served)
    browser.page(month.served.link(MANAGER))
    rows = spreadsheet(browser)
    assert len(rows) == team["inbound"] + team["outbound"]
    assert "won_amount (GBP)" in rows[0]
    assert "expansion_total (GBP)" in rows[0]
    amounts = [Decimal(r["won_amount (GBP)"]) for r in rows if r["won_amount (GBP)"]]
    won = sum(amounts, Decimal(0))
    assert won == team["won_value"]
    assert str(month.digest.report.won_value) != "0"
    assert view_figures(digest_view(month.digest))["Won value"].startswith("£")
