"""``GET /metrics`` in Prometheus' text format.

Two kinds of figures. What every replica must agree on (leads in, assignments, claims, SLA
misses, the outbox's backlog and failures, digests sent) is read from the database when the
scrape comes (:class:`DatabaseCollector` over ``routing/operations.py``'s port), so any replica
answers the same totals. What only a process can see (how long its requests took, the errors its
CRM and calendar calls met) is counted in the process, in :data:`PROCESS`.

No label holds personal data: routes are their templates (``/dashboard/leads``, never a path
with a lead's id), sources are named as the funnel names them but never after a person.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest

from bot.baton import Baton
from routing.operations import OperationsReader, OperationsSnapshot

log = logging.getLogger(__name__)

PROCESS = CollectorRegistry(auto_describe=True)
"""This process's own figures (not the database's)."""

REQUEST_SECONDS = Histogram(
    "baton_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ("route", "method"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=PROCESS,
)
CRM_ERRORS = Counter(
    "baton_crm_errors",
    "Calls to the CRM that failed (refused, timed out, rate limited), in this process.",
    registry=PROCESS,
)
"""Incremented by the CRM adapter on each failed call: ``CRM_ERRORS.inc()``."""
CALENDAR_FETCH_ERRORS = Counter(
    "baton_calendar_fetch_errors",
    "Calendar fetches that failed (unreachable, refused, unreadable), in this process.",
    registry=PROCESS,
)
"""Incremented by the calendar adapter on each failed fetch: ``CALENDAR_FETCH_ERRORS.inc()``."""

UNMATCHED_ROUTE = "unmatched"
"""The route label of a request no route took (a 404): never its raw path."""
SCRAPE_TIMEOUT_SECONDS = 10.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DatabaseCollector:
    """The figures replicas share, read from the database at each scrape; when it cannot be
    read, ``baton_database_up 0`` and the process's figures still answer."""

    def __init__(self, reader: OperationsReader, clock: Callable[[], datetime]) -> None:
        self.reader = reader
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("baton_database_up", "1 when the database answered the scrape.")
        try:
            snapshot = self.reader.read()
        except Exception as err:  # noqa: BLE001 - any failure to read is "down", logged
            log.warning("metrics: the database could not be read: %s", type(err).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from snapshot_metrics(snapshot, self.clock())


EVENT_COUNTERS = {
    "assigned": ("baton_assignments", "Leads assigned by a rotation."),
    "claimed": ("baton_claims", "Leads claimed."),
    "sla_missed": ("baton_sla_misses", "Claims not made within the SLA (the lead moved on)."),
    "reassigned": ("baton_reassignments", "Leads reassigned by a manager."),
    "declined": ("baton_declines", "Leads declined by their assignee."),
}


def snapshot_metrics(snapshot: OperationsSnapshot, now: datetime) -> Iterator[Metric]:
    leads = CounterMetricFamily(
        "baton_leads", "Leads taken in, by source and side.", labels=("source", "side")
    )
    for (source, side), n in sorted(snapshot.leads_by_source.items()):
        leads.add_metric([source, side], n)
    yield leads
    for event, (name, about) in EVENT_COUNTERS.items():
        yield CounterMetricFamily(name, about, value=snapshot.events.get(event, 0))
    waiting = GaugeMetricFamily(
        "baton_outbox_waiting", "Outbox rows not yet delivered, by lane.", labels=("lane",)
    )
    oldest = GaugeMetricFamily(
        "baton_outbox_oldest_waiting_seconds",
        "Age of the oldest outbox row not yet delivered, by lane (0 when none waits).",
        labels=("lane",),
    )
    for lane, backlog in sorted(snapshot.backlog.items()):
        waiting.add_metric([lane], backlog.waiting)
        age = (now - backlog.oldest_at).total_seconds() if backlog.oldest_at else 0.0
        oldest.add_metric([lane], max(age, 0.0))
    yield waiting
    yield oldest
    failed = CounterMetricFamily(
        "baton_deliveries_failed",
        "Outbox rows given up after their retries, by lane and kind.",
        labels=("lane", "kind"),
    )
    for (lane, kind), n in sorted(snapshot.failed.items()):
        failed.add_metric([lane, kind], n)
    yield failed
    digests = CounterMetricFamily(
        "baton_digests_sent", "Digest periods sent, by schedule.", labels=("digest",)
    )
    for digest, n in sorted(snapshot.digests_sent.items()):
        digests.add_metric([digest], n)
    yield digests


class _Process:
    """The process registry's figures, in a scrape's registry beside the database's."""

    def collect(self) -> Iterator[Metric]:
        yield from PROCESS.collect()


def exposition(reader: OperationsReader, clock: Callable[[], datetime]) -> bytes:
    """The scrape's text: this process's figures and the database's."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Process())
    registry.register(DatabaseCollector(reader, clock))
    return generate_latest(registry)


def route_label(request: web.Request) -> str:
    """The route's template (``/dashboard/leads``, ``/charts/{token}``), never the raw path."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else UNMATCHED_ROUTE


@web.middleware
async def timed_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request's time to answer, by route template and method (outermost middleware)."""
    started = time.perf_counter()
    try:
        return await handler(request)
    finally:
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(route_label(request), method).observe(time.perf_counter() - started)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def authorised(request: web.Request, token: str | None) -> bool:
    """No token configured: open. Otherwise ``Authorization: Bearer <token>``, compared in
    constant time on bytes."""
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {token}"
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def metrics_route(
    reader: OperationsReader,
    clock: Callable[[], datetime],
    token: str | None,
    timeout: float = SCRAPE_TIMEOUT_SECONDS,
) -> tuple[Handler, Callable[[], None]]:
    """The ``GET /metrics`` handler and what stops its reader thread. The database is read off
    the event loop, on a thread of its own, within ``timeout``."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="metrics")

    async def metrics(request: web.Request) -> web.Response:
        if not authorised(request, token):
            return web.Response(
                status=401,
                text="a bearer token is needed (BATON_METRICS_TOKEN)\n",
                headers={"WWW-Authenticate": 'Bearer realm="baton metrics"'},
            )
        loop = asyncio.get_running_loop()
        try:
            body = await asyncio.wait_for(
                loop.run_in_executor(pool, exposition, reader, clock), timeout
            )
        except TimeoutError:
            log.warning("metrics: the scrape took over %.0f s", timeout)
            return web.Response(status=503, text="the database did not answer in time\n")
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics, lambda: pool.shutdown(wait=False, cancel_futures=True)


def mount_metrics(app: web.Application, baton: Baton) -> None:
    """``GET /metrics`` on the server, behind ``BATON_METRICS_TOKEN`` when it is set."""
    handler, stop = metrics_route(
        baton.stores.operations, baton.clock, baton.settings.baton_metrics_token
    )
    app.router.add_get("/metrics", handler)

    async def _stop(_app: web.Application) -> None:
        stop()

    app.on_cleanup.append(_stop)
