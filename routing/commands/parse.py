"""``parse_command``: the entry point that picks the command's grammar and subcommand parser."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from difflib import get_close_matches

from routing.commands.funnel import _parse_funnel
from routing.commands.lead import _LEAD_ALIASES, _LEAD_PARSERS
from routing.commands.rotation import _ROTATION_ALIASES, _ROTATION_PARSERS
from routing.commands.tokens import _Args, _clean, _first_word
from routing.commands.types import Command
from routing.commands.usage import _command_name, usage_for
from routing.errors import UsageError
from routing.limits import COMMAND_TEXT, too_long
from routing.text import storable


def parse_command(command: str, text: str, today: date) -> Command:
    """Parse the text after ``/lead``, ``/rotation`` or ``/funnel`` (a leading slash is fine).

    The text is made storable first (no NUL, no lone surrogate), and refused when it is longer
    than any command needs.
    """
    name = _command_name(command)
    text = storable(text)
    if len(text) > COMMAND_TEXT:
        raise UsageError(too_long("the command", COMMAND_TEXT, text), usage_for(name, ""))
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
        guess = did_you_mean(subcommand, [*parsers, *aliases])
        meant = f"did you mean `/{name} {aliases.get(guess, guess)}`? Use" if guess else "use"
        problem = f"`{subcommand}` is not a /{name} subcommand — {meant} {', '.join(parsers)}"
        raise UsageError(problem, usage_for(name, ""))
    return parser(_Args(rest, usage_for(name, subcommand), today))


_GUESS_LONGEST = 40
"""Words longer than any subcommand by this much are not compared (difflib is quadratic)."""


def did_you_mean(word: str, known: Iterable[str]) -> str | None:
    """The known word ``word`` is most likely a typo of (``qualifyy`` → ``qualify``), if any."""
    if not word or len(word) > _GUESS_LONGEST:
        return None
    close = get_close_matches(word, list(known), n=1, cutoff=0.75)
    return close[0] if close else None
