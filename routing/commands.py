"""The grammar of ``/lead``, ``/rotation`` and ``/funnel``: command text in, a frozen command out.

Slack, Teams and the console all deliver the words after the command; their adapters rewrite
user mentions to Slack's ``<@ID>`` / ``<@ID|name>`` form first, so one grammar serves all three.
Every mistake a user can make raises :class:`~routing.errors.UsageError` naming the problem and
showing the right form of the subcommand they tried.

Quoting follows the shell, loosened for chat: straight and smart double quotes (“ ” „) group
words, any of them closes any other, and ``key="a few words"`` quotes just the value. Single
quotes are left alone on purpose: names (O'Neil) and reasons (they don't need it) are full of
apostrophes. Free-text reasons are taken as typed rather than tokenised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, NoReturn, TypeAlias

from routing.amounts import parse_amount
from routing.errors import InvalidInput, UsageError
from routing.lead import format_lead_id
from routing.roles import Role

__all__ = [
    "FUNNEL_USAGE",
    "LEAD_USAGE",
    "ROLES",
    "ROTATION_USAGE",
    "Churn",
    "Claim",
    "Command",
    "Decline",
    "Disqualify",
    "Expand",
    "Funnel",
    "Handoff",
    "Help",
    "LogMeeting",
    "LogProposal",
    "Lost",
    "Mine",
    "NewLead",
    "Qualify",
    "Reassign",
    "RotationAdd",
    "RotationAway",
    "RotationBack",
    "RotationHours",
    "RotationJoin",
    "RotationLeave",
    "RotationRemove",
    "RotationShow",
    "Show",
    "UserRef",
    "Won",
    "format_lead_id",
    "normalise_role",
    "parse_command",
    "parse_lead_id",
    "usage_for",
]


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRef:
    """A mentioned user: Slack ``U123ABC``, Teams ``29:1abc…`` or a console name."""

    user_id: str
    name: str | None = None


@dataclass(frozen=True)
class NewLead:
    company: str
    email: str
    name: str | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)


@dataclass(frozen=True)
class Claim:
    lead_id: int


@dataclass(frozen=True)
class Qualify:
    lead_id: int
    budget: str | None = None
    authority: str | None = None
    need: str | None = None
    timeline: str | None = None
    notes: str | None = None

    @property
    def open_form(self) -> bool:
        """Nothing was typed after the id, so the rep gets the qualification form instead."""
        given = (self.budget, self.authority, self.need, self.timeline, self.notes)
        return all(value is None for value in given)


@dataclass(frozen=True)
class Disqualify:
    lead_id: int
    reason: str


@dataclass(frozen=True)
class Handoff:
    lead_id: int
    target: UserRef | None = None


@dataclass(frozen=True)
class LogMeeting:
    lead_id: int


@dataclass(frozen=True)
class LogProposal:
    lead_id: int
    status: Literal["requested", "presented"]


@dataclass(frozen=True)
class Won:
    lead_id: int
    amount: Decimal


@dataclass(frozen=True)
class Lost:
    lead_id: int
    reason: str


@dataclass(frozen=True)
class Expand:
    lead_id: int
    amount: Decimal


@dataclass(frozen=True)
class Churn:
    lead_id: int
    reason: str | None = None


@dataclass(frozen=True)
class Reassign:
    lead_id: int
    target: UserRef


@dataclass(frozen=True)
class Show:
    lead_id: int


@dataclass(frozen=True)
class Mine:
    pass


@dataclass(frozen=True)
class Decline:
    """The "Not mine" button, typed: hand the lead back to the rotation."""

    lead_id: int


@dataclass(frozen=True)
class Help:
    command: str


@dataclass(frozen=True)
class RotationShow:
    role: str | None = None


@dataclass(frozen=True)
class RotationAdd:
    user: UserRef
    role: str
    weight: int = 1
    cap: int | None = None
    pool: str | None = None


@dataclass(frozen=True)
class RotationRemove:
    user: UserRef
    role: str
    pool: str | None = None


@dataclass(frozen=True)
class RotationAway:
    """``user`` None means the person typing; ``until`` None means until they say they are back."""

    user: UserRef | None = None
    until: date | None = None


@dataclass(frozen=True)
class RotationBack:
    user: UserRef | None = None


@dataclass(frozen=True)
class RotationJoin:
    role: str


@dataclass(frozen=True)
class RotationLeave:
    role: str


@dataclass(frozen=True)
class RotationHours:
    """Working hours on the rep's wall clock; ``start``/``end`` None (and no days) clears them.

    ``end`` before ``start`` is a night shift, as :class:`routing.rotation.WorkingHours` reads it.
    """

    user: UserRef | None
    start: time | None
    end: time | None
    days: frozenset[int]


@dataclass(frozen=True)
class Funnel:
    period: Literal["today", "week", "month", "days"] = "today"
    days: int | None = None


Command: TypeAlias = (
    NewLead
    | Claim
    | Qualify
    | Disqualify
    | Handoff
    | LogMeeting
    | LogProposal
    | Won
    | Lost
    | Expand
    | Churn
    | Reassign
    | Show
    | Mine
    | Decline
    | Help
    | RotationShow
    | RotationAdd
    | RotationRemove
    | RotationAway
    | RotationBack
    | RotationJoin
    | RotationLeave
    | RotationHours
    | Funnel
)


# --- usage ------------------------------------------------------------------------------------

_LEAD_HELP = (
    ("new", "/lead new <company> <email> [name…] [key=value…]", "log a lead you sourced"),
    ("claim", "/lead claim <id>", "take a lead assigned to you"),
    ("notmine", "/lead notmine <id>", "pass an assigned lead to the next rep"),
    (
        "qualify",
        "/lead qualify <id> [budget=…] [authority=…] [need=…] [timeline=…] [notes…]",
        "record BANT (no fields: opens a form)",
    ),
    ("disqualify", "/lead disqualify <id> <reason…>", "close a lead that is not a fit"),
    ("handoff", "/lead handoff <id> [@user]", "pass it to the next closer or account manager"),
    ("meeting", "/lead meeting <id>", "log a meeting"),
    ("proposal", "/lead proposal <id> requested|presented", "log a proposal"),
    ("won", "/lead won <id> <amount>", "close it won, e.g. 12k"),
    ("lost", "/lead lost <id> <reason…>", "close it lost"),
    ("expand", "/lead expand <id> <amount>", "log expansion revenue"),
    ("churn", "/lead churn <id> [reason…]", "log a churned customer"),
    ("reassign", "/lead reassign <id> @user", "give a lead to someone else (managers)"),
    ("show", "/lead show <id>", "show a lead and its history"),
    ("mine", "/lead mine", "list your open leads"),
    ("help", "/lead help", "this help"),
)
_ROTATION_HELP = (
    ("show", "/rotation show [role]", "who is on which rotation, and who is next"),
    ("add", "/rotation add @user <role> [weight=N] [cap=N] [pool=name]", "put a rep on a rotation"),
    ("remove", "/rotation remove @user <role> [pool=name]", "take a rep off a rotation"),
    ("away", "/rotation away [@user] [until <date>]", "skip a rep until a date or until back"),
    ("back", "/rotation back [@user]", "end an away"),
    ("join", "/rotation join <role>", "join a rotation yourself"),
    ("leave", "/rotation leave <role>", "leave a rotation yourself"),
    ("hours", "/rotation hours [@user] 09:00-17:30 [mon-fri] | off", "set or clear working hours"),
    ("help", "/rotation help", "this help"),
)
_FUNNEL_HELP = (("", "/funnel [today|week|month|<N>d]", "the funnel digest, just for you"),)


def _help_text(entries: tuple[tuple[str, str, str], ...]) -> str:
    return "\n".join(f"`{usage}` — {what}" for _, usage, what in entries)


LEAD_USAGE = _help_text(_LEAD_HELP)
ROTATION_USAGE = _help_text(_ROTATION_HELP)
FUNNEL_USAGE = _help_text(_FUNNEL_HELP)

_HELP = {"lead": _LEAD_HELP, "rotation": _ROTATION_HELP, "funnel": _FUNNEL_HELP}


def usage_for(command: str, subcommand: str | None = None) -> str:
    """The one-line usage of a subcommand; for an unknown one, the list of subcommands.

    Without a subcommand it is the whole help text of the command (``LEAD_USAGE`` …).
    """
    entries = _HELP.get(_command_name(command), _LEAD_HELP)
    if subcommand is None:
        return _help_text(entries)
    usages = {sub: usage for sub, usage, _ in entries}
    if subcommand.lower() in usages:
        return usages[subcommand.lower()]
    if len(entries) == 1:
        return entries[0][1]
    names = "|".join(sub for sub, _, _ in entries)
    return f"/{_command_name(command) or 'lead'} {names} …"


def _command_name(command: str) -> str:
    return command.strip().lstrip("/").lower()


# --- lead ids, users, roles -------------------------------------------------------------------

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


# --- tokens -----------------------------------------------------------------------------------

_QUOTES = '"“”„‟'
_PIECE = re.compile(rf"[^\s{_QUOTES}<]+|[{_QUOTES}][^{_QUOTES}]*[{_QUOTES}]|<[^<>]*>|<")
_TOKEN = re.compile(rf"(?:{_PIECE.pattern})+")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_SLACK_LINK = re.compile(r"<(?![@#!])([^<>|]*)(?:\|([^<>]*))?>")


@dataclass(frozen=True)
class _Token:
    """One word, quotes removed; ``key`` is set for an unquoted ``key=value``."""

    text: str
    key: str | None = None
    value: str = ""


def _clean(text: str) -> str:
    """Slack's link markup reduced to what the user typed, and its three HTML escapes undone."""
    text = _SLACK_LINK.sub(_link_text, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link_text(match: re.Match[str]) -> str:
    target, label = match[1], match[2]
    if target.lower().startswith("mailto:"):
        return target[len("mailto:") :]
    return label if label else target


def _tokenise(text: str, usage: str) -> list[_Token]:
    if _TOKEN.sub(" ", text).strip():
        raise UsageError('a quote is not closed — put a " at the end of the quoted words', usage)
    return [_token(match[0]) for match in _TOKEN.finditer(text)]


def _token(raw: str) -> _Token:
    pieces = _PIECE.findall(raw)
    text = "".join(_unquote(piece) for piece in pieces)
    key, equals, _ = pieces[0].partition("=")
    if equals and _KEY.fullmatch(key):
        return _Token(text, key.lower().replace("-", "_"), text[len(key) + 1 :].strip())
    return _Token(text, None, text)


def _unquote(piece: str) -> str:
    return piece[1:-1] if piece[0] in _QUOTES and len(piece) >= 2 else piece


def _strip_quotes(text: str) -> str:
    """A free-text reason typed in quotes is stored without them."""
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        return text[1:-1].strip()
    return text


# --- arguments --------------------------------------------------------------------------------


class _Args:
    """The words after a subcommand, consumed left to right by the subcommand's parser."""

    def __init__(self, raw: str, usage: str, today: date) -> None:
        self.raw = raw.strip()
        self.usage = usage
        self.today = today
        self._tokens: list[_Token] | None = None

    def fail(self, problem: str) -> NoReturn:
        raise UsageError(problem, self.usage)

    @property
    def tokens(self) -> list[_Token]:
        if self._tokens is None:
            self._tokens = _tokenise(self.raw, self.usage)
        return self._tokens

    def lead_id(self) -> int:
        """Take the lead id, which always comes first, from the front."""
        first, rest = _first_word(self.raw)
        if not first:
            self.fail("a lead id is required, like L-42")
        self.raw, self._tokens = rest, None
        return parse_lead_id(first, self.usage)

    def text(self) -> str | None:
        """The rest, as typed: free text such as a reason."""
        rest = _strip_quotes(self.raw)
        self.raw, self._tokens = "", []
        return rest or None

    def mention(self) -> UserRef:
        """Take the user mention that must come next."""
        user = self.optional_mention()
        if user is None:
            self.fail(_mention_problem(self.tokens[0].text if self.tokens else None))
        return user

    def optional_mention(self) -> UserRef | None:
        """Take a user mention if one comes next; something that looks like a bad one fails."""
        tokens = self.tokens
        user = _user_ref(tokens[0].text) if tokens else None
        if user is not None:
            tokens.pop(0)
        elif tokens and tokens[0].text.startswith(("@", "<@")):
            self.fail(_mention_problem(tokens[0].text))
        return user

    def options(self, allowed: tuple[str, ...]) -> dict[str, str]:
        """Take every ``key=value`` token; keys must be among ``allowed``."""
        found: dict[str, str] = {}
        for token in [t for t in self.tokens if t.key is not None]:
            self.tokens.remove(token)
            found[self._check_option(token, allowed, found)] = token.value
        return found

    def _check_option(self, token: _Token, allowed: tuple[str, ...], found: dict[str, str]) -> str:
        key = str(token.key)
        if allowed and key not in allowed:
            self.fail(f"`{key}=` is not an option here — use {_or_list(allowed, '=')}")
        if key in found:
            self.fail(f"`{key}=` is given twice")
        if not token.value:
            self.fail(f"`{key}=` needs a value, like {key}=…")
        return key

    def words(self) -> list[str]:
        """Take every remaining token."""
        words = [token.text for token in self.tokens]
        self.tokens.clear()
        self.raw = ""
        return words

    def done(self) -> None:
        """Fail on anything left over."""
        if self.tokens:
            self.fail(f"unexpected `{' '.join(t.text for t in self.tokens)}` at the end")


def _first_word(text: str) -> tuple[str, str]:
    """The first word of ``text`` and the rest, whatever whitespace separates them."""
    parts = text.strip().split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text.strip(), "")


