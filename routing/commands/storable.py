"""Commands in text any database takes, however an adapter built them (typed, form or card)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from routing.commands.types import UserRef
from routing.text import storable

_C = TypeVar("_C")


def storable_command(command: _C) -> _C:
    """``command`` with every text in it made storable (:func:`routing.text.storable`)."""
    if not dataclasses.is_dataclass(command) or isinstance(command, type):
        return command
    changes = {
        spec.name: _storable_value(getattr(command, spec.name))
        for spec in dataclasses.fields(command)
    }
    return dataclasses.replace(command, **changes)


def _storable_value(value: object) -> object:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, UserRef):
        return storable_command(value)
    if isinstance(value, Mapping):
        return MappingProxyType({storable(str(k)): storable(str(v)) for k, v in value.items()})
    return value
