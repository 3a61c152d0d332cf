"""Settings from the environment and a ``.env`` file, named as in DESIGN.md's public contract."""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.phones import DEFAULT_REGION, PhoneNumbers, phone_region
from routing import limits
from routing.chat.formatting import currency_code
from routing.commands.words import self_join_roles
from routing.crm.deal_stages import DEFAULT_DEAL_STAGES, parse_deal_stages
from routing.roles import MANAGER_ENTRY_FORMS, Platform
from routing.rules import RuleSet, ruleset_from_data
from routing.status import DEFAULT_AWAY, AwayStatuses
from routing.usecases.context import RelayConfig

DEFAULT_RULES_FILES = ("baton.rules.yaml", "baton.rules.yml", "baton.rules.toml")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
TEAMS_APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class StartupError(Exception):
    """A setting Baton cannot start without; the message names the variable and what to set.

    It lives here, below every adapter, so each depends on it downward
    (``bot.entrypoints.serve`` re-exports it).
    """


DEFAULT_PUBLIC_URL = "http://localhost:3000"


POLL_DEFAULT_MINUTES = 5
"""HubSpot's guideline: poll no more often than every five minutes."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///baton.db"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    microsoft_app_id: str = ""
    microsoft_app_password: str = ""
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = "MultiTenant"
    baton_intake_channels: str = ""
    baton_digest_channel: str | None = None
    baton_teams_intake_channels: str = ""
    baton_teams_digest_channel: str | None = None
    baton_timezone: str = "UTC"
    baton_digest_time: time = time(8, 0)
    baton_claim_sla_minutes: int = Field(default=5, ge=1, le=24 * 60)
    # Imported lists (issue 18): the claim SLA of a row of an imported spreadsheet.
    baton_import_claim_sla_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60)
    """Minutes of the assignee's working time to claim an imported lead (a working day)."""
    baton_managers: str = ""
    baton_rules_file: str | None = None
    baton_outbound_to_qualifiers: bool = False
    baton_stalled_days: int = Field(default=14, ge=1, le=limits.MAX_STALLED_DAYS)
    """An open lead with no event for this many days is stalled (digest, dashboard, a nudge)."""
    baton_webhook_sources: str = ""
    """``source:token,…``, or the path of a file with one ``source:token`` a line."""
    baton_webhook_channel: str | None = None
    baton_away_statuses: str = ""
    """Comma-separated emoji codes and words that mean away; empty: the defaults."""
    # Calendars and meetings (issue 21)
    baton_calendar_refresh_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """How often each rep's calendar feed is read again."""
    baton_calendar_allow_private: bool = False
    """Allow calendar feeds on loopback, private and link-local addresses (tests, intranets)."""
    baton_calcom_secret: str | None = None
    """The secret of a self-hosted cal.com's webhook (``POST /calcom/events``); unset: refused."""
    baton_public_url: str | None = None
    baton_secret_key: str | None = None
    baton_currency: str = ""
    """ISO 4217 code amounts are shown in (``GBP`` → £24,000); empty: bare amounts."""
    # Phone numbers in free text (issue 18, item 13)
    baton_phone_region: str = DEFAULT_REGION
    """The region national numbers are read in (``(415) 555-0142`` is a US number)."""

    # Self-service `/rotation join` (issue 18): the roles anyone may join; empty, nobody.
    baton_self_join: str = ""
    """``qualifier,prospector``: roles whose rotations anyone may join themselves."""

    @field_validator("baton_self_join")
    @classmethod
    def _roles(cls, value: str) -> str:
        self_join_roles(value)  # a word that is not a role stops the start
        return value

    # --- operating Baton: metrics and logs (bot/ops/) ---
    baton_metrics_token: str | None = None
    """When set, ``GET /metrics`` needs ``Authorization: Bearer <token>``."""
    baton_log_format: Literal["text", "json"] = "text"
    """``json``: every log line is one JSON object."""

    # --- contacts' privacy (issue 23) ---
    baton_retention_days: int | None = Field(default=None, ge=1, le=100 * 365)
    """Raw post texts, webhook bodies and delivered outbox payloads older than this many days
    are cleared by a daily job; unset: kept."""

    @field_validator("baton_retention_days", mode="before")
    @classmethod
    def _off_when_empty(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    # --- HubSpot, both ways (issue 20; names are contract) ---
    hubspot_access_token: str | None = None
    """A service key or private-app token; set = CRM sync on."""
    hubspot_api_url: str = "https://api.hubapi.com"
    hubspot_client_secret: str | None = None
    """The app's client secret: verifies ``POST /hubspot/events``."""
    hubspot_pipeline: str = "default"
    hubspot_deal_stages: str = DEFAULT_DEAL_STAGES
    hubspot_rate_limit: int = Field(default=100, ge=1, le=100_000)
    """Requests per 10 seconds over every process and replica (100 Free/Starter, 190 Pro)."""
    hubspot_poll_minutes: int | None = Field(default=None, ge=0, le=1440)
    """Poll HubSpot for new contacts and closed deals every N minutes; unset: every
    :data:`POLL_DEFAULT_MINUTES` while ``HUBSPOT_CLIENT_SECRET`` is unset (no webhooks), else
    never; 0: never."""

    @field_validator("hubspot_poll_minutes", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def crm_on(self) -> bool:
        return bool((self.hubspot_access_token or "").strip())

    def poll_minutes(self) -> int:
        """How often the HubSpot poll runs (0: it does not)."""
        if not self.crm_on():
            return 0
        if self.hubspot_poll_minutes is not None:
            return self.hubspot_poll_minutes
        return 0 if (self.hubspot_client_secret or "").strip() else POLL_DEFAULT_MINUTES

    def deal_stages(self) -> dict[str, str]:
        """``HUBSPOT_DEAL_STAGES`` read; a value Baton cannot read is a :class:`StartupError`."""
        try:
            return parse_deal_stages(self.hubspot_deal_stages)
        except ValueError as err:
            raise StartupError(f"HUBSPOT_DEAL_STAGES: {err}") from None

    @field_validator("baton_currency", mode="before")
    @classmethod
    def _iso_code(cls, value: Any) -> Any:
        return currency_code(value) if isinstance(value, str) or value is None else value

    @field_validator("baton_phone_region", mode="before")
    @classmethod
    def _region_code(cls, value: Any) -> Any:
        return phone_region(value) if isinstance(value, str) or value is None else value

    @field_validator("baton_digest_time", mode="before")
    @classmethod
    def _hh_mm(cls, value: Any) -> Any:
        return time.fromisoformat(value) if isinstance(value, str) else value

    @property
    def intake_channels(self) -> frozenset[str]:
        return _split(self.baton_intake_channels)

    @property
    def teams_intake_channels(self) -> frozenset[str]:
        return _split(self.baton_teams_intake_channels)

    def public_url(self) -> str:
        """``BATON_PUBLIC_URL``, the base of dashboard links (a local address when unset)."""
        return self.baton_public_url or DEFAULT_PUBLIC_URL

    def slack_configured(self) -> bool:
        """Any Slack credential is set (a partial set is refused when Slack is made)."""
        return bool(self.slack_bot_token or self.slack_signing_secret or self.slack_app_token)

    def teams_configured(self) -> bool:
        """Serve Teams when any Teams variable is set. A Slack-only deployment then exposes no
        unauthenticated ``/api/messages``; to try Teams locally without credentials, set
        ``BATON_TEAMS_INTAKE_CHANNELS`` (or the digest channel) and leave ``MICROSOFT_APP_ID``
        empty."""
        return bool(
            self.microsoft_app_id.strip()
            or self.teams_intake_channels
            or self.baton_teams_digest_channel
        )

    def webhook_sources(self) -> dict[str, str]:
        """Token by source name for `POST /leads`, from the variable or the file it names."""
        value = self.baton_webhook_sources.strip()
        if value and ":" not in value.split(",")[0] and Path(value).is_file():
            value = ",".join(Path(value).read_text(encoding="utf-8").split())
        sources: dict[str, str] = {}
        for entry in _split(value):
            name, _, token = entry.partition(":")
            if name.strip() and token.strip():
                sources[name.strip()] = token.strip()
        return sources

    def away_statuses(self) -> AwayStatuses:
        entries = [e for e in self.baton_away_statuses.split(",") if e.strip()]
        return AwayStatuses.of(entries) if entries else DEFAULT_AWAY

    def manager_keys(self) -> frozenset[tuple[str, str]]:
        return frozenset(manager_key(token) for token in _split(self.baton_managers))

    def manager_warnings(self) -> list[str]:
        """One line per ``BATON_MANAGERS`` entry in no recognised form (read as a console name)."""
        return [
            f"BATON_MANAGERS entry {token!r} is in no recognised form ({MANAGER_ENTRY_FORMS}); "
            f"it is read as the console user {token!r}"
            for token in sorted(_split(self.baton_managers))
            if _recognised_manager(token) is None
        ]

    def rules(self) -> RuleSet:
        return load_rules(self.baton_rules_file)

    def relay_config(self) -> RelayConfig:
        return RelayConfig(
            rules=self.rules(),
            managers=self.manager_keys(),
            claim_sla_minutes=self.baton_claim_sla_minutes,
            import_claim_sla_minutes=self.baton_import_claim_sla_minutes,
            timezone=self.baton_timezone,
            outbound_to_qualifiers=self.baton_outbound_to_qualifiers,
            currency=self.baton_currency,
            self_join=self_join_roles(self.baton_self_join),
            stalled_days=self.baton_stalled_days,
            phones=self.phone_reader(),
            retention_days=self.baton_retention_days,
            crm_sync=self.crm_on(),
            calendar_refresh_minutes=self.baton_calendar_refresh_minutes,
        )

    def phone_reader(self) -> PhoneNumbers:
        """What finds phone numbers in posts' free text, in ``BATON_PHONE_REGION``."""
        return PhoneNumbers(self.baton_phone_region)


def _split(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def manager_key(token: str) -> tuple[str, str]:
    """``U123`` → Slack, ``29:…`` → Teams, ``slack:U1``/``console:alice`` explicit, else console."""
    return _recognised_manager(token) or (Platform.CONSOLE.value, token)


def _recognised_manager(token: str) -> tuple[str, str] | None:
    platform, _, user_id = token.partition(":")
    if platform in {p.value for p in Platform} and user_id:
        return platform, user_id
    if token.startswith(("29:", "8:orgid:")):
        return Platform.TEAMS.value, token
    if _SLACK_USER.match(token):
        return Platform.SLACK.value, token
    return None


def check_teams(settings: Settings) -> None:
    """Refuse Teams credentials that botbuilder would only reject at the first request."""
    app_type = settings.microsoft_app_type.strip()
    if app_type.lower() not in {t.lower() for t in TEAMS_APP_TYPES}:
        raise StartupError(
            f"MICROSOFT_APP_TYPE is {app_type!r}: set it to one of {', '.join(TEAMS_APP_TYPES)}"
        )
    if not settings.microsoft_app_id.strip():
        return
    kind = next(t for t in TEAMS_APP_TYPES if t.lower() == app_type.lower())
    if kind != "MultiTenant" and not settings.microsoft_app_tenant_id.strip():
        raise StartupError(
            f"MICROSOFT_APP_TENANT_ID is not set: a {kind} bot needs its Azure tenant id"
        )
    if kind != "UserAssignedMSI" and not settings.microsoft_app_password:
        raise StartupError(
            "MICROSOFT_APP_PASSWORD is not set: MICROSOFT_APP_ID needs the bot's client secret "
            "(or clear MICROSOFT_APP_ID to run Teams without authentication, locally only)"
        )


def load_rules(path: str | None) -> RuleSet:
    """Read the routing rules file (YAML or TOML); no file means one default pool."""
    candidates = [path] if path else [p for p in DEFAULT_RULES_FILES if Path(p).exists()]
    if not candidates:
        return ruleset_from_data(None)
    file = Path(candidates[0])
    text = file.read_text(encoding="utf-8")
    data = tomllib.loads(text) if file.suffix == ".toml" else yaml.safe_load(text)
    return ruleset_from_data(data)
