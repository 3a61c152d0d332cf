"""``baton teams-package`` from a normal install: the wheel carries the manifest and icons.

Only Baton comes from the wheel; its dependencies are borrowed from the running environment
through a ``.pth`` file, so the test needs no network and takes seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("pyproject.toml", "README.md", "bot", "routing", "storage")
APP_ID = "00000000-0000-4000-8000-000000000002"
STEP_SECONDS = 180


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=STEP_SECONDS,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with Baton installed from a wheel built from a copy of the sources."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = (sys.executable, "-m", "pip")
    built = run(
        *pip,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        ".",
        "-w",
        base / "dist",
        cwd=source,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (base / "dist").glob("baton-*.whl")

    venv = base / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    done = run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=base)
    dependencies = sysconfig.get_paths()["purelib"]
    (Path(site.stdout.strip()) / "baton-test-dependencies.pth").write_text(dependencies + "\n")
    return venv


def test_the_wheel_ships_the_teams_manifest_and_icons(installed: Path, tmp_path: Path) -> None:
    where = run(installed / "bin" / "python", "-c", "import bot; print(bot.__file__)", cwd=tmp_path)
    assert where.stdout.strip().startswith(str(installed)), "Baton must come from the wheel"

    out = tmp_path / "baton-teams.zip"
    result = run(
        installed / "bin" / "baton",
        "teams-package",
        "--app-id",
        APP_ID,
        "--host",
        "baton.acme.io",
        "--out",
        out,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == APP_ID
    assert "baton.acme.io" in manifest["validDomains"]


def test_without_an_app_id_the_installed_command_says_so_in_one_line(
    installed: Path, tmp_path: Path
) -> None:
    result = run(installed / "bin" / "baton", "teams-package", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "--app-id" in result.stderr
