"""Every limit on what Baton stores or reads, in one place: the database never decides.

Lengths are in characters (Python ``len``, which is what PostgreSQL's ``varchar(n)`` counts);
``storage/tables.py`` sizes its columns from these constants, so SQLite and PostgreSQL hold the
same values. Two policies use them:

- intake (lead posts) never rejects: :func:`truncate` cuts a field to its limit and ends it with
  :data:`MARKER`, and the raw post, itself cut at :data:`RAW_TEXT`, is kept beside the lead;
- commands refuse an overlong argument with :func:`too_long`'s message, which names the limit.

A key (of an intake delivery, a platform delivery) is never cut, since two long keys cut alike
would be one: :func:`fitted_key` keeps one too long to store, or one that is not storable text as
it is (:func:`routing.text.storable` would change it), as a digest of itself.

Text from outside (a post, a payload, a cell, what a CRM or a calendar answers) is stored through
:func:`fitted_text`: the one rule, :func:`routing.text.storable`, then the cut to its limit.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from routing.text import storable

__all__ = [
    "AMOUNT_DECIMALS",
    "AMOUNT_TEXT",
    "CARD_REF",
    "CHANNEL_ID",
    "COMMAND_TEXT",
    "COMPANY",
    "CONVERSATION_KEY",
    "DASHBOARD_PAGES",
    "DASHBOARD_SEARCH",
    "DELIVERY_KEY",
    "DIGEST_KEY",
    "EMAIL",
    "EMAIL_DOMAIN",
    "EVENT_TYPE",
    "FEED_ERROR",
    "FEED_VALIDATOR",
    "FIELDS",
    "FIELD_KEY",
    "FIELD_VALUE",
    "FIRST_DAY",
    "HOURS_DAYS",
    "LAST_DAY",
    "MARKER",
    "MAX_AMOUNT",
    "MAX_CAP",
    "MAX_FUNNEL_DAYS",
    "MAX_ID",
    "MAX_OPEN",
    "MAX_STALLED_DAYS",
    "MAX_WEIGHT",
    "MESSAGE_ID",
    "MONTH",
    "NOTES",
    "ORIGIN",
    "OUTBOX_LANE",
    "OUTBOX_STATUS",
    "PERSON_NAME",
    "PHONE",
    "PHONE_SCAN",
    "PLATFORM",
    "POOL_NAME",
    "POST_LINES",
    "POST_PIECES",
    "QUALIFICATION",
    "RAW_TEXT",
    "REASON",
    "REP_NAME",
    "ROLE",
    "SERVICE_URL",
    "SOURCE",
    "STAGE",
    "STATUS_KEY",
    "STATUS_NOTE",
    "STATUS_TEXT",
    "TENANT_ID",
    "TIMEZONE",
    "USER_ID",
    "WEBHOOK_BODY",
    "WEBHOOK_PAIRS",
    "WEB_ADDRESS",
    "BlockKit",
    "TeamsMessage",
    "fits_id",
    "fitted_key",
    "fitted_text",
    "too_long",
    "truncate",
]

MARKER = "…"
"""Ends a value that intake cut to its limit, so a reader knows there was more."""

# --- a lead -----------------------------------------------------------------------------------
COMPANY = 300
PERSON_NAME = 300
EMAIL = 320
"""RFC 5321 allows 64 + 1 + 255; a little room for what forms send."""
EMAIL_DOMAIN = 255
PHONE = 64
SOURCE = 200
"""The ``source`` field (``Source: LinkedIn ad``), also a field like any other."""
FIELD_KEY = 48
"""A recognised or unknown label, snake_cased (``Company size`` → ``employees``)."""
FIELD_VALUE = 2000
NOTES = 4000
"""A post's ``Message:``/``Notes:`` field, the longest field a lead keeps."""
FIELDS = 50
"""How many extra fields one lead keeps; further labels stay readable in the raw post."""
RAW_TEXT = 40_000
"""The raw post kept beside the lead (about 40 KB of text; Slack's own limit is 40,000)."""
REASON = 2000
"""A disqualify, lost or churn reason (the forms' multi-line inputs take as much)."""
QUALIFICATION = {"budget": 200, "authority": 200, "need": 200, "timeline": 200, "notes": 2000}
"""The longest text each BANT field takes; forms show the same limits."""

