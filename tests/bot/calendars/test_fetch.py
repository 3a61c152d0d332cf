"""Fetching feeds from a loopback server: conditional, bounded in size and time, a failing feed
reported in words without its address, and private addresses refused (redirects too)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.calendars import fetch as fetching
from bot.calendars.fetch import FetchFailed, FetchPolicy, fetch, is_public
from bot.calendars.refresh import read_due
from routing.calendars import DueFeed
from tests.bot.calendars.feed_server import Route, feed_server

FEEDS = Path(__file__).parents[2] / "fixtures" / "calendars"
OUTLOOK = (FEEDS / "outlook-windows-zones-oof.ics").read_bytes()
LOCAL = FetchPolicy(allow_private=True, timeout=5)
NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)


def test_a_feed_is_fetched_then_asked_again_with_its_etag_and_not_modified() -> None:
    routes = {"/cal.ics": Route(body=OUTLOOK, headers={"ETag": '"v1"', "Last-Modified": "x"})}
    with feed_server(routes) as server:
        first = fetch(server.url("/cal.ics"), None, None, LOCAL)
        again = fetch(server.url("/cal.ics"), first.etag, first.last_modified, LOCAL)
    assert first.body == OUTLOOK
    assert first.etag == '"v1"'
    assert again.body is None
    assert server.seen[1]["if-none-match"] == '"v1"'
    assert server.seen[1]["if-modified-since"] == "x"


@pytest.mark.parametrize("status", [404, 500, 401])
def test_a_failing_feed_is_an_error_in_words_without_its_address(status: int) -> None:
    with feed_server({"/private-token/cal.ics": Route(status, b"nope")}) as server:
        result = read_due(DueFeed(1, server.url("/private-token/cal.ics"), "UTC"), LOCAL, NOW)
    assert result.error == f"HTTP {status}"
    assert result.busy is None


def test_a_feed_that_is_not_a_calendar_is_an_error() -> None:
    with feed_server({"/cal.ics": Route(body=b"<html>Sign in</html>")}) as server:
        result = read_due(DueFeed(1, server.url("/cal.ics"), "UTC"), LOCAL, NOW)
    assert result.error == "not a calendar: not an iCalendar document"


def test_a_feed_is_read_into_busy_spans() -> None:
    with feed_server({"/cal.ics": Route(body=OUTLOOK)}) as server:
        result = read_due(DueFeed(1, server.url("/cal.ics"), "Europe/Amsterdam"), LOCAL, NOW)
    assert result.error is None
    assert result.busy
    assert any(span.kind.value == "oof" for span in result.busy)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_feed_over_10_mb_is_refused_with_or_without_a_length(chunked: bool) -> None:
    huge = b"BEGIN:VCALENDAR\r\n" + b"X" * (10 * 1024 * 1024 + 10)
    with (
        feed_server({"/huge.ics": Route(body=huge, chunked=chunked)}) as server,
        pytest.raises(FetchFailed, match="larger than 10 MB"),
    ):
        fetch(server.url("/huge.ics"), None, None, LOCAL)


def test_a_slow_feed_times_out() -> None:
    slow = FetchPolicy(allow_private=True, timeout=0.5)
    with (
        feed_server({"/slow.ics": Route(body=OUTLOOK, delay=2)}) as server,
        pytest.raises(FetchFailed, match="timed out"),
    ):
        fetch(server.url("/slow.ics"), None, None, slow)


def test_a_loopback_address_is_refused_unless_private_addresses_are_allowed() -> None:
    with feed_server({"/cal.ics": Route(body=OUTLOOK)}) as server:
        with pytest.raises(FetchFailed, match="private, loopback or link-local"):
            fetch(server.url("/cal.ics"), None, None, FetchPolicy())
        assert server.seen == []  # no request left


def test_a_redirect_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first host passes the check (as a public one would); its redirect does not."""
    real = fetching.resolve

    def resolve(host: str, port: int, allow_private: bool) -> str:
        return "127.0.0.1" if host == "feeds.example" else real(host, port, allow_private)

    monkeypatch.setattr(fetching, "resolve", resolve)
    with feed_server() as server:
        port = server.base.rsplit(":", 1)[1]
        server.routes["/cal.ics"] = Route(302, headers={"Location": f"http://127.0.0.1:{port}/x"})
        with pytest.raises(FetchFailed, match="private, loopback or link-local"):
            fetch(f"http://feeds.example:{port}/cal.ics", None, None, FetchPolicy())
    assert [seen["path"] for seen in server.seen] == ["/cal.ics"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "fd00::1",
        "224.0.0.1",
    ],
)
def test_private_loopback_and_link_local_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


def test_public_addresses_are_public() -> None:
    assert is_public("93.184.216.34")
    assert is_public("2606:2800:220:1::1")


@pytest.mark.parametrize("url", ["ftp://example.com/cal.ics", "file:///etc/passwd", "https:///x"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(FetchFailed, match="only http and https"):
        fetch(url, None, None, FetchPolicy())


EVERY_SECOND = (
    b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261207T090000Z\r\nRRULE:FREQ=SECONDLY"
    b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
MINUTES = ",".join(str(m) for m in range(60)).encode()
EVERY_SECOND_DAILY = (
    b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261207T090000Z\r\nDTEND:20261207T090001Z"
    b"\r\nRRULE:FREQ=DAILY;BYHOUR=9,10,11,12;BYMINUTE=" + MINUTES + b";BYSECOND=" + MINUTES
) + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
UNKNOWN_ZONE = (
    b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Nowhere/Zone:20261207T090000\r\n"
    b"DTEND;TZID=Nowhere/Zone:20261207T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
BACKWARDS = (
    b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:99991231T235959Z\r\nDTEND:00010101\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.mark.parametrize(
    "body",
    [
        EVERY_SECOND,
        EVERY_SECOND_DAILY,
        b"BEGIN:VCALENDAR\r\n" + b"BEGIN:VEVENT\r\n" * 5000,
        UNKNOWN_ZONE,
        b"BEGIN:VCALENDAR\r\n\x00\xff\xfe" * 1000,
        BACKWARDS,
    ],
)
def test_a_hostile_feed_is_an_error_or_a_reading_never_an_exception(body: bytes) -> None:
    started = time.monotonic()
    with feed_server({"/cal.ics": Route(body=body)}) as server:
        result = read_due(DueFeed(1, server.url("/cal.ics"), "UTC"), LOCAL, NOW)
    assert (result.error is None) != (result.busy is None)
    assert time.monotonic() - started < 20


def test_a_validator_that_could_not_be_sent_back_is_not_kept() -> None:
    routes = {"/cal.ics": Route(body=OUTLOOK, headers={"ETag": '"\u00e9t\u00e9"'})}
    with feed_server(routes) as server:
        result = read_due(DueFeed(1, server.url("/cal.ics"), "UTC"), LOCAL, NOW)
    assert result.busy is not None
    assert result.etag is None


def test_a_host_name_that_is_not_ascii_is_an_error_not_an_exception() -> None:
    result = read_due(
        DueFeed(1, "https://kalender.bücher.invalid/c.ics", "UTC"), FetchPolicy(), NOW
    )
    assert result.error is not None
