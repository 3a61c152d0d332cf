"""Slack reps' emails for their calendars, HubSpot sync on or off: a rep whose calendar feed is
set and whose email Baton does not know is asked for with ``users.info`` (scope
``users:read.email``) before the calendar job reads the feeds, so the invitations they declined
count as free. Each person is asked once per process (a profile without an email, or a token
without the scope, is not asked again every 30 seconds); Slack not answering is a warning and
the next look tries again. Teams reps' emails come from the roster as they write
(``bot.teams.listeners.handler``)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from bot.baton import Baton
from routing.roles import Platform

if TYPE_CHECKING:
    from bot.slack.transport.emails import EmailsFilled

log = logging.getLogger(__name__)


class CalendarEmails:
    """The calendar job's look for Slack reps' missing emails (one per process)."""

    def __init__(self, baton: Baton) -> None:
        self.baton = baton
        self._asked: set[str] = set()
        self._lock = threading.Lock()
        self._scope_told = False

    def fill(self) -> EmailsFilled | None:
        """Ask Slack for the reps not asked yet; None when Slack is not set up or nobody is."""
        settings = self.baton.settings
        token = (settings.slack_bot_token or "").strip()
        if not token:
            return None
        wanted = self.baton.relay.calendar_reps_without_email(Platform.SLACK)
        with self._lock:
            wanted = [user_id for user_id in wanted if user_id not in self._asked]
        if not wanted:
            return None
        from bot.slack.transport.emails import SCOPE, fill_emails, slack_client  # Slack only

        client = slack_client(token, settings.slack_api_url)
        filled = fill_emails(client, wanted, self.baton.relay.rep)
        if filled.stopped:
            log.warning("calendar reps' Slack emails: %s; asked again later", filled.stopped)
            return filled
        with self._lock:
            self._asked.update(wanted)
        if filled.missing_scope and not self._scope_told:
            self._scope_told = True
            log.warning(
                "the Slack app lacks the scope %s: invitations reps declined still count as "
                "busy in Outlook and CalDAV feeds (add the scope and reinstall the app)",
                SCOPE,
            )
        return filled

    def fill_quietly(self) -> None:
        """:meth:`fill`, never raising: a failed lookup must not stop the feeds being read."""
        try:
            self.fill()
        except Exception:
            log.warning("could not ask Slack for calendar reps' emails", exc_info=True)
