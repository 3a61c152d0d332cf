"""The tokeniser (quotes, ``key=value``, Slack markup) and ``_Args``, the argument reader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import NoReturn

from routing import limits
from routing.commands.types import UserRef
from routing.commands.words import _user_ref, parse_lead_id
from routing.errors import UsageError

_QUOTES = '"“”„‟'
_PIECE = re.compile(rf"[^\s{_QUOTES}<]+|[{_QUOTES}][^{_QUOTES}]*[{_QUOTES}]|<[^<>]*>|<")
_TOKEN = re.compile(rf"(?:{_PIECE.pattern})+")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_SLACK_LINK = re.compile(r"<(?![@#!])([^<>|]*)(?:\|([^<>]*))?>")


_OPTION_LIMITS = {"pool": limits.POOL_NAME, "source": limits.SOURCE, "name": limits.PERSON_NAME}
"""The longest value of a ``key=value`` option; any other key takes a field's length."""


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

    def within(self, what: str, text: str, limit: int) -> str:
        """``text``, unless it is longer than ``limit``: then a refusal naming the limit."""
        if len(text) > limit:
            self.fail(limits.too_long(what, limit, text))
        return text

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
            self.within("a mentioned user's id", user.user_id, limits.USER_ID)
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
        self.within(f"the option name `{key[:20]}`", key, limits.FIELD_KEY)
        self.within(f"`{key}=`", token.value, _OPTION_LIMITS.get(key, limits.FIELD_VALUE))
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
