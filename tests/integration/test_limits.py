"""Issue 11: a delivery still being uploaded is left for a later run, and a file over a resource limit is
rejected naming the limit, with memory as flat for a decompression bomb as for a large valid month.

Before: a file still being written when the DAG scanned loaded what had arrived; a gzip was unpacked
without limits; a semicolon file had no limit on its rows, and fields up to csv's own 128 KiB."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from conftest import FIXTURES, SNAPSHOT_1, SNAPSHOT_2

from ingestion import sources
from ingestion.core import config
from ingestion.core.deliveries import mark_finished
from ingestion.privacy import pseudonym
from ingestion.sources.registry.contract import HEADER

REGISTRY = FIXTURES / "registry"
JUNE = REGISTRY / "sokande_202406.txt"


def fetch(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def key(monkeypatch) -> None:
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, "test-key-" + "0123456789" * 4)


def registry_month(folder: Path, name: str, data: bytes | None = None) -> Path:
    """A month's file with the code lists beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    for code_list in ("sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
        shutil.copy(REGISTRY / code_list, folder / code_list)
    (folder / name).write_bytes(JUNE.read_bytes() if data is None else data)
    return folder / name


def report_of(outcome: dict) -> str:
    assert outcome["status"] == "rejected", outcome
    return Path(outcome["report"]).read_text(encoding="utf-8")


# --- uploads in progress -------------------------------------------------------------------------------------


def test_a_delivery_still_being_uploaded_is_left_for_a_later_run(db_url, quarantine, tmp_path, monkeypatch, key):
    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "60")  # the production default: everything here was written just now
    landing = tmp_path / "landing"
    snapshot = landing / "agreement_register" / SNAPSHOT_1.name
    shutil.copytree(SNAPSHOT_1, snapshot)
    month = registry_month(landing / "registry", "sokande_202406.txt")
    form = landing / "followup_forms" / "stockholm_2024H1.xlsx"
    form.parent.mkdir()
    shutil.copy2(FIXTURES / "followup_forms" / form.name, form)  # an old mtime kept, as cp -p does

    for source in ("agreement_register", "registry", "followup_forms"):
        assert sources.find_new(source, landing) == []
        assert sources.ingest(source, landing) == []
    assert fetch(db_url, "select count(*) from meta.load_audit") == [(0,)]

    mark_finished(snapshot)
    mark_finished(month)
    mark_finished(form)
    assert sources.find_new("agreement_register", landing) == [str(snapshot)]
    assert sources.find_new("registry", landing) == ["202406"]
    assert sources.find_new("followup_forms", landing) == [[str(form)]]
    [register] = sources.ingest("agreement_register", landing)
    [registry] = sources.ingest("registry", landing)
    assert register["status"] == "loaded" and registry["status"] == "loaded"


# --- gzip ----------------------------------------------------------------------------------------------------

# Peak memory of one run: a small wrapper starts the run and reports its child's peak RSS (the wrapper is
# small, so what it passes on to the child at exec does not hide the child's own figure).
WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
INGEST = (
    "import json, sys; from ingestion import sources; "
    "open(sys.argv[2], 'w').write(json.dumps(sources.ingest('registry', sys.argv[1])))"
)


def ingest_measured(landing: Path) -> tuple[list[dict], int]:
    """The registry run over ``landing`` in a process of its own: (its outcomes, its peak RSS in bytes)."""
    out = landing.parent / f"{landing.name}.outcomes.json"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, sys.executable, "-c", INGEST, str(landing), str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=config.PROJECT_ROOT,
    )
    return json.loads(out.read_text()), int(done.stdout.split()[-1]) * 1024


def gzip_bomb(path: Path, gib: int = 1) -> Path:
    """The contract's header and ``gib`` GiB of blank lines, some 1 MB on disk, written as a stream of gzip
    members (a reader must read them all, as it reads one)."""
    member = gzip.compress(b"\n" * 2**20, compresslevel=9)
    with open(path, "wb") as f:
        f.write(gzip.compress(("|".join(HEADER) + "\n").encode()))
        for _ in range(1024 * gib):
            f.write(member)
    return path


