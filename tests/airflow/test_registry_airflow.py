"""The registry DAG in real Airflow runs: it refuses without a key, loads the sample months, and afterwards
no personnummer is anywhere — not in any table of the database, not in any log, report or XCom."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import REGISTRY_MODELS
from personnummer_scan import PLANTED

from ingestion.core import config
from ingestion.orchestration import runner
from ingestion.privacy import pseudonym
from ingestion.validation.marts import validate_marts

pytestmark = pytest.mark.airflow

FIXTURES = Path(__file__).parents[1] / "fixtures" / "registry"
DIGIT_RUN = re.compile(r"\d[\d+-]{8,}\d")
CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{6}|\d{8})[-+]?(\d{4})(?![0-9A-Za-z])")


def sample_personnummer() -> set[str]:
    """Every personnummer in the sample files, in every spelling it could be written in."""
    import gzip

    texts = [p.read_bytes().decode("cp1252") for p in FIXTURES.rglob("sokande_*.txt")]
    texts += [gzip.decompress(p.read_bytes()).decode("cp1252") for p in FIXTURES.rglob("*.txt.gz")]
    texts += [p.read_text(encoding="utf-8-sig") for p in FIXTURES.rglob("jobbspar_deltagare_*.csv")]
    found = set()
    for text in texts:
        for match in re.finditer(r"(?m)(?:^|;)(\d{8})-?(\d{4})(?=[|;])", text):
            date, tail = match.groups()
            found |= {date + tail, f"{date}-{tail}", date[2:] + tail, f"{date[2:]}-{tail}"}
    return found


def luhn_ok(ten: str) -> bool:
    total = 0
    for i, char in enumerate(ten):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0


def personnummer_in(text: str, known: set[str]) -> list[str]:
    """Known sample numbers, and anything shaped like a personnummer whose check digit is right."""
    hits = []
    for run in DIGIT_RUN.finditer(text):  # every spelling of a known number, even inside a longer run
        digits = run.group(0)
        hits += [
            digits[i : i + n]
            for n in (10, 11, 12, 13)
            for i in range(len(digits) - n + 1)
            if digits[i : i + n] in known
        ]
    for match in CANDIDATE.finditer(text):
        date, tail = match.groups()
        if luhn_ok(date[-6:] + tail) and 1 <= int(date[-4:-2]) <= 12 and 1 <= int(date[-2:]) <= 31:
            hits.append(match.group(0))
    return hits


def scan_database(url: str, known: set[str]) -> dict[str, list[str]]:
    """Every row of every table in every schema (cast to text), and every view definition."""
    hits: dict[str, list[str]] = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            """select table_schema, table_name from information_schema.tables
               where table_schema not in ('pg_catalog', 'information_schema')"""
        ).fetchall()
        for schema, table in tables:
            for (text,) in conn.execute(f'select t::text from "{schema}"."{table}" t'):
                found = personnummer_in(text, known)
                if found:
                    hits.setdefault(f"{schema}.{table}", []).extend(found)
    return hits


def sqlite_text(path: Path) -> str:
    """Every value of every table of an SQLite database, one per line (read as bytes the file runs
    fields together: two timestamps side by side can look like a personnummer)."""
    import sqlite3

    lines = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for row in conn.execute(f'select * from "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", errors="replace")
                    lines.append(str(value))
    return "\n".join(lines)


def scan_files(folders: list[Path], known: set[str]) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for folder in folders:
        for path in [folder] if folder.is_file() else folder.rglob("*"):
            if path.is_file():
                if path.suffix == ".db":
                    text = sqlite_text(path)
                else:
                    text = path.read_bytes().decode("utf-8", errors="replace")
                found = personnummer_in(text, known)
                if found:
                    hits[str(path)] = found
    return hits


def test_scan_finds_a_planted_personnummer(tmp_path):
    """The scan itself can fail: a number planted in a log is found in both spellings."""
    known = sample_personnummer()
    assert len(known) > 4 * 3000
    number = sorted(known)[0]
    (tmp_path / PLANTED).touch()  # on purpose: the scan after the session leaves this folder alone
    (tmp_path / "task.log").write_text(f"[2026-01-01] fel på rad 3: {number} är ogiltigt\n")
    assert scan_files([tmp_path], known) == {str(tmp_path / "task.log"): [number, number]}
    twelve = next(n for n in known if len(n) == 12)
    assert personnummer_in(f"x {twelve[:8]}-{twelve[8:]} y", set()) != []


def test_without_a_key_the_dag_refuses_and_says_why(db_url, quarantine, airflow_env, tmp_path, monkeypatch):
    for name in (pseudonym.KEY_ENV, pseudonym.KEY_FILE_ENV):
        monkeypatch.delenv(name, raising=False)
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES, landing / "registry")
    with pytest.raises(runner.DagRunFailed):
        runner.run_dag("registry", {"landing_dir": str(landing), "report_dir": str(tmp_path)}, tmp_path)
    log = (tmp_path / "registry.log").read_text()
    assert "Ingen nyckel för pseudonymisering" in log and pseudonym.KEY_ENV in log
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from meta.load_audit").fetchone()[0] == 0


def test_registry_dag_loads_the_samples_and_no_personnummer_is_anywhere(
    db_url, quarantine, airflow_env, tmp_path, monkeypatch
):
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, "airflow-test-key-" + "x" * 32)
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES, landing / "registry")
    reports = tmp_path / "runs"
    runner.run_dag("registry", {"landing_dir": str(landing), "report_dir": str(reports)}, reports)
    summary = json.loads((reports / "registry.json").read_text())
    assert sorted(o["delivery"] for o in summary["loaded"]) == [
        "jobbspar_202406.csv",
        "sokande_202406.txt",
        "sokande_202407.txt.gz",
    ]
    assert [o["delivery"] for o in summary["rejected"]] == ["sokande_202406.txt"]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from meta.registry_rejects").fetchone()[0] == 3
        months = conn.execute("select extract, manad::text from meta.registry_months order by 1, 2").fetchall()
        assert months == [("jobbspar", "2024-06-01"), ("sokande", "2024-06-01"), ("sokande", "2024-07-01")]
        assert all(run_id.startswith("manual__") for (run_id,) in conn.execute("select run_id from meta.load_audit"))

    # the registry's part of the warehouse (the agreement and forms marts have nothing to build from);
    # fails if a registry mart breaks its GX suite
    runner.run_dag("warehouse", {"select": REGISTRY_MODELS}, reports)
    # only registry extracts were delivered: the agreement marts are empty and their suites skipped
    assert validate_marts(db_url)["skipped_no_deliveries"] == ["mart_agreement_summary", "mart_municipality_coverage"]

    known = sample_personnummer()
    assert scan_database(db_url, known) == {}
    airflow_home = Path(airflow_env["AIRFLOW_HOME"])
    # the quarantine keeps the rejected delivery itself, as delivered (for the sender, under the same protection
    # as the landing folder); everything the warehouse wrote there, its reports, is scanned
    delivered = [p for p in quarantine.rglob("*") if p.is_file() and not p.name.endswith((".fel.txt", ".varning.txt"))]
    assert [p.name for p in delivered] == ["sokande_202406.txt"]
    folders = [reports, airflow_home / "logs", config.dbt_log_dir()]
    folders += [p for p in quarantine.rglob("*.txt") if p not in delivered]
    folders += [p for p in airflow_home.glob("*.db")]  # the metadata database (XComs, task instances)
    assert scan_files(folders, known) == {}
