"""Chat with Baton in the terminal as anyone: the same grammar as Slack, the same use cases."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from itertools import count

from bot.outbox import Delivery
from routing.commands import parse_command
from routing.errors import BatonError
from routing.notices import LeadCard
from routing.relay import Relay
from routing.roles import Platform
from routing.team import plain_mentions
from routing.usecases.context import Actor, Outcome
from routing.usecases.intake import InboundPost

INTAKE_CHANNEL = "#leads"
COMMANDS = ("lead", "rotation", "funnel")
_AT_NAME = re.compile(r"(?<![<\w])@([\w.\-]+)")

HELP = """Type what you would type in Slack, as whoever you are:
  /as <name>            switch user (e.g. /as alice)
  /post <text>          post a lead into the intake channel
  /lead …  /rotation …  /funnel …   the slash commands (/lead help)
  /quit                 leave"""

Write = Callable[[str], None]


def console_mentions(text: str) -> str:
    """``@alice`` → ``<@alice>``: the form the command grammar reads."""
    return _AT_NAME.sub(lambda m: f"<@{m.group(1)}>", text)


class ConsoleNotifier:
    """Prints what Baton would post, and to whom."""

    def __init__(self, write: Write) -> None:
        self.write = write
        self._refs = count(1)

    def deliver(self, delivery: Delivery) -> str | None:
        notice = delivery.notice
        if notice.rep_id is not None:
            who = delivery.recipient.name if delivery.recipient else f"rep {notice.rep_id}"
            self.write(f"  Baton → DM @{who}: {plain_mentions(notice.text)}{_buttons(notice.card)}")
            return None
        if notice.thread is not None:
            where = f"{notice.thread.channel} thread"
            if notice.update_card and delivery.card_ref:
                self.write(f"  Baton ⟳ {where}: card {plain_mentions(_card_line(notice.card))}")
                return None
            self.write(f"  Baton → {where}: {plain_mentions(notice.text)}{_buttons(notice.card)}")
            return f"console-card-{next(self._refs)}" if notice.card else None
        self.write(f"  Baton → {notice.channel or 'channel'}: {plain_mentions(notice.text)}")
        return None


def _card_line(card: LeadCard | None) -> str:
    if card is None:
        return ""
    owner = f", owner {card.owner}" if card.owner else ""
    return f"{card.ref} {card.title} · {card.stage}{owner}{_buttons(card)}"


def _buttons(card: LeadCard | None) -> str:
    if card is None or not card.actions:
        return ""
    return "  [" + "] [".join(a.capitalize() for a in card.actions) + "]"


class ConsoleSession:
    """One terminal conversation: who is typing, and what Baton answers."""

    def __init__(
        self, relay: Relay, deliver: Callable[[], object], write: Write, user: str = "manager"
    ) -> None:
        self.relay = relay
        self.deliver = deliver
        self.write = write
        self.user = user
        self._posts = count(1)
        self.last_outcome: Outcome | None = None

    @property
    def actor(self) -> Actor:
        return Actor(Platform.CONSOLE, self.user, self.user)

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line in {"/quit", "/exit"}:
            return False
        self.write(f"{self.user}> {line}")
        try:
            self._dispatch(line)
        except BatonError as err:
            self.write(f"  Baton → you: {plain_mentions(err.message)}")
        self.deliver()
        return True

    def _dispatch(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "/as":
            self._switch(rest)
        elif word == "/post":
            self.post(rest)
        elif word.lstrip("/") in COMMANDS:
            command = parse_command(word, console_mentions(rest), self.relay.clock().date())
            self._show(self.relay.execute(self.actor, command))
        else:
            self.write(HELP)

    def _switch(self, rest: str) -> None:
        names = shlex.split(rest) if rest else []
        if len(names) != 1:
            self.write("  Usage: /as <name>")
            return
        self.user = names[0].lstrip("@")
        self.write(f"  (you are now {self.user})")

    def post(self, text: str, author: str | None = None) -> Outcome:
        post = InboundPost(Platform.CONSOLE, INTAKE_CHANNEL, f"msg-{next(self._posts)}", text)
        who = Actor(Platform.CONSOLE, author or self.user, author or self.user)
        return self.relay.ingest(post, who)

    def _show(self, outcome: Outcome) -> None:
        self.last_outcome = outcome
        self.write(f"  Baton → you: {plain_mentions(outcome.reply)}")
        if outcome.open_form_for is not None:
            self.write(
                f"  (in Slack a form opens; here type /lead qualify L-{outcome.open_form_for} "
                "budget=… authority=… need=… timeline=… notes…)"
            )
