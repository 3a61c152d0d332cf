"""The ``/lead`` grammar: one parser per subcommand, and their aliases."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from types import MappingProxyType

from routing import limits
from routing.amounts import parse_amount
from routing.commands.tokens import _Args, _Token
from routing.commands.types import (
    Churn,
    Claim,
    Command,
    Decline,
    Disqualify,
    Expand,
    Fix,
    Handoff,
    Help,
    LeadAmount,
    LeadErase,
    LeadSlot,
    LogMeeting,
    LogProposal,
    Lost,
    Mine,
    NewLead,
    Qualify,
    Reassign,
    Show,
    Won,
)
from routing.contact import EMAIL
from routing.errors import InvalidInput

_BANT = ("budget", "authority", "need", "timeline", "notes")


def _lead_new(args: _Args) -> NewLead:
    options = args.options(())
    if len(options) > limits.FIELDS:
        args.fail(f"too many key=value fields: at most {limits.FIELDS}, not {len(options)}")
    tokens = args.tokens
    at = next((i for i, token in enumerate(tokens) if EMAIL.fullmatch(token.text)), -1)
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
    args.within("the company", company, limits.COMPANY)
    args.within("the email address", email, limits.EMAIL)
    args.within("the name", name or "", limits.PERSON_NAME)
    return NewLead(company, email, name, MappingProxyType(options))


def _missing_email_problem(tokens: list[_Token]) -> str:
    if not tokens:
        return "a company and an email address are required"
    near_miss = next((t.text for t in tokens if "@" in t.text and not t.text.startswith("<@")), "")
    if near_miss:
        return f"`{near_miss}` is not an email address"
    return "an email address is required after the company, like sam@umbrella.co"


_CONTACT_KEYS = ("company", "email", "name", "phone")


def _lead_fix(args: _Args) -> Fix:
    """Every value as ``key=value``: the contact's own keys, and any other as a lead field (the
    domain holds them to :func:`routing.contact.contact_problems`)."""
    lead_id = args.lead_id()
    options = args.options(())
    if args.tokens:
        loose = " ".join(t.text for t in args.tokens)
        args.fail(f"`{loose[:80]}`: give each value as key=value, like email=sam@umbrella.co")
    if len(options) > limits.FIELDS:
        args.fail(f"too many key=value fields: at most {limits.FIELDS}, not {len(options)}")
    if not options:
        args.fail('say what the lead is, like email=sam@umbrella.co company="Umbrella Corp"')
    company, email, name, phone = (options.pop(key, None) for key in _CONTACT_KEYS)
    return Fix(lead_id, company, email, name, phone, MappingProxyType(options))


def _lead_only_id(kind: Callable[[int], Command]) -> Callable[[_Args], Command]:
    def parse(args: _Args) -> Command:
        lead_id = args.lead_id()
        args.done()
        return kind(lead_id)

    return parse


def _lead_qualify(args: _Args) -> Qualify:
    lead_id = args.lead_id()
    after = _key_before_words(args)
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
        words_as_notes=bool(loose),
        words_after=after,
    )


def _key_before_words(args: _Args) -> str | None:
    """The ``key=`` that the first words without a key follow: ``need=lead routing``."""
    tokens = args.tokens
    first = next((i for i, token in enumerate(tokens) if token.key is None), 0)
    return tokens[first - 1].key if first > 0 else None


def _lead_disqualify(args: _Args) -> Disqualify:
    lead_id = args.lead_id()
    return Disqualify(lead_id, _required_reason(args))


def _lead_lost(args: _Args) -> Lost:
    lead_id = args.lead_id()
    return Lost(lead_id, _required_reason(args))


def _lead_churn(args: _Args) -> Churn:
    lead_id = args.lead_id()
    reason = args.text()
    return Churn(lead_id, args.within("the reason", reason, limits.REASON) if reason else None)


def _required_reason(args: _Args) -> str:
    reason = args.text()
    if reason is None:
        args.fail("a reason is required")
    return args.within("the reason", reason, limits.REASON)


_QUALIFIER_WORDS = frozenset({"qualifier", "qualifiers", "inbound"})


def _lead_handoff(args: _Args) -> Handoff:
    lead_id = args.lead_id()
    words = [token.text.lower() for token in args.tokens]
    if len(words) == 1 and words[0] in _QUALIFIER_WORDS:
        args.tokens.clear()
        return Handoff(lead_id, to_qualifiers=True)
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


def _lead_slot(args: _Args) -> LeadSlot:
    lead_id = args.lead_id()
    words = args.words()
    if len(words) != 1 or words[0] not in ("1", "2", "3"):
        args.fail("pick one of the proposed times: 1, 2 or 3")
    return LeadSlot(lead_id, int(words[0]))


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
    "amount": _lead_amount(LeadAmount),
    "slot": _lead_slot,
    "churn": _lead_churn,
    "reassign": _lead_reassign,
    "fix": _lead_fix,
    "erase": _lead_only_id(LeadErase),
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
