"""Every chat answers a failure the same way: the person's mistake by its message, ours by the one
apology."""

from __future__ import annotations

from routing.chat.sorry import SORRY, answer_to
from routing.errors import NotAllowed, UsageError


def test_a_mistake_the_person_made_is_answered_with_its_message() -> None:
    assert answer_to(NotAllowed("Only managers can reassign leads.")) == (
        "Only managers can reassign leads."
    )
    assert "Usage" in answer_to(UsageError("`x` is not a lead id", "/lead claim <id>"))


def test_a_failure_of_ours_is_answered_with_the_one_apology() -> None:
    assert answer_to(RuntimeError("database is locked")) == SORRY
    assert "database" not in SORRY
