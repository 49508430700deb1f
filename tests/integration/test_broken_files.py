"""Issue 11: every bad file is quarantined with a Swedish report, and nothing else is held up. A damaged zip,
a file named .gz that is not gzip, a gzip cut short, a code list in another encoding, a job-track count in
Unicode digits: each rejects its own delivery (no traceback), and the other deliveries of the run load."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import FIXTURES, SNAPSHOT_1

from ingestion import sources
from ingestion.privacy import pseudonym


def fetch(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_a_damaged_zip_is_rejected_and_the_other_snapshot_loads(db_url, quarantine, tmp_path):
    landing = tmp_path / "landing" / "agreement_register"
    shutil.copytree(SNAPSHOT_1, landing / SNAPSHOT_1.name)
    (landing / "overenskommelser_2024-12-31.zip").write_bytes(b"PK\x03\x04" + b"not really a zip" * 20)
    outcomes = {o["delivery"]: o for o in sources.ingest("agreement_register", landing.parent)}
    assert outcomes[SNAPSHOT_1.name]["status"] == "loaded"
    broken = outcomes["overenskommelser_2024-12-31"]
    assert broken["status"] == "rejected"
    report = Path(broken["report"]).read_text(encoding="utf-8")
    assert "går inte att öppna som zip-arkiv" in report and "har avvisats" in report
    # recognised next time by its bytes: not tried again
    assert sources.find_new("agreement_register", landing.parent) == [str(landing / "overenskommelser_2024-12-31.zip")]


@pytest.fixture
def key(monkeypatch) -> None:
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, "test-key-" + "0123456789" * 4)


def registry_month(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for code_list in ("sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
        shutil.copy(FIXTURES / "registry" / code_list, folder / code_list)
    (folder / name).write_bytes(data)


def test_damaged_registry_files_are_rejected_one_by_one_and_the_good_month_loads(db_url, quarantine, tmp_path, key):
    landing = tmp_path / "landing" / "registry"
    june = (FIXTURES / "registry" / "sokande_202406.txt").read_bytes()
    registry_month(landing / "good", "sokande_202406.txt", june)
    registry_month(landing / "not_gzip", "sokande_202407.txt.gz", june[:5000])
    registry_month(landing / "cut", "sokande_202408.txt.gz", gzip.compress(june)[:20000])
    registry_month(landing / "cp1252", "sokande_202409.txt", june.replace(b"|202406|", b"|202409|"))
    categories = landing / "cp1252" / "sokandekategorier.csv"  # "Öppet arbetslös" in Windows-1252, not UTF-8
    categories.write_bytes(categories.read_text(encoding="utf-8").encode("cp1252"))
    outcomes = {o["delivery"] + o["snapshot_date"]: o for o in sources.ingest("registry", landing.parent)}
    status = {name: o["status"] for name, o in outcomes.items()}
    assert status == {
        "sokande_202406.txt2024-06-01": "loaded",
        "sokande_202407.txt.gz2024-07-01": "rejected",
        "sokande_202408.txt.gz2024-08-01": "rejected",
        "sokande_202409.txt2024-09-01": "rejected",
    }
    reports = {
        name: Path(o["report"]).read_text(encoding="utf-8") for name, o in outcomes.items() if o["status"] == "rejected"
    }
    assert "inte gzip-komprimerad" in reports["sokande_202407.txt.gz2024-07-01"]
    assert "tar slut för tidigt" in reports["sokande_202408.txt.gz2024-08-01"]
    assert "teckenkodning" in reports["sokande_202409.txt2024-09-01"]
    assert fetch(db_url, "select extract, manad::text from meta.registry_months") == [("sokande", "2024-06-01")]
    assert fetch(db_url, "select count(*) from raw.registry_jobseekers where manad <> '2024-06-01'") == [(0,)]


def test_a_job_track_count_in_unicode_digits_rejects_that_snapshot_only(db_url, quarantine, tmp_path, key):
    landing = tmp_path / "landing" / "registry"
    landing.mkdir(parents=True)
    tracks = (FIXTURES / "registry" / "jobbspar_202406.csv").read_text(encoding="utf-8").splitlines()
    header, first, *rest = tracks
    assert header.endswith("antal_arbetsgivare")
    (landing / "jobbspar_202406.csv").write_text(
        "\n".join([header, first.rsplit(";", 1)[0] + ";²", *rest]) + "\n", encoding="utf-8"
    )
    shutil.copy(FIXTURES / "registry" / "jobbspar_deltagare_202406.csv", landing / "jobbspar_deltagare_202406.csv")
    [outcome] = sources.ingest("registry", landing.parent)
    assert outcome["status"] == "rejected"
    assert "kolumn antal_arbetsgivare: antal_arbetsgivare ska vara ett heltal" in Path(outcome["report"]).read_text(
        encoding="utf-8"
    )
    assert fetch(db_url, "select count(*) from raw.registry_jobtracks") == [(0,)]


def test_a_damaged_zip_moved_to_quarantine_keeps_its_checksum(db_url, quarantine, tmp_path, monkeypatch):
    """In move mode the delivery leaves the landing folder: its outcome still names it by its bytes."""
    import hashlib

    monkeypatch.setenv("QUARANTINE_MODE", "move")
    landing = tmp_path / "landing" / "agreement_register"
    landing.mkdir(parents=True)
    data = b"PK\x03\x04" + b"not really a zip" * 20
    (landing / "overenskommelser_2024-12-31.zip").write_bytes(data)
    [outcome] = sources.ingest("agreement_register", landing.parent)
    assert outcome["status"] == "rejected" and not (landing / "overenskommelser_2024-12-31.zip").exists()
    assert outcome["checksum"] == hashlib.sha256(data).hexdigest()
