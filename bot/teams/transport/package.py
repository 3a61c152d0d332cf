"""``baton teams-package``: the installable Teams app (manifest and two icons) as a zip."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "package_data"
"""The manifest template and icons, shipped inside the package so any install can package."""
FILES = ("manifest.json", "color.png", "outline.png")
APP_ID = "{{MICROSOFT_APP_ID}}"
HOST = "{{BATON_HOST}}"
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class PackageError(Exception):
    """Something the person packaging must fix; the message says what."""


def manifest(app_id: str, host: str | None = None, template_dir: Path = TEMPLATE_DIR) -> str:
    """The manifest with the bot's app id (and the server's host name) filled in."""
    app_id = app_id.strip()
    if not app_id:
        raise PackageError(
            "no app id: pass --app-id with the bot's Microsoft App ID or set MICROSOFT_APP_ID"
        )
    if not _GUID.fullmatch(app_id):
        raise PackageError(
            "MICROSOFT_APP_ID must be the bot's Microsoft App ID (a GUID like "
            f"00000000-0000-0000-0000-000000000000), not {app_id!r}"
        )
    data = json.loads((template_dir / "manifest.json").read_text(encoding="utf-8"))
    domains = [host.strip()] if host and host.strip() else []
    data["validDomains"] = [d for d in data.get("validDomains", []) if d != HOST] + domains
    return json.dumps(data, indent=2).replace(APP_ID, app_id) + "\n"


def write_package(
    out: Path, app_id: str, host: str | None = None, template_dir: Path = TEMPLATE_DIR
) -> Path:
    """Write the zip Teams installs: manifest.json, color.png and outline.png at its root."""
    missing = [name for name in FILES if not (template_dir / name).is_file()]
    if missing:
        raise PackageError(f"missing in {template_dir}: {', '.join(missing)}")
    text = manifest(app_id, host, template_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", text)
        for name in FILES[1:]:
            archive.write(template_dir / name, arcname=name)
    return out
