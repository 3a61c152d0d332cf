"""Sending the CRM's outbox: in order per lead, a lane of its own, never in a retry loop.

The chat sender never sees these rows (``storage/crm.py`` keeps them in their own table), so a
HubSpot outage, hang or rate limit delays CRM writes only. A row is claimed, applied through the
CRM port and marked sent; HubSpot being down or over its limit makes it due again later (the
daily limit pauses the whole lane until the reset); a refusal for good (a 400) keeps it as
failed with HubSpot's message, and managers are told once per kind of refusal.

At-least-once delivery, exactly-once effect: a sender that dies mid-call leaves the row
``sending`` and another takes it once the claim is stale. Contacts and deals are upserts by
Baton's key, so the repeat changes nothing; a note tried again is first looked for on the
contact.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.crm.hubspot.client import CLAIM_WINDOW_SECONDS
from bot.ops.metrics import CRM_ERRORS
from bot.outbox.sender import Draining
from routing.crm.links import Skipped, link_keys, seen, through_links
from routing.crm.outbox import CrmClaim, CrmLinks, CrmRows
from routing.crm.port import Crm, CrmPaused, CrmRefused, CrmUnavailable, OwnerOf

log = logging.getLogger(__name__)

BACKOFF_CAP = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(days=3)
"""A change HubSpot still has not taken after three days of outage is kept as failed."""
CLAIM_BATCH = 10

Alert = Callable[[str], None]
"""Tells managers something (once per kind, :meth:`CrmRows.alert_once` decides)."""


class CrmSender(Draining):
    def __init__(
        self,
        rows: CrmRows,
        crm: Crm,
        owner_of: OwnerOf,
        clock: Callable[[], datetime],
        alert: Alert | None = None,
        links: CrmLinks | None = None,
    ) -> None:
        self.rows = rows
        self.links = links
        self.crm = crm
        self.owner_of = owner_of
        self.clock = clock
        self.alert = alert or (lambda text: log.warning("%s", text))
        self.window = timedelta(seconds=CLAIM_WINDOW_SECONDS)
        self._raised: set[str] = set()
        """Conditions this sender told the managers of that a success ends (token, daily limit)."""

    def run_once(self, limit: int = 100) -> int:
        """Apply what is due now, up to ``limit`` rows; return how many went out. A pause (the
        daily limit) or an unanswered CRM ends the round: the rest would fail the same way."""
        sent = 0
        while sent < limit:
            now = self.clock()
            claims = self.rows.claim(min(CLAIM_BATCH, limit - sent), now, now - self.window)
            if not claims:
                break
            for n, claim in enumerate(claims):
                if self.clock() - claim.claimed_at > self.window / 2:
                    self.rows.release(claims[n:])  # slow (rate limited): not stale in its hands
                    break
                if not self._send(claim):
                    self.rows.release(claims[n + 1 :])
                    return sent
                sent += 1
        return sent

    def _send(self, claim: CrmClaim) -> bool:
        """Apply one row; False when the CRM is unavailable (stop the round). The change goes to
        the records its links name (a merge's survivor); one whose record was deleted in the CRM
        is skipped with the reason, never retried."""
        links = self.links.for_keys(link_keys(claim.change)) if self.links else {}
        change = through_links(claim.change, links)
        if isinstance(change, Skipped):
            log.info("crm row %s skipped: %s", claim.row_id, change.reason)
            if not self.rows.skip(claim, self.clock(), change.reason):
                _taken_over(claim)
            return True
        try:
            written = self.crm.apply(change, self.owner_of, again=claim.attempts > 1)
        except CrmPaused as paused:
            CRM_ERRORS.inc()
            self._retry(claim, paused.until, str(paused))
            self._alert_once(
                "daily-limit",
                f"HubSpot's daily API limit is spent: CRM sync is paused until "
                f"{paused.until:%Y-%m-%d %H:%M} UTC. Nothing is lost; it resumes then.",
            )
            return False
        except CrmUnavailable as down:
            CRM_ERRORS.inc()
            self._later(claim, down)
            if "HubSpot 401" in str(down) or "HubSpot 403" in str(down):
                self._alert_once("token", f"HubSpot refuses HUBSPOT_ACCESS_TOKEN: {down}")
            return False
        except CrmRefused as refused:
            CRM_ERRORS.inc()
            log.error("crm row %s refused for good: %s", claim.row_id, refused)
            if not self.rows.fail(claim, self.clock(), str(refused)):
                _taken_over(claim)
            self._alert_once(
                f"refused:{refused.kind}",
                f"HubSpot refused a change for L-{claim.lead_id} ({refused}). It is kept as "
                "failed; `baton crm check` lists such rows.",
            )
            return True
        except Exception as err:
            CRM_ERRORS.inc()
            log.exception("crm row %s: unexpected error", claim.row_id)
            self._later(claim, CrmUnavailable(repr(err)))
            return False
        if self.links is not None:
            self.links.save(seen(written, links, claim.lead_id), self.clock())
        self.rows.mark_sent(claim, self.clock())
        self._over()
        return True

    def _over(self) -> None:
        """HubSpot took a write: a bad token or a spent daily limit is over, and the next time
        it happens is news again."""
        for kind in self._raised & {"token", "daily-limit"}:
            self.rows.forget_alert(kind)
        self._raised.clear()

    def _later(self, claim: CrmClaim, err: CrmUnavailable) -> None:
        now = self.clock()
        if now - claim.created_at >= GIVE_UP_AFTER:
            log.error("crm row %s gave up after %s attempts: %s", claim.row_id, claim.attempts, err)
            self.rows.fail(claim, now, str(err))
            return
        wait = (
            timedelta(seconds=err.retry_after)
            if err.retry_after is not None
            else min(BACKOFF_CAP, timedelta(seconds=2 ** min(claim.attempts, 20)))
        )
        log.warning("crm row %s: will retry in %ss: %s", claim.row_id, wait.total_seconds(), err)
        self._retry(claim, now + wait, str(err))

    def _retry(self, claim: CrmClaim, at: datetime, error: str) -> None:
        if not self.rows.retry(claim, at, error):
            _taken_over(claim)

    def _alert_once(self, kind: str, text: str) -> None:
        self._raised.add(kind)
        if self.rows.alert_once(kind, self.clock()):
            log.warning("%s", text)
            self.alert(text)


def _taken_over(claim: CrmClaim) -> None:
    log.warning("crm row %s was claimed again by another sender meanwhile", claim.row_id)
