"""The ``/rotation`` grammar: one parser per subcommand, and their aliases."""

from __future__ import annotations

import re
from collections.abc import Callable

from routing.commands.dates import (
    _HOURS,
    _clock,
    _may_be_twelve_hour,
    _resolve_date,
    _weekdays,
)
from routing.commands.tokens import _Args, _or_list, _within
from routing.commands.types import (
    Command,
    Help,
    RotationAdd,
    RotationAway,
    RotationBack,
    RotationBooking,
    RotationCalendar,
    RotationCredit,
    RotationHours,
    RotationJoin,
    RotationLeave,
    RotationMode,
    RotationOwner,
    RotationPreview,
    RotationRemove,
    RotationShow,
    UserRef,
)
from routing.commands.web_address import web_address
from routing.commands.words import ROLES, _user_ref, normalise_role
from routing.contact import person_email
from routing.limits import MAX_CAP, MAX_OPEN, MAX_WEIGHT


def _rotation_show(args: _Args) -> RotationShow:
    words = args.words()
    return RotationShow(normalise_role(" ".join(words), args.usage) if words else None)


def _rotation_add(args: _Args) -> RotationAdd:
    user = args.mention()
    found = args.options(("weight", "cap", "max_open", "pool", "email"))
    role = _required_role(args)
    weight = _within(args, "weight", found["weight"], 1, MAX_WEIGHT) if "weight" in found else 1
    cap = _within(args, "cap", found["cap"], 1, MAX_CAP) if "cap" in found else None
    limit = found.get("max_open")
    max_open = _within(args, "max_open", limit, 1, MAX_OPEN) if limit is not None else None
    email = found.get("email")
    if email is not None and not person_email(email):
        args.fail(f"`{email}` is not an email address")
    return RotationAdd(user, role, weight, cap, found.get("pool"), max_open, email)


_OWNER_ID = re.compile(r"\d{1,20}")


def _rotation_owner(args: _Args) -> RotationOwner:
    user = args.mention()
    words = args.words()
    if len(words) != 1 or not (_OWNER_ID.fullmatch(words[0]) or person_email(words[0])):
        args.fail("give the rep's HubSpot owner id (digits) or the owner's email")
    return RotationOwner(user, words[0])


def _rotation_remove(args: _Args) -> RotationRemove:
    user = args.mention()
    found = args.options(("pool",))
    role = _required_role(args)
    return RotationRemove(user, role, found.get("pool"))


def _required_role(args: _Args) -> str:
    if any(_user_ref(token.text) for token in args.tokens):
        args.fail("mention one user only, before the role")
    words = args.words()
    if not words:
        args.fail(f"a role is required: {_or_list(ROLES)}")
    return normalise_role(" ".join(words), args.usage)


def _rotation_join(kind: Callable[[str], Command]) -> Callable[[_Args], Command]:
    def parse(args: _Args) -> Command:
        if args.tokens and _user_ref(args.tokens[0].text):
            args.fail("this is for yourself — managers add others: /rotation add @user <role>")
        return kind(_required_role(args))

    return parse


def _rotation_away(args: _Args) -> RotationAway:
    user = args.optional_mention()
    words = args.words()
    if words and words[0].lower() in ("until", "till", "til"):
        words.pop(0)
        if not words:
            args.fail("say until when, like `until 24 Nov` or `until monday`")
    until = _resolve_date(" ".join(words), args) if words else None
    return RotationAway(user, until)


def _rotation_back(args: _Args) -> RotationBack:
    user = args.optional_mention()
    args.done()
    return RotationBack(user)


def _rotation_hours(args: _Args) -> RotationHours:
    user = args.optional_mention()
    spec = " ".join(args.words())
    if spec.lower() == "off":
        return RotationHours(user, None, None, frozenset())
    match = _HOURS.fullmatch(spec)
    if match is None:
        given = f", not `{spec}`" if spec else ""
        args.fail(f"give the hours like 09:00-17:30 or say off{given}")
    start, end = _clock(match["start"], args), _clock(match["end"], args)
    if _may_be_twelve_hour(match["start"], match["end"], start):
        written = f"{match['start']}-{match['end']}"
        args.fail(f"`{written}` is ambiguous — use 24-hour times like 09:00-17:00")
    return RotationHours(user, start, end, _weekdays(match["days"] or "mon-fri", args))


def _rotation_link(
    kind: Callable[[UserRef | None, str | None], Command], what: str
) -> Callable[[_Args], Command]:
    """``[@user] <URL> | off`` for a calendar feed or a booking link."""

    def parse(args: _Args) -> Command:
        user = args.optional_mention()
        words = args.words()
        if len(words) == 1 and words[0].lower() == "off":
            return kind(user, None)
        if len(words) != 1:
            args.fail(f"give the {what} address (one https URL) or say off")
        return kind(user, web_address(words[0], what, args.fail))

    return parse


CLAIM_MODES = ("assigned", "open")
_CREDIT = re.compile(r"[+-]\d{1,3}")
MAX_CREDIT = 100
"""The most leads one `/rotation credit` moves a rep by, either way."""


def _rotation_mode(args: _Args) -> RotationMode:
    words = args.words()
    if len(words) != 2 or words[1].lower() not in CLAIM_MODES:
        args.fail(f"name the pool and the mode: {_or_list(CLAIM_MODES)}")
    return RotationMode(words[0], words[1].lower())


def _rotation_credit(args: _Args) -> RotationCredit:
    user = args.mention()
    found = args.options(("pool",))
    words = args.words()
    if not words or not _CREDIT.fullmatch(words[0]):
        args.fail("give the leads with a sign, like +1 or -2, then the reason")
    leads = int(words[0])
    if leads == 0 or abs(leads) > MAX_CREDIT:
        args.fail(f"the credit is between -{MAX_CREDIT} and +{MAX_CREDIT} leads, and not 0")
    reason = " ".join(words[1:]).strip()
    if not reason:
        args.fail("say why, like `+1 junk lead L-4`")
    return RotationCredit(user, leads, reason, found.get("pool"))


def _rotation_preview(args: _Args) -> RotationPreview:
    text = args.text()
    if not text:
        args.fail("paste the lead post, like `Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp`")
    return RotationPreview(text)


_ROTATION_PARSERS: dict[str, Callable[[_Args], Command]] = {
    "show": _rotation_show,
    "add": _rotation_add,
    "remove": _rotation_remove,
    "away": _rotation_away,
    "back": _rotation_back,
    "join": _rotation_join(RotationJoin),
    "leave": _rotation_join(RotationLeave),
    "hours": _rotation_hours,
    "calendar": _rotation_link(RotationCalendar, "calendar feed"),
    "booking": _rotation_link(RotationBooking, "booking link"),
    "mode": _rotation_mode,
    "credit": _rotation_credit,
    "preview": _rotation_preview,
    "owner": _rotation_owner,
    "help": lambda args: Help("rotation"),
}
_ROTATION_ALIASES = {"list": "show", "rm": "remove"}
