"""A closer's booking link, prefilled with the prospect, ready to send at hand-off.

cal.com (cloud or self-hosted: any other host) takes ``name``, ``email``, ``notes`` and
``metadata[key]`` as query parameters, and a booking made from it carries ``metadata`` back in its
webhook: Baton puts the lead's reference there (``metadata[lead]=L-42``) to know the booking's
lead. Calendly takes ``name``, ``email`` and custom answers ``a1``…; HubSpot meetings take
``firstname``, ``lastname`` and ``email``. Parameters already in the link are kept.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit


def booking_provider(url: str) -> str:
    """``calendly``, ``hubspot`` or ``calcom`` (the default: cal.com runs on any host)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "calendly.com" or host.endswith(".calendly.com"):
        return "calendly"
    if host == "hubspot.com" or host.endswith(".hubspot.com"):
        return "hubspot"
    return "calcom"


def prefilled(url: str, name: str | None, email: str | None, lead_ref: str) -> str:
    """``url`` with the prospect's name and email and the lead's reference filled in."""
    provider = booking_provider(url)
    filled: dict[str, str] = {}
    if provider == "hubspot":
        first, _, last = (name or "").partition(" ")
        filled.update(firstname=first, lastname=last)
    else:
        filled["name"] = name or ""
    filled["email"] = email or ""
    if provider == "calendly":
        filled["a1"] = f"Baton lead {lead_ref}"
    elif provider == "calcom":
        filled["notes"] = f"Baton lead {lead_ref}"
        filled["metadata[lead]"] = lead_ref
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in filled]
    # %20, not the form encoding's "+": every booking page's reader takes it as a space, and
    # a "+" in a name or an email is sent as %2B either way
    query = urlencode(kept + [(k, v) for k, v in filled.items() if v], quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
