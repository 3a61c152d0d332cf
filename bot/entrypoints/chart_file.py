"""Where ``baton digest --chart`` and ``baton demo --chart`` write the funnel chart.

The path is checked before any work is done (the demo plays a whole day first), and a write that
fails anyway is a :class:`~bot.config.StartupError`: one line and exit 2, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.config import StartupError

__all__ = ["check_chart_path", "write_chart"]


def check_chart_path(path: Path) -> None:
    """Refuse a chart path that cannot be written: a missing or read-only folder, a folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise StartupError(
            f"--chart {path} is a folder; give a file name such as {path / 'funnel.png'}"
        )
    if not folder.is_dir():
        raise StartupError(f"--chart {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StartupError(f"--chart {path}: cannot write there (permission denied)")


def write_chart(path: Path, png: bytes) -> None:
    try:
        path.write_bytes(png)
    except OSError as err:
        raise StartupError(f"--chart {path}: cannot write it ({err.strerror or err})") from None
