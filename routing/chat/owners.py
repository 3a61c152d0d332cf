"""What people read when a new lead's contact already has an owner: it goes to them, it waits
for them while they are away or off shift, or it goes to the rotation because they are gone for
longer than the pool waits (:mod:`routing.usecases.matching` holds the rule)."""

from __future__ import annotations


def same_contact(by: str, ref: str, title: str, stage: str) -> str:
    """``Same domain acme.io as L-10 (Acme — Sam, working)``."""
    return f"Same {by} as {ref} ({title}, {stage})"


def goes_to_owner(contact: str, owner: str) -> str:
    return f"{contact}, so it goes to {owner}, who owns that account."


def pool_wait(hours: float, pool: str) -> str:
    """``the qualifier pool waits 24 h for an account's owner``; with 0, that it does not."""
    label = pool.replace("_", " ")
    if hours <= 0:
        return f"the {label} pool does not wait for an account's owner"
    return f"the {label} pool waits {hours:g} h for an account's owner"


def waits_for_owner(contact: str, owner: str, absent: str, until: str, rule: str) -> str:
    """The lead waits in the queue for its owner: to them as soon as they can take it, else to
    the rotation at ``until`` (``rule``: how long the pool waits)."""
    return (
        f"{contact}, whose owner {owner} is {absent}. It goes to {owner} as soon as they're "
        f"available, or to the rotation at {until} ({rule})."
    )


def owner_passed_over(contact: str, owner: str, absent: str, rule: str, *, waited: bool) -> str:
    """The owner is gone for longer than the pool waits, or was still away when the wait
    ended: the lead goes to the rotation, and the reason says so."""
    still = "still " if waited else ""
    return (
        f"{contact}, but its owner {owner} is {still}{absent} and {rule}, "
        "so it goes to the rotation."
    )


def owner_waits_dm(ref: str, title: str, explanation: str) -> str:
    """The owner's direct message, there for them when they are back."""
    return f"{ref} ({title}) waits for you. {explanation}"
