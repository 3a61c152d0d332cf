"""Socket Mode against a local double: commands, posts and clicks as Slack sends them, acknowledged
by envelope id, through a refresh, a reset and a FIN without a close frame."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.baton import Baton
from bot.bootstrap import build
from bot.entrypoints.serve import Server, make_server
from storage import tables as t
from tests.e2e.conftest import INTAKE, MANAGER, slack_settings
from tests.e2e.slack_double import LoopbackApp, SlackDouble, fixture
from tests.e2e.socket_double import SocketDouble
from tests.support.clock import FakeClock


@dataclass
class SocketWorld:
    baton: Baton
    server: Server
    double: SlackDouble
    socket: SocketDouble
    woken: threading.Event

    def command(self, line: str, user: str) -> dict[str, Any]:
        command, _, text = line.partition(" ")
        form = fixture("slash_command")
        form.update(command=command, text=text, user_id=user, channel_id=INTAKE)
        form["response_url"] = f"{self.double.url}/response/cmd"
        return self.socket.send("slash_commands", form)

    def post(self, text: str) -> dict[str, Any]:
        envelope = fixture("event_callback")
        event = fixture("message")
        event.update(text=text, user="UWEB", channel=INTAKE, ts=self.double.next_ts())
        event.pop("blocks", None)
        envelope.update(event=event, event_id=f"Ev{event['ts']}")
        return self.socket.send("events_api", envelope)

    def click(self, action: str, lead_id: int, user: str) -> dict[str, Any]:
        payload = fixture("block_actions")
        payload["user"]["id"] = user
        payload["actions"][0].update(action_id=f"lead:{action}", value=str(lead_id))
        payload["response_url"] = f"{self.double.url}/response/click"
        return self.socket.send("interactive", payload)


def _count(world: SocketWorld) -> int:
    with world.baton.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.leads)).scalar_one())


@pytest.fixture
def socket_world(
    sqlite_url: str, clock: FakeClock, slack_double: SlackDouble
) -> Iterator[SocketWorld]:
    socket = SocketDouble()
    with LoopbackApp(socket.web_app()) as served:
        socket.url, socket.loop = served.url, served.loop
        slack_double.socket_url = socket.ws_url
        settings = slack_settings(
            sqlite_url, slack_double.api_url, slack_app_token="xapp-1-test", slack_signing_secret=""
        )
        baton = build(settings, clock=clock)
        server = make_server(settings, baton, sender=False)
        woken = threading.Event()
        server._sender = SimpleNamespace(wake=woken)  # type: ignore[assignment]
        with LoopbackApp(server.web_app()):
            socket.wait_for_connection(1)
            yield SocketWorld(baton, server, slack_double, socket, woken)
        baton.engine.dispose()


def test_socket_mode_answers_commands_posts_and_clicks_and_survives_every_kind_of_disconnect(
    socket_world: SocketWorld,
) -> None:
    world, socket = socket_world, socket_world.socket
    ack = world.command("/rotation add <@UALICE> qualifier", MANAGER)
    assert "qualifier" in ack["payload"]["text"]
    assert world.woken.is_set()  # each envelope wakes the outbox sender

    started = time.monotonic()
    ack = world.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    assert ack["envelope_id"]
    assert _count(world) == 1
    world.baton.sender().drain()
    assert any(c.params.get("thread_ts") for c in world.double.posts(INTAKE))
    assert any(c.params.get("channel") == "UALICE" for c in world.double.posts())

    world.click("claim", 1, "UALICE")
    reply = world.double.wait_for(lambda c: c.method == "response_url")
    assert "L-1 is yours" in reply.text
    acked_in = time.monotonic() - started

    reconnects = {}
    for number, (name, end) in enumerate(
        [("refresh", socket.refresh), ("reset", socket.reset), ("fin", socket.fin)], start=2
    ):
        end()
        reconnects[name] = socket.wait_for_connection(number)
        ack = world.command("/lead mine", "UALICE")
        assert "L-1" in ack["payload"]["text"], name
    cpu_before = time.process_time()
    time.sleep(2)
    idle_cpu = time.process_time() - cpu_before
    assert idle_cpu < 1.5  # the builtin client spun a whole core here
    post = world.post("Lead: Priya Shah, priya@initech.com, Initech")
    assert post["envelope_id"]
    assert _count(world) == 2
    times = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in reconnects.items())
    print(
        f"post, reply and click in {acked_in:.2f} s; reconnects: {times}; idle CPU {idle_cpu:.2f} s"
    )


def test_socket_mode_keeps_trying_while_slack_cannot_open_a_connection(
    sqlite_url: str, clock: FakeClock, slack_double: SlackDouble, caplog: pytest.LogCaptureFixture
) -> None:
    socket = SocketDouble()
    with LoopbackApp(socket.web_app()) as served:
        socket.url, socket.loop = served.url, served.loop
        slack_double.socket_url = socket.ws_url
        slack_double.fail(503, times=2, methods={"apps.connections.open"})
        settings = slack_settings(sqlite_url, slack_double.api_url, slack_app_token="xapp-1-test")
        baton = build(settings, clock=clock)
        with LoopbackApp(make_server(settings, baton, sender=False).web_app()):
            socket.wait_for_connection(1)
        baton.engine.dispose()
    failures = [r for r in caplog.records if "apps.connections.open failed" in r.getMessage()]
    assert len(failures) == 2
    assert all(r.exc_info is None and "HTTP 503" in r.getMessage() for r in failures)


def test_slack_closing_the_connection_is_logged_at_info_not_error(
    socket_world: SocketWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """A FIN and a normal close are routine: reconnected at once, logged at INFO, not ERROR.

    (websocket-client's logger is at WARNING unless traced, so in production its copy of the line
    is not shown at all; slack_sdk's, through the Bolt app's logger, is, at INFO.)
    """
    caplog.set_level(logging.INFO)
    for name in ("websocket", "slack_bolt.App"):  # both set their own level when made
        caplog.set_level(logging.INFO, logger=name)
    socket = socket_world.socket
    for number, end in enumerate([socket.fin, socket.refresh, socket.reset], start=2):
        end()
        socket.wait_for_connection(number)
    assert "L-" not in socket_world.command("/lead mine", "UALICE")["payload"]["text"]

    def disconnects() -> list[logging.LogRecord]:
        return [r for r in caplog.records if any(end in r.getMessage() for end in _ROUTINE)]

    deadline = time.monotonic() + 10
    while len(disconnects()) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)  # the old connection's thread logs its end after the new one is up
    lines = disconnects()
    assert {r.name for r in lines} == {"websocket", "slack_bolt.App"}, "still logged"
    assert any("Connection to remote host was lost" in r.getMessage() for r in lines)
    assert all(r.levelno == logging.INFO for r in lines)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


_ROUTINE = ("Connection to remote host was lost", "Connection closed normally (code 1000)")