def test_a_gzip_bomb_is_rejected_naming_the_limit_with_memory_as_flat_as_for_a_valid_month(
    db_url, quarantine, tmp_path, key
):
    from ingestion.synthetic.registry import generate_registry

    valid = tmp_path / "valid" / "registry"
    generate_registry(valid, ["202406"], rows_per_month=200_000, seed=11, gzip_months={"202406"}, jobtracks=False)
    [loaded], valid_peak = ingest_measured(valid.parent)
    assert loaded["status"] == "loaded" and loaded["n_rows"] >= 200_000

    hostile = tmp_path / "hostile" / "registry"
    bomb = gzip_bomb(registry_month(hostile, "sokande_202407.txt.gz", b""))
    assert bomb.stat().st_size < 2 * 2**20
    [rejected], bomb_peak = ingest_measured(hostile.parent)
    report = report_of(rejected)
    assert "sokande_202407.txt.gz: filen är komprimerad mer än 200 gånger" in report
    assert "(MAX_COMPRESSION_RATIO)" in report
    assert fetch(db_url, "select manad::text from meta.registry_months") == [("2024-06-01",)]
    print(
        f"peak RSS: valid month of 200 000 rows {valid_peak / 2**20:.0f} MiB, 1 GiB gzip bomb {bomb_peak / 2**20:.0f} MiB"
    )
    assert bomb_peak < 2**30 / 4  # far below what the bomb unpacks to
    # about what a valid month takes (a national one of 700 000 rows: 84 MiB): one block of blank lines is
    # more lines to validate than one of rows (measured 110 MiB), and the read stops in the second block
    assert bomb_peak < valid_peak + 64 * 2**20


def test_a_gzip_that_unpacks_to_more_than_the_limit_is_rejected_naming_it(
    db_url, quarantine, tmp_path, monkeypatch, key
):
    monkeypatch.setenv("MAX_UNPACKED_BYTES", "100000")
    landing = tmp_path / "landing" / "registry"
    registry_month(landing, "sokande_202407.txt.gz", (REGISTRY / "sokande_202407.txt.gz").read_bytes())
    [outcome] = sources.ingest("registry", landing.parent)
    assert "sokande_202407.txt.gz: filen packas upp till mer än 100\xa0000 byte" in report_of(outcome)
    assert "(MAX_UNPACKED_BYTES)" in report_of(outcome)
    assert fetch(db_url, "select count(*) from raw.registry_jobseekers") == [(0,)]


def test_a_registry_extract_over_the_row_limit_is_rejected_naming_it(db_url, quarantine, tmp_path, monkeypatch, key):
    monkeypatch.setenv("REGISTRY_MAX_ROWS", "1000")
    landing = tmp_path / "landing" / "registry"
    registry_month(landing, "sokande_202406.txt")
    [outcome] = sources.ingest("registry", landing.parent)
    assert "fler än 1\xa0000 rader" in report_of(outcome) and "(REGISTRY_MAX_ROWS)" in report_of(outcome)
    assert fetch(db_url, "select count(*) from raw.registry_jobseekers") == [(0,)]


# --- semicolon files -----------------------------------------------------------------------------------------


def test_a_field_over_the_limit_rejects_its_delivery_and_the_other_loads(db_url, quarantine, tmp_path):
    landing = tmp_path / "landing" / "agreement_register"
    shutil.copytree(SNAPSHOT_1, landing / SNAPSHOT_1.name)
    shutil.copytree(SNAPSHOT_2, landing / SNAPSHOT_2.name)
    agreements = landing / SNAPSHOT_2.name / "overenskommelser.csv"
    header, first, *rest = agreements.read_text(encoding="utf-8-sig").splitlines()
    # 100 000 characters: under csv's own limit (128 Ki), so the old reader took it in; over MAX_FIELD_CHARS
    agreements.write_text("\n".join([header, first + "x" * 100_000, *rest]) + "\n", encoding="utf-8")
    outcomes = {o["delivery"]: o for o in sources.ingest("agreement_register", landing.parent)}
    assert outcomes[SNAPSHOT_1.name]["status"] == "loaded"
    report = report_of(outcomes[SNAPSHOT_2.name])
    assert "overenskommelser.csv: rad 2 har ett fält som är längre än 65\xa0536 tecken" in report
    assert "(MAX_FIELD_CHARS)" in report
    assert "x" * 100 not in report


