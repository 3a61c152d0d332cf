"""Reading an inbound lead post: who the lead is and how to reach them.

Leads arrive in three shapes, often mixed: a person's one-liner (``Lead: Sam Ortiz,
sam@umbrella.co, Umbrella Corp``), ``Label: value`` lines, and the structured fields of form
integrations (attachment ``fields`` and Block Kit section ``fields``). Structured fields are the
most trustworthy and win over labelled lines, which win over guesses from a one-liner.

A post with neither an email address nor a phone number cannot be routed to anyone useful, so
it comes back :class:`Unparsed` (it is stored with its raw text and flagged for a human). This
module never raises on odd text: everything a form or a person might post is either read or
reported as unparsed.

Phone numbers in free text are found by a :class:`~routing.phones.PhoneReader` (the numbering
plans of every country, which the domain does not keep); a labelled ``Phone:`` value is taken as
written. Email addresses may have letters of any script (``léa@exemple.fr``).

Reading takes time linear in the text: no pattern rescans a run of characters from each of its
positions, only the first :data:`~routing.limits.POST_LINES` lines and
:data:`~routing.limits.POST_PIECES` pieces of free text are read for labels, names and companies,
the rest of a long post is searched for an email address or a phone number only, and the phone
reader is handed at most :data:`~routing.limits.PHONE_SCAN` characters of a post in all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from routing import limits
from routing.phones import PhoneReader

__all__ = [
    "FREE_MAIL_DOMAINS",
    "ParsedLead",
    "Unparsed",
    "email_domain",
    "parse_lead_post",
    "tidy",
]


@dataclass(frozen=True)
class ParsedLead:
    """A routable lead; ``fields`` holds everything else that was recognised (snake_case keys)."""

    email: str | None
    phone: str | None
    name: str | None
    company: str | None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)


@dataclass(frozen=True)
class Unparsed:
    """A post Baton could not read as a lead; ``reason`` is shown to the humans who will."""

    reason: str


# --- email domains ----------------------------------------------------------------------------

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # Google, Microsoft, Apple, Yahoo, AOL
        "gmail.com", "googlemail.com",
        "hotmail.com", "hotmail.co.uk", "hotmail.de", "hotmail.fr", "hotmail.it", "hotmail.es",
        "hotmail.nl", "hotmail.be", "hotmail.ca", "hotmail.com.au", "hotmail.com.br",
        "outlook.com", "outlook.de", "outlook.fr", "outlook.es", "outlook.it", "outlook.co.uk",
        "live.com", "live.co.uk", "live.de", "live.fr", "live.nl", "live.it", "live.ca",
        "msn.com", "passport.com", "windowslive.com",
        "icloud.com", "me.com", "mac.com",
        "yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "yahoo.es", "yahoo.it", "yahoo.ca",
        "yahoo.com.au", "yahoo.co.in", "yahoo.co.jp", "yahoo.com.br", "yahoo.com.mx",
        "ymail.com", "rocketmail.com",
        "aol.com", "aol.de", "aim.com",
        # Europe
        "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com", "web.de", "t-online.de",
        "freenet.de", "posteo.de", "posteo.net", "mailbox.org", "arcor.de",
        "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr",
        "libero.it", "virgilio.it", "tiscali.it", "alice.it",
        "btinternet.com", "sky.com", "virginmedia.com", "talktalk.net", "ntlworld.com",
        "seznam.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl",
        "telenet.be", "skynet.be", "ziggo.nl", "kpnmail.nl", "planet.nl",
        "bluewin.ch", "hispeed.ch",
        # privacy-minded and general providers
        "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com", "tuta.io",
        "mail.com", "email.com", "usa.com", "zoho.com", "zohomail.com", "fastmail.com",
        "fastmail.fm", "hushmail.com", "gmx.us", "inbox.com", "hey.com",
        # Russia, Asia, Americas
        "yandex.ru", "yandex.com", "ya.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru",
        "qq.com", "163.com", "126.com", "sina.com", "sohu.com", "yeah.net", "foxmail.com",
        "naver.com", "daum.net", "hanmail.net", "rediffmail.com",
        "uol.com.br", "bol.com.br", "terra.com.br",
        "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "cox.net", "charter.net",
        "earthlink.net", "optonline.net", "shaw.ca", "rogers.com", "sympatico.ca",
        "bigpond.com", "optusnet.com.au",
    }
)  # fmt: skip

# Providers with a domain per country (yahoo.com.ar, hotmail.se …) that no list keeps up with.
_FREE_MAIL_FAMILIES = re.compile(
    r"(?:yahoo|ymail|hotmail|outlook|live|msn|gmx|aol|yandex)\.(?:com?\.)?[a-z]{2,3}"
)


def email_domain(email: str) -> str | None:
    """The company domain of an address, or None for free-mail and malformed addresses.

    The duplicate matcher groups leads by this: two people at ``umbrella.co`` are one account,
    two people at ``gmail.com`` are not.
    """
    local, at, domain = email.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    if not at or not local or "." not in domain or _is_free_mail(domain):
        return None
    return domain


def _is_free_mail(domain: str) -> bool:
    return domain in FREE_MAIL_DOMAINS or _FREE_MAIL_FAMILIES.fullmatch(domain) is not None


# --- plain text -------------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def tidy(text: str) -> str:
    """Line ends as ``\\n``, invisible characters (zero-width spaces and joiners, a byte-order
    mark) gone: what any text needs before it is read, whichever adapter made it plain.

    Platform markup (Slack's mrkdwn, Teams' HTML) is not read here: each adapter hands plain text.
    """
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# --- recognising pieces -----------------------------------------------------------------------

# Letters and digits of any script (RFC 6531 addresses, internationalised domains).
_EMAIL = re.compile(
    r"(?<![\w.%+\-])(?<![\w.%+'\-]')[^\W_][\w.%+'\-]*+@"
    r"[^\W_][\w\-]*+(?:\.[\w\-]+)*\.[^\W\d_]{2,63}(?![\w\-])"
)
_WEBSITE = re.compile(
    r"(?<![\w@.\-])(?:https?://\S+|www\.[^\s,;]+|(?:[a-z0-9\-]+\.)+[a-z]{2,12}(?:/[^\s,;]*)?)"
    r"(?![\w@\-])"
)


def _emails_in(text: str) -> list[str]:
    return [match.lower().rstrip(".") for match in _EMAIL.findall(text)]


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


class _Phones:
    """One post's phone search: the reader, and what is left of the post's
    :data:`~routing.limits.PHONE_SCAN` budget."""

    def __init__(self, reader: PhoneReader) -> None:
        self._reader = reader
        self._left = limits.PHONE_SCAN

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the numbers in ``text`` are; text with fewer than seven digits is not read."""
        if self._left <= 0 or _digits(text) < 7:
            return []
        read = text[: self._left]
        self._left -= len(read)
        return [(start, end) for start, end in self._reader.spans(read) if 0 <= start < end]

    def numbers(self, text: str) -> list[str]:
        return [text[start:end] for start, end in self.spans(text)]

    def take(self, text: str, into: list[str]) -> str:
        """``text`` with its numbers blanked out, the numbers added to ``into`` as written."""
        kept, last = [], 0
        for start, end in self.spans(text):
            if start >= last:
                into.append(text[start:end])
                kept.append(text[last:start])
                last = end
        return " ".join([*kept, text[last:]])


