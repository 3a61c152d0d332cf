"""Who a Slack user is (``users.info``, cached in the rep table) and how a rep is named in Slack.

``users.info`` is asked only when Baton does not know the person well yet: no rep, a rep named by
their bare user id (created from a ``<@U123>`` mention), or one still on the default ``UTC``
timezone that this process has not looked up. The answer reaches the rep table through
:class:`~routing.usecases.context.Actor` (the relay stores a changed name or timezone), and a small
in-process memo keeps the hot path free of both the database and Slack. A ``user_change`` event
(someone edited their profile) refreshes the memo and, through the relay, the stored rep.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from routing.ports import UnitOfWork
from routing.roles import Platform
from routing.team import Rep
from routing.usecases.context import Actor

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "UTC"


class SlackUsers:
    def __init__(self, client: WebClient, uow_factory: Callable[[], UnitOfWork]) -> None:
        self.client = client
        self.uow_factory = uow_factory
        self._actors: dict[str, Actor] = {}
        self._slack_ids: dict[int, str | None] = {}
        self._lock = threading.Lock()

    # --- who is acting ---

    def actor(self, user_id: str) -> Actor:
        """The person behind ``user_id``, with name and timezone when Baton had to look them up."""
        known = self._actors.get(user_id)
        if known is not None:
            return known
        rep = self._stored(user_id)
        if rep is not None and rep.name != user_id and rep.timezone != DEFAULT_TIMEZONE:
            actor: Actor | None = Actor(Platform.SLACK, user_id)
        else:
            actor = self._looked_up(user_id)
        if actor is None:  # Slack did not answer: go on without a name, ask again next time
            return Actor(Platform.SLACK, user_id)
        self._actors[user_id] = actor
        return actor

    def changed(self, user_id: str, user: Mapping[str, Any]) -> Actor:
        """A ``user_change`` event's person, as their profile reads now. The memo takes it, so a
        later command does not hand the relay the name they had before."""
        actor = actor_from_profile(user_id, user)
        with self._lock:
            if actor.name:
                self._actors[user_id] = actor
            else:
                self._actors.pop(user_id, None)
        return actor

    def _stored(self, user_id: str) -> Rep | None:
        with self.uow_factory() as uow:
            return uow.reps.find(Platform.SLACK, user_id)

    def _looked_up(self, user_id: str) -> Actor | None:
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except (SlackApiError, OSError) as err:
            log.warning("users.info %s failed, going on without a name: %s", user_id, err)
            return None
        return actor_from_profile(user_id, user)

    # --- how a rep is named ---

    def mention(self, rep_id: int, name: str) -> str:
        """``<@U123>`` for a Slack rep, the plain name for anyone else."""
        if rep_id not in self._slack_ids:
            self._learn_reps()
            self._slack_ids.setdefault(rep_id, None)
        return slack_mention(self._slack_ids.get(rep_id), name)

    def remember(self, reps: Mapping[int, Rep]) -> None:
        """Note reps the outbox already loaded, so rendering their mentions needs no query."""
        for rep_id, rep in reps.items():
            self._slack_ids[rep_id] = rep.user_id if rep.platform is Platform.SLACK else None

    def _learn_reps(self) -> None:
        with self._lock, self.uow_factory() as uow:
            self.remember({rep.id or 0: rep for rep in uow.reps.all()})


def actor_from_profile(user_id: str, user: Mapping[str, Any]) -> Actor:
    """An Actor from a ``users.info`` (or ``user_change``) user object: the real name, else the
    display name; a field of another shape is passed over."""
    profile = user.get("profile")
    profile = profile if isinstance(profile, Mapping) else {}
    names = (
        profile.get("real_name"),
        user.get("real_name"),
        profile.get("display_name"),
        user.get("name"),
    )
    name = next((n for n in names if isinstance(n, str) and n.strip()), None)
    tz = user.get("tz")
    email = profile.get("email")  # with the users:read.email scope
    return Actor(
        Platform.SLACK,
        user_id,
        name,
        tz if isinstance(tz, str) and tz else None,
        email if isinstance(email, str) else None,
    )


def slack_mention(user_id: str | None, name: str) -> str:
    return f"<@{user_id}>" if user_id else name


def delivery_mentions(reps: Mapping[int, Rep]) -> Callable[[int, str], str]:
    """Mentions rendered from the reps an outbox delivery carries."""

    def mention(rep_id: int, name: str) -> str:
        rep = reps.get(rep_id)
        is_slack = rep is not None and rep.platform is Platform.SLACK
        return slack_mention(rep.user_id if rep is not None and is_slack else None, name)

    return mention
