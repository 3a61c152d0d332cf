"""``baton doctor``'s Teams line: the bot's credentials obtain a Bot Framework token from
Microsoft's login service (client credentials), within a timeout."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from bot.config import Settings
from bot.ops.report import Line, bad, good

LOGIN_URL = "https://login.microsoftonline.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
MULTI_TENANT = "botframework.com"
TIMEOUT_SECONDS = 10
WHAT = "Teams credentials"


def teams_lines(settings: Settings, login_url: str = LOGIN_URL) -> list[Line]:
    if not settings.teams_configured():
        return [good("Teams", "not configured (no MICROSOFT_APP_ID)")]
    app_id = settings.microsoft_app_id.strip()
    if not app_id:
        return [
            bad(
                WHAT,
                "MICROSOFT_APP_ID is empty: /api/messages takes unsigned requests",
                "set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (local trials only without)",
            )
        ]
    if settings.microsoft_app_type.strip().lower() == "userassignedmsi":
        return [good(WHAT, "managed identity (its token is checked on Azure, not here)")]
    if not settings.microsoft_app_password:
        return [bad(WHAT, "MICROSOFT_APP_PASSWORD is not set", "set the bot's client secret")]
    return [_token(settings, login_url.rstrip("/"))]


def _token(settings: Settings, login_url: str) -> Line:
    tenant = settings.microsoft_app_tenant_id.strip() or MULTI_TENANT
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": settings.microsoft_app_id.strip(),
            "client_secret": settings.microsoft_app_password,
            "scope": BOT_FRAMEWORK_SCOPE,
        }
    ).encode()
    request = urllib.request.Request(
        f"{login_url}/{urllib.parse.quote(tenant)}/oauth2/v2.0/token", data=form, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            token = json.loads(answer.read() or b"{}").get("access_token")
    except urllib.error.HTTPError as err:
        said = _error(err.read())
        return bad(
            WHAT,
            f"Microsoft refused the credentials ({err.code} {said})",
            "check MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD (not expired) and "
            "MICROSOFT_APP_TENANT_ID in the Azure bot's configuration",
        )
    except (OSError, ValueError) as err:
        return bad(
            WHAT,
            f"the login service did not answer ({type(err).__name__})",
            "check the network to login.microsoftonline.com",
        )
    if not token:
        return bad(WHAT, "no token in Microsoft's answer", "check MICROSOFT_APP_TYPE")
    return good(WHAT, f"a Bot Framework token obtained for app {settings.microsoft_app_id}")


def _error(body: bytes) -> str:
    """The login service's error code (``invalid_client``), never its whole text."""
    try:
        return str(json.loads(body).get("error") or "")[:64]
    except (ValueError, AttributeError):
        return ""