def _one_line(text: str) -> str:
    return " ".join(text.split())


_EMPTY_VALUES = frozenset({"", "-", "–", "—", "n/a", "na", "none", "null", "not provided", "?"})


def _is_empty(value: str) -> bool:
    return value.strip().lower() in _EMPTY_VALUES


# --- labels -----------------------------------------------------------------------------------

_LABEL_ALIASES = {
    "email": (
        "email", "e mail", "mail", "email address", "e mail address", "work email",
        "business email", "company email", "your email", "contact email",
    ),
    "phone": (
        "phone", "tel", "telephone", "mobile", "cell", "phone number", "mobile number",
        "mobile phone", "work phone", "telephone number", "your phone", "contact phone",
    ),
    "name": ("name", "full name", "contact", "contact name", "lead name", "your name", "person"),
    "first_name": ("first name", "firstname", "given name", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "company": (
        "company", "company name", "organisation", "organization", "org", "organisation name",
        "organization name", "business", "business name", "account", "employer", "firm",
    ),
    "country": ("country", "country region", "country or region", "nation"),
    "employees": (
        "employees", "company size", "team size", "size", "headcount", "number of employees",
        "no of employees", "employee count", "staff", "seats",
    ),
    "source": ("source", "lead source", "utm source", "found us via", "referral source"),
    "title": ("title", "job title", "role", "position", "job role", "job"),
    "website": ("website", "web site", "url", "company website", "site", "homepage", "web"),
    "notes": (
        "message", "notes", "note", "comments", "comment", "details", "description",
        "enquiry", "inquiry", "request", "how can we help", "what can we help with",
        "anything else", "additional information", "questions", "question",
    ),
}  # fmt: skip
_KEY_BY_LABEL = {label: key for key, labels in _LABEL_ALIASES.items() for label in labels}
_SINGLE_LINE_KEYS = frozenset(_LABEL_ALIASES) - {"notes"}
_LEAD_HEADER = "\x00lead"  # a label such as ``New lead:`` that introduces a one-liner
_LABEL_LINE = re.compile(r"\s*(?P<label>[^\W\d_][\w .&/'()#?+\-]{0,47}?)\s*:(?P<rest>.*)", re.S)


def _label_words(label: str) -> str:
    return re.sub(r"[^\w]+|_", " ", label.lower()).strip()


def _label_key(label: str) -> str:
    """The canonical key of a label: a known alias, a lead header, or the label snake_cased."""
    words = _label_words(label)
    if words in _KEY_BY_LABEL:
        return _KEY_BY_LABEL[words]
    if "lead" in words.split() or "leads" in words.split():
        return _LEAD_HEADER
    return words.replace(" ", "_")[:48]


def _labelled(line: str) -> tuple[str, str] | None:
    """(key, value) of a ``Label: value`` line; None for a line of free text.

    A known label may run into its value (``Email:sam@x.co``); an unknown one needs a space
    after the colon, so ``10:30`` or ``https://`` is never taken for a label.
    """
    match = _LABEL_LINE.fullmatch(line)
    if match is None or len(match["label"].split()) > 6:
        return None
    key, rest = _label_key(match["label"]), match["rest"]
    known = key in _LABEL_ALIASES or key == _LEAD_HEADER
    if rest and not rest[0].isspace() and not known:
        return None
    return key, rest.strip()


# --- documents: labelled entries and free lines -----------------------------------------------


@dataclass
class _Document:
    """What one piece of text says: labelled entries in order, and lines of free text."""

    entries: list[list[str]] = field(default_factory=list)  # [key, value], value may grow
    free_lines: list[tuple[str, bool]] = field(default_factory=list)  # (line, after a header)
    unread: str = ""  # beyond POST_LINES: searched for an email or a phone number only


_SEPARATOR = re.compile(r"[|;•]|,(?=\s*[^\W\d_][\w /\-]{0,30}:\s)")
_WORD = re.compile(r"\S+")
_LABEL_REACH = 40  # how far before a colon a known label may start


def _segments(lines: Iterable[str]) -> Iterator[str]:
    """Lines, with ``Name: Sam, Email: sam@x.co`` split into one segment per label.

    Form integrations often send every field on one line (``Name: Priya Shah Email: p@acme.io
    Company: Acme Inc``): such a line is split where a known label starts.
    """
    for line in lines:
        if line.count(":") < 2:
            yield line
            continue
        for part in _SEPARATOR.split(line, maxsplit=limits.POST_PIECES):
            yield from _split_at_labels(part)


def _split_at_labels(text: str) -> Iterator[str]:
    """``Name: Priya Shah Email: p@acme.io`` → ``Name: Priya Shah``, ``Email: p@acme.io``.

    Each colon looks back a few words for a known label, so the work per colon is bounded; a
    notes label (``Message:``) takes the rest of the line, colons and all.
    """
    start, colon = 0, text.find(":")
    for _ in range(limits.POST_PIECES):
        if colon < 0:
            break
        found = _known_label_before(text, start, colon)
        if found is not None:
            label_start, key = found
            if text[start:label_start].strip():
                yield text[start:label_start]
                start = label_start
            if key == "notes":
                break
        colon = text.find(":", colon + 1)
    yield text[start:]


def _known_label_before(text: str, start: int, colon: int) -> tuple[int, str] | None:
    """Where the longest known label ending at ``colon`` starts, and its key."""
    reach = max(start, colon - _LABEL_REACH)
    words = [match.start() for match in _WORD.finditer(text, reach, colon)]
    if words and words[0] == reach and reach > start and not text[reach - 1].isspace():
        words.pop(0)  # a word cut by the reach is no label
    for word_start in words[-4:]:
        key = _KEY_BY_LABEL.get(_label_words(text[word_start:colon]))
        if key is not None:
            return word_start, key
    return None


def _read_document(text: str) -> _Document:
    document = _Document()
    lines = text.split("\n", limits.POST_LINES)
    if len(lines) > limits.POST_LINES:
        document.unread = lines.pop()
    pending: list[str] | None = None  # the entry whose value continues on the next lines
    for line in _segments(lines):
        if not line.strip():
            pending = None
            continue
        labelled = _labelled(line)
        if labelled is None or _introduces_someone(line, *labelled):
            if pending is not None and _continues(pending, line):
                pending[1] = f"{pending[1]}\n{line.strip()}".strip()
            else:
                document.free_lines.append((line, False))
            continue
        pending = _add_labelled(document, *labelled)
    return document


def _introduces_someone(line: str, key: str, value: str) -> bool:
    """``Tom Baker (Initech) wants a callback: +1 415 555 0142`` is a sentence about the lead, not
    a label: an unknown label of four words or more that names someone (a bracket, or
    ``… from …``) before a contact. ``Contact (work): …`` stays a label."""
    if key in _LABEL_ALIASES or key == _LEAD_HEADER or not _may_hold_contacts(value):
        return False
    label = f" {line.partition(':')[0].lower()} "
    return len(label.split()) >= 4 and ("(" in label or " from " in label)


def _continues(entry: list[str], line: str) -> bool:
    """A line under ``Message:`` belongs to it; under an unknown label, not if it has an email."""
    return entry[0] in _LABEL_ALIASES or not _emails_in(line)


def _add_labelled(document: _Document, key: str, value: str) -> list[str] | None:
    """Record one entry; return it if the following lines may continue its value."""
    if key == _LEAD_HEADER:
        document.free_lines.append((value, True))
        return None
    entry = [key, value]
    document.entries.append(entry)
    return entry if not value or key == "notes" else None


def _field_text_document(text: str) -> _Document:
    """A form's field (a Block Kit section field): ``Email:\\nsam@x.co`` or
    ``Company\\nUmbrella Corp``."""
    lines = tidy(text).strip().split("\n")
    if len(lines) >= 2 and ":" not in lines[0] and len(lines[0]) <= 48:
        lines[0] = f"{lines[0]}:"
    return _read_document("\n".join(lines))


def _pairs_document(pairs: Sequence[tuple[str, str]]) -> _Document:
    document = _Document()
    for label, value in pairs:
        label, value = _one_line(tidy(str(label))), tidy(str(value)).strip()
        if not label:
            document.free_lines.extend(_read_document(value).free_lines)
        elif (key := _label_key(label)) == _LEAD_HEADER:
            document.free_lines.append((_one_line(value), True))
        else:
            document.entries.append([key, value])
    return document


# --- one-liners: name and company by their looks ----------------------------------------------

_PIECE_BREAK = re.compile(r"[,;|•·()\[\]]|\s[-–—]\s")
_JOINER = re.compile(r"\s+(?:from|at|@|with|of company)\s+", re.I)
_COMPANY_SUFFIXES = frozenset(
    {
        "inc", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp", "plc",
        "gmbh", "ag", "kg", "se", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "as",
        "oy", "pty", "pte", "kk", "group", "holdings", "technologies", "tech", "labs", "systems",
        "solutions", "software", "partners", "consulting", "ventures", "studio", "studios",
        "industries", "international", "global", "agency", "bank", "university", "hospital",
    }
)  # fmt: skip


@dataclass
class _LineFinds:
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # known to be people (``Sam from Acme``)
    companies: list[str] = field(default_factory=list)  # known to be companies
    unsure: list[str] = field(default_factory=list)  # a name or a company, to be told apart


def _read_free_line(line: str, finds: _LineFinds, budget: int, phones: _Phones) -> int:
    """Pull contacts out of a free line, and keep the rest as name or company candidates.

    Email addresses and phone numbers are taken from the whole line first (``(415) 555-0142``
    holds brackets, which part pieces). At most ``budget`` pieces are told apart (the rest of
    the line is one more piece); returns what is left of the budget.
    """
    line = phones.take(_take(_EMAIL, line, finds.emails, str.lower), finds.phones)
    pieces = _PIECE_BREAK.split(line, maxsplit=budget) if budget > 0 else [line]
    for piece in pieces:
        rest = _take(_WEBSITE, piece, finds.websites, str.strip)
        _sort_candidate(_candidate(rest), finds)
    return max(0, budget - len(pieces))


def _take(pattern: re.Pattern[str], text: str, into: list[str], tidy: Callable[[str], str]) -> str:
    """``text`` with every match of ``pattern`` blanked out, the matches tidied into ``into``."""

    def taken(match: re.Match[str]) -> str:
        into.append(tidy(match[0]))
        return " "

    return pattern.sub(taken, text)


def _candidate(text: str) -> str:
    """What is left of a piece once contacts are out: a name or a company, or nothing.

    Chatter (``call me at 10:30 tomorrow``) is not a name: a colon or more than six words
    rule a piece out.
    """
    text = _one_line(text.strip(" \t<>:\"'.!?/\\+&=-–—"))
    if len(text) > 80 or ":" in text or len(text.split()) > 6:
        return ""
    return text if any(ch.isalpha() for ch in text) else ""


_GREETING = re.compile(
    r"(?:hi|hello|hey|hiya|dear|greetings|good (?:morning|afternoon|evening|day)|thanks|"
    r"thank you|many thanks|regards|best regards|kind regards|best|cheers)"
    r"(?: (?:there|all|team|everyone|folks|sir|madam|sales|sales team))?",
    re.I,
)
_INTRODUCTION = re.compile(
    r"(?:(?:hi|hello|hey|dear \w+)\W+)?(?:i am|i['’]m|im|my name is|my name['’]s|name['’]s|"
    r"this is|it['’]s|it is|here is|here['’]s)\s+",
    re.I,
)


def _sort_candidate(text: str, finds: _LineFinds) -> None:
    """File a piece as a name, a company or either; ``Hi`` is neither, ``I am Tom`` is Tom."""
    if not text or _GREETING.fullmatch(text):
        return
    if (introduction := _INTRODUCTION.match(text)) is not None:
        text = text[introduction.end() :]
    parts = _JOINER.split(text, maxsplit=1)
    if len(parts) == 2 and all(parts):
        finds.names.append(parts[0])
        finds.companies.append(parts[1])
    elif _has_company_suffix(text):
        finds.companies.append(text)
    else:
        finds.unsure.append(text)


def _has_company_suffix(text: str) -> bool:
    words = re.findall(r"[^\W_]+", text.lower())
    return len(words) >= 2 and words[-1] in _COMPANY_SUFFIXES


def _name_and_company(finds: _LineFinds, email: str | None) -> tuple[str | None, str | None]:
    """Tell names from companies: the email's domain names the company, its local part the person.

    ``sam.ortiz@umbrella.co`` makes ``Umbrella Corp`` the company and ``Sam Ortiz`` the name
    whichever order they were written in; with no such hint the first is the name.
    """
    names, companies = list(finds.names), list(finds.companies)
    for text in finds.unsure:
        if _matches_domain(text, email):
            companies.append(text)
        elif _matches_local_part(text, email):
            names.insert(0, text)
        else:
            names.append(text)
    if len(names) > 1 and not companies:
        companies.append(names.pop(1))
    return (names[0] if names else None), (companies[0] if companies else None)


def _matches_domain(text: str, email: str | None) -> bool:
    domain = email_domain(email) if email else None
    if domain is None:
        return False
    stem = domain.split(".")[0].replace("-", "")
    squashed = re.sub(r"[^\w]|_", "", text.lower())
    return len(stem) >= 3 and (stem in squashed or (len(squashed) >= 3 and squashed in stem))


def _matches_local_part(text: str, email: str | None) -> bool:
    if email is None:
        return False
    local_words = {word for word in re.split(r"[^a-z]+", email.split("@")[0]) if len(word) >= 2}
    return bool(local_words & set(re.findall(r"[a-z]+", text.lower())))


# --- assembling the lead ----------------------------------------------------------------------


@dataclass
class _Lead:
    """The lead as it is being assembled: the first value found for each key wins."""

    phones: _Phones
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    company: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    bad_email: str | None = None
    stray_emails: list[str] = field(default_factory=list)  # found beside a name, not labelled
    stray_phones: list[str] = field(default_factory=list)

    def add(self, key: str, value: str) -> None:
        if _is_empty(value):
            return
        if key == "email":
            self._add_email(value)
        elif key == "phone":
            self._add_phone(value)
        elif key in ("name", "company"):
            self._add_person_or_company(key, value)
        elif key != _LEAD_HEADER and key:
            tidy = _one_line(value) if key in _SINGLE_LINE_KEYS else _tidy_lines(value)
            self.fields.setdefault(key, tidy)

    def _add_email(self, value: str) -> None:
        emails = _emails_in(value)
        if emails and self.email is None:
            self.email = emails[0]
        elif not emails and self.bad_email is None:
            self.bad_email = _one_line(value)

    def _add_phone(self, value: str) -> None:
        first_line = value.strip().split("\n")[0].strip()
        if self.phone is None and _digits(first_line) >= 5:
            self.phone = first_line

    def _add_person_or_company(self, key: str, value: str) -> None:
        """``Contact: Dan O'Brien, dan@acme.io`` gives a name and an email."""
        value = _take(_EMAIL, value, self.stray_emails, str.lower)
        value = self.phones.take(value, self.stray_phones)
        value = _one_line(_EMPTY_BRACKETS.sub(" ", value)).strip(" ,;|-–—")
        if not value:
            return
        if key == "name" and self.name is None:
            self.name = value
        elif key == "company" and self.company is None:
            self.company = value


_EMPTY_BRACKETS = re.compile(r"\(\s*\)|<\s*>|\[\s*\]")


def _tidy_lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().split("\n"))


