"""Every column that can hold text is classified for a contact's rights, so a table added later
(CRM rows, a calendar's answers) is exported and erased from its first day, or this fails."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, Time

from storage import tables as t
from storage.privacy_map import COLUMNS
from storage.tables import UTCDateTime

_NO_TEXT = (Integer, Boolean, Time, UTCDateTime)


def test_every_table_and_every_text_or_json_column_is_classified() -> None:
    missing = [
        f"{table.name}.{column.name}"
        for table in t.metadata.sorted_tables
        for column in table.columns
        if not isinstance(column.type, _NO_TEXT) and column.name not in COLUMNS.get(table.name, {})
    ]
    unknown_tables = [table.name for table in t.metadata.sorted_tables if table.name not in COLUMNS]
    assert not unknown_tables, f"classify these tables in storage/privacy_map.py: {unknown_tables}"
    assert not missing, f"classify these columns in storage/privacy_map.py: {missing}"


def test_the_map_names_only_columns_that_exist() -> None:
    tables = {table.name: table for table in t.metadata.sorted_tables}
    stale = [
        f"{name}.{column}"
        for name, columns in COLUMNS.items()
        for column in columns
        if name not in tables or column not in tables[name].c
    ]
    assert not stale


def test_json_columns_are_never_classified_as_holding_nothing_unless_our_own() -> None:
    """A JSON document is where a payload's stray field would hide: only Baton's own
    (a Teams conversation reference) may hold nothing."""
    own = {"conversation_refs.reference"}
    loose = [
        f"{table.name}.{column.name}"
        for table in t.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, JSON)
        and COLUMNS[table.name][column.name].value == "nothing"
        and f"{table.name}.{column.name}" not in own
    ]
    assert not loose