def _mention_problem(token: str | None) -> str:
    if token is None:
        return "mention the user, like @alice"
    if token.startswith("@"):
        return f"`{token}` is not a user mention — pick the person from the @ list, like @alice"
    return f"`{token}` is not a user mention — mention the user, like @alice"


def _or_list(names: tuple[str, ...], suffix: str = "") -> str:
    words = [f"{name}{suffix}" for name in names]
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


def _within(args: _Args, key: str, text: str, low: int, high: int) -> int:
    is_number = text.isascii() and text.isdigit() and len(text) <= 6
    if not is_number or not low <= int(text) <= high:
        args.fail(f"{key} must be a whole number from {low} to {high}, not `{text}`")
    return int(text)


# --- /lead ------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[A-Za-z]{2,63}")
_BANT = ("budget", "authority", "need", "timeline", "notes")


def _lead_new(args: _Args) -> NewLead:
    options = args.options(())
    tokens = args.tokens
    at = next((i for i, token in enumerate(tokens) if _EMAIL.fullmatch(token.text)), -1)
    if at < 0:
        args.fail(_missing_email_problem(tokens))
    company = " ".join(token.text for token in tokens[:at]).strip()
    if not company:
        args.fail('the company comes first, before the email, like "Umbrella Corp"')
    email = tokens[at].text.lower()
    del tokens[: at + 1]
    name = " ".join(args.words()) or None
    if "name" in options and name is not None:
        args.fail("the name is given twice: as words and as name=")
    name = options.pop("name", name)
    return NewLead(company, email, name, MappingProxyType(options))


