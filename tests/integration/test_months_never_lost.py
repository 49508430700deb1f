"""Registry months are never lost (issue 11): an empty or cut re-delivery is refused and the month keeps its
rows; a smaller month loads only with an explicit, audited override; a version sent again is restored; a
code-list change is loaded on its own, without reloading the months, and dbt rebuilds the months using it."""

from __future__ import annotations

import gzip
import shutil
import time
from pathlib import Path

import psycopg
import pytest
from conftest import REGISTRY_MODELS

from ingestion.orchestration.transform import dbt_build
from ingestion.privacy import pseudonym
from ingestion.sources.registry import pipeline as registry_pipeline

FIXTURES = Path(__file__).parents[1] / "fixtures" / "registry"
JUNE = "2024-06-01"


@pytest.fixture
def key(monkeypatch) -> None:
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, "test-key-" + "0123456789" * 4)


@pytest.fixture
def folder(tmp_path, key) -> Path:
    """A landing folder with the code lists and June (3 000 rows) loaded."""
    target = tmp_path / "landing" / "registry"
    target.mkdir(parents=True)
    for name in ("sokandekategorier.csv", "avaktualiseringsorsaker.csv", "sokande_202406.txt"):
        shutil.copy(FIXTURES / name, target)
    [outcome] = registry_pipeline.ingest(target.parent)
    assert outcome["status"] == "loaded"
    return target


