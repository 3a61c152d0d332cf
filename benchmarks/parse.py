"""How long the slowest 40 KB lead post takes to parse, over a set of adversarial shapes.

    .venv/bin/python benchmarks/parse.py [--size 40000] [--repeat 5]

Each shape (runs of `` :``, ``<``, ``*``, one-line labels, email-like runs, thousands of lines…)
is repeated to ``--size`` characters and parsed ``--repeat`` times; the best run of each shape
counts (the least disturbed by other work on the machine) and the slowest shape is reported, in
wall-clock time and in this process's CPU time (which a loaded machine inflates less). A
realistic form post is timed alongside. Prints JSON. Target: worst shape under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.phones import PhoneNumbers
from routing.arrival import posted
from routing.lead_post import parse_lead_post
from routing.roles import Platform

PHONES = PhoneNumbers()

SHAPES = {
    "space-colon": " :",
    "colon-then-letters": " :" + "a" * 39_998,
    "angle-brackets": "<",
    "angle-pipe": "<a|",
    "stars": "*a",
    "underscores": "_a",
    "tildes": "~ ",
    "labels-on-one-line": "Email: x Name: ",
    "label-lines": "Email:\n",
    "comma-labels": "Name: x, ",
    "quotes-in-a-local-part": "a'",
    "at-signs": "a@",
    "domains": "a@b.",
    "digits": "1 ",
    "dotted-digits": "1.",
    "brackets": "(",
    "spaces-between-colons": ":" + " " * 998 + ":",
    "emails-and-brackets": "a@b.co " + "(" * 60 + "\n",
    "lines": "a\n",
    "html-entities": "&amp;",
    "emoji-codes": ":a:",
    "letters": "a",
}
FORM_POST = (
    "Name: Priya Shah Email: priya@acme.io Company: Acme Inc Phone: +44 20 7946 0000 Message: "
)


def best_ms(text: str, repeat: int, clock: Callable[[], float] = time.perf_counter) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        parse_lead_post(text, phones=PHONES)
        best = min(best, clock() - start)
    return round(best * 1000, 2)


def _repeated(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    posts = {name: _repeated(unit, args.size) for name, unit in SHAPES.items()}
    posts["form-post-with-long-message"] = _repeated(FORM_POST + "words " * 1000, args.size)
    wall = {name: best_ms(text, args.repeat) for name, text in posts.items()}
    cpu = {name: best_ms(text, args.repeat, time.process_time) for name, text in posts.items()}
    worst, worst_cpu = max(wall, key=wall.__getitem__), max(cpu, key=cpu.__getitem__)
    start = time.perf_counter()
    posted(Platform.SLACK, "C1", "1.0", posts[worst], phones=PHONES)
    read_ms = round((time.perf_counter() - start) * 1000, 2)
    figures = {
        "size_chars": args.size,
        "worst_shape": worst,
        "worst_parse_ms": wall[worst],
        "worst_read_post_ms": read_ms,
        "worst_cpu_shape": worst_cpu,
        "worst_cpu_parse_ms": cpu[worst_cpu],
        "target_ms": 50,
        "per_shape_ms": wall,
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
