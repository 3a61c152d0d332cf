"""Who ran a ``baton`` command, for the audit trail: the operating system's user name."""

from __future__ import annotations

import getpass


def operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
