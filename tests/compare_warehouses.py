"""Compare two warehouse databases table by table: what "behaviour unchanged" means for a refactoring.

    .venv/bin/python tests/compare_warehouses.py postgresql://…/before postgresql://…/after

Every table of ``marts`` is compared by content (each row as text, sorted, hashed), leaving out the
``loaded_at`` columns (the time a load ran differs between two runs of the same deliveries); the tables of
``raw``, ``meta``, ``staging`` and ``intermediate`` by row count (``restricted`` and the pseudonyms in raw
depend on each run's local key). Prints the tables that differ; exits 1 if any does.
"""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql

SCHEMAS = ("marts", "raw", "meta", "staging", "intermediate")
LEFT_OUT = ("loaded_at",)


def snapshot(url: str) -> dict[str, tuple[int, str | None]]:
    found: dict[str, tuple[int, str | None]] = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables where table_schema = any(%s) order by 1, 2",
            (list(SCHEMAS),),
        ).fetchall()
        for schema, name in tables:
            table = sql.Identifier(schema, name)
            if schema != "marts":
                count = conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
                found[f"{schema}.{name}"] = (count, None)
                continue
            columns = [
                column
                for (column,) in conn.execute(
                    "select column_name from information_schema.columns where table_schema = %s "
                    "and table_name = %s and column_name <> all(%s) order by ordinal_position",
                    (schema, name, list(LEFT_OUT)),
                )
            ]
            row = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
            query = sql.SQL("select count(*), md5(coalesce(string_agg({row}, chr(10) order by {row}), '')) from {t}")
            count, digest = conn.execute(query.format(row=row, t=table)).fetchone()
            found[f"{schema}.{name}"] = (count, digest)
    return found


def main(before: str, after: str) -> int:
    a, b = snapshot(before), snapshot(after)
    differ = [key for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]
    for key in differ:
        print(f"differs: {key}: {a.get(key)} -> {b.get(key)}")
    marts = sum(1 for key in a if key.startswith("marts."))
    print(f"{len(set(a) | set(b)) - len(differ)} tables identical, {len(differ)} differ ({marts} marts tables before)")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
