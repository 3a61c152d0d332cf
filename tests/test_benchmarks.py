"""The scripts in benchmarks/ run as `python benchmarks/<name>.py`: Python puts that folder first on
``sys.path``, so a script named after a standard-library module replaces that module for every
benchmark (``benchmarks/calendar.py`` once broke them all: ``email`` imports ``calendar``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_no_benchmark_is_named_after_a_standard_library_module() -> None:
    names = {path.stem for path in BENCHMARKS.glob("*.py")}
    assert names, "no benchmarks found"
    assert not names & set(sys.stdlib_module_names)


def test_every_benchmark_starts_as_a_script_and_explains_itself() -> None:
    for script in sorted(BENCHMARKS.glob("*.py")):
        shown = subprocess.run(
            [sys.executable, str(script), "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert shown.returncode == 0, f"{script.name}: {shown.stderr[-2000:]}"
        assert "usage:" in shown.stdout, script.name
