"""How every ``baton`` command refuses to start: one line on stderr naming what to set, exit 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.config import StartupError
from bot.ops.logs import say

CONFIG_ERROR = 2
"""Exit code of every refusal to start because of a setting (and of a wrong option, as typer)."""


@contextmanager
def refusals(command: str) -> Iterator[None]:
    """A configuration or database problem as one line on stderr and exit code 2."""
    try:
        yield
    except StartupError as err:
        refuse(command, str(err))
    except ValidationError as err:
        refuse(command, _invalid_setting(err))
    except (OperationalError, InterfaceError) as err:  # could not connect or open
        refuse(command, f"cannot reach the database (DATABASE_URL): {_first_line(err.orig)}")


def refuse(command: str, message: str) -> NoReturn:
    say(f"baton {command}: {message}", error=True)
    raise typer.Exit(CONFIG_ERROR) from None


def _first_line(err: BaseException | None) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


def _invalid_setting(err: ValidationError) -> str:
    problems = [f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors()]
    return "; ".join(problems)
