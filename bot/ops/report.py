"""A line of ``baton doctor``: what was checked, whether it is right, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

OK_MARK = "✓"
BAD_MARK = "✗"


@dataclass(frozen=True)
class Line:
    what: str
    ok: bool
    said: str
    fix: str = ""

    def text(self) -> str:
        mark = OK_MARK if self.ok else BAD_MARK
        line = f"{mark} {self.what}: {self.said}"
        return f"{line} — fix: {self.fix}" if not self.ok and self.fix else line


def good(what: str, said: str) -> Line:
    return Line(what, True, said)


def bad(what: str, said: str, fix: str) -> Line:
    return Line(what, False, said, fix)
