"""``baton db backup``'s edges: no pg_dump here gives the command (never the password), an
in-memory or missing SQLite database is refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.backup import BackupError, backup


def test_without_pg_dump_the_command_is_given_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.backup.shutil.which", lambda _name: None)
    made = backup("postgresql://baton:hunter22@db.example:5432/baton", tmp_path / "b.dump")
    assert made.written is None
    assert "pg_dump --format=custom" in made.said
    assert "--dbname=postgresql://baton@db.example:5432/baton" in made.said
    assert "PGPASSWORD=…" in made.said
    assert "hunter22" not in made.said


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:////nowhere/baton.db"])
def test_a_sqlite_database_with_no_file_is_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(BackupError):
        backup(url, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()
