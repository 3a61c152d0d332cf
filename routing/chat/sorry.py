"""What Baton says when something failed on its own side: one apology for every chat.

A person's own mistake gets the domain error's message and the right usage; a failure of ours is
logged with its traceback by the adapter's one error hook and answered with this.
"""

from __future__ import annotations

from routing.errors import BatonError

SORRY = (
    "Sorry, something went wrong on my side. It is logged; please try again in a minute, "
    "or ask a manager if it keeps happening."
)


def answer_to(error: Exception) -> str:
    """What the person is told about ``error``: the message of an error they caused, else
    :data:`SORRY`."""
    return error.message if isinstance(error, BatonError) else SORRY
