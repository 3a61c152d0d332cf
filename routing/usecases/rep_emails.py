"""A rep's email, learned from whichever platform tells it and read by everything that names the
rep outside chat: the CRM (their owner is found by it), their calendar feed (an invitation they
declined is free only when Baton knows it is theirs) and the invitation Baton writes (the closer
as ``ORGANIZER``)."""

from __future__ import annotations

from routing.calendars.feed import feed_address
from routing.ports import UnitOfWork


def learn_email(uow: UnitOfWork, rep_id: int, email: str) -> bool:
    """Keep ``email`` (storable, lower case) as the rep's; False when it was known already.

    A new address changes how the rep's feed reads (their declined invitations become free), so
    the feed is read again in full at the calendar job's next look rather than after the
    hours a "not modified" answer could keep the old reading."""
    if uow.rep_emails.email_of(rep_id) == email:
        return False
    uow.rep_emails.set_email(rep_id, email)
    uow.calendars.read_again(rep_id)
    return True


def calendar_address(uow: UnitOfWork, rep_id: int, feed_url: str | None) -> str | None:
    """The rep's address for their calendar: the one the feed's URL names (a Google secret
    address), else the email Baton knows for them."""
    return feed_address(feed_url) or uow.rep_emails.email_of(rep_id)


def known_addresses(uow: UnitOfWork, rep_id: int) -> tuple[str, ...]:
    """The rep's addresses Baton knows, for reading their feed (what the feed says is added
    there)."""
    email = uow.rep_emails.email_of(rep_id)
    return (email.lower(),) if email else ()
