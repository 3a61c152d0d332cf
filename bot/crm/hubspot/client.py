"""The official client, pointed at ``HUBSPOT_API_URL`` with a timeout and no hidden retries."""

from __future__ import annotations

from typing import Any

from urllib3.util.retry import Retry

TIMEOUT = (5.0, 20.0)
"""(connect, read) seconds for every HubSpot call: a hung HubSpot holds a row, not the sender."""
CLAIM_WINDOW_SECONDS = 60
"""A CRM row claimed longer ago than this is taken again: above the longest call chain of one
change (four calls at their timeouts would be 100 s, but the bucket never lets that many hang)."""


def make_client(access_token: str, api_url: str) -> Any:
    """``hubspot.Client`` on ``api_url`` (a local double in tests): the sender retries itself, in
    its own time, so urllib3 must not retry behind its back."""
    from hubspot import Client

    return Client.create(
        access_token=access_token,
        host=api_url.rstrip("/"),
        retry=Retry(total=0, connect=0, read=0, redirect=0, status=0, raise_on_status=False),
    )
