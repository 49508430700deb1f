"""Loading a validated delivery into raw with COPY, in one transaction with its load-audit row.

Either everything of a delivery is visible (its rows in every raw table and its audit row) or
nothing is. A personnummer typed into any text is masked on the way in (see ``_without_personnummer``).
The pipeline roles are NOLOGIN: the admin connection switches to ``warehouse_loader``
for the transaction, so the load runs with exactly the loader's privileges.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ingestion.core import personnummer

if TYPE_CHECKING:  # psycopg is imported where used: source modules import Rows and DAG files parse fast
    import psycopg


@dataclass
class Rows:
    """Rows for one raw table: the column names and one tuple per row (``_load_id`` is added here)."""

    columns: Sequence[str]
    rows: Iterable[Sequence[object]]
    count: int


@dataclass
class LoadResult:
    load_id: int | None
    n_rows: int
    skipped: bool


def already_loaded(conn: psycopg.Connection, source: str, checksum: str) -> int | None:
    row = conn.execute(
        "select load_id from meta.load_audit where source = %s and checksum = %s", (source, checksum)
    ).fetchone()
    return row[0] if row else None


def load_delivery(
    conn: psycopg.Connection,
    *,
    source: str,
    delivery_name: str,
    checksum: str,
    snapshot_date: date | None,
    tables: dict[str, Rows],
    run_id: str | None,
    extra_counts: dict[str, int] | None = None,
) -> LoadResult:
    """COPY the rows of each ``schema.table`` together with the audit row, atomically.

    A delivery whose checksum is already in the audit is skipped, also when another loader
    commits it concurrently (the unique index decides).
    """
    from psycopg import sql

    counts = {table: rows.count for table, rows in tables.items()} | (extra_counts or {})
    n_rows = sum(rows.count for rows in tables.values())
    with conn.transaction():
        conn.execute("set local role warehouse_loader")
        row = conn.execute(
            """
            insert into meta.load_audit
                (source, delivery_name, checksum, snapshot_date, row_counts, n_rows, status, run_id)
            values (%s, %s, %s, %s, %s, %s, 'loaded', %s)
            on conflict (source, checksum, version) do nothing
            returning load_id
            """,
            (source, delivery_name, checksum, snapshot_date, json.dumps(counts), n_rows, run_id),
        ).fetchone()
        if row is None:
            return LoadResult(load_id=None, n_rows=0, skipped=True)
        load_id = row[0]
        for table, rows in tables.items():
            schema, name = table.split(".")
            statement = sql.SQL("copy {} ({}) from stdin").format(
                sql.Identifier(schema, name),
                sql.SQL(", ").join(sql.Identifier(c) for c in ["_load_id", *rows.columns]),
            )
            with conn.cursor().copy(statement) as copy:
                for record in rows.rows:
                    copy.write_row([load_id, *map(_without_personnummer, record)])
    return LoadResult(load_id=load_id, n_rows=n_rows, skipped=False)


def _without_personnummer(value: object) -> object:
    """A delivered text with every personnummer in it masked (``[personnummer]``): whatever field one was
    typed into, it never reaches the database. Fields where the contract expects an id or a number reject
    a personnummer before this (the sender hears of it); free text keeps the rest as written."""
    return personnummer.mask(value) if isinstance(value, str) else value


def frame_rows(frame, metadata: dict[str, object], row_column: str = "_rad") -> Rows:
    """Rows of a parsed DataFrame (text as delivered, ``_rad`` = line in the file) for a raw table
    whose load metadata columns are ``_snapshot_date`` and ``_source_row``."""
    columns = [c for c in frame.columns if c != row_column]
    positions = [frame.columns.get_loc(c) for c in columns]
    row_position = frame.columns.get_loc(row_column)
    meta_values = list(metadata.values())

    def rows():
        for record in frame.itertuples(index=False, name=None):
            yield [*meta_values, int(record[row_position]), *[_text(record[i]) for i in positions]]

    return Rows(columns=[*metadata, "_source_row", *columns], rows=rows(), count=len(frame))


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)
