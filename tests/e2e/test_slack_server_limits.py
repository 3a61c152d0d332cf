"""The server under slow clients and a locked database: nobody holds it open or freezes it."""

from __future__ import annotations

import dataclasses
import json
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.bootstrap import build
from bot.entrypoints.serve import make_server
from tests.e2e.conftest import INTAKE, MANAGER, SIGNING_SECRET, slack_settings
from tests.e2e.slack_double import JSON, LoopbackApp, SignedSlack, SlackDouble

SLOW_CLIENTS = 6
HELD_FOR = 30.0
"""How long a slow client would hold its connection if the server let it (the attack's 30 s)."""


@pytest.fixture
def server(sqlite_url: str, slack_double: SlackDouble) -> Iterator[tuple[str, SignedSlack, Any]]:
    settings = slack_settings(sqlite_url, slack_double.api_url)
    baton = build(settings)
    built = make_server(settings, baton, sender=False)
    built.body_timeout = 1.0
    built.health_timeout = 0.5
    with LoopbackApp(built.web_app(), keepalive_timeout=1.0, lingering_time=0.5) as served:
        yield served.url, SignedSlack(served.url, SIGNING_SECRET, slack_double, INTAKE), built
    baton.engine.dispose()


def url_verification(send: SignedSlack) -> int:
    body = json.dumps({"type": "url_verification", "challenge": "c", "token": "t"}).encode()
    return send.post(body, JSON).status


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server ends the connection (after a 408, or without a word)."""
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_slow_and_idle_connections_are_closed_while_others_are_served(
    server: tuple[str, SignedSlack, Any],
) -> None:
    url, send, _server = server
    host, port = url.removeprefix("http://").split(":")
    sockets = []
    for n in range(SLOW_CLIENTS):
        sock = socket.create_connection((host, int(port)), timeout=HELD_FOR)
        if n % 3 == 0:
            pass  # connects and says nothing
        elif n % 3 == 1:
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # headers never end
        else:
            sock.sendall(
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000\r\n\r\n{"type":'
            )  # a body that never arrives
        sockets.append(sock)

    assert url_verification(send) == 200
    started = time.monotonic()
    closed = [closed_by_server(sock) for sock in sockets]
    waited = time.monotonic() - started
    for sock in sockets:
        sock.close()

    assert closed == [True] * SLOW_CLIENTS
    assert waited < HELD_FOR
    print(f"{SLOW_CLIENTS} slow connections closed after {waited:.1f} s")


def test_the_health_check_answers_while_another_connection_holds_the_sqlite_write_lock(
    server: tuple[str, SignedSlack, Any], sqlite_url: str
) -> None:
    url, send, _server = server
    assert send.command("/rotation add <@UALICE> qualifier", MANAGER).status == 200
    assert send.command("/lead mine", "UALICE").status == 200  # Baton has learned who Alice is
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        answers: list[int] = []

        def read_only_command() -> None:
            answers.append(send.command("/lead mine", "UALICE").status)

        other = threading.Thread(target=read_only_command)
        other.start()
        with urllib.request.urlopen(f"{url}/healthz", timeout=HELD_FOR) as response:
            assert json.loads(response.read())["status"] == "ok"
        other.join(timeout=HELD_FOR)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answers == [200]
    assert waited < 10  # the busy timeout it used to wait out is 30 s


def test_a_health_check_the_database_cannot_answer_is_a_quick_503_and_blocks_no_one(
    server: tuple[str, SignedSlack, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, send, running = server
    release = threading.Event()

    def stuck() -> None:
        release.wait(HELD_FOR)

    baton = running.baton
    monkeypatch.setattr(baton, "stores", dataclasses.replace(baton.stores, check_database=stuck))
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/healthz", timeout=HELD_FOR)
        assert refused.value.code == 503
        assert json.loads(refused.value.read())["database"] == "busy"
        assert url_verification(send) == 200
    finally:
        release.set()
