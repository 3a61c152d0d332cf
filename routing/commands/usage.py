"""The help text of ``/lead``, ``/rotation`` and ``/funnel``, and each subcommand's usage line."""

from __future__ import annotations

_LEAD_HELP = (
    ("new", "/lead new <company> <email> [name…] [key=value…]", "log a lead you sourced"),
    ("claim", "/lead claim <id>", "take a lead assigned to you (any in an open pool)"),
    ("notmine", "/lead notmine <id>", "pass an assigned lead to the next rep"),
    (
        "qualify",
        "/lead qualify <id> [budget=…] [authority=…] [need=…] [timeline=…] [notes…]",
        "record BANT (no fields: opens a form)",
    ),
    ("disqualify", "/lead disqualify <id> <reason…>", "close a lead that is not a fit"),
    (
        "handoff",
        "/lead handoff <id> [@user|qualifier]",
        (
            "pass it to the next closer or account manager; `qualifier`: your outbound lead to the "
            "qualifiers"
        ),
    ),
    ("meeting", "/lead meeting <id>", "log a meeting"),
    ("proposal", "/lead proposal <id> requested|presented", "log a proposal"),
    ("won", "/lead won <id> <amount>", "close it won, e.g. 12k"),
    ("lost", "/lead lost <id> <reason…>", "close it lost"),
    ("expand", "/lead expand <id> <amount>", "log expansion revenue"),
    ("amount", "/lead amount <id> <amount>", "the open deal's expected value, e.g. 40k"),
    ("slot", "/lead slot <id> 1|2|3", "book one of the closer's free times proposed at hand-off"),
    ("churn", "/lead churn <id> [reason…]", "log a churned customer"),
    ("reassign", "/lead reassign <id> @user", "give a lead to someone else (managers)"),
    (
        "fix",
        "/lead fix <id> email=… company=… [name=…] [phone=…]",
        "give an unparsed lead its contact, then route it (managers)",
    ),
    ("erase", "/lead erase <id>", "erase the contact's details, keep the figures (managers)"),
    ("show", "/lead show <id>", "show a lead and its history"),
    ("mine", "/lead mine", "list your open leads"),
    ("help", "/lead help", "this help"),
)
_ROTATION_HELP = (
    ("show", "/rotation show [role]", "who is on which rotation, and who is next"),
    (
        "add",
        "/rotation add @user <role> [weight=N] [cap=N] [max_open=N] [pool=name] [email=…]",
        "put a rep on a rotation",
    ),
    ("remove", "/rotation remove @user <role> [pool=name]", "take a rep off a rotation"),
    ("away", "/rotation away [@user] [until <date>]", "skip a rep until a date or until back"),
    ("back", "/rotation back [@user]", "end an away"),
    ("join", "/rotation join <role>", "join a rotation yourself"),
    ("leave", "/rotation leave <role>", "leave a rotation yourself"),
    ("hours", "/rotation hours [@user] 09:00-17:30 [mon-fri] | off", "set or clear working hours"),
    (
        "calendar",
        "/rotation calendar [@user] <https URL> | off",
        "read a rep's calendar feed (ICS) for days away",
    ),
    ("booking", "/rotation booking [@user] <URL> | off", "a closer's booking link for hand-offs"),
    ("mode", "/rotation mode <pool> assigned|open", "who may claim unclaimed leads (managers)"),
    (
        "credit",
        "/rotation credit @user +N|-N <reason…> [pool=name]",
        "move a rep's place by N leads (managers)",
    ),
    ("preview", "/rotation preview <lead post text>", "who would get this lead now, and why"),
    ("owner", "/rotation owner @user <owner id or email>", "the rep's HubSpot owner (managers)"),
    ("help", "/rotation help", "this help"),
)
_FUNNEL_HELP = (
    ("", "/funnel [today|week|month|<N>d]", "the funnel digest, just for you"),
    ("link", "/funnel link", "a private dashboard link, valid 24 h"),
    (
        "spend",
        "/funnel spend [<source> <amount> [YYYY-MM]]",
        "a source's spend for a month (managers; default this month); alone: list spend",
    ),
    (
        "cost",
        "/funnel cost [<role> <amount>/month [YYYY-MM]]",
        "the loaded cost of one rep of a role a month, from then on (managers); alone: list",
    ),
)


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
