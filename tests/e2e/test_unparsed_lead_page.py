"""An unparsed lead on the dashboard and in storage: its page quotes what was posted, and a fix
is stored and routed on both databases."""

from __future__ import annotations

from routing.arrival import posted
from routing.roles import Platform
from routing.stages import Stage
from storage.uow import SqlUnitOfWork
from tests.support.clock import FakeClock
from tests.support.dashboard import MANAGER, Browser, seeded_baton, serving
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

UNREADABLE = "Hi <b>team</b>, call me back about pricing\nsecond line"


def test_the_lead_page_of_an_unparsed_lead_shows_the_original_post(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = seeded_baton(sqlite_url, clock)
    outcome = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "9.1", UNREADABLE, phones=PHONES)
    )
    with serving(baton) as served:
        browser = Browser(served)
        assert browser.get(served.link(MANAGER))[0] == 200
        status, body, _ = browser.get(f"/dashboard/leads/{outcome.lead_id}")
    baton.engine.dispose()
    assert status == 200
    assert "<h2>Original post</h2>" in body
    assert (
        "Hi &lt;b&gt;team&lt;/b&gt;, call me back about pricing\nsecond line</blockquote>" in body
    )


def test_a_fixed_lead_is_stored_and_routed_on_every_database(db_url: str, clock: FakeClock) -> None:
    baton = make_baton(db_url, clock, managers=[("console", "maya")])
    say(baton, "maya", "/rotation add @alice qualifier")
    outcome = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "9.1", UNREADABLE, phones=PHONES)
    )
    lead_id = outcome.lead_id or 0
    say(baton, "maya", f"/lead fix L-{lead_id} email=sam@umbrella.co company=Umbrella name=Sam")
    with SqlUnitOfWork(baton.engine) as uow:
        lead = uow.leads.get(lead_id)
        kinds = [e.type.value for e in uow.leads.events(lead_id)]
    baton.engine.dispose()
    assert (lead.stage, lead.company, lead.email, lead.name) == (
        Stage.ASSIGNED,
        "Umbrella",
        "sam@umbrella.co",
        "Sam",
    )
    assert lead.raw_text == UNREADABLE
    assert kinds == ["unparsed", "created", "assigned"]


def test_the_lead_page_timeline_reads_as_sentences_with_names_and_amounts(
    sqlite_url: str, clock: FakeClock
) -> None:
    """The seeded first lead is qualified, handed to carl and won at 12k."""
    baton = seeded_baton(sqlite_url, clock)
    with serving(baton) as served:
        browser = Browser(served)
        assert browser.get(served.link(MANAGER))[0] == 200
        status, body, _ = browser.get("/dashboard/leads/1")
    baton.engine.dispose()
    assert status == 200
    timeline = body.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert "to carl (closer)" in timeline
    assert "won by carl: 12,000" in timeline
    assert "by the qualifier rotation" in timeline
    for internal in ("{", "pool", "eligible", "handed_from", "amount:", "12000", "rep "):
        assert internal not in timeline, internal