def _add_free_lines(lead: _Lead, lines: Iterable[tuple[str, bool]]) -> None:
    """Contacts from free lines; names and companies only from lines that are about the lead."""
    finds, budget = _LineFinds(), limits.POST_PIECES
    for line, after_header in lines:
        if not (after_header or _may_hold_contacts(line)):
            continue
        line_finds = _LineFinds()
        budget = _read_free_line(line, line_finds, budget, lead.phones)
        if after_header or line_finds.emails or line_finds.phones:
            _merge(finds, line_finds)
    lead.email = lead.email or next(iter(lead.stray_emails + finds.emails), None)
    lead.phone = lead.phone or next(iter(lead.stray_phones + finds.phones), None)
    if finds.websites:
        lead.fields.setdefault("website", finds.websites[0])
    name, company = _name_and_company(finds, lead.email)
    lead.name = lead.name or name
    lead.company = lead.company or company


def _may_hold_contacts(line: str) -> bool:
    """Cheaply: could this line hold an email address or a phone number (7 digits or more)?"""
    return "@" in line or _digits(line) >= 7


def _merge(into: _LineFinds, finds: _LineFinds) -> None:
    for kind in ("emails", "phones", "websites", "names", "companies", "unsure"):
        getattr(into, kind).extend(getattr(finds, kind))


