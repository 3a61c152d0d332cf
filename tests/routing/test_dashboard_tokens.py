"""Dashboard link tokens: signed, expiring, bound to one user and one secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.dashboard.tokens import LINK_LIFETIME, InvalidToken, sign, verify

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECRET = "s3cret"


def test_a_signed_token_verifies_and_names_its_user_and_expiry() -> None:
    token = sign("slack:U123", NOW + LINK_LIFETIME, SECRET)
    grant = verify(token, SECRET, NOW + timedelta(hours=23))
    assert grant.subject == "slack:U123"
    assert grant.expires == NOW + LINK_LIFETIME


def test_a_token_stops_working_when_it_expires() -> None:
    token = sign("slack:U123", NOW + LINK_LIFETIME, SECRET)
    with pytest.raises(InvalidToken) as refused:
        verify(token, SECRET, NOW + LINK_LIFETIME)
    assert refused.value.why == "expired"


def test_a_token_signed_with_another_secret_is_refused_so_rotation_ends_every_link() -> None:
    token = sign("slack:U123", NOW + LINK_LIFETIME, "old secret")
    with pytest.raises(InvalidToken) as refused:
        verify(token, "new secret", NOW)
    assert refused.value.why == "bad signature"


def test_a_token_cannot_be_rewritten_for_another_user() -> None:
    alice = sign("console:alice", NOW + LINK_LIFETIME, SECRET)
    bob = sign("console:bob", NOW + LINK_LIFETIME, SECRET)
    version, _alice_claims, alice_mac = alice.split(".")
    bob_claims = bob.split(".")[1]
    with pytest.raises(InvalidToken, match="not valid"):
        verify(f"{version}.{bob_claims}.{alice_mac}", SECRET, NOW)
    assert verify(alice, SECRET, NOW).subject == "console:alice"


def test_a_token_with_a_longer_expiry_written_in_is_refused() -> None:
    token = sign("console:alice", NOW + LINK_LIFETIME, SECRET)
    version, _claims, mac = token.split(".")
    forged = sign("console:alice", NOW + timedelta(days=365), SECRET).split(".")[1]
    with pytest.raises(InvalidToken):
        verify(f"{version}.{forged}.{mac}", SECRET, NOW)


@pytest.mark.parametrize("token", [None, "", "v1", "v1..", "v2.abc.def", "x" * 5000, "v1.é.ü"])
def test_missing_and_malformed_tokens_are_refused(token: str | None) -> None:
    with pytest.raises(InvalidToken):
        verify(token, SECRET, NOW)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=700))
def test_any_text_is_refused_cleanly_never_with_another_error(text: str) -> None:
    with pytest.raises(InvalidToken):
        verify(text, SECRET, NOW)