def june(url: str) -> tuple:
    """(rows visible for June, its load in force, the load of its rows, rows recorded)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            """select (select count(*) from raw.registry_jobseekers where manad = %(m)s), load_id, rows_load_id, n_rows
               from meta.registry_months where extract = 'sokande' and manad = %(m)s""",
            {"m": JUNE},
        ).fetchone()


def resend(path: Path, data: bytes) -> None:
    """A delivery arriving now (its change time later than the load in force)."""
    time.sleep(0.01)
    path.write_bytes(data)


def lines_of_june() -> tuple[bytes, list[bytes]]:
    header, *lines = (FIXTURES / "sokande_202406.txt").read_bytes().split(b"\r\n")
    good = [line for number, line in enumerate(lines, start=2) if number not in (19, 402) and line]
    return header, good


@pytest.mark.parametrize(
    "name, data",
    [
        ("sokande_202406.txt", lines_of_june()[0] + b"\r\n"),  # the header only
        ("sokande_202406.txt.gz", gzip.compress(lines_of_june()[0] + b"\r\n" * 5000)),  # header, blank lines
    ],
    ids=["header-only", "blank-lines-gzip"],
)
def test_a_month_without_rows_is_rejected_and_the_month_keeps_its_rows(db_url, quarantine, folder, name, data):
    before = june(db_url)
    assert before[0] == before[3] == 3000
    (folder / "sokande_202406.txt").unlink()
    resend(folder / name, data)
    [outcome] = registry_pipeline.ingest(folder.parent)
    assert outcome["status"] == "rejected"
    report = Path(outcome["report"]).read_text(encoding="utf-8")
    assert "inga datarader" in report and "3 000 rader" in report.replace("\xa0", " ")
    assert june(db_url) == before


def test_a_cut_month_is_rejected_until_an_override_allows_it_and_the_override_is_audited(
    db_url, quarantine, folder, monkeypatch
):
    monkeypatch.setenv("QUARANTINE_MODE", "move")
    before = june(db_url)
    header, good = lines_of_june()
    cut = b"\r\n".join([header, *good[:900]]) + b"\r\n"  # 30 % of June: a file cut off in the upload
    resend(folder / "sokande_202406.txt", cut)
    [outcome] = registry_pipeline.ingest(folder.parent)
    assert outcome["status"] == "rejected"
    report = Path(outcome["report"]).read_text(encoding="utf-8").replace("\xa0", " ")
    assert "900 rader, 30,0 % av de 3 000" in report and "under 50 % (REGISTRY_MIN_SHARE)" in report
    assert "python -m ingestion registry allow-shrink sokande_202406.txt" in report
    assert june(db_url) == before
    assert not (folder / "sokande_202406.txt").exists()  # moved to the quarantine

    # the engineer confirms that the smaller month is right and puts the file back
    quarantined = quarantine / "registry" / "sokande_202406.txt"
    message = registry_pipeline.allow_shrink(quarantined, "kommunen har slagits samman (ärende 2024/17)")
    assert "Tillåtet" in message
    shutil.copy(quarantined, folder / "sokande_202406.txt")
    [outcome] = registry_pipeline.ingest(folder.parent)
    assert outcome["status"] == "loaded" and outcome["n_rows"] == 900
    assert june(db_url)[0] == 900
    with psycopg.connect(db_url) as conn:
        note, load_id = conn.execute(
            "select a.note, o.load_id from meta.registry_overrides o join meta.load_audit a on a.load_id = o.load_id"
        ).fetchone()
    assert load_id == outcome["load_id"]
    assert "minskning tillåten av" in note and "ärende 2024/17" in note


def test_a_version_sent_again_is_restored_and_old_copies_are_not_reloaded(db_url, quarantine, folder):
    original = (folder / "sokande_202406.txt").read_bytes()
    first = june(db_url)
    header, good = lines_of_june()
    # a wrong re-delivery that passes the guard (two thirds of the month), in a folder of its own ...
    (folder / "b").mkdir()
    resend(folder / "b" / "sokande_202406.txt", b"\r\n".join([header, *good[:2000]]) + b"\r\n")
    [outcome] = registry_pipeline.ingest(folder.parent)
    assert outcome["status"] == "loaded" and june(db_url)[0] == 2000
    # the original, still lying where it was, arrived before the version in force: not loaded again
    assert registry_pipeline.find_new(folder.parent) == []
    # ... and the original sent again: no longer "already loaded", its version comes back as a new load
    (folder / "c").mkdir()
    resend(folder / "c" / "sokande_202406.txt", original)
    assert registry_pipeline.find_new(folder.parent) == ["202406"]
    [outcome] = registry_pipeline.ingest(folder.parent)
    assert outcome["status"] == "loaded"
    restored = june(db_url)
    assert restored[0] == first[0] and restored[3] == 3000 and restored[1] > first[1]
    with psycopg.connect(db_url) as conn:
        version, note = conn.execute(
            "select version, note from meta.load_audit where load_id = %s", (restored[1],)
        ).fetchone()
    assert version == 2 and "återställer" in note
    # every copy now arrived before the version in force: the next runs find nothing (no flip-flop)
    assert registry_pipeline.find_new(folder.parent) == []
    assert registry_pipeline.ingest(folder.parent) == []


def test_a_code_list_change_reloads_no_month_and_the_build_uses_it(db_url, quarantine, tmp_path, key):
    folder = tmp_path / "landing" / "registry"
    folder.mkdir(parents=True)
    for name in ("sokandekategorier.csv", "avaktualiseringsorsaker.csv", "sokande_202406.txt", "sokande_202407.txt.gz"):
        shutil.copy(FIXTURES / name, folder)
    assert {o["status"] for o in registry_pipeline.ingest(folder.parent)} == {"loaded"}
    dbt_build(db_url, select=REGISTRY_MODELS)

    def unemployed() -> dict:
        with psycopg.connect(db_url) as conn:
            return dict(
                conn.execute(
                    """select manad::text, count(*) filter (where is_registered_unemployed)
                       from restricted.fct_jobseeker_month group by 1"""
                ).fetchall()
            )

    def registry_months() -> dict:
        with psycopg.connect(db_url) as conn:
            return {
                m: (load, rows)
                for m, load, rows in conn.execute("select manad::text, load_id, rows_load_id from meta.registry_months")
            }

    before, months_before = unemployed(), registry_months()
    with psycopg.connect(db_url) as conn:
        jobseeker_tables = conn.execute(
            "select count(*) from pg_inherits where inhparent = 'raw.registry_jobseekers'::regclass"
        ).fetchone()[0]
    # one line of the shared code list changes: category 11 is no longer counted as openly unemployed
    categories = folder / "sokandekategorier.csv"
    resend(
        categories,
        categories.read_text(encoding="utf-8")
        .replace("11;Öppet arbetslös;oppet_arbetslos", "11;Öppet arbetslös;ovriga")
        .encode(),
    )
    assert registry_pipeline.find_new(folder.parent) == [registry_pipeline.CODE_LISTS]
    [outcome] = registry_pipeline.ingest(folder.parent)
    assert outcome["status"] == "loaded" and outcome["delivery"] == "sokandekategorier.csv"
    after = registry_months()
    for month, (load_id, rows_load_id) in months_before.items():
        assert after[month][1] == rows_load_id  # the rows are those already loaded: nothing reloaded
        assert after[month][0] == outcome["load_id"] > load_id  # the load in force changed: dbt rebuilds it
    with psycopg.connect(db_url) as conn:
        assert (
            conn.execute(
                "select count(*) from pg_inherits where inhparent = 'raw.registry_jobseekers'::regclass"
            ).fetchone()[0]
            == jobseeker_tables
        )
    assert registry_pipeline.find_new(folder.parent) == []
    dbt_build(db_url, select=REGISTRY_MODELS)
    rebuilt = unemployed()
    assert set(rebuilt) == set(before)
    assert all(rebuilt[m] < before[m] for m in before)  # category 11 left the registered unemployed


def test_a_code_list_that_drops_a_code_in_use_is_rejected_and_the_months_keep_theirs(db_url, quarantine, folder):
    before = june(db_url)
    categories = folder / "sokandekategorier.csv"
    text = categories.read_text(encoding="utf-8")
    resend(categories, "\n".join(line for line in text.splitlines() if not line.startswith("11;")).encode() + b"\n")
    [outcome] = registry_pipeline.ingest(folder.parent)
    assert outcome["status"] == "rejected"
    assert "koden 11 används i inlästa månader" in Path(outcome["report"]).read_text(encoding="utf-8")
    assert june(db_url) == before


def test_the_share_that_guards_a_month_is_a_setting(db_url, quarantine, folder, monkeypatch):
    monkeypatch.setenv("REGISTRY_MIN_SHARE", "0.2")  # 30 % of the month passes when 20 % is enough
    header, good = lines_of_june()
    resend(folder / "sokande_202406.txt", b"\r\n".join([header, *good[:900]]) + b"\r\n")
    [outcome] = registry_pipeline.ingest(folder.parent)
    assert outcome["status"] == "loaded" and june(db_url)[0] == 900