def _add_contacts_from_text_fields(lead: _Lead, unread: Iterable[str]) -> None:
    """Last resort: an address in a message (``please reach me at sam@x.co``) or further down."""
    texts = [value for key, value in lead.fields.items() if key not in _SINGLE_LINE_KEYS]
    texts.extend(unread)
    for text in texts:
        if lead.email is None and (emails := _emails_in(text)):
            lead.email = emails[0]
        if lead.phone is None and (phones := lead.phones.numbers(text)):
            lead.phone = phones[0]


def _finish(lead: _Lead) -> ParsedLead | Unparsed:
    if lead.email is None and lead.phone is None:
        if lead.bad_email:
            return Unparsed(
                f"`{limits.truncate(lead.bad_email, 80)}` is not an email address, and no phone "
                "number found"
            )
        return Unparsed("no email address or phone number found")
    first, last = lead.fields.pop("first_name", None), lead.fields.pop("last_name", None)
    name = lead.name or _one_line(f"{first or ''} {last or ''}") or None
    domain = email_domain(lead.email) if lead.email else None
    if domain is not None:
        lead.fields["domain"] = domain
    return ParsedLead(lead.email, lead.phone, name, lead.company, MappingProxyType(lead.fields))


def parse_lead_post(
    text: str,
    pairs: Sequence[tuple[str, str]] = (),
    field_texts: Sequence[str] = (),
    *,
    phones: PhoneReader,
) -> ParsedLead | Unparsed:
    """Read a lead from a post's plain text, its labelled field pairs (attachment fields, a
    webhook's or a spreadsheet's) and its field texts (Block Kit section fields); ``phones``
    finds the phone numbers in free text."""
    documents = [
        _pairs_document(pairs),
        *(_field_text_document(text) for text in field_texts),
        _read_document(tidy(text)),
    ]
    if not any(d.entries or any(line.strip() for line, _ in d.free_lines) for d in documents):
        return Unparsed("the post is empty")
    lead = _Lead(_Phones(phones))
    for key, value in (entry for document in documents for entry in document.entries):
        lead.add(key, value)
    _add_free_lines(lead, (line for document in documents for line in document.free_lines))
    _add_contacts_from_text_fields(lead, (document.unread for document in documents))
    return _finish(lead)
