"""Hot-path statements compiled once per dialect and run on the DBAPI cursor of the unit of work's
connection (same transaction), with SQLAlchemy's own bind and result processors for each column.

Why: per lead, SQLAlchemy's execution layer (cache key, execution context, result wrappers) cost
more CPU than the database did. A :class:`Prepared` keeps SQLAlchemy Core as the one description
of each statement and of each column's type, and skips only the per-call machinery; every
operation that uses one runs only through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.crud import REQUIRED

Processor = Callable[[Any], Any] | None
_NONE: Mapping[str, Any] = MappingProxyType({})


class _Compiled:
    """``stmt`` for one dialect: its SQL, its parameters in order, and the column processors."""

    def __init__(self, stmt: Any, dialect: Dialect, keys: Sequence[str] | None) -> None:
        compiled = stmt.compile(
            dialect=dialect, column_keys=list(keys) if keys is not None else None
        )
        assert isinstance(compiled, SQLCompiler)
        assert "POSTCOMPILE" not in compiled.string, "write IN lists of constants as literals"
        self.sql = compiled.string
        defaults = compiled.construct_params(_check=False)
        types = {name: bind.type for bind, name in compiled.bind_names.items()}
        positional = compiled.positiontup
        names = list(positional) if positional is not None else list(types)
        self.positional = positional is not None
        self.binds = [
            (n, types[n].dialect_impl(dialect).bind_processor(dialect), _constant(defaults.get(n)))
            for n in names
        ]
        columns = list(stmt.exported_columns)
        self.columns = [c.key for c in columns]
        self.results: list[Processor] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        self.params = _params_function(self.binds, positional=self.positional)
        self.row = _row_function(self.columns, self.results)


def _params_function(
    binds: Sequence[tuple[str, Processor, Any]], *, positional: bool
) -> Callable[[Mapping[str, Any]], Any]:
    """``params(values)``: the DBAPI parameters, in straight-line code made for this statement.

    Parameters with no value of their own (not ``LIMIT 1``) must be given. The code is
    generated once per statement (as ``dataclasses`` does) because a loop over each parameter
    with its processor cost more than the database's own work per row on the hot path.
    """
    scope: dict[str, Any] = {}
    parts = []
    for i, (name, processor, default) in enumerate(binds):
        if default is not None:
            scope[f"d{i}"] = processor(default) if processor else default
            value = f"d{i}"
        else:
            value = f"v[{name!r}]"
            if processor is not None:
                scope[f"p{i}"] = processor
                value = f"p{i}({value})"
        parts.append(value if positional else f"{name!r}: {value}")
    if positional:
        body = f"({', '.join(parts)},)" if parts else "()"
    else:
        body = f"{{{', '.join(parts)}}}"
    return _made(f"def params(v):\n    return {body}\n", scope, "params")


def _row_function(
    columns: Sequence[str], results: Sequence[Processor]
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """``row(raw)``: a result row as a dict of processed values, in code made for the statement."""
    scope: dict[str, Any] = {}
    parts = []
    for i, (key, processor) in enumerate(zip(columns, results, strict=True)):
        value = f"r[{i}]"
        if processor is not None:
            scope[f"p{i}"] = processor
            value = f"p{i}({value})"
        parts.append(f"{key!r}: {value}")
    return _made(f"def row(r):\n    return {{{', '.join(parts)}}}\n", scope, "row")


def _made(source: str, scope: dict[str, Any], name: str) -> Callable[..., Any]:
    exec(compile(source, f"<prepared {name}>", "exec"), scope)
    made: Callable[..., Any] = scope[name]
    return made


def _constant(value: Any) -> Any:
    """A parameter's own value (``LIMIT 1``), or None when the caller must give it."""
    return None if value is REQUIRED else value


class Prepared:
    """One SQLAlchemy Core statement, compiled on first use for each dialect it meets.

    ``stmt``: the statement, or one per dialect name (``INSERT … ON CONFLICT`` is dialect-made).
    An INSERT or UPDATE writes the columns its values name, as ``Connection.execute`` would: it
    is compiled once per set of names.
    """

    def __init__(self, stmt: ClauseElement | Mapping[str, ClauseElement]) -> None:
        self._per_dialect = stmt if isinstance(stmt, Mapping) else None
        self._stmt = stmt
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def _for(self, conn: Connection, values: Mapping[str, Any]) -> _Compiled:
        key = (conn.dialect.name, tuple(values))
        found = self._compiled.get(key)
        if found is None:
            stmt = self._stmt if self._per_dialect is None else self._per_dialect[key[0]]
            found = self._compiled[key] = _Compiled(stmt, conn.dialect, key[1])
        return found

    def rows(self, conn: Connection, values: Mapping[str, Any] = _NONE) -> list[dict[str, Any]]:
        compiled = self._for(conn, values)
        cursor = _execute(conn, compiled, compiled.params(values))
        return [compiled.row(raw) for raw in cursor.fetchall()]

    def first(self, conn: Connection, values: Mapping[str, Any] = _NONE) -> dict[str, Any] | None:
        found = self.rows(conn, values)
        return found[0] if found else None

    def run(self, conn: Connection, values: Mapping[str, Any] = _NONE) -> int:
        """Execute once; the number of rows it touched."""
        compiled = self._for(conn, values)
        return int(_execute(conn, compiled, compiled.params(values)).rowcount)

    def many(self, conn: Connection, values: Sequence[Mapping[str, Any]]) -> None:
        """Execute once per mapping (all with the same names)."""
        if values:
            compiled = self._for(conn, values[0])
            _execute(conn, compiled, [compiled.params(v) for v in values], many=True)


def _execute(conn: Connection, compiled: _Compiled, params: Any, *, many: bool = False) -> Any:
    """Run on the DBAPI cursor; its errors are raised as SQLAlchemy's, as ``execute`` would."""
    cursor = _cursor(conn)
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        if many:
            cursor.executemany(compiled.sql, params)
        else:
            cursor.execute(compiled.sql, params)
    except dbapi_error as err:
        raise DBAPIError.instance(compiled.sql, params, err, dbapi_error) from err
    return cursor


def run_raw(conn: Connection, sql: str) -> None:
    """A statement without parameters (``SAVEPOINT``…) on the same DBAPI cursor, in the
    connection's transaction, without SQLAlchemy's per-call machinery."""
    cursor = _cursor(conn)
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        cursor.execute(sql)
    except dbapi_error as err:
        raise DBAPIError.instance(sql, None, err, dbapi_error) from err


def _cursor(conn: Connection) -> Any:
    """A DBAPI cursor on ``conn``'s DBAPI connection, made once per DBAPI connection."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    kept = conn.info.get(_CURSOR)
    if kept is None or kept[0] is not dbapi:
        kept = conn.info[_CURSOR] = (dbapi, dbapi.cursor())
    return kept[1]


_CURSOR = "baton_cursor"
