"""Loading into a real PostgreSQL: COPY with the audit row, skip re-deliveries, quarantine bad ones."""

from __future__ import annotations

import psycopg
import pytest
from conftest import SNAPSHOT_1, table_counts

from ingestion import sources
from ingestion.core.deliveries import find_deliveries, read_delivery
from ingestion.db.loader import frame_rows, load_delivery
from ingestion.sources.agreement_register import contract as register
from ingestion.sources.agreement_register import rules

SOURCE = register.SOURCE


def test_samples_load_and_the_bad_delivery_is_quarantined_whole(db_url, landing, quarantine):
    outcomes = sources.ingest(SOURCE, landing, run_id="test-run")
    by_status = {o["delivery"]: o["status"] for o in outcomes}
    assert by_status == {
        "overenskommelser_2024-06-30": "loaded",
        "overenskommelser_2024-12-31": "loaded",
        "overenskommelser_2025-01-31": "rejected",
    }
    with psycopg.connect(db_url) as conn:
        audit = conn.execute(
            "select delivery_name, snapshot_date::text, n_rows, status, run_id, row_counts"
            " from meta.load_audit order by snapshot_date"
        ).fetchall()
        assert [(a[0], a[1], a[3], a[4]) for a in audit] == [
            ("overenskommelser_2024-06-30", "2024-06-30", "loaded", "test-run"),
            ("overenskommelser_2024-12-31", "2024-12-31", "loaded", "test-run"),
        ]
        assert audit[0][5]["raw.register_overenskommelser"] == 10
        assert audit[0][2] == 10 + 22 + 33 + 21
        # nothing of the rejected delivery (snapshot 2025-01-31) reached any raw table
        for table in register.RAW_TABLES.values():
            assert conn.execute(f"select count(*) from {table} where _snapshot_date = '2025-01-31'").fetchone()[0] == 0
        # as delivered: the lost leading zero is still lost in raw, and line numbers are kept
        row = conn.execute(
            "select kommunkod, _source_row from raw.register_overenskommelse_kommuner"
            " where overenskommelse_id = 'ÖK-2022-0141' and tackning = 'hangavtal'"
            " and _snapshot_date = '2024-06-30'"
        ).fetchone()
        assert row == ("140", 10)

    report = quarantine / SOURCE / "overenskommelser_2025-01-31.fel.txt"
    text = report.read_text(encoding="utf-8")
    assert "ÖK-9999-0001" in text and "0199" in text and "cykel" in text
    assert (quarantine / SOURCE / "overenskommelser_2025-01-31" / "overenskommelser.csv").exists()
    # copy mode leaves the landing folder as it was
    assert (landing / SOURCE / "invalid" / "overenskommelser_2025-01-31").exists()


def test_running_twice_changes_nothing(db_url, landing, quarantine):
    sources.ingest(SOURCE, landing, run_id="first")
    before = table_counts(db_url)
    second = sources.ingest(SOURCE, landing, run_id="second")
    assert [o["status"] for o in second] == ["rejected"]  # only the bad one is looked at again
    assert table_counts(db_url) == before


def test_move_mode_takes_the_bad_delivery_out_of_landing(db_url, landing, quarantine, monkeypatch):
    monkeypatch.setenv("QUARANTINE_MODE", "move")
    sources.ingest(SOURCE, landing)
    assert not (landing / SOURCE / "invalid" / "overenskommelser_2025-01-31").exists()
    assert (quarantine / SOURCE / "overenskommelser_2025-01-31" / "overenskommelse_kommuner.csv").exists()
    assert sources.find_new(SOURCE, landing) == []


def test_same_delivery_zipped_is_recognised_as_loaded(db_url, landing, quarantine, tmp_path):
    import shutil

    sources.ingest(SOURCE, landing)
    zipped_landing = tmp_path / "zipped"
    (zipped_landing / SOURCE).mkdir(parents=True)
    shutil.make_archive(str(zipped_landing / SOURCE / SNAPSHOT_1.name), "zip", SNAPSHOT_1.parent, SNAPSHOT_1.name)
    assert find_deliveries(zipped_landing / SOURCE, register.DELIVERY_PATTERN)
    assert sources.find_new(SOURCE, zipped_landing) == []


def test_a_failure_mid_load_leaves_nothing_visible(db_url):
    parsed = rules.validate(read_delivery(SNAPSHOT_1))
    meta = {"_snapshot_date": parsed.snapshot_date}
    tables = {register.RAW_TABLES[n]: frame_rows(f, meta) for n, f in parsed.frames.items()}
    tables["raw.does_not_exist"] = frame_rows(parsed.frames["overenskommelser.csv"], meta)  # the last COPY fails
    before = table_counts(db_url)
    with psycopg.connect(db_url) as conn, pytest.raises(psycopg.errors.UndefinedTable):
        load_delivery(
            conn,
            source=SOURCE,
            delivery_name=parsed.name,
            checksum=parsed.checksum,
            snapshot_date=parsed.snapshot_date,
            tables=tables,
            run_id=None,
        )
    assert table_counts(db_url) == before


def test_roles_loader_writes_raw_analyst_reads_marts_only(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create table marts.role_probe (x int)")
        conn.execute("alter table marts.role_probe owner to warehouse_transformer")
        conn.execute("grant select on marts.role_probe to analyst")
        conn.execute("set role analyst")
        assert conn.execute("select count(*) from marts.role_probe").fetchone() == (0,)
        for table in ("raw.register_overenskommelser", "meta.load_audit"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select * from {table}")
        conn.execute("reset role")
        conn.execute("set role warehouse_loader")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into marts.role_probe values (1)")
        conn.execute("reset role")
        conn.execute("set role warehouse_transformer")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from raw.register_overenskommelser")
