"""GX reads the warehouse with the transformer's privileges, not the admin's (issue 11): a suite cannot
read what the role that builds the marts cannot."""

from __future__ import annotations

import json

import psycopg
import pytest

from ingestion.core import config
from ingestion.validation.gx import validate_sql_table


def test_mart_suites_cannot_read_what_the_transformer_cannot(db_url, tmp_path, monkeypatch):
    suite = {
        "name": "check",
        "expectations": [
            {
                "type": "expect_table_row_count_to_be_between",
                "kwargs": {"min_value": 1},
                "meta": {"regel": "minst en rad"},
            }
        ],
    }
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "check.json").write_text(json.dumps(suite), encoding="utf-8")
    monkeypatch.setattr(config, "EXPECTATIONS_DIR", tmp_path)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create table public.admin_only as select 1 as n")  # no grant: the transformer cannot read it
        conn.execute("create table marts.readable as select 1 as n")
        conn.execute("alter table marts.readable owner to warehouse_transformer")
    assert validate_sql_table(db_url, "marts", "readable", "marts/check.json") == []
    with pytest.raises(Exception, match="permission denied"):  # GX cannot even look at the table
        validate_sql_table(db_url, "public", "admin_only", "marts/check.json")
