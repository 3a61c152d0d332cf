"""A rep's email from the chat (Slack's users.info profile) is kept to find their CRM owner."""

from __future__ import annotations

from bot.slack.transport.users import actor_from_profile
from routing.roles import Platform
from routing.usecases.context import Actor
from tests.support.clock import FakeClock
from tests.support.world import make_baton


def test_slack_profile_email_reaches_the_actor() -> None:
    user = {
        "id": "U1",
        "tz": "Europe/Berlin",
        "profile": {"real_name": "Alice", "email": "a@acme.io"},
    }
    assert actor_from_profile("U1", user).email == "a@acme.io"
    assert actor_from_profile("U1", {"profile": {"real_name": "Al"}}).email is None


def test_an_actors_email_is_stored_for_their_crm_owner_and_a_bad_one_is_not(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = make_baton(sqlite_url, clock)
    rep = baton.relay.rep(Actor(Platform.SLACK, "U1", "Alice", "UTC", "Alice@Acme.io"))
    baton.relay.rep(Actor(Platform.SLACK, "U2", "Bob", "UTC", "x" * 400 + "@acme.io"))
    with baton.relay.uow_factory() as uow:
        assert uow.crm_owners.email_of(rep.id or 0) == "alice@acme.io"
        bob = uow.reps.find(Platform.SLACK, "U2")
        assert bob is not None
        assert uow.crm_owners.email_of(bob.id or 0) is None
    baton.close()