POST_LINES = 120
"""Lines of a post read for labels, names and companies; the rest is searched for contacts only."""
POST_PIECES = 128
"""Pieces of free text (between commas, brackets…) told apart as names or companies in one post,
and labels looked for in one line; what is beyond is searched for contacts only."""
PHONE_SCAN = 2000
"""Characters of one post's free text handed to the phone reader, in all (lines with fewer than
seven digits are not handed over): the numbering plans cost about 10 µs a character on runs of
digits and punctuation, so a post's phone search stays within a few tens of milliseconds."""

# --- people, pools and places -----------------------------------------------------------------
USER_ID = 128
WEB_ADDRESS = 2000
FEED_VALIDATOR = 400
"""A feed's ``ETag`` or ``Last-Modified`` kept for the next conditional fetch (longer: dropped)."""
FEED_ERROR = 200
"""A calendar feed's or booking link's URL (``/rotation calendar``, ``/rotation booking``)."""
"""A platform's user id: Slack ``U…``/``W…`` (about 11), Teams ``29:…`` (about 90)."""
REP_NAME = 200
"""A rep's display name, and the label of a mention (``<@U1|ann>``)."""
TIMEZONE = 64
"""An IANA zone name (the longest is 32 characters)."""
POOL_NAME = 64
ROLE = 32
PLATFORM = 16
HOURS_DAYS = 20
TENANT_ID = 128
CHANNEL_ID = 255
MESSAGE_ID = 255
CARD_REF = 255
DELIVERY_KEY = 400
"""An intake key, a platform delivery key or a conversation reference key; a longer intake or
delivery key is stored as a digest (:func:`fitted_key`)."""

# --- commands ---------------------------------------------------------------------------------
COMMAND_TEXT = 4000
WEBHOOK_BODY = 256 * 1024
"""Bytes of a ``POST /leads`` body; a larger one is refused with 413."""
WEBHOOK_PAIRS = 4 * FIELDS
"""Fields read from one webhook payload (the lead keeps at most ``FIELDS`` of them)."""
STATUS_TEXT = 200
"""A chat status's text as matched (Slack caps it at 100)."""
STATUS_NOTE = 200
"""Why a rep is away, as explanations show it (``Slack status 'Vacationing'``)."""
STATUS_KEY = 400
"""The words after ``/lead``, ``/rotation`` or ``/funnel`` (Slack sends at most 4,000)."""
MAX_WEIGHT = 100
MAX_CAP = 1000
MAX_OPEN = 1000
"""The most open leads a ``max_open=`` limit may name."""
MAX_FUNNEL_DAYS = 366
"""Days of ``/funnel <N>d``, and of a dashboard period from one date to another."""

# --- the dashboard's query string -------------------------------------------------------------
DASHBOARD_SEARCH = 100
"""Characters of a leads-table search (``q=``)."""
DASHBOARD_PAGES = 10_000
"""The furthest page of the leads table (50 a page)."""
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""The dates a dashboard period may name: any leads Baton holds, with room on both sides for a
period's comparison period, and far from what a date or a database can hold (``9999-12-31``
plus a day is no date at all)."""

# --- numbers ----------------------------------------------------------------------------------
MAX_ID = 2**31 - 1
"""The largest id a database integer column holds; a larger lead id is no lead at all."""
MAX_AMOUNT = Decimal(10**12)
"""A deal or an expansion, in whole units of the team's currency."""
AMOUNT_DECIMALS = 2
AMOUNT_TEXT = 40
"""A stored amount as text: the largest sum of expansions still fits with room to spare."""
MONTH = 7
"""A spend's or a role cost's month, ``YYYY-MM``."""
MAX_STALLED_DAYS = 3650
"""The longest ``BATON_STALLED_DAYS`` may be (ten years)."""

# --- what Baton itself writes -----------------------------------------------------------------
STAGE = 32
ORIGIN = 16
EVENT_TYPE = 32
OUTBOX_LANE = 64
OUTBOX_STATUS = 16
DIGEST_KEY = 64
AUDIT_KIND = 32
AUDIT_SUBJECT = 200
"""What an audit entry is about (``L-7``, ``pool qualifier``, ``@maya``), cut with ``…``."""


