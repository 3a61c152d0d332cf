"""``baton db backup FILE``: a consistent copy of the database while Baton writes to it.

SQLite: the online backup API copies the database in one step inside a read transaction, so the
copy is the database as of one moment (WAL lets writers go on meanwhile); the copy is switched
out of WAL into one self-contained file, checked with ``PRAGMA integrity_check``, and only then
moved to ``FILE`` (a failed backup never leaves a half-written ``FILE``).

PostgreSQL: ``pg_dump`` (custom format, one snapshot) when it is installed, checked by reading
its table of contents back with ``pg_restore --list``; otherwise the command to run is given.
The password goes to ``pg_dump`` in ``PGPASSWORD``, never on its command line.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from storage.engine import SQLITE_BUSY_TIMEOUT_MS, normalise_url


class BackupError(Exception):
    """The backup could not be made or did not verify; the message says why."""


@dataclass(frozen=True)
class Backup:
    written: Path | None
    """The file written, or None when only the command to run was found."""
    said: str


def backup(url: str, target: Path) -> Backup:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed.database or "", target)
    if parsed.get_backend_name() == "postgresql":
        return _postgres(url, target)
    raise BackupError(f"no backup for {parsed.get_backend_name()} databases")


def _sqlite(database: str, target: Path) -> Backup:
    if database in ("", ":memory:"):
        raise BackupError("an in-memory database has nothing to back up")
    if not Path(database).is_file():
        raise BackupError(f"no database file at {database}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(
        f"file:{database}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
    )
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # pages=-1: the whole database in one step, one snapshot
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        tables = copy.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if verdict != ["ok"]:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed PRAGMA integrity_check: {'; '.join(verdict[:5])}")
    partial.replace(target)
    size = target.stat().st_size
    return Backup(
        target,
        f"Backed up {database} to {target} ({size:,} bytes, {tables} tables, integrity_check ok).",
    )


def _postgres(url: str, target: Path) -> Backup:
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    password = parsed.password
    plain = URL.create(
        "postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query
    ).render_as_string(hide_password=False)
    command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={plain}"]
    shown = " ".join(shlex.quote(part) for part in command)
    if password:
        shown = f"PGPASSWORD=… {shown}"
    if shutil.which("pg_dump") is None:
        return Backup(None, f"pg_dump is not installed here. Run it where it is:\n  {shown}")
    env = {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}
    partial = target.with_name(target.name + ".partial")
    command[3] = f"--file={partial}"
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        said = (done.stderr or "").strip().splitlines()
        raise BackupError(f"pg_dump failed: {said[-1] if said else done.returncode}")
    _verify_dump(partial)
    partial.replace(target)
    size = target.stat().st_size
    return Backup(target, f"Backed up the PostgreSQL database to {target} ({size:,} bytes).")


def _verify_dump(dump: Path) -> None:
    if shutil.which("pg_restore") is None:
        return
    listed = subprocess.run(
        ["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        dump.unlink(missing_ok=True)
        raise BackupError("the dump does not read back (pg_restore --list)")