def _missing_email_problem(tokens: list[_Token]) -> str:
    if not tokens:
        return "a company and an email address are required"
    near_miss = next((t.text for t in tokens if "@" in t.text and not t.text.startswith("<@")), "")
    if near_miss:
        return f"`{near_miss}` is not an email address"
    return "an email address is required after the company, like sam@umbrella.co"


def _lead_only_id(kind: Callable[[int], Command]) -> Callable[[_Args], Command]:
    def parse(args: _Args) -> Command:
        lead_id = args.lead_id()
        args.done()
        return kind(lead_id)

    return parse


def _lead_qualify(args: _Args) -> Qualify:
    lead_id = args.lead_id()
    found = args.options(_BANT)
    loose = " ".join(args.words())
    if "notes" in found and loose:
        args.fail("the notes are given twice: as words and as notes=")
    return Qualify(
        lead_id,
        budget=found.get("budget"),
        authority=found.get("authority"),
        need=found.get("need"),
        timeline=found.get("timeline"),
        notes=found.get("notes", loose or None),
    )


def _lead_disqualify(args: _Args) -> Disqualify:
    lead_id = args.lead_id()
    return Disqualify(lead_id, _required_reason(args))


def _lead_lost(args: _Args) -> Lost:
    lead_id = args.lead_id()
    return Lost(lead_id, _required_reason(args))