def test_a_delivery_folder_larger_than_the_unpacked_limit_is_refused_before_it_is_read(
    db_url, quarantine, tmp_path, monkeypatch
):
    """A folder is read whole, as a zip is: the same limit on what it holds, checked on the files' sizes."""
    monkeypatch.setenv("MAX_UNPACKED_BYTES", str(2**20))
    landing = tmp_path / "landing" / "agreement_register"
    shutil.copytree(SNAPSHOT_1, landing / SNAPSHOT_1.name)
    with open(landing / SNAPSHOT_1.name / "overenskommelser.csv", "ab") as grown:
        grown.write(b";" * 2**20)
    [outcome] = sources.ingest("agreement_register", landing.parent)
    assert "leveransens filer är tillsammans 1 MiB; högst 1 MiB tas emot (MAX_UNPACKED_BYTES)" in report_of(outcome)


def test_a_file_over_the_row_limit_rejects_its_delivery_naming_it(db_url, quarantine, tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_ROWS_PER_FILE", "20")  # overenskommelse_parter.csv has 33 rows
    landing = tmp_path / "landing" / "agreement_register"
    shutil.copytree(SNAPSHOT_1, landing / SNAPSHOT_1.name)
    [outcome] = sources.ingest("agreement_register", landing.parent)
    report = report_of(outcome)
    assert "overenskommelse_parter.csv: filen har fler än 20 rader" in report and "(MAX_ROWS_PER_FILE)" in report
    assert "overenskommelser.csv" not in report  # 10 rows: within the limit
    assert fetch(db_url, "select count(*) from meta.load_audit") == [(0,)]


def test_a_job_track_file_over_the_row_limit_rejects_the_pair_naming_it(db_url, quarantine, tmp_path, monkeypatch, key):
    monkeypatch.setenv("MAX_ROWS_PER_FILE", "100")  # jobbspar_deltagare_202406.csv has 609 rows
    landing = tmp_path / "landing" / "registry"
    landing.mkdir(parents=True)
    for name in ("jobbspar_202406.csv", "jobbspar_deltagare_202406.csv"):
        shutil.copy(REGISTRY / name, landing / name)
    [outcome] = sources.ingest("registry", landing.parent)
    report = report_of(outcome)
    assert "jobbspar_deltagare_202406.csv: filen har fler än 100 rader" in report
    assert "(MAX_ROWS_PER_FILE)" in report
    assert fetch(db_url, "select count(*) from raw.registry_jobtracks") == [(0,)]


def test_a_code_list_field_over_the_limit_rejects_that_month_naming_it(db_url, quarantine, tmp_path, key):
    """A code-list field over 128 KiB was an unforeseen csv error (`oväntat fel`); now the limit is named."""
    landing = tmp_path / "landing" / "registry"
    registry_month(landing / "good", "sokande_202406.txt")
    registry_month(landing / "long", "sokande_202407.txt", JUNE.read_bytes().replace(b"|202406|", b"|202407|"))
    categories = landing / "long" / "sokandekategorier.csv"
    categories.write_text(categories.read_text(encoding="utf-8") + "42;" + "x" * 200_000 + ";ovriga\n", "utf-8")
    outcomes = {o["delivery"]: o for o in sources.ingest("registry", landing.parent)}
    assert outcomes["sokande_202406.txt"]["status"] == "loaded"
    report = report_of(outcomes["sokande_202407.txt"])
    assert "MAX_FIELD_CHARS" in report and "oväntat fel" not in report
