"""Chat with Baton in the terminal as anyone: the same grammar as Slack, the same use cases."""

from __future__ import annotations

import re
import secrets
import shlex
import tempfile
from collections.abc import Callable
from itertools import count
from pathlib import Path

from bot.outbox.port import Delivery
from bot.slack.listeners import mrkdwn
from routing.arrival import posted
from routing.chat.actions import actions_named
from routing.chat.slots import SlotChoices, notice_slots
from routing.commands import parse_command
from routing.errors import BatonError
from routing.notices import FILE_CONTENT, FILE_NAME, LeadCard, NoticeKind
from routing.relay import Relay
from routing.roles import Platform
from routing.team import plain_mentions
from routing.usecases.context import Actor, Outcome
from routing.usecases.intake import DUPLICATE

INTAKE_CHANNEL = "#leads"
COMMANDS = ("lead", "rotation", "funnel")
_AT_NAME = re.compile(r"(?<![<\w])@([\w.\-]+)")

HELP = """Type what you would type in Slack, as whoever you are:
  /as <name>            switch user (e.g. /as alice)
  /post <text>          post a lead into the intake channel (#leads)
  /post                 …or type it on several lines, then an empty line
  /lead …  /rotation …  /funnel …   the slash commands (/lead help)
  /quit                 leave"""

DRAFT_PROMPT = "… "
"""The prompt (and the echo) of the lines of a multi-line ``/post``."""

Write = Callable[[str], None]

_SLACK_MENTION = re.compile(r"<([@#!])([^<>|]+)(?:\|([^<>]*))?>")
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^<>|\s]+)(?:\|([^<>]*))?>")
_FENCE = re.compile(r"```\n?")
_CODE = re.compile(r"`([^`\n]+)`")
_EMPHASIS = [
    re.compile(rf"(?<![\w{mark}]){mark}(?=\S)([^{mark}\n]*?\S){mark}(?![\w{mark}])")
    for mark in (r"\*", "_", "~")
]


def banner(user: str) -> str:
    """What the console says first: who you are, and that the operator manages the rotations."""
    return (
        f"Baton console. You are {user}, a manager: the person at the terminal is the operator,\n"
        "so you can set up rotations (/rotation add @alice qualifier) and act on any lead.\n"
        "/as <name> becomes someone else (a rep, with only a rep's rights).\n\n" + HELP
    )


def console_mentions(text: str) -> str:
    """``@alice`` → ``<@alice>``: the form the command grammar reads."""
    return _AT_NAME.sub(lambda m: f"<@{m.group(1)}>", text)


def plain_text(text: str) -> str:
    """Chat markup as a terminal shows it: mentions as ``@name``, links as ``label (url)``, and
    no mrkdwn ``*bold*``, ``_italic_``, ``~strike~`` or `` `code` `` marks."""
    text = _SLACK_LINK.sub(_link, plain_mentions(text))
    text = _SLACK_MENTION.sub(_mention, text)
    text = _CODE.sub(r"\1", _FENCE.sub("", text))
    for emphasis in _EMPHASIS:
        text = emphasis.sub(r"\1", text)
    return text


def _block(text: str) -> str:
    """Plain text whose later lines are indented under the ``Baton → …:`` line that starts it."""
    return plain_text(text).replace("\n", "\n    ")


def _mention(match: re.Match[str]) -> str:
    sigil, target, label = match.groups()
    name = (label or target).lstrip("@#")
    return f"{'#' if sigil == '#' else '@'}{name}"


