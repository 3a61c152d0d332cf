"""CPU instructions per lead ingested and per `/lead show`, counted by valgrind's callgrind: a
figure that does not move with the machine's load, unlike the wall-clock benchmarks.

    .venv/bin/python benchmarks/instructions.py [--small 200] [--large 400]

Each operation runs in a small driver process under ``valgrind --tool=callgrind`` twice, once
``small`` and once ``large`` times; the per-operation figure is the difference of the two totals
divided by ``large - small``, so interpreter start-up, imports, migrations and set-up cancel out.

- ``ingest``: a channel post through ``Relay.ingest`` (the intake use case: delivery keys, parse,
  match lookup, rotation turn, lead, events and outbox rows, commit) on a SQLite file in WAL mode
  with ``synchronous=FULL`` and ``BEGIN IMMEDIATE``, like ``benchmarks/routing.py``.
- ``lead_show``: ``/lead show L-n`` through ``Relay.execute`` (the read-only use case) and the
  Slack rendering of its ephemeral reply (``bot.slack.render.blocks.lead_view_message``), over
  100 leads with a claim each; the Slack HTTP layer (signature, Bolt dispatch) is not included.

Prints JSON. Target (issue 13): half the instructions of the figures recorded in README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.phones import PhoneNumbers  # noqa: E402  (after the checkout is on the path)

PHONES = PhoneNumbers()

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TEAM = {"ann": 1, "ben": 2, "cat": 1, "dan": 1, "eve": 3}
SHOW_LEADS = 100
OPERATIONS = ("ingest", "lead_show")


def _baton(folder: Path):  # type: ignore[no-untyped-def]
    from bot.bootstrap import build
    from bot.config import Settings
    from bot.console.session import console_mentions
    from routing.commands import parse_command
    from routing.roles import Platform
    from routing.usecases.context import Actor, RelayConfig

    settings = Settings(database_url=f"sqlite:///{folder}/bench.db", _env_file=None)  # type: ignore[call-arg]
    config = RelayConfig(managers=frozenset({("console", "boss")}))
    baton = build(settings, clock=lambda: NOW, config=config)
    boss = Actor(Platform.CONSOLE, "boss", "boss")
    for name, weight in TEAM.items():
        text = console_mentions(f"add @{name} qualifier weight={weight}")
        baton.relay.execute(boss, parse_command("rotation", text, NOW.date()))
    return baton


def _posts(start: int, count: int):  # type: ignore[no-untyped-def]
    from routing.arrival import posted
    from routing.roles import Platform

    return [
        posted(
            Platform.CONSOLE,
            "#leads",
            f"m{n}",
            f"Lead: Pat Doe, pat{n}@firm{n}.io, Firm {n}",
            phones=PHONES,
        )
        for n in range(start, start + count)
    ]


def drive(operation: str, count: int) -> None:
    """The process valgrind counts: set up, then run ``operation`` ``count`` times."""
    from bot.slack.render.blocks import lead_view_message
    from routing.commands import Claim, Show
    from routing.roles import Platform
    from routing.usecases.context import Actor
    from routing.usecases.views import LeadView

    with tempfile.TemporaryDirectory() as tmp:
        baton = _baton(Path(tmp))
        relay = baton.relay
        if operation == "ingest":
            posts = _posts(0, count)
            for post in posts:
                relay.ingest(post)
        else:
            for post in _posts(0, SHOW_LEADS):
                lead_id = relay.ingest(post).lead_id
                assert lead_id is not None
                with relay.read_uow_factory() as uow:
                    owner = uow.reps.get(uow.leads.get(lead_id).owner_id or 0)
                relay.execute(Actor(owner.platform, owner.user_id, owner.name), Claim(lead_id))
            viewer = Actor(Platform.CONSOLE, "boss", "boss")
            commands = [Show(lead_id=1 + n % SHOW_LEADS) for n in range(count)]

            def mention(rep_id: int, name: str) -> str:
                return f"<@{name}>"

            for command in commands:
                outcome = relay.execute(viewer, command)
                view = outcome.data["lead_view"]
                assert isinstance(view, LeadView)
                lead_view_message(view, outcome.card, mention)
        baton.engine.dispose()


def count_instructions(operation: str, count: int, folder: Path) -> int:
    out = folder / f"callgrind.{operation}.{count}"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--drive",
            operation,
            str(count),
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return _total(out.read_text(errors="replace"))


def _total(callgrind_output: str) -> int:
    found = re.search(r"^(?:summary|totals):\s+(\d+)", callgrind_output, re.MULTILINE)
    if found is None:
        raise RuntimeError("callgrind wrote no instruction total")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=400)
    parser.add_argument("--only", choices=OPERATIONS, action="append")
    parser.add_argument("--drive", nargs=2, metavar=("OPERATION", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(args.drive[0], int(args.drive[1]))
        return
    if args.large <= args.small:
        parser.error("--large must be greater than --small")
    result: dict[str, object] = {
        "counted_with": "valgrind --tool=callgrind (Ir), difference of two runs",
        "runs": {"small": args.small, "large": args.large},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for operation in args.only or OPERATIONS:
            small = count_instructions(operation, args.small, Path(tmp))
            large = count_instructions(operation, args.large, Path(tmp))
            result[f"instructions_per_{operation}"] = round(
                (large - small) / (args.large - args.small)
            )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
