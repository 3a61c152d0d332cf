"""The dashboard over HTTP on loopback: links, the cookie, who sees what, and the exports."""

from __future__ import annotations

import csv
import io
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.entrypoints.cli import app
from routing.clock import zone
from routing.dashboard.periods import period_of
from routing.usecases.context import Ctx
from routing.usecases.funnel import build_digest
from routing.usecases.privacy import Contact
from storage.dashboard_secrets import rotate_secret
from storage.uow import SqlUnitOfWork
from tests.support.clock import FakeClock
from tests.support.dashboard import MANAGER, Browser, Served, seeded_baton, serving
from tests.support.world import say


@pytest.fixture
def served(sqlite_url: str, clock: FakeClock) -> Iterator[Served]:
    baton = seeded_baton(sqlite_url, clock)
    with serving(baton) as running:
        yield running
    baton.engine.dispose()


def _owner_of_leads(served: Served) -> dict[int, str]:
    with served.baton.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT l.id, r.user_id FROM leads l JOIN reps r ON r.id = l.owner_id"
        ).all()
    return dict(rows)


def _leads_held_by(served: Served, user_id: str) -> set[int]:
    """The leads ``user_id`` has owned at some moment: the leads that are theirs to read."""
    with served.baton.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT DISTINCT e.lead_id FROM lead_events e JOIN reps r ON r.id = e.owner_id"
            " WHERE r.user_id = ?",
            (user_id,),
        ).all()
    return {row[0] for row in rows}


def test_opening_a_link_sets_a_strict_cookie_and_redirects_to_the_clean_address(
    served: Served,
) -> None:
    request = urllib.request.Request(served.link(MANAGER))

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(request, timeout=30)
    assert answer.value.code == 303
    assert answer.value.headers["Location"] == "/dashboard"
    cookie = answer.value.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # BATON_PUBLIC_URL is http here
    assert "Max-Age=86400" in cookie