def _lead_churn(args: _Args) -> Churn:
    lead_id = args.lead_id()
    return Churn(lead_id, args.text())


def _required_reason(args: _Args) -> str:
    reason = args.text()
    if reason is None:
        args.fail("a reason is required")
    return reason


def _lead_handoff(args: _Args) -> Handoff:
    lead_id = args.lead_id()
    target = args.optional_mention()
    args.done()
    return Handoff(lead_id, target)


def _lead_reassign(args: _Args) -> Reassign:
    lead_id = args.lead_id()
    target = args.mention()
    args.done()
    return Reassign(lead_id, target)


def _lead_proposal(args: _Args) -> LogProposal:
    lead_id = args.lead_id()
    words = args.words()
    status = words[0].lower() if len(words) == 1 else ""
    if status in ("requested", "request"):
        return LogProposal(lead_id, "requested")
    if status in ("presented", "present"):
        return LogProposal(lead_id, "presented")
    given = f", not `{' '.join(words)}`" if words else ""
    return args.fail(f"say whether the proposal was `requested` or `presented`{given}")


def _lead_amount(kind: Callable[[int, Decimal], Command]) -> Callable[[_Args], Command]:
    def parse(args: _Args) -> Command:
        lead_id = args.lead_id()
        try:
            amount = parse_amount(args.raw)
        except InvalidInput as error:
            args.fail(error.message)
        return kind(lead_id, amount)

    return parse


