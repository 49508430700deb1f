"""The scan after the session (tests/personnummer_scan.py) finds what it must: a fixture personnummer planted
in a log, a report, a run summary or Airflow's SQLite database, in either spelling, and it names the place
without the number; deliveries and planted folders are left alone, and look-alikes are not findings."""

from __future__ import annotations

import json
import sqlite3
import uuid

from personnummer_scan import (
    INPUT_FOLDERS,
    PLANTED,
    Finding,
    Known,
    PersonnummerFound,
    key,
    numbers_in_deliveries,
    scan_files,
)
from registry_rows import luhn_digit

from ingestion.core import personnummer

FIRST_ROW_OF_THE_SAMPLE = INPUT_FOLDERS[0] / "registry" / "sokande_202406.txt"


def sample_number() -> str:
    """The personnummer of the sample June extract's first data row, as delivered (12 digits)."""
    line = FIRST_ROW_OF_THE_SAMPLE.read_text(encoding="cp1252").splitlines()[1]
    number = line.split("|")[0]
    assert personnummer.is_personnummer(number)
    return number.replace("-", "")


def test_the_fixtures_numbers_are_collected_in_every_spelling():
    known = frozenset(numbers_in_deliveries(INPUT_FOLDERS, every_file=True))
    assert len(known) > 3000  # the sample months hold about 3 000 job seekers (mostly the same in both)
    twelve = sample_number()
    assert {key(twelve), key(f"{twelve[:8]}-{twelve[8:]}"), key(twelve[2:]), key(f"{twelve[2:8]}+{twelve[8:]}")} == {
        key(twelve)
    }
    assert key(twelve) in known


def test_a_planted_number_is_found_and_named_without_the_number(tmp_path):
    (tmp_path / PLANTED).touch()  # the session's own scan leaves this folder alone
    known = Known.of(numbers_in_deliveries(INPUT_FOLDERS, every_file=True))
    twelve = sample_number()
    out = tmp_path / "outputs"
    (out / "quarantine" / "registry").mkdir(parents=True)
    (out / "task.log").write_text(f"[2026-01-01] rad 3: {twelve[:8]}-{twelve[8:]} och {twelve[2:]}\n")
    (out / "registry.json").write_text(json.dumps({"problems": [f"värdet {twelve} är fel"]}))
    report = out / "quarantine" / "registry" / "sokande_202406.txt.fel.txt"
    report.write_text(f"rad 2: {twelve[2:8]}-{twelve[8:]}\n")
    # the quarantined delivery itself may hold it; a look-alike that no test used is no finding
    (out / "quarantine" / "registry" / "sokande_202406.txt").write_text(f"{twelve}|202406\n")
    look_alike = "19000101000" + luhn_digit("000101000")  # valid, and in no fixture
    assert personnummer.is_personnummer(look_alike) and look_alike.encode() not in known
    (out / "checksums.log").write_text(f"{uuid.uuid4()} 20261202T084500 {look_alike}\n")
    with sqlite3.connect(out / "airflow.db") as conn:
        conn.execute("create table xcom (key text, value blob)")
        conn.execute("insert into xcom values ('return_value', ?)", (json.dumps([{"delivery": twelve[2:]}]).encode(),))
    findings = scan_files([out], known)
    assert sorted(findings, key=str) == sorted(
        [
            Finding(str(out / "task.log"), None, 2),
            Finding(str(out / "registry.json"), None, 1),
            Finding(str(report), None, 1),
            Finding(f"{out / 'airflow.db'} table xcom", "value", 1),
        ],
        key=str,
    )
    message = str(PersonnummerFound(findings))
    assert "task.log" in message and "column value" in message
    assert not personnummer.contains(message) and twelve[2:] not in message
    assert scan_files([tmp_path], known) == []  # the planted folder
    # only what changed after the session began counts, outside the pytest folder
    assert scan_files([out], known, since=(out / "task.log").stat().st_mtime + 60) == []


def test_digits_in_names_dbt_makes_up_are_no_finding_but_a_number_beside_them_is(tmp_path):
    """dbt ends a data test's name in ten hex digits of a hash and a unit test's temporary table in the clock's
    digits; by chance those can be a number the tests used (a session failed so once). They are not read; the
    same number anywhere else on the line still is."""
    (tmp_path / PLANTED).touch()
    known = Known.of(numbers_in_deliveries(INPUT_FOLDERS, every_file=True))
    ten = sample_number()[2:]
    log = tmp_path / "out" / "dbt.log"
    log.parent.mkdir()
    log.write_text(
        f"Began running node test.samverkan.not_null_stg_followup_forms__participants_aldersgrupp.{ten}\n"
        f'create temporary table "test_followup_current_version_selection__dbt_tmp{ten}" as (select 1)\n'
        f'"unique_id": "test.samverkan.unique_stg_x_id.{ten}"\n'
    )
    assert scan_files([log.parent], known) == []
    log.write_text(log.read_text() + f"model.samverkan.stg_x.{ten}; rad 3: {ten}\n")
    assert scan_files([log.parent], known) == [Finding(str(log), None, 2)]
