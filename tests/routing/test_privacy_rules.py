"""The privacy rules without I/O: what identifies a person in text, what an erased lead keeps
and shows, the salted intake key, and how a contact is named."""

from __future__ import annotations

import pytest

from routing.errors import InvalidInput
from routing.lead import Lead
from routing.privacy import (
    ERASED,
    Scrubber,
    erased_fields,
    erased_key,
    identifiers_of,
)
from routing.usecases.privacy import Contact


def test_the_scrubber_finds_names_emails_and_phones_however_they_are_written() -> None:
    scrub = Scrubber(identifiers_of(["priya.shah@acme.io", "Priya Shah", "+44 20 7946 0958"]))
    text = (
        "PRIYA SHAH (Priya.Shah@ACME.io) called from +442079460958, then +44 (20) 7946-0958; "
        "Priya  Shah again"
    )
    assert scrub.text(text) == (
        f"{ERASED} ({ERASED}) called from {ERASED}, then {ERASED}; {ERASED} again"
    )


def test_the_scrubber_replaces_whole_words_only_and_leaves_other_text_alone() -> None:
    scrub = Scrubber(identifiers_of(["Ann Lee", "ann@lee.io"]))
    assert scrub.text("Ann Leeds and joann@lee.io.uk are someone else") == (
        "Ann Leeds and joann@lee.io.uk are someone else"
    )
    assert identifiers_of(["Al", "", None, " Bo "]) == ()  # too short to look for


def test_the_scrubber_walks_json_keys_and_values_and_drops_what_it_is_told() -> None:
    scrub = Scrubber(["Priya Shah"])
    document = {"reason": "Priya Shah left", "Priya Shah": [1, "x Priya Shah"], "notes": "n"}
    assert scrub.json(document, drop=frozenset({"notes"})) == {
        "reason": f"{ERASED} left",
        ERASED: [1, f"x {ERASED}"],
    }
    assert scrub.json_finds({"a": ["PRIYA SHAH"]})
    assert not scrub.json_finds({"a": ["Priya Patel"], "n": 3})


def test_an_erased_lead_keeps_only_the_fields_figures_read_and_says_details_erased() -> None:
    fields = {"source": "webinar", "domain": "acme.io", "notes": "met Priya", "title": "CTO"}
    kept = erased_fields(fields, "2026-11-23", Scrubber(["Priya"]))
    assert kept == {"source": "webinar", "domain": "acme.io", "erased": "2026-11-23"}
    lead = Lead(company="Acme", email=None, fields=kept)
    assert lead.erased
    assert lead.title == "Acme — details erased"
    assert lead.details() == {
        "Company": "Acme",
        "Contact": "details erased",
        "Source": "webinar",
    }


def test_an_erased_key_is_a_salted_hash_that_never_holds_the_key() -> None:
    key = "webhook:website:priya.shah@acme.io"
    hashed = erased_key("salt-1", key)
    assert hashed.startswith("erased:")
    assert "priya" not in hashed
    assert hashed == erased_key("salt-1", key)
    assert hashed != erased_key("salt-2", key)
    assert len(hashed) <= 400


@pytest.mark.parametrize(
    ("email", "lead_id"),
    [(None, None), ("a@b.io", 7), ("not-an-email", None), ("a" * 400 + "@b.io", None)],
)
def test_a_contact_is_named_by_one_valid_email_or_one_lead(
    email: str | None, lead_id: int | None
) -> None:
    with pytest.raises(InvalidInput):
        Contact(email=email, lead_id=lead_id)


def test_a_contacts_email_is_made_storable() -> None:
    assert Contact(email=" pri\x00ya@acme.io ").email == "priya@acme.io"
