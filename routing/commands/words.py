"""Lead ids, user mentions and role names as users type them."""

from __future__ import annotations

import re

from routing.commands.types import UserRef
from routing.errors import UsageError
from routing.roles import Role

_LEAD_ID = re.compile(r"(?:#|[Ll]-?)?([0-9]{1,18})")
_MENTION = re.compile(r"<@([\w:.\-]+)(?:\|([^<>]*))?>")


def parse_lead_id(token: str, usage: str = "/lead show <id>") -> int:
    """``42``, ``#42``, ``L-42`` and ``l-42`` all mean lead 42."""
    match = _LEAD_ID.fullmatch(token.strip())
    if match is None or int(match[1]) == 0:
        raise UsageError(f"`{token}` is not a lead id — use 42, #42 or L-42", usage)
    return int(match[1])


def _user_ref(token: str) -> UserRef | None:
    match = _MENTION.fullmatch(token)
    if match is None:
        return None
    name = (match[2] or "").strip()
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