def _lead_mine(args: _Args) -> Mine:
    args.done()
    return Mine()


_LEAD_PARSERS: dict[str, Callable[[_Args], Command]] = {
    "new": _lead_new,
    "claim": _lead_only_id(Claim),
    "notmine": _lead_only_id(Decline),
    "qualify": _lead_qualify,
    "disqualify": _lead_disqualify,
    "handoff": _lead_handoff,
    "meeting": _lead_only_id(LogMeeting),
    "proposal": _lead_proposal,
    "won": _lead_amount(Won),
    "lost": _lead_lost,
    "expand": _lead_amount(Expand),
    "churn": _lead_churn,
    "reassign": _lead_reassign,
    "show": _lead_only_id(Show),
    "mine": _lead_mine,
    "help": lambda args: Help("lead"),
}
_LEAD_ALIASES = {
    "not-mine": "notmine",
    "decline": "notmine",
    "hand-off": "handoff",
    "dq": "disqualify",
}


# --- /rotation --------------------------------------------------------------------------------


def _rotation_show(args: _Args) -> RotationShow:
    words = args.words()
    return RotationShow(normalise_role(" ".join(words), args.usage) if words else None)


def _rotation_add(args: _Args) -> RotationAdd:
    user = args.mention()
    found = args.options(("weight", "cap", "pool"))
    role = _required_role(args)
    weight = _within(args, "weight", found["weight"], 1, 100) if "weight" in found else 1
    cap = _within(args, "cap", found["cap"], 1, 1000) if "cap" in found else None
    return RotationAdd(user, role, weight, cap, found.get("pool"))


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


_ROTATION_PARSERS: dict[str, Callable[[_Args], Command]] = {
    "show": _rotation_show,
    "add": _rotation_add,
    "remove": _rotation_remove,
    "away": _rotation_away,
    "back": _rotation_back,
    "join": _rotation_join(RotationJoin),
    "leave": _rotation_join(RotationLeave),
    "hours": _rotation_hours,
    "help": lambda args: Help("rotation"),
}
_ROTATION_ALIASES = {"list": "show", "rm": "remove"}


