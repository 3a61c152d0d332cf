"""``baton doctor``'s calendar line: how the reps' feeds read, never an address."""

from __future__ import annotations

from bot.bootstrap import build
from bot.ops.doctor import Examined
from bot.ops.report import Line, bad, good
from routing.chat.formatting import plural


def doctor_lines(examined: Examined) -> list[Line]:
    what = "Calendars"
    baton = build(examined.settings, platforms=False, migrate=False)
    try:
        feeds, failing, unknown = baton.relay.calendar_health()
    finally:
        baton.close()
    if not feeds:
        return [good(what, "no rep has a calendar feed (`/rotation calendar <address>`)")]
    if unknown:
        return [
            bad(
                what,
                f"{unknown} of {feeds} feeds unread for 24 h: those reps count as available",
                "`/rotation show` names them and their error; the rep gives a new address with "
                "`/rotation calendar <address>`",
            )
        ]
    said = plural(feeds, "feed") + (
        f", {failing} failing since their last good read" if failing else ""
    )
    return [good(what, said)]
