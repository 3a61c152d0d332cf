"""A person's address, as Slack's profile, Teams' roster, `email=` and `/rotation owner` give it,
is read by one rule (routing.contact.person_email), the one `/lead new` reads addresses by."""

from __future__ import annotations

from datetime import date

import pytest

from routing import limits
from routing.commands import parse_command
from routing.contact import person_email
from routing.errors import BatonError
from routing.relay import _storable
from routing.roles import Platform
from routing.usecases.context import Actor

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Bob.Burns@Firm.com", "bob.burns@firm.com"),
        ("  alice@acme.io\n", "alice@acme.io"),
        ("alice@acme", None),
        ("alice", None),
        ("a@b@c.io", None),
        ("Alice <alice@acme.io>", None),
        ("", None),
        (None, None),
        ("x" * limits.EMAIL + "@acme.io", None),
    ],
)
def test_an_address_is_kept_trimmed_in_lower_case_and_anything_else_is_none(
    given: str | None, kept: str | None
) -> None:
    assert person_email(given) == kept


def test_rotation_add_and_owner_refuse_what_is_not_an_address() -> None:
    for text in ("add <@UBOB> qualifier email=bob@firm", "owner <@UBOB> bob@firm"):
        with pytest.raises(BatonError):
            parse_command("/rotation", text, TODAY)
    assert parse_command("/rotation", "add <@UBOB> qualifier email=Bob@Firm.com", TODAY)
    assert parse_command("/rotation", "owner <@UBOB> Bob@Firm.com", TODAY)


def test_a_platform_s_email_that_is_no_address_is_not_kept_on_the_actor() -> None:
    kept = _storable(Actor(Platform.SLACK, "U1", "Bob", None, "Bob@Firm.COM"))
    dropped = _storable(Actor(Platform.SLACK, "U1", "Bob", None, "not-an-address@"))
    assert (kept.email, dropped.email) == ("bob@firm.com", None)
