"""Posting a scheduled digest to Slack: the message once, then its funnel chart.

The Slack notifier hands every ``NoticeKind.DIGEST`` outbox row here. The notice carries only the
period; the digest is rebuilt from the event log by the notifier's digest source
(``Relay.digest_for``: the same figures, as the report is taken as of the period's end) and laid
out by :mod:`bot.slack.render.digest`. A notice that names no period is posted as the plain text
it carries, logged, so it degrades instead of being lost.

The message goes first and the chart after it, best effort: a failed upload is logged and not
retried, because retrying the notice would post the digest twice. The message carries its
delivery key as Slack message metadata; a row attempted before looks for it first
(:mod:`bot.slack.transport.delivered`), so a crash or timeout after Slack took it does not post it
again. Slack's own failures reach the notifier, which sorts them (:mod:`.failures`).
"""

from __future__ import annotations

import http.client
import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.outbox.port import Delivery, PermanentDeliveryError
from bot.slack.render.digest import digest_blocks, digest_fallback, digest_text_message
from bot.slack.transport.delivered import already_posted, delivery_key, digest_metadata
from bot.slack.transport.uploads import upload
from routing.usecases.digests import DigestSource, rebuilt
from routing.usecases.funnel import Digest

log = logging.getLogger(__name__)

CHART_FILENAME = "funnel.png"


def post_digest(client: WebClient, delivery: Delivery, digests: DigestSource) -> None:
    """Post the digest's blocks to the notice's channel, then upload the funnel chart there."""
    notice = delivery.notice
    channel = notice.channel
    if not channel:
        raise PermanentDeliveryError(f"a digest notice needs a channel: {notice!r}")
    earlier = delivery.previous_attempt_at
    if earlier is not None and already_posted(client, channel, notice, earlier):
        log.info("digest %s is already in %s; not posting it again", delivery_key(notice), channel)
        return
    metadata = digest_metadata(notice)
    digest = rebuilt(digests, notice.data)
    if digest is None:
        client.chat_postMessage(
            channel=channel, text=digest_text_message(notice.text), metadata=metadata
        )
        return
    client.chat_postMessage(
        channel=channel,
        text=digest_fallback(digest),
        blocks=digest_blocks(digest),
        metadata=metadata,
    )
    _upload_chart(client, channel, digest)


def _upload_chart(client: WebClient, channel: str, digest: Digest) -> None:
    """Matplotlib is imported on the first chart, so an idle server does not carry it."""
    from bot.render.chart import funnel_chart_png

    report = digest.report
    try:
        upload(
            client,
            channel,
            funnel_chart_png(report, digest.previous, currency=digest.currency),
            CHART_FILENAME,
            title=f"Funnel · {report.period.label}",
            comment=f"Funnel chart · {report.period.label}",
        )
    except (SlackApiError, OSError, http.client.HTTPException):
        log.exception("the digest for %s went out without its chart", report.period.label)
