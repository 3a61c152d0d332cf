"""A lead arrived: the one value every intake source hands the relay.

A post in an intake channel (Slack, Teams, the console), a call to ``POST /leads`` and a row of
an imported spreadsheet arrive in different shapes; once read, each is an :class:`Arrival`:
where it came from, where its card goes, the keys that recognise it when it comes again, the
lead it holds (or why none could be read) and the raw text kept beside it.

An arrival is made before any transaction, so reading a long post holds no lock, and whatever
it holds fits its column: each field is cut to its limit with a marker, and the raw text of a
post that was cut is kept beside the lead. Adapters hand plain text: platform markup (Slack's
mrkdwn, Teams' HTML) is read in the adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from routing import limits
from routing.lead import SourceRef
from routing.lead_post import ParsedLead, Unparsed, parse_lead_post
from routing.phones import PhoneReader
from routing.roles import Platform
from routing.text import storable

__all__ = [
    "Arrival",
    "CameFrom",
    "ChatMessage",
    "ImportRow",
    "WebhookCall",
    "arrived",
    "bounded_lead",
    "fitted_pairs",
    "intake_keys",
    "posted",
]


@dataclass(frozen=True)
class ChatMessage:
    """A message in an intake channel; its card is a reply in the message's thread."""

    platform: Platform
    channel: str
    message_id: str
    event_id: str | None = None
    """The platform's id of this delivery (Slack's ``event_id``), when it has one."""

    noun: ClassVar[str] = "post"
    via: ClassVar[str] = "post"
    """How a lead came in, as its ``created`` event records it (``/lead show`` says it)."""


@dataclass(frozen=True)
class WebhookCall:
    """A lead another system sent to ``POST /leads``; its card is posted fresh in a channel."""

    source: str
    """The configured name of the sender (``website``, ``typeform``): the lead's ``source``."""
    key: str | None = None
    """The sender's idempotency key, or the payload's own id: a retry with it creates nothing."""

    noun: ClassVar[str] = "lead"
    via: ClassVar[str] = "webhook"


@dataclass(frozen=True)
class ImportRow:
    """A row of a spreadsheet (``baton import``). It has no card: 10,000 cards would bury a
    channel, so the assignees get their usual message and the managers one summary."""

    file_sha256: str
    line: int
    owner: tuple[Platform, str] | None = None
    """``--as``: the prospector whose outbound lead the row becomes."""
    skip_duplicates: bool = False
    """``--skip-duplicates``: a row whose contact has an owned open lead is skipped."""
    duplicate_of: int | None = None
    """The line of an earlier row with the same email or company domain."""
    source: str | None = None
    """``--source``, else the file's name: the lead's ``source`` when the row names none."""

    noun: ClassVar[str] = "row"
    via: ClassVar[str] = "import"


CameFrom = ChatMessage | WebhookCall | ImportRow


@dataclass(frozen=True)
class Arrival:
    """A lead that arrived, read and bounded, ready for its transaction."""

    came_from: CameFrom
    lead: ParsedLead | Unparsed
    thread: SourceRef | None = None
    """Where the lead's card goes, which is its thread: under the post it came in (the post's
    message id), a fresh card in a channel (no message id: the card becomes the thread), or
    nowhere (``None``)."""
    raw: str | None = None
    """The text kept beside the lead: a post that was cut or could not be read, a payload that
    could not be read."""
    crm_owner: tuple[Platform, str] | None = None
    """The rep who owns the contact in the CRM (a HubSpot contact's owner, matched to a rep):
    the lead goes to them while they are in a rotation."""

    @property
    def keys(self) -> list[str]:
        return intake_keys(self.came_from)

    @property
    def source(self) -> str | None:
        """The lead's ``source`` field when it names none itself: the webhook sender's name,
        or an import's ``--source`` (else its file's name)."""
        came_from = self.came_from
        return came_from.source if isinstance(came_from, WebhookCall | ImportRow) else None


