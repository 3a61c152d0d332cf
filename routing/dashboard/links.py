"""Where dashboard links point and what signs them: the part of the setup use cases need."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from routing.dashboard.chart_links import chart_url
from routing.dashboard.tokens import LINK_LIFETIME, sign
from routing.metrics import Period
from routing.team import Rep

DASHBOARD_PATH = "/dashboard"
TOKEN_PARAM = "t"


@dataclass(frozen=True)
class DashboardLinks:
    """``base_url`` (``BATON_PUBLIC_URL``) and how to read the current signing secret.

    The secret is read each time rather than kept, so ``baton secret rotate`` in another
    process takes effect at once.
    """

    base_url: str
    secret: Callable[[], str]

    def link_for(self, subject: str, now: datetime) -> str:
        token = sign(subject, now + LINK_LIFETIME, self.secret())
        return f"{self.base_url.rstrip('/')}{DASHBOARD_PATH}?{TOKEN_PARAM}={token}"

    def chart_for(self, period: Period, now: datetime) -> str:
        """The funnel chart of ``period`` at Baton (:mod:`routing.dashboard.chart_links`)."""
        return chart_url(self.base_url, period, now, self.secret())

    @property
    def public(self) -> bool:
        """Whether the links reach Baton from outside (https): a chat can fetch a chart there."""
        return self.base_url.lower().startswith("https://")


def subject_of(rep: Rep) -> str:
    """``slack:U123``, ``teams:29:…``, ``console:alice``: the user a token names."""
    return f"{rep.platform.value}:{rep.user_id}"
