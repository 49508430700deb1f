"""Loading a validated delivery into raw with COPY, in one transaction with its load-audit row.

Either everything of a delivery is visible (its rows in every raw table and its audit row) or
nothing is. The pipeline roles are NOLOGIN: the admin connection switches to ``warehouse_loader``
for the transaction, so the load runs with exactly the loader's privileges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd
import psycopg
from psycopg import sql

from ingestion.gx_validation import ROW_COLUMN


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
    tables: dict[str, pd.DataFrame],
    run_id: str | None,
) -> LoadResult:
    """COPY each frame into its raw table (``schema.table`` → frame) with the audit row, atomically.

    Frames hold the delivered columns plus ``_rad`` (line in the file). A delivery whose checksum is
    already in the audit is skipped, also when another loader commits it concurrently.
    """
    counts = {table: len(frame) for table, frame in tables.items()}
    with conn.transaction():
        conn.execute("set local role warehouse_loader")
        row = conn.execute(
            """
            insert into meta.load_audit
                (source, delivery_name, checksum, snapshot_date, row_counts, n_rows, status, run_id)
            values (%s, %s, %s, %s, %s, %s, 'loaded', %s)
            on conflict (source, checksum) do nothing
            returning load_id
            """,
            (source, delivery_name, checksum, snapshot_date, json.dumps(counts), sum(counts.values()), run_id),
        ).fetchone()
        if row is None:
            return LoadResult(load_id=None, n_rows=0, skipped=True)
        load_id = row[0]
        for table, frame in tables.items():
            columns = [c for c in frame.columns if c != ROW_COLUMN]
            schema, name = table.split(".")
            statement = sql.SQL("copy {} ({}) from stdin").format(
                sql.Identifier(schema, name),
                sql.SQL(", ").join(sql.Identifier(c) for c in ["_load_id", "_snapshot_date", "_source_row", *columns]),
            )
            positions = [frame.columns.get_loc(c) for c in columns]
            row_position = frame.columns.get_loc(ROW_COLUMN)
            with conn.cursor().copy(statement) as copy:
                for record in frame.itertuples(index=False, name=None):
                    copy.write_row([load_id, snapshot_date, int(record[row_position]),
                                    *[_text(record[i]) for i in positions]])
    return LoadResult(load_id=load_id, n_rows=sum(counts.values()), skipped=False)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)
