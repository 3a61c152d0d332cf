"""Slack's Socket Mode end on loopback: the WebSocket that ``apps.connections.open`` points at.

It greets each connection with ``hello`` as Slack does, sends envelopes (``slash_commands``,
``events_api``, ``interactive``) with an ``envelope_id`` and collects the acknowledgements Baton
sends back by that id. It can end a connection the three ways Slack's does: a ``disconnect``
message (``refresh_requested``), a close frame, or a bare FIN with no close frame.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any

from aiohttp import WSMsgType, web


class SocketDouble:
    def __init__(self) -> None:
        self.url = ""
        self.loop: asyncio.AbstractEventLoop | None = None
        self.connections = 0
        self.acks: dict[str, dict[str, Any]] = {}
        self._current: tuple[web.WebSocketResponse, web.Request] | None = None
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._open: set[web.WebSocketResponse] = set()

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/link", self._link)
        app.on_shutdown.append(self._close_all)
        return app

    async def _close_all(self, _app: web.Application) -> None:
        """Close the connections still open, as aiohttp's documentation advises for WebSockets:
        otherwise the runner's cleanup waits for a client that is itself being stopped (and whose
        close can race its own reconnect) for up to its shutdown timeout."""
        for ws in list(self._open):
            await ws.close(code=1001, message=b"server shutdown")

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/link"

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._open.add(ws)
        with self._changed:
            self.connections += 1
            self._current = (ws, request)
            self._changed.notify_all()
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                data = json.loads(message.data)
                with self._changed:
                    self.acks[str(data.get("envelope_id"))] = data
                    self._changed.notify_all()
        self._open.discard(ws)
        return ws

    # --- from the test's thread ---

    def _run(self, coroutine: Any) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def wait_for_connection(self, number: int, timeout: float = 15.0) -> float:
        """Wait until the ``number``-th connection is open; returns how long that took."""
        started = time.monotonic()
        with self._changed:
            if not self._changed.wait_for(lambda: self.connections >= number, timeout):
                raise AssertionError(f"no connection #{number} within {timeout}s")
        return time.monotonic() - started

    def send(self, kind: str, payload: dict[str, Any], timeout: float = 15.0) -> dict[str, Any]:
        """Deliver an envelope on the current connection and return Baton's acknowledgement."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        assert self._current is not None
        ws = self._current[0]
        self._run(ws.send_json(envelope))
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"no ack for {envelope_id} within {timeout}s")
            return self.acks[envelope_id]

    def refresh(self) -> None:
        """Slack's warning before it drops a connection: the client should open a new one."""
        assert self._current is not None
        message = {"type": "disconnect", "reason": "refresh_requested", "debug_info": {}}
        self._run(self._current[0].send_json(message))

    def reset(self) -> None:
        """A close frame from Slack's side."""
        assert self._current is not None
        self._run(self._current[0].close())

    def fin(self) -> None:
        """The TCP connection ends with a FIN and no WebSocket close frame."""
        assert self._current is not None
        transport = self._current[1].transport
        assert transport is not None
        self.loop.call_soon_threadsafe(transport.close)  # type: ignore[union-attr]
