"""The database half of the scan after the session (tests/personnummer_scan.py) on a real PostgreSQL: a
planted personnummer is reported by database, table and column in text and number columns, never by value;
a UUID column (the pseudonyms) is not read, however its text looks."""

from __future__ import annotations

import uuid
from datetime import date
from urllib.parse import urlsplit

import psycopg
from personnummer_scan import Finding, Known, PersonnummerFound, key, scan_database
from registry_rows import pnr


def test_a_planted_number_is_reported_by_table_and_column(db_url):
    number = pnr("19790101", "123")
    look_alike_pseudonym = uuid.UUID(f"{number[:8]}-{number[8:]}-4000-8000-000000000000")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create table meta.planted (person_id uuid, note text, amount bigint, given date)")
        try:
            conn.execute(
                "insert into meta.planted values (%s, %s, %s, %s), (%s, 'inget', 42, %s)",
                (look_alike_pseudonym, f"rad 3: {number[2:8]}-{number[8:]}", int(number), date(1979, 1, 1))
                + (uuid.uuid4(), date(2024, 6, 1)),
            )
            findings = scan_database(db_url, Known.of({key(number)}))
            assert scan_database(db_url, Known.of(set())) == []  # a number no test used is no finding
        finally:
            conn.execute("drop table meta.planted")  # or the session's own scan would fail
    table = f"database {urlsplit(db_url).path.lstrip('/')}, table meta.planted"
    assert findings == [Finding(table, "note", 1), Finding(table, "amount", 1)]
    message = str(PersonnummerFound(findings))
    assert "column note" in message and number[2:] not in message