# --- what one chat message may hold -------------------------------------------------------------
# The platforms refuse a whole message when one of their limits is broken, so the renderers cut
# to these (as python-telegram-bot's ``constants.MessageLimit`` declares Telegram's, once).


class BlockKit:
    """Slack's Block Kit limits (api.slack.com/reference/block-kit): one broken limit and Slack
    refuses the whole message with ``invalid_blocks``."""

    MESSAGE_BLOCKS = 50
    VIEW_BLOCKS = 100
    """A modal or the App Home tab."""
    SECTION_TEXT = 3000
    FIELDS = 10
    """Fields of one section."""
    FIELD_TEXT = 2000
    CONTEXT_TEXT = 2000
    ACTIONS = 25
    """Elements of one actions block."""
    BUTTON_TEXT = 75
    HEADER_TEXT = 150
    FALLBACK_TEXT = 3000
    """The ``text`` beside blocks (notifications, screen readers); Slack cuts past 4,000."""
    MODAL_TITLE = 24
    """A modal's title, submit and close labels."""
    INPUT_LABEL = 2000
    PLACEHOLDER = 150
    CONFIRM_TITLE = 100
    CONFIRM_TEXT = 300
    ERROR_TEXT = 300
    """A ``response_action: errors`` message under a form's input."""


class TeamsMessage:
    """How much one outgoing Teams activity may hold; ``bot/teams/render/size.py`` explains how
    the budget is derived from Microsoft's documented limits (Teams refuses a larger message with
    413 ``MessageSizeTooBig`` and it is lost)."""

    BYTES = 28_000
    """The whole activity, inline images included, as the JSON the connector client sends."""
    ENVELOPE_BYTES = 1_000
    """Room the activity around a card or text takes (type, summary, entities)."""
    FIELD_CHARS = 2_000
    """Any one text in a card: more is cut even when the card would fit."""
    IMAGE_URI = 20_000
    """An inline chart (a ``data:`` URI) in a digest card."""
    MENTIONS = 20
    """Mention entities one text message carries at most."""
    MIN_FIELD_CHARS = 60
    """A text is never cut shorter than this to make a card fit; a card that still does not fit
    is replaced by a short one saying where to look."""
    SUMMARY = 120
    """The notification summary beside a card."""
    INCOMING_BODY = 256 * 1024
    """Bytes of an activity Baton reads (Teams messages are far smaller: about 100 KB)."""
    BUTTON_DATA_TITLE = 300
    """The lead's title carried in a form's button data (button data is never cut to fit)."""


SIGNATURE_WINDOW_SECONDS = 300
"""A signed request older (or newer) than five minutes is refused: Slack's rule, and Baton's own
for every webhook it verifies."""
QUOTED_MESSAGE = 400
"""How much of an undeliverable message the managers' warning quotes."""
SERVICE_URL = 2048
"""A Bot Framework ``serviceUrl`` Baton stores to reply to later."""
CONVERSATION_KEY = DELIVERY_KEY
"""A stored conversation reference's key (a Teams conversation or user id)."""


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with :data:`MARKER`."""
    if len(text) <= limit:
        return text
    return text[: limit - len(MARKER)].rstrip() + MARKER


def fitted_text(text: str, limit: int) -> str:
    """Outside ``text`` as Baton stores it: storable (no NUL, no lone surrogate, NFC) and cut to
    ``limit`` characters with :data:`MARKER`. What every adapter calls on text it did not write."""
    return truncate(storable(text), limit)


def fitted_key(key: str, prefix: str = "") -> str:
    """``key`` as stored: itself when it fits :data:`DELIVERY_KEY` and is storable as it is, else
    ``prefix`` plus ``sha256:`` and the hex digest of its exact code points, which still
    identifies what it keys (two keys that differ anywhere, or only in a lone surrogate from
    undecodable bytes, stay two keys)."""
    if len(key) <= DELIVERY_KEY and storable(key) == key:
        return key
    return f"{prefix}sha256:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()}"


def too_long(what: str, limit: int, given: str) -> str:
    """The refusal for an overlong command argument: what, the limit, and how long it was."""
    return f"{what} is too long: at most {limit:,} characters, not {len(given):,}"


def fits_id(number: int) -> bool:
    """Whether ``number`` can be a stored id (lead, rep, event)."""
    return 1 <= number <= MAX_ID