# --- dates and times --------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3], *(("sept",) if number == 9 else ()))
}
_WEEKDAYS = {
    name: number
    for number, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    for name in (full, full[:3])
} | {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DAY_MONTH = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})(?:[/.]([0-9]{2}|[0-9]{4}))?\.?")
_DAY_NAME = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]+)\.?(?:,?\s+([0-9]{4}))?")
_NAME_DAY = re.compile(r"([a-z]+)\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?(?:,?\s+([0-9]{4}))?")
_DATE_FORMS = "2026-11-24, 24 Nov, Nov 24, 24/11, monday or tomorrow"


def _resolve_date(text: str, args: _Args) -> date:
    """The date a rep means; a date in the past is refused."""
    spoken = text.strip().lower()
    if spoken == "tomorrow":
        return args.today + timedelta(days=1)
    if spoken in _WEEKDAYS:
        ahead = (_WEEKDAYS[spoken] - args.today.weekday() - 1) % 7 + 1
        return args.today + timedelta(days=ahead)
    day, month, year = _date_parts(spoken, args)
    if year is None:
        return _not_past(_nearest_occurrence(day, month, text, args), text, args)
    return _not_past(_real_date(year, day, month, text, args), text, args)


def _date_parts(spoken: str, args: _Args) -> tuple[int, int, int | None]:
    """(day, month, year or None) of a written date."""
    if match := _ISO_DATE.fullmatch(spoken):
        return int(match[3]), int(match[2]), int(match[1])
    if match := _DAY_MONTH.fullmatch(spoken):
        return int(match[1]), int(match[2]), _full_year(match[3])
    named = _DAY_NAME.fullmatch(spoken) or _NAME_DAY.fullmatch(spoken)
    if named is not None:
        day_first = named.re is _DAY_NAME
        day, month = (named[1], named[2]) if day_first else (named[2], named[1])
        if month in _MONTHS:
            return int(day), _MONTHS[month], _full_year(named[3])
    return args.fail(f"`{spoken}` is not a date — use {_DATE_FORMS}")


def _full_year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _real_date(year: int, day: int, month: int, text: str, args: _Args) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        return args.fail(f"`{text}` is not a real date")


