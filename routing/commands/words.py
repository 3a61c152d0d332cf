"""Lead ids, user mentions and role names as users type them."""

from __future__ import annotations

import re

from routing import limits
from routing.commands.types import UserRef
from routing.errors import NotFound, UsageError
from routing.roles import Role

_LEAD_ID = re.compile(r"(?:#|[Ll]-?)?0*([0-9]+)")
_MENTION = re.compile(r"<@([\w:.\-]+)(?:\|([^<>]*))?>")


def parse_lead_id(token: str, usage: str = "/lead show <id>") -> int:
    """``42``, ``#42``, ``L-42`` and ``l-42`` all mean lead 42.

    An id no database column can hold names no lead: :class:`NotFound`, as for any missing one.
    """
    match = _LEAD_ID.fullmatch(token.strip())
    if match is None or match[1] == "0":
        raise UsageError(f"`{token[:40]}` is not a lead id — use 42, #42 or L-42", usage)
    digits = match[1]
    if len(digits) > len(str(limits.MAX_ID)) or not limits.fits_id(int(digits)):
        raise NotFound(
            f"There is no lead L-{limits.truncate(digits, 20)}. `/lead mine` lists yours."
        )
    return int(digits)


def _user_ref(token: str) -> UserRef | None:
    match = _MENTION.fullmatch(token)
    if match is None:
        return None
    name = limits.truncate((match[2] or "").strip(), limits.REP_NAME)
    return UserRef(match[1], name or None)


ROLES: tuple[str, ...] = tuple(role.value for role in Role)

_ROLE_ALIASES = {
    Role.QUALIFIER: ("sdr", "inbound", "inbound_sdr", "enquiry_response_executive"),
    Role.PROSPECTOR: ("bdr", "outbound", "outbound_sdr", "lead_generation_executive"),
    Role.CLOSER: ("ae", "account_executive", "sales_executive"),
    Role.ACCOUNT_MANAGER: ("am", "csm", "customer_success", "key_account_manager", "kam"),
    Role.MANAGER: ("admin", "sales_manager", "mgr"),
}
_ROLE_BY_WORD = {
    word: role.value
    for role, aliases in _ROLE_ALIASES.items()
    for name in (role.value, *aliases)
    for word in (name, f"{name}s")
}


def normalise_role(token: str, usage: str = "/rotation show [role]") -> str:
    """The Baton role a word names: ``SDRs``, ``account-manager`` and ``AE`` are all accepted."""
    word = re.sub(r"[\s\-]+", "_", token.strip().lower())
    role = _ROLE_BY_WORD.get(word)
    if role is None:
        valid = ", ".join(ROLES)
        raise UsageError(f"`{token}` is not a role — use one of {valid}", usage)
    return role


def self_join_roles(setting: str) -> frozenset[str]:
    """``BATON_SELF_JOIN`` (``qualifier,prospector``) as the roles anyone may join by
    `/rotation join`; empty: nobody (a manager adds reps). :class:`ValueError` for a word that
    is not a role, or for ``manager``: a typo must not open a rotation to anyone."""
    roles = set()
    for word in (part for part in setting.split(",") if part.strip()):
        try:
            role = normalise_role(word)
        except UsageError:
            roles_text = ", ".join(ROLES[:-1])
            raise ValueError(f"`{word.strip()}` is not a role — use {roles_text}") from None
        if role == Role.MANAGER.value:
            raise ValueError("nobody makes themselves a manager: leave `manager` out")
        roles.add(role)
    return frozenset(roles)
