"""A Teams person's email from the Bot Framework roster: the rep's email, which finds their
HubSpot owner and their own answers in their calendar feed.

Activities name a person by their ``29:…`` id and display name only; the email is in the roster
(``TeamsInfo.get_member`` → ``GET /v3/conversations/{id}/members/{user id}``, a
``TeamsChannelAccount``): ``email``, else ``userPrincipalName`` (the sign-in name, an address in
most tenants). A lookup that fails (no connector in the turn, the roster refused, a guest
without either field) is a warning and no email: it never fails the command it follows.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema.teams import TeamsChannelAccount

from routing.contact import person_email

log = logging.getLogger(__name__)


async def member_email(turn_context: TurnContext, user_id: str) -> str | None:
    """The email the roster gives ``user_id`` in this turn's conversation (or team)."""
    try:
        member = await TeamsInfo.get_member(turn_context, user_id)
    except Exception as err:  # noqa: BLE001 - botbuilder raises anything from HTTP to TypeError
        log.warning("Teams roster lookup of %s for their email failed: %s", user_id, err)
        return None
    return email_of(member)


def email_of(member: object) -> str | None:
    """``email``, else ``userPrincipalName`` when it is an address (the rule of
    :func:`routing.contact.person_email`); None for anything else."""
    if not isinstance(member, TeamsChannelAccount):
        return None
    for value in (member.email, member.user_principal_name):
        found = person_email(value) if isinstance(value, str) else None
        if found:
            return found
    return None