def _link(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    url = url.removeprefix("mailto:") if label == url.removeprefix("mailto:") else url
    return f"{label} ({url})" if label and label != url else url


FILES = Path(tempfile.gettempdir()) / "baton-files"
"""Where the console writes the files Baton would upload (a meeting's ``.ics``)."""
_UNSAFE = re.compile(r"[^\w.\-]")


class ConsoleNotifier:
    """Prints what Baton would post, and to whom; writes the files it would upload under
    ``files`` and prints their path."""

    def __init__(self, write: Write, files: Path = FILES) -> None:
        self.write = write
        self.files = files
        self._refs = count(1)

    def deliver(self, delivery: Delivery) -> str | None:
        notice = delivery.notice
        if notice.kind is NoticeKind.FILE:
            who = delivery.recipient.name if delivery.recipient else f"rep {notice.rep_id}"
            path = self._write_file(notice.data.get(FILE_NAME), notice.data.get(FILE_CONTENT))
            self.write(f"  Baton → DM @{who}: {_block(notice.text)} [file: {path}]")
            return None
        if notice.rep_id is not None:
            who = delivery.recipient.name if delivery.recipient else f"rep {notice.rep_id}"
            times = slot_lines(notice_slots(notice))
            self.write(f"  Baton → DM @{who}: {_block(notice.text)}{_buttons(notice.card)}{times}")
            return None
        if notice.thread is not None:
            where = f"{notice.thread.channel} thread"
            if notice.update_card and delivery.card_ref:
                self.write(f"  Baton ⟳ {where}: card {_block(_card_line(notice.card))}")
                return None
            if notice.edit_ref:
                self.write(f"  Baton ⟳ {where}: message {_block(notice.text)}")
                return None
            self.write(f"  Baton → {where}: {_block(notice.text)}{_buttons(notice.card)}")
            return f"console-{'card' if notice.card else 'message'}-{next(self._refs)}"
        self.write(f"  Baton → {notice.channel or 'channel'}: {_block(notice.text)}")
        return None

    def _write_file(self, name: object, content: object) -> Path:
        """The file under :attr:`files`, its name kept to letters, digits, ``.``, ``-``, ``_``
        (a name never leaves the directory); the same name again is the same file."""
        safe = _UNSAFE.sub("_", str(name or "file.txt"))[:100].lstrip(".") or "file.txt"
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / safe
        path.write_text(str(content or ""), encoding="utf-8", newline="")
        return path


def slot_lines(slots: SlotChoices | None) -> str:
    """The free times as the console's buttons: numbered, with the command that picks each."""
    if slots is None or not slots.choices:
        return ""
    picks = "  ".join(
        f"[{choice.label}: /lead slot {slots.ref} {choice.number}]" for choice in slots.choices
    )
    return f"\n  {slots.prompt} {picks}"


def _card_line(card: LeadCard | None) -> str:
    if card is None:
        return ""
    owner = f", owner {card.owner}" if card.owner else ""
    return f"{card.ref} {card.title} · {card.stage}{owner}{_buttons(card)}"


def _buttons(card: LeadCard | None) -> str:
    actions = actions_named(card.actions) if card is not None else ()
    if not actions:
        return ""
    return "  [" + "] [".join(action.label for action in actions) + "]"


class ConsoleSession:
    """One terminal conversation: who is typing, and what Baton answers.

    ``echo`` repeats each typed line after a ``name>`` prompt: on for piped input and the demo,
    whose transcript would otherwise lack what was typed; off at a terminal, which shows it.

    ``session_id`` names this session in the intake key of each post (``<session>-<n>``): two
    consoles on one database, at once or one after the other, never take each other's posts
    for retries of their own. A fresh random id by default.
    """

    def __init__(
        self,
        relay: Relay,
        deliver: Callable[[], object],
        write: Write,
        user: str = "manager",
        *,
        echo: bool = True,
        session_id: str | None = None,
    ) -> None:
        self.relay = relay
        self.deliver = deliver
        self.write = write
        self.user = user
        self.echo = echo
        self.session_id = session_id or secrets.token_hex(6)
        self._posts = count(1)
        self._draft: list[str] | None = None
        self.last_outcome: Outcome | None = None

    @property
    def actor(self) -> Actor:
        return Actor(Platform.CONSOLE, self.user, self.user)

    @property
    def drafting(self) -> bool:
        """A ``/post`` alone was typed: lines make up the post until an empty line."""
        return self._draft is not None

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        if self._draft is not None:
            self._add_to_draft(self._draft, line.rstrip("\r\n"))
            return True
        line = line.strip()
        if not line:
            return True
        if line in {"/quit", "/exit"}:
            return False
        if self.echo:
            self.write(f"{self.user}> {line}")
        self._act(lambda: self._dispatch(line))
        return True

    def _act(self, action: Callable[[], None]) -> None:
        try:
            action()
        except BatonError as err:
            self.write(f"  Baton → you: {_block(err.message)}")
        self.deliver()

    def _add_to_draft(self, draft: list[str], line: str) -> None:
        if self.echo:
            self.write(f"{DRAFT_PROMPT}{line}")
        if line.strip():
            draft.append(line)
            return
        self._draft = None
        if draft:
            self._act(lambda: self._post_lines(draft))
        else:
            self.write("  (nothing posted)")

    def _dispatch(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "/as":
            self._switch(rest)
        elif word == "/post" and not rest.strip():
            self._draft = []
            self.write("  (type the post, then an empty line to send it)")
        elif word == "/post":
            self.post(rest)
        elif word.lstrip("/") in COMMANDS:
            command = parse_command(word, console_mentions(rest), self.relay.clock().date())
            self._show(self.relay.execute(self.actor, mrkdwn.readable_command(command)))
        else:
            self.write(HELP)

    def _post_lines(self, lines: list[str]) -> None:
        self.post("\n".join(lines))

    def _switch(self, rest: str) -> None:
        names = shlex.split(rest) if rest else []
        if len(names) != 1:
            self.write("  Usage: /as <name>")
            return
        self.user = names[0].lstrip("@")
        self.write(f"  (you are now {self.user})")

    def post(self, text: str, author: str | None = None) -> Outcome:
        """A post in the intake channel, written as in Slack (mrkdwn); a post Baton already
        had is said to be one, never passed over in silence."""
        message_id = f"{self.session_id}-{next(self._posts)}"
        plain = mrkdwn.plain_text(text)
        phones = self.relay.config.phones
        arrival = posted(Platform.CONSOLE, INTAKE_CHANNEL, message_id, plain, phones=phones)
        who = Actor(Platform.CONSOLE, author or self.user, author or self.user)
        outcome = self.relay.ingest(arrival, who)
        if outcome.data.get(DUPLICATE):
            self._show(outcome)
        return outcome

    def _show(self, outcome: Outcome) -> None:
        self.last_outcome = outcome
        self.write(f"  Baton → you: {_block(outcome.reply)}{slot_lines(outcome.slots)}")
        if outcome.open_form_for is not None:
            self.write(
                f"  (in Slack a form opens; here type /lead qualify L-{outcome.open_form_for} "
                "budget=… authority=… need=… timeline=… notes…)"
            )
