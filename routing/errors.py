"""Domain exceptions: every error a user can cause is a ``BatonError`` with a chat-ready message."""

from __future__ import annotations

from collections.abc import Mapping


class BatonError(Exception):
    """Base of every error a user can cause; ``str(err)`` is shown to them as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(BatonError):
    """Command text that does not fit the grammar; carries the right usage of that subcommand."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(f"{problem}\nUsage: `{usage}`")
        self.problem = problem
        self.usage = usage


class InvalidInput(BatonError):
    """A value that parses but breaks a rule (an amount of 0, an empty reason)."""


class FormProblems(InvalidInput):
    """A submitted form that breaks the typed command's rules, told field by field.

    ``problems`` maps a field's key to what is wrong with it; the key :attr:`WHOLE_FORM` holds a
    problem with the form as a whole (nothing filled in). Each platform shows them beside the
    fields; the message joins them for a platform that can only answer in text.
    """

    WHOLE_FORM = ""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = dict(problems)


class NotFound(BatonError):
    """The lead, rep or pool named does not exist."""


class UnknownPerson(NotFound):
    """Nobody by that platform and user id has ever talked to Baton (a link's subject)."""


class NotAllowed(BatonError):
    """The actor may not do this; the message says who may."""


class IllegalTransition(BatonError):
    """The lead's stage does not allow this step; the message says what is allowed from there."""


class AlreadyDone(BatonError):
    """A race or a repeated click lost: someone else already did it (a polite refusal)."""