def _nearest_occurrence(day: int, month: int, text: str, args: _Args) -> date:
    """The date without a year that a rep most likely means.

    ``5 Jan`` typed in December is next January, but ``10 Nov`` typed on 20 November is a
    mistake, not a year away: dates up to half a year back stay in this year (and then count
    as past). 29 February without a year is the next leap year's.
    """
    horizon = args.today - timedelta(days=183)
    for year in range(args.today.year, args.today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= horizon:
            return candidate
    return args.fail(f"`{text}` is not a real date")


def _not_past(when: date, text: str, args: _Args) -> date:
    if when < args.today:
        args.fail(f"`{text}` is in the past")
    return when


_TIME = r"[0-9]{1,2}(?:[:.h][0-9]{2})?\s*(?:am|pm)?"
_HOURS = re.compile(
    rf"(?P<start>{_TIME})\s*(?:-|–|—|\bto\b)\s*(?P<end>{_TIME})(?:\s+(?P<days>.+))?",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"([0-9]{1,2})(?:[:.h]([0-9]{2}))?\s*(am|pm)?", re.IGNORECASE)


def _clock(text: str, args: _Args) -> time:
    """``9``, ``09:00``, ``17.30``, ``5:30pm``; ``24:00`` is midnight at the end of a shift."""
    match = _CLOCK.fullmatch(text.strip())
    hour, minute = (int(match[1]), int(match[2] or 0)) if match else (99, 99)
    meridiem = (match[3] or "").lower() if match else ""
    if meridiem and 1 <= hour <= 12:
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif meridiem:
        hour = 99
    if (hour, minute) == (24, 0):
        return time(0, 0)
    if hour > 23 or minute > 59:
        args.fail(f"`{text.strip()}` is not a time of day — use 24-hour times like 09:00 or 17:30")
    return time(hour, minute)


def _may_be_twelve_hour(start_text: str, end_text: str, start: time) -> bool:
    """``9-5`` means nine to five, not a night shift; refuse to guess rather than store 09–05.

    ``22:00-06:00`` is a night shift all right, and ``10:00-24:00`` ends at midnight.
    """
    meridiem = re.search(r"[ap]m", f"{start_text}{end_text}", re.IGNORECASE)
    end_hour = int(re.findall(r"[0-9]+", end_text)[0])
    return meridiem is None and start.hour <= 12 and 1 <= end_hour < start.hour


_DAY_SETS = {
    "weekdays": range(5),
    "weekends": range(5, 7),
    "weekend": range(5, 7),
    "daily": range(7),
    "everyday": range(7),
    "all": range(7),
}


def _weekdays(text: str, args: _Args) -> frozenset[int]:
    """``mon-fri``, ``mon,wed,fri``, ``sat-mon``, ``weekdays``, ``every day``."""
    spec = re.sub(r"\s*(?:[-–—]|\bto\b)\s*", "-", text.strip().lower())
    spec = spec.replace("every day", "everyday")
    days: set[int] = set()
    for item in filter(None, re.split(r"[\s,]+", spec)):
        days.update(_day_item(item, args))
    return frozenset(days)


def _day_item(item: str, args: _Args) -> range | list[int]:
    if item in _DAY_SETS:
        return _DAY_SETS[item]
    first, dash, last = item.partition("-")
    if first not in _WEEKDAYS or (dash and last not in _WEEKDAYS):
        args.fail(f"`{item}` is not a day — use mon-fri, sat-sun, mon,wed,fri or weekdays")
    start = _WEEKDAYS[first]
    length = (_WEEKDAYS[last] - start) % 7 + 1 if dash else 1
    return [(start + offset) % 7 for offset in range(length)]


# --- /funnel ----------------------------------------------------------------------------------

_PERIODS: dict[str, Literal["today", "week", "month"]] = {
    "": "today",
    "today": "today",
    "day": "today",
    "daily": "today",
    "week": "week",
    "weekly": "week",
    "month": "month",
    "monthly": "month",
}
_DAYS = re.compile(r"([0-9]+)\s*(?:d|days?)?")


def _parse_funnel(subcommand: str, rest: str, today: date) -> Command:
    args = _Args(rest, usage_for("funnel", ""), today)
    if subcommand == "help":
        return Help("funnel")
    spoken = " ".join([subcommand, *args.words()]).strip().lower()
    if spoken in _PERIODS:
        return Funnel(_PERIODS[spoken])
    match = _DAYS.fullmatch(spoken)
    if match is None:
        args.fail(f"`{spoken}` is not a period — use today, week, month or days like 7d")
    return Funnel("days", _within(args, "the number of days", match[1], 1, 366))


# --- entry point ------------------------------------------------------------------------------


def parse_command(command: str, text: str, today: date) -> Command:
    """Parse the text after ``/lead``, ``/rotation`` or ``/funnel`` (a leading slash is fine)."""
    name = _command_name(command)
    subcommand, rest = _first_word(_clean(text))
    subcommand = subcommand.lower()
    if name == "funnel":
        return _parse_funnel(subcommand, rest, today)
    if name == "lead":
        return _dispatch(name, subcommand or "help", rest, today)
    if name == "rotation":
        return _dispatch(name, subcommand or "show", rest, today)
    problem = f"`{command}` is not a Baton command — use /lead, /rotation or /funnel"
    raise UsageError(problem, "/lead help")


def _dispatch(name: str, subcommand: str, rest: str, today: date) -> Command:
    parsers, aliases = (
        (_LEAD_PARSERS, _LEAD_ALIASES) if name == "lead" else (_ROTATION_PARSERS, _ROTATION_ALIASES)
    )
    subcommand = aliases.get(subcommand, subcommand)
    parser = parsers.get(subcommand)
    if parser is None:
        problem = f"`{subcommand}` is not a /{name} subcommand — use {', '.join(parsers)}"
        raise UsageError(problem, usage_for(name, ""))
    return parser(_Args(rest, usage_for(name, subcommand), today))