def test_the_cookie_is_secure_when_the_public_url_is_https(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = seeded_baton(sqlite_url, clock, public_url="https://baton.example.com")
    with serving(baton) as running:
        link = running.link(MANAGER)
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.build_opener(_NoRedirect).open(link, timeout=30)
    baton.engine.dispose()
    assert "Secure" in answer.value.headers["Set-Cookie"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.mark.parametrize(
    "path", ["/dashboard", "/dashboard/leads", "/dashboard/audit", "/dashboard/export/leads.csv"]
)
def test_without_a_link_every_page_is_401_and_says_how_to_get_one(
    served: Served, path: str
) -> None:
    status, body, _ = Browser(served).get(path)
    assert status == 401
    assert "/funnel link" in body


def test_a_forged_link_gets_the_401_page(served: Served) -> None:
    link = served.link(MANAGER)
    status, body, _ = Browser(served).get(
        link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    )
    assert status == 401
    assert "not valid" in body


def test_a_link_stops_working_after_24_hours(served: Served, clock: FakeClock) -> None:
    browser = Browser(served)
    assert browser.get(served.link(MANAGER))[0] == 200
    clock.advance(hours=24)
    status, body, _ = browser.get("/dashboard")
    assert status == 401
    assert "expired" in body


def test_rotating_the_stored_secret_invalidates_every_link(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = seeded_baton(sqlite_url, clock, secret_key=None)
    with serving(baton) as running:
        browser = Browser(running)
        assert browser.get(running.link(MANAGER))[0] == 200
        rotate_secret(baton.engine)
        assert browser.get("/dashboard")[0] == 401
        assert Browser(running).get(running.link(MANAGER))[0] == 200
    baton.engine.dispose()


def test_the_managers_overview_shows_the_digests_figures_for_the_same_period(
    served: Served,
) -> None:
    browser = Browser(served)
    status, body, _ = browser.get(served.link(MANAGER) + "&period=today")
    assert status == 200
    baton = served.baton
    with SqlUnitOfWork(baton.engine, baton.clock, read_only=True) as uow:
        rep = baton.relay.rep(_actor(MANAGER))
        ctx = Ctx(uow, baton.clock(), baton.relay.config, rep)
        period = period_of("today", baton.clock(), zone("UTC"))
        digest = build_digest(ctx, period)
    report = digest.report
    for key, value in [
        ("inbound", report.inbound),
        ("claimed", report.claimed),
        ("qualified", report.qualified),
        ("disqualified", report.disqualified),
        ("won", report.won),
        ("meetings", report.meetings),
    ]:
        assert f'data-figure="{key}">{value}<' in body
    assert f'data-figure="period">{report.period.label}<' in body


def test_a_rep_guessing_another_reps_lead_id_gets_not_found(served: Served) -> None:
    owners = _owner_of_leads(served)
    alice_leads = sorted(_leads_held_by(served, "alice"))
    others = [i for i in owners if i not in alice_leads]
    browser = Browser(served)
    assert browser.get(served.link("alice"))[0] == 200
    assert browser.get(f"/dashboard/leads/{alice_leads[0]}")[0] == 200
    for lead_id in [*others, 999]:
        status, body, _ = browser.get(f"/dashboard/leads/{lead_id}")
        assert status == 404
        assert "that you can see" in body


def test_a_rep_tampering_with_the_owner_filter_still_sees_only_their_leads(
    served: Served,
) -> None:
    owners = _owner_of_leads(served)
    rep_ids = _rep_ids(served)
    browser = Browser(served)
    browser.get(served.link("alice"))
    _, body, _ = browser.get(f"/dashboard/leads?owner={rep_ids['bob']}")
    shown = {int(part.split('"')[0]) for part in body.split('data-lead="')[1:]}
    assert shown == _leads_held_by(served, "alice")
    assert shown >= {i for i, who in owners.items() if who == "alice"}
    _, exported, _ = browser.get(f"/dashboard/export/leads.csv?owner={rep_ids['bob']}")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {int(r["id"]) for r in rows} == shown


def test_a_manager_filters_the_leads_table_by_owner_and_stage(served: Served) -> None:
    owners = _owner_of_leads(served)
    rep_ids = _rep_ids(served)
    browser = Browser(served)
    browser.get(served.link(MANAGER))
    _, body, _ = browser.get(f"/dashboard/leads?owner={rep_ids['bob']}&stage=working")
    shown = {int(part.split('"')[0]) for part in body.split('data-lead="')[1:]}
    assert shown
    assert shown <= {i for i, who in owners.items() if who == "bob"}
    status, body, _ = browser.get("/dashboard/leads?stage=bogus")
    assert status == 400
    assert "no stage" in body


def test_the_leads_export_is_utf8_with_bom_and_neutralises_formulas(served: Served) -> None:
    browser = Browser(served)
    browser.get(served.link(MANAGER))
    request = urllib.request.Request(served.url + "/dashboard/export/leads.csv")
    with browser.opener.open(request, timeout=30) as response:
        raw = response.read()
        assert response.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in response.headers["Content-Disposition"]
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    companies = {r["company"] for r in rows}
    assert "Initech" in companies
    assert any(c.startswith("'=") for c in companies)
    assert not any(c.startswith("=") for c in companies)
    assert "Zoë Brandt" in {r["person"] for r in rows}


def test_funnel_link_answers_managers_and_reps_and_refuses_people_in_no_rotation(
    served: Served,
) -> None:
    outcome = say(served.baton, MANAGER, "/funnel link")
    assert outcome.data["private"] is True
    assert "/dashboard?t=v1." in outcome.reply
    assert "your own leads" in say(served.baton, "alice", "/funnel link").reply
    from routing.errors import NotAllowed

    with pytest.raises(NotAllowed, match="rotation"):
        say(served.baton, "olga", "/funnel link")


def test_a_link_given_before_a_rep_left_every_rotation_stops_working(served: Served) -> None:
    link = served.link("bob")
    say(served.baton, MANAGER, "/rotation remove @bob qualifier")
    status, body, _ = Browser(served).get(link)
    assert status == 401
    assert "rotation" in body


def test_the_cli_prints_links_for_operators_and_rotates_the_secret(
    sqlite_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    seeded_baton(sqlite_url, clock, secret_key=None).engine.dispose()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BATON_PUBLIC_URL", "https://baton.example.com")
    monkeypatch.delenv("BATON_SECRET_KEY", raising=False)
    runner = CliRunner()
    printed = runner.invoke(app, ["dashboard-link", "--user", "console:maya"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.startswith("https://baton.example.com/dashboard?t=v1.")
    refused = runner.invoke(app, ["dashboard-link", "--user", "console:olga"])
    assert refused.exit_code == 2
    rotated = runner.invoke(app, ["secret", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    exported = runner.invoke(app, ["export", "leads", "--from", "2026-11-23", "--to", "2026-11-23"])
    assert exported.exit_code == 0, exported.output
    assert "Umbrella" in exported.output


def _actor(name: str) -> Any:
    from tests.support.world import console

    return console(name)


def _rep_ids(served: Served) -> dict[str, int]:
    with served.baton.engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT user_id, id FROM reps").all())


def test_the_overview_shows_the_managers_numbers_and_numbers_csv_has_the_same_figures(
    served: Served,
) -> None:
    say(served.baton, MANAGER, "/funnel spend website 3k")
    browser = Browser(served)
    status, body, _ = browser.get(served.link(MANAGER) + "&period=this_week")
    assert status == 200
    assert "The manager&#39;s numbers" in body or "The manager's numbers" in body
    for title in ("Inbound vs outbound", "Conversion by source", "Open pipeline by stage"):
        assert title in body
    status, text, response = browser.get("/dashboard/export/numbers.csv?period=this_week")
    assert status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    figures = {(r["section"], r["row"], r["figure"]): r["value"] for r in rows}
    leads = figures[("conversion", "all (total)", "leads")]
    assert int(leads) > 0
    assert figures[("costs", "website", "spend")] != ""


def test_the_owner_filter_offers_reps_not_baton_a_form_app_or_a_manager(
    served: Served, clock: FakeClock
) -> None:
    from routing.arrival import posted
    from routing.roles import Platform
    from tests.support.phones import PHONES
    from tests.support.world import console

    post = posted(Platform.SLACK, "C0LEADS", "9.1", "Lead: Kim, kim@hooli.io", phones=PHONES)
    served.baton.relay.ingest(post, console("webform"))
    served.baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "9.2", "Lead: Li, li@x.io", phones=PHONES)
    )
    browser = Browser(served)
    assert browser.get(served.link(MANAGER))[0] == 200
    status, body, _ = browser.get("/dashboard/leads")
    assert status == 200
    (choices,) = re.findall(r'<select name="owner">(.*?)</select>', body, re.S)
    names = set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', choices))
    assert names == {"alice", "bob", "carl"}


def test_the_flow_and_outcomes_table_has_column_headers(served: Served) -> None:
    browser = Browser(served)
    status, body, _ = browser.get(served.link(MANAGER))
    assert status == 200
    (flow,) = re.findall(r'<table data-table="flow">(.*?)</table>', body, re.S)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", flow) == ["", "This period", "Previous", "Change"]


def test_the_funnel_graphic_leaves_room_for_its_longest_step_name(served: Served) -> None:
    from bot.web.dashboard.charts import CHAR_WIDTH

    status, body, _ = Browser(served).get(served.link(MANAGER))
    assert status == 200
    (funnel,) = re.findall(r'aria-label="Funnel: leads through each step".*?</svg>', body, re.S)
    labels = re.findall(r'<text x="0\.0"[^>]*>([^<]+)</text>', funnel)
    assert "Handed to account managers" in labels
    bars_start = {float(x) for x in re.findall(r'<rect x="([\d.]+)"', funnel)}
    assert min(bars_start) >= CHAR_WIDTH * max(len(label) for label in labels)


def test_the_audit_page_shows_managers_who_changed_what_escaped_and_paged(
    served: Served, clock: FakeClock
) -> None:
    baton = served.baton
    say(baton, MANAGER, "/rotation mode qualifier open")
    say(baton, MANAGER, '/rotation credit @bob +2 covered 5 < 6 & "seven"')
    owned = sorted(_owner_of_leads(served))
    say(baton, MANAGER, f"/lead reassign {owned[-1]} @bob")
    rotate_secret(baton.engine, by="cli:ops")
    baton.relay.erase_contact(Contact(email="zoe@initech.io"), by="cli:ops")
    browser = Browser(served)
    assert browser.get(served.link(MANAGER))[0] == 200
    status, body, _ = browser.get("/dashboard/audit")
    assert status == 200
    for said in (
        "Claim mode changed",
        "Rotation credit",
        "Lead reassigned",
        "Secret rotated",
        "Contact erased",
        "Added to a rotation",
        "operator (cli:ops)",
        "pool qualifier",
    ):
        assert said in body, said
    assert "5 < 6 &" not in body
    assert "covered 5 &lt; 6 &amp;" in body, body[body.find("covered") :][:80]
    assert "zoe@initech.io" not in body
    assert 'href="/dashboard/audit"' in body  # the managers' nav
    for n in range(60):
        clock.advance(seconds=1)
        say(baton, MANAGER, f"/rotation credit @alice +1 round {n}")
    first = browser.get("/dashboard/audit")[1]
    assert "round 59" in first
    assert 'rel="next" href="/dashboard/audit?page=2"' in first
    second = browser.get("/dashboard/audit?page=2")[1]
    assert "round 59" not in second
    assert "Contact erased" in second
    for odd in ("banana", "0", "1001", "%00"):
        status, refused, _ = browser.get(f"/dashboard/audit?page={odd}")
        assert status == 400
        assert "The page must be a number from 1 to 1,000" in refused
        assert '<form class="pages"' in refused


def test_a_rep_gets_not_found_for_the_audit_page_and_no_link_to_it(served: Served) -> None:
    browser = Browser(served)
    assert browser.get(served.link("alice"))[0] == 200
    for path in ("/dashboard/audit", "/dashboard/audit?page=banana", "/dashboard/audit?page=2"):
        status, body, _ = browser.get(path)
        assert status == 404
        assert "Contact erased" not in body
    assert 'href="/dashboard/audit"' not in browser.get("/dashboard")[1]