def intake_keys(came_from: CameFrom) -> list[str]:
    """The keys, as stored, that recognise an arrival however often it comes: a channel message
    by channel and message (and by the platform's delivery id), a webhook call by its sender's
    idempotency key, a spreadsheet row by the file's digest and its line."""
    if isinstance(came_from, ChatMessage):
        prefix = f"{came_from.platform.value}:"
        keys = [f"{prefix}msg:{came_from.channel}:{came_from.message_id}"]
        if came_from.event_id:
            keys.append(f"{prefix}event:{came_from.event_id}")
    elif isinstance(came_from, WebhookCall):
        prefix = "webhook:"
        keys = [f"{prefix}{came_from.source}:{came_from.key}"] if came_from.key else []
    else:
        prefix = "import:"
        keys = [f"{prefix}{came_from.file_sha256}:{came_from.line}"]
    return [limits.fitted_key(key, prefix) for key in keys]


def posted(
    platform: Platform,
    channel: str,
    message_id: str,
    text: str,
    pairs: Sequence[tuple[str, str]] = (),
    field_texts: Sequence[str] = (),
    *,
    phones: PhoneReader,
    event_id: str | None = None,
) -> Arrival:
    """A post in an intake channel, in the plain text its adapter read (with the labelled
    fields and field texts of a form app's post); its card replies in its thread. ``phones``
    finds phone numbers in its free text."""
    came_from = ChatMessage(
        platform, storable(channel), storable(message_id), storable(event_id) if event_id else None
    )
    thread = SourceRef(
        platform.value,
        limits.truncate(came_from.channel, limits.CHANNEL_ID),
        limits.truncate(came_from.message_id, limits.MESSAGE_ID),
    )
    kept = limits.fitted_text(text, limits.RAW_TEXT)
    parsed = parse_lead_post(
        kept,
        fitted_pairs(pairs),
        [limits.fitted_text(field, limits.NOTES) for field in field_texts[: limits.FIELDS]],
        phones=phones,
    )
    if isinstance(parsed, Unparsed):
        return Arrival(came_from, parsed, thread, raw=kept)
    lead = bounded_lead(parsed)
    cut = lead != parsed or kept != storable(text) or kept.count("\n") >= limits.POST_LINES
    return Arrival(came_from, lead, thread, raw=kept if cut else None)


def arrived(
    came_from: WebhookCall | ImportRow,
    lead: ParsedLead | Unparsed,
    thread: SourceRef | None = None,
    raw: str | None = None,
) -> Arrival:
    """A lead read from a payload or a row: within its columns, with ``raw`` (the payload) kept
    only when no lead could be read from it."""
    if isinstance(lead, Unparsed):
        kept = limits.fitted_text(raw, limits.RAW_TEXT) if raw else raw
        return Arrival(came_from, lead, thread, kept)
    return Arrival(came_from, bounded_lead(lead), thread)


def fitted_pairs(
    pairs: Sequence[tuple[str, str]], most: int = limits.FIELDS
) -> list[tuple[str, str]]:
    """The first ``most`` labelled values of a post, a payload or a row, as read: storable and
    cut (a label to :data:`~routing.limits.FIELD_VALUE`, a value to
    :data:`~routing.limits.NOTES`), before anything parses them."""
    return [
        (limits.fitted_text(label, limits.FIELD_VALUE), limits.fitted_text(value, limits.NOTES))
        for label, value in pairs[:most]
    ]


_FIELD_LIMITS = {
    "notes": limits.NOTES,
    "source": limits.SOURCE,
    "domain": limits.EMAIL_DOMAIN,
}


def bounded_lead(parsed: ParsedLead) -> ParsedLead:
    """Every part of a parsed lead storable and cut to its limit, so no lead is lost to a
    column's size or to text a database refuses, whichever source read it."""
    fields = {
        limits.fitted_text(key, limits.FIELD_KEY): limits.fitted_text(
            value, _FIELD_LIMITS.get(key, limits.FIELD_VALUE)
        )
        for key, value in list(parsed.fields.items())[: limits.FIELDS]
    }
    if "domain" in parsed.fields:
        domain = limits.fitted_text(parsed.fields["domain"], limits.EMAIL_DOMAIN)
        fields.setdefault("domain", domain)
    return ParsedLead(
        email=_cut(parsed.email, limits.EMAIL),
        phone=_cut(parsed.phone, limits.PHONE),
        name=_cut(parsed.name, limits.PERSON_NAME),
        company=_cut(parsed.company, limits.COMPANY),
        fields=MappingProxyType(fields),
    )


def _cut(value: str | None, limit: int) -> str | None:
    return limits.fitted_text(value, limit) if value is not None else None
